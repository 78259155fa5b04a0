/**
 * Which intents a message carries, from the per-language tables. The user's language is asked first,
 * then the others (people type in their own language whatever the interface says), English last.
 */
import { LOCALES, type LocaleId } from '../../contracts';
import { INTENTS } from '../../../dialogs/types';
import type { Intent } from '../../../dialogs/types';
import { PhraseIndex, entries, longestWins } from './phrase-matcher';
import type { MatchMode, PhraseEntry, PhraseMatch, PreparedText } from './phrase-matcher';
import type { UnderstandingTable } from './understanding-table';

/** One language's intent phrases, indexed. */
export type IntentIndex = PhraseIndex<Intent>;

/** Indexes a table's intent phrases. */
export function compileIntents(table: UnderstandingTable): IntentIndex {
  const all: Array<PhraseEntry<Intent>> = [];
  for (const intent of INTENTS) {
    const { exact, start, anywhere } = table.intents[intent];
    all.push(...entries(exact, 'exact', intent), ...entries(start, 'start', intent), ...entries(anywhere, 'anywhere', intent));
  }
  return new PhraseIndex(all);
}

/**
 * In another language's table a phrase that only counts at the start ("si", "ja", "no") is trusted in
 * short messages only: "si le site ne marche pas" is French, not a Spanish yes.
 */
const FOREIGN_START_MAX_WORDS = 4;
const OWN_MODES: ReadonlySet<MatchMode> = new Set<MatchMode>(['exact', 'start', 'anywhere']);
const FOREIGN_LONG_MODES: ReadonlySet<MatchMode> = new Set<MatchMode>(['exact', 'anywhere']);

/** Answers that cannot both be meant; the later one stands ("ok I did that, still getting 502" is a no). */
const OPPOSITES: ReadonlyArray<readonly [Intent, Intent]> = [['yes', 'no']];

/** Intents found by one table, overlaps settled by the longest phrase, in `INTENTS` order. */
export function intentsIn(index: IntentIndex, text: PreparedText, modes: ReadonlySet<MatchMode> = OWN_MODES): Intent[] {
  const all = index.find(text, modes);
  const kept = longestWins(all);
  const found = new Set(kept.map((match) => match.value));
  for (const [one, other] of OPPOSITES) {
    if (found.has(one) && found.has(other)) found.delete(lastStart(kept, one) > lastStart(kept, other) ? other : one);
  }
  // "it's back?", "¿ya volvió?", "もう直りましたか": a sentence that would say the site works, asked, asks to check.
  // Every candidate counts here: "ya funciona" is listed both as an answer at the start and as a sentence anywhere.
  const saysItWorks = found.has('yes') && all.some((match) => match.value === 'yes' && match.mode === 'anywhere');
  if (saysItWorks && isQuestion(text) && !all.some((match) => match.value === 'yes' && match.mode === 'exact')) {
    found.delete('yes');
    found.add('recheck');
  }
  return INTENTS.filter((intent) => found.has(intent));
}

/** Japanese questions end in か (かな, ですか) with or without a question mark. */
const QUESTION_ENDINGS: readonly string[] = ['?', '？', 'か', 'かな', 'かね'];

/** Whether a message is a question: a question mark at its end, or a Japanese question particle. */
export function isQuestion(text: PreparedText): boolean {
  return QUESTION_ENDINGS.some((ending) => text.symbols.endsWith(ending) || text.form.endsWith(ending));
}

function lastStart(matches: ReadonlyArray<PhraseMatch<Intent>>, intent: Intent): number {
  return Math.max(...matches.filter((match) => match.value === intent).map((match) => match.start));
}

/** The order in which tables are asked for a user of `locale`: theirs, the others, English. */
export function tableOrder(locale: LocaleId): LocaleId[] {
  const others = LOCALES.filter((other) => other !== locale && other !== 'en');
  return locale === 'en' ? ['en', ...others] : [locale, ...others, 'en'];
}

/** Intents of a message: the first table (in `tableOrder`) that finds any wins. */
export function detectIntents(indexes: Readonly<Record<LocaleId, IntentIndex>>, text: PreparedText, locale: LocaleId): Intent[] {
  if (text.form === '' && text.symbols === '') return [];
  for (const candidate of tableOrder(locale)) {
    const modes = candidate === locale || text.wordCount <= FOREIGN_START_MAX_WORDS ? OWN_MODES : FOREIGN_LONG_MODES;
    const intents = intentsIn(indexes[candidate], text, modes);
    if (intents.length > 0) return intents;
  }
  return [];
}
