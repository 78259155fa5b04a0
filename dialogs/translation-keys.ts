/**
 * The i18n keys the bot may say, as types derived from locales/en/translation.json (the reference every
 * other language is checked against, test/locales/translation-parity.test.ts): a reply key with a typo,
 * or one built from an id that has no string, is a compile error rather than raw key text in a chat.
 */
import type english from '../locales/en/translation.json';
import type { Choice, Draft, DraftLine, Fact, Reply } from './types';

/** i18next asks for `items` and picks `items_one` / `items_other` itself, so a plural base is a key too. */
type WithPluralBase<K extends string> = K extends `${infer Base}_${'zero' | 'one' | 'two' | 'few' | 'many' | 'other'}` ? Base | K : K;

/** Dotted paths to every string leaf of a translation tree. */
type LeafPaths<T> = {
  [K in keyof T & string]: T[K] extends string ? WithPluralBase<K> : `${K}.${LeafPaths<T[K]>}`;
}[keyof T & string];

/** A key of locales/en/translation.json, e.g. `user.down.behindCdn`. */
export type TranslationKey = LeafPaths<typeof english>;

/** The last segments of the keys under `prefix`: `KeysUnder<'fact'>` is `'status' | 'dnsMs' | ...`. */
export type KeysUnder<Prefix extends string> = TranslationKey extends infer K
  ? K extends `${Prefix}.${infer Rest}`
    ? Rest
    : never
  : never;

/** The prefixes that have a key ending in `.<suffix>`: `PrefixesOf<'touch'>` includes `'step.reload'`. */
export type PrefixesOf<Suffix extends string> = TranslationKey extends infer K
  ? K extends `${infer Prefix}.${Suffix}`
    ? Prefix
    : never
  : never;

/** A button whose label the compiler checks. */
export interface KeyedChoice extends Choice {
  labelKey: TranslationKey;
}

/** A fact whose label the compiler checks. */
export interface KeyedFact extends Fact {
  labelKey: TranslationKey;
}

/** A draft line whose key and terms the compiler checks. */
export interface KeyedDraftLine extends DraftLine {
  key: TranslationKey;
  terms?: Record<string, TranslationKey[]>;
}

/** A draft whose key, terms and lines the compiler checks. */
export interface KeyedDraft extends Draft {
  key: TranslationKey;
  terms?: Record<string, TranslationKey[]>;
  lines?: Record<string, KeyedDraftLine[]>;
}

/**
 * A reply whose every i18n key (sentence, terms, buttons, fact labels, draft) the compiler checks. The
 * machines emit only these; channels still render any `Reply`, so their tests may use made-up keys.
 */
export interface KeyedReply extends Reply {
  key: TranslationKey;
  terms?: Record<string, TranslationKey[]>;
  choices?: KeyedChoice[];
  facts?: KeyedFact[];
  draft?: KeyedDraft;
}

/** A reply before the choices of the state it is said in are put on it (see `withChoices`). */
export type KeyedLine = Omit<KeyedReply, 'choices'>;
