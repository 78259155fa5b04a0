/**
 * The language a message is plainly written in, from the everyday words each language's table lists as its
 * markers (`languages.markers`: "the", "still"; "nicht", "immer"; "toujours", "pas") and, for Japanese, its
 * kana. What a person types decides the language over page and browser hints, but only once it is clear:
 * a word or two shared by several languages ("no", "ok", "Firefox") decides nothing.
 */
import { LOCALES, type LocaleId } from '../../contracts';
import type { PreparedText } from './phrase-matcher';
import { matchForm } from './normalise';
import type { UnderstandingTable } from './understanding-table';

/** Each language's marker words, in match form. */
export type MarkerIndex = ReadonlyMap<string, readonly LocaleId[]>;

/** Distinct marker words a language needs, and how far ahead of the next language it must be. */
const MIN_MARKERS = 2;
/** Hiragana or katakana (not kanji, which Chinese shares): Japanese prose always has some. */
const KANA = /[\p{sc=Hiragana}\p{sc=Katakana}]/gu;
const MIN_KANA = 2;

/** Indexes the marker words of every table (a word several languages list counts for each). */
export function compileMarkers(tables: Readonly<Record<LocaleId, UnderstandingTable>>): MarkerIndex {
  const index = new Map<string, LocaleId[]>();
  for (const locale of LOCALES) {
    for (const word of tables[locale].languages.markers) {
      const form = matchForm(word);
      index.set(form, [...(index.get(form) ?? []), locale]);
    }
  }
  return index;
}

/**
 * The language of `text`, when it is clear: Japanese by its kana; otherwise the language with at least
 * two distinct marker words and more than twice as many as any other.
 */
export function detectWrittenIn(index: MarkerIndex, text: PreparedText): LocaleId | undefined {
  const { form } = text;
  if (form === '') return undefined;
  let kana = 0;
  for (const _ of form.matchAll(KANA)) if (++kana >= MIN_KANA) return 'ja';
  const seen = new Set<string>();
  const scores = new Map<LocaleId, number>();
  for (const word of form.split(' ')) {
    if (seen.has(word)) continue;
    seen.add(word);
    for (const locale of index.get(word) ?? []) scores.set(locale, (scores.get(locale) ?? 0) + 1);
  }
  const ranked = [...scores].sort(([, a], [, b]) => b - a);
  const [first, second] = ranked;
  if (first === undefined || first[1] < MIN_MARKERS) return undefined;
  return first[1] > 2 * (second?.[1] ?? 0) ? first[0] : undefined;
}
