/**
 * "español", "auf Deutsch bitte", "switch to german", "日本語でお願いします": a message that is a language
 * name and nothing but the words people put around such a request. Any other word ("Firefox in English
 * on Windows") means the name was mentioned, not asked for.
 */
import { LOCALES, type LocaleId } from '../../contracts';
import { PhraseIndex, entries } from './phrase-matcher';
import type { PhraseEntry, PreparedText } from './phrase-matcher';
import type { UnderstandingTable } from './understanding-table';

/** A request to switch has a few words at most; a longer message is about something else. */
const MAX_WORDS = 8;
const MAX_CHARS = 60;

/** Language names (valued with their locale) and filler words (valued `null`) from every table. */
export type LanguageIndex = PhraseIndex<LocaleId | null>;

/** Indexes the language names and fillers of all tables (a name in any language switches to it). */
export function compileLanguages(tables: Readonly<Record<LocaleId, UnderstandingTable>>): LanguageIndex {
  const all: Array<PhraseEntry<LocaleId | null>> = [];
  for (const source of LOCALES) {
    const { names, fillers } = tables[source].languages;
    for (const locale of LOCALES) all.push(...entries(names[locale], 'anywhere', locale));
    all.push(...entries(fillers, 'anywhere', null));
  }
  return new PhraseIndex(all);
}

/** The language a message asks to switch to, if it does. */
export function detectLanguageSwitch(index: LanguageIndex, text: PreparedText): LocaleId | undefined {
  const { form } = text;
  if (form === '' || text.wordCount > MAX_WORDS || form.length > MAX_CHARS) return undefined;
  const matches = index.find(text);
  let first: { locale: LocaleId; start: number } | undefined;
  const covered = new Array<boolean>(form.length).fill(false);
  for (const match of matches) {
    covered.fill(true, match.start, match.end);
    if (match.value !== null && (first === undefined || match.start < first.start)) {
      first = { locale: match.value, start: match.start };
    }
  }
  if (first === undefined) return undefined;
  for (let at = 0; at < form.length; at += 1) {
    if (form.charAt(at) !== ' ' && covered[at] !== true) return undefined;
  }
  return first.locale;
}
