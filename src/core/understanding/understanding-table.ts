/**
 * The per-language tables in `locales/<lng>/understanding.json`: their schema, and loading them once at
 * start-up. A broken table stops the process with the file and the path of the bad entry, because a
 * silently missing phrase list would only show up as a bot that no longer understands "yes".
 */
import { z } from 'zod';
import { LOCALES, type LocaleId } from '../../contracts';
import { BROWSERS, INTENTS, OPERATING_SYSTEMS, VARIANTS } from '../../../dialogs/types';
import en from '../../../locales/en/understanding.json';
import es from '../../../locales/es/understanding.json';
import fr from '../../../locales/fr/understanding.json';
import de from '../../../locales/de/understanding.json';
import ptBR from '../../../locales/pt-BR/understanding.json';
import ja from '../../../locales/ja/understanding.json';

const phrase = z.string().trim().min(1, 'a phrase cannot be empty');
const phrases = z.array(phrase);

/**
 * Phrases for one intent, by where they count:
 * - `exact`: only when they are the whole message ("y", "next"),
 * - `start`: when the message begins with them ("no, still broken", "yes please"),
 * - `anywhere`: wherever they stand ("tell me when it's back", "that fixed it").
 * Latin-script phrases match whole words only; Japanese phrases match as substrings.
 */
const intentPhrases = z
  .strictObject({
    exact: phrases.default([]),
    start: phrases.default([]),
    anywhere: phrases.default([]),
  })
  .refine((entry) => entry.exact.length + entry.start.length + entry.anywhere.length > 0, {
    message: 'an intent needs at least one phrase',
  });

const intentTable = z.strictObject(
  Object.fromEntries(INTENTS.map((intent) => [intent, intentPhrases])) as Record<(typeof INTENTS)[number], typeof intentPhrases>,
);

/** Each language's table names all six languages in its own words. */
const languageNames = z.strictObject(
  Object.fromEntries(LOCALES.map((locale) => [locale, phrases.min(1)])) as Record<LocaleId, z.ZodArray<typeof phrase>>,
);

export const understandingTableSchema = z.strictObject({
  intents: intentTable,
  languages: z.strictObject({
    names: languageNames,
    /** Words that may stand around a language name in a request to switch ("switch to", "please"). */
    fillers: phrases.min(1),
    /**
     * Everyday words that mark a message as written in this language ("nicht", "toujours"): single words,
     * and rarely found in the other five, since a message is only taken as this language when they agree.
     */
    markers: z.array(phrase.regex(/^\S+$/u, 'a marker is one word')).min(10),
  }),
  /** Sending a form, paying, ordering, booking. */
  submitting: phrases.min(1),
  /** How this language writes the 502 variants (the shared patterns live in variants.ts). */
  variants: z.partialRecord(z.enum(VARIANTS), phrases),
  /** Local spellings of browsers and systems ("クローム"); the brand names are shared in client-tables.ts. */
  clients: z
    .strictObject({
      browsers: z.partialRecord(z.enum(BROWSERS), phrases).default({}),
      os: z.partialRecord(z.enum(OPERATING_SYSTEMS), phrases).default({}),
    })
    .default({ browsers: {}, os: {} }),
});

/** One language's understanding table, as validated. */
export type UnderstandingTable = z.infer<typeof understandingTableSchema>;

/** Validates one table; throws an error naming `source` and every bad path. */
export function parseUnderstandingTable(raw: unknown, source: string): UnderstandingTable {
  const result = understandingTableSchema.safeParse(raw);
  if (!result.success) {
    throw new Error(`Invalid understanding table ${source}:\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}

const RAW_TABLES: Record<LocaleId, unknown> = { en, es, fr, de, 'pt-BR': ptBR, ja };

/** Every language's table, validated when this module is first loaded. */
export const UNDERSTANDING_TABLES: Readonly<Record<LocaleId, UnderstandingTable>> = Object.freeze(
  Object.fromEntries(
    LOCALES.map((locale) => [locale, parseUnderstandingTable(RAW_TABLES[locale], `locales/${locale}/understanding.json`)]),
  ) as Record<LocaleId, UnderstandingTable>,
);
