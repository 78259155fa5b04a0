/**
 * Finding table phrases in a message. Phrases and messages are both put in `matchForm`, where words are
 * separated by single spaces (a space is also put between Japanese and Latin text), so a Latin phrase
 * matches whole words only ("no" is not found in "nothing", "ja" not in "jardin") and a Japanese phrase
 * matches anywhere inside a run of Japanese text, which has no spaces between words.
 *
 * Matching is a scan over the message with the phrases indexed by first character, not one regular
 * expression per phrase: understanding runs on every turn, and an alternation of hundreds of phrases
 * with Unicode-aware boundaries costs milliseconds on Japanese text.
 */
import { matchForm } from './normalise';

/** Where a phrase counts: the whole message, its beginning, or anywhere. */
export type MatchMode = 'exact' | 'start' | 'anywhere';

/** A stretch of the match form that a phrase covered. */
export interface Span {
  start: number;
  end: number;
}

/** One phrase to index, with what it means. */
export interface PhraseEntry<T> {
  phrase: string;
  mode: MatchMode;
  value: T;
}

/** One place a phrase was found. */
export interface PhraseMatch<T> extends Span {
  value: T;
  mode: MatchMode;
}

/** A message prepared once for every index it is matched against. */
export interface PreparedText {
  /** `matchForm` of the message. */
  form: string;
  /** `symbolForm` of the message, for phrases that are only symbols ("?", "👍"). */
  symbols: string;
  /** Words in the message (a run of Japanese counts as one). */
  wordCount: number;
}

/** Prepares a message for matching. */
export function prepareText(text: string): PreparedText {
  const form = matchForm(text);
  return { form, symbols: symbolForm(text), wordCount: form === '' ? 0 : form.split(' ').length };
}

/** Text with spaces and emoji variation selectors removed, for symbol-only phrases. */
export function symbolForm(text: string): string {
  return text.replace(/\s|\uFE0E|\uFE0F/g, '');
}

const WORD_CHAR = /^[\p{L}\p{N}\p{M}]$/u;
const CJK_CHAR = /^[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\u30FC]$/u;

/** Whether a character belongs to a script that separates words with spaces. */
function isSpacedWordChar(char: string | undefined): boolean {
  return char !== undefined && WORD_CHAR.test(char) && !CJK_CHAR.test(char);
}

interface Indexed<T> {
  form: string;
  mode: MatchMode;
  value: T;
  /** The phrase ends with such a word, so it must end where a word ends. */
  wordEnd: boolean;
}

const ALL_MODES: ReadonlySet<MatchMode> = new Set<MatchMode>(['exact', 'start', 'anywhere']);

/** Phrases indexed for scanning; built once per table at start-up. */
export class PhraseIndex<T> {
  private readonly exact = new Map<string, T[]>();
  private readonly exactSymbols = new Map<string, T[]>();
  /** Phrases that start with a word of a spaced script: only looked up where a word starts. */
  private readonly byFirstWordChar = new Map<string, Array<Indexed<T>>>();
  /** Phrases that start with Japanese or a symbol: looked up at every character. */
  private readonly byFirstOtherChar = new Map<string, Array<Indexed<T>>>();

  constructor(entries: Iterable<PhraseEntry<T>>) {
    for (const { phrase, mode, value } of entries) {
      const form = matchForm(phrase);
      if (mode === 'exact') {
        if (form === '') addTo(this.exactSymbols, symbolForm(phrase), value);
        else addTo(this.exact, form, value);
        continue;
      }
      if (form === '') continue;
      const chars = Array.from(form);
      const wordStart = isSpacedWordChar(chars[0]);
      const indexed = { form, mode, value, wordEnd: isSpacedWordChar(chars[chars.length - 1]) };
      addTo(wordStart ? this.byFirstWordChar : this.byFirstOtherChar, form.charAt(0), indexed);
    }
  }

  /** Every place one of the phrases stands in `text`; `modes` limits which phrases count. */
  find(text: PreparedText, modes: ReadonlySet<MatchMode> = ALL_MODES): Array<PhraseMatch<T>> {
    const found: Array<PhraseMatch<T>> = [];
    const { form } = text;
    if (modes.has('exact')) {
      const whole = { start: 0, end: Math.max(form.length, 1), mode: 'exact' as const };
      const values = form !== '' ? this.exact.get(form) : text.symbols !== '' ? this.exactSymbols.get(text.symbols) : undefined;
      for (const value of values ?? []) found.push({ ...whole, value });
    }
    const scanOthers = this.byFirstOtherChar.size > 0;
    for (let index = 0; index < form.length; index += 1) {
      const char = form.charAt(index);
      const atWordStart = index === 0 || form.charAt(index - 1) === ' ';
      if (atWordStart) this.matchAt(this.byFirstWordChar.get(char), form, index, modes, found);
      if (scanOthers) this.matchAt(this.byFirstOtherChar.get(char), form, index, modes, found);
    }
    return found;
  }

  private matchAt(
    candidates: ReadonlyArray<Indexed<T>> | undefined,
    form: string,
    index: number,
    modes: ReadonlySet<MatchMode>,
    found: Array<PhraseMatch<T>>,
  ): void {
    if (candidates === undefined) return;
    for (const candidate of candidates) {
      if (!modes.has(candidate.mode) || (candidate.mode === 'start' && index !== 0)) continue;
      if (!form.startsWith(candidate.form, index)) continue;
      const end = index + candidate.form.length;
      const atWordEnd = end === form.length || form.charAt(end) === ' ';
      // A Japanese phrase at the start must also end its clause ("はい、" but not "はいって").
      if ((candidate.wordEnd || candidate.mode === 'start') && !atWordEnd) continue;
      found.push({ start: index, end, value: candidate.value, mode: candidate.mode });
    }
  }
}

function addTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key) ?? [];
  list.push(value);
  map.set(key, list);
}

/** Entries for a list of phrases that all mean `value` in one mode. */
export function entries<T>(phrases: readonly string[], mode: MatchMode, value: T): Array<PhraseEntry<T>> {
  return phrases.map((phrase) => ({ phrase, mode, value }));
}

/**
 * Keeps the longest of overlapping candidates, so "not my site" (a visitor) wins over "my site" (an
 * administrator) and "no problem" (thanks) over "no". Ties keep the earlier candidate.
 */
export function longestWins<T extends Span>(candidates: readonly T[]): T[] {
  const ordered = candidates
    .map((candidate, order) => ({ candidate, order }))
    .sort((a, b) => b.candidate.end - b.candidate.start - (a.candidate.end - a.candidate.start) || a.order - b.order);
  const kept: T[] = [];
  for (const { candidate } of ordered) {
    if (kept.every((other) => candidate.end <= other.start || candidate.start >= other.end)) kept.push(candidate);
  }
  return kept;
}
