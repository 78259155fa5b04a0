/**
 * Turning whatever a channel hands us into text that is safe to keep and easy to match. Nothing here
 * throws: a chat message can hold anything a keyboard, a clipboard or a hostile client can produce.
 */

import { MAX_KEPT_CHARS, MAX_SCANNED_CHARS } from '../../contracts';
import { cutAt } from '../../text/limits';

export { MAX_KEPT_CHARS, MAX_SCANNED_CHARS, cutAt };

/**
 * Control characters (but not tab and newline), bidi embeddings, overrides and isolates, direction
 * marks, zero-width spaces and the byte-order mark. They are invisible, can make a line read
 * differently from how it matches (a "Trojan Source" trick) and never carry meaning for us.
 * U+200D (zero-width joiner) stays: emoji sequences need it.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these control characters are what the pattern removes.
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B\u200E\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/g;
/** Half of a surrogate pair with its other half missing (left by a cut, or sent on purpose). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const HORIZONTAL_SPACE = /[^\S\n]+/g;

/**
 * NFKC, invisible characters removed, line breaks unified, runs of spaces collapsed, lines kept (pasted
 * logs are explained line by line), at most `maxChars` characters. Reads at most twice that much input
 * so a megabyte of text costs no more than twenty kilobytes.
 */
export function normaliseText(input: unknown, maxChars: number = MAX_SCANNED_CHARS): string {
  return normaliseTextReport(input, maxChars).text;
}

/** normaliseText, and whether the cap left part of the input out. */
export function normaliseTextReport(input: unknown, maxChars: number = MAX_SCANNED_CHARS): { text: string; cut: boolean } {
  if (typeof input !== 'string' || input.length === 0) return { text: '', cut: false };
  // NFKC can grow or shrink the text a little, so cut generously first and exactly afterwards.
  const head = input.length > maxChars * 2 ? input.slice(0, maxChars * 2) : input;
  const cleaned = head
    .replace(LONE_SURROGATE, '')
    .normalize('NFKC')
    .replace(/\r\n?|[\u2028\u2029\u0085]/g, '\n')
    .replace(INVISIBLE, '')
    .replace(HORIZONTAL_SPACE, ' ')
    .replace(/ ?\n ?/g, '\n')
    .trim();
  const text = cutAt(cleaned, maxChars);
  return { text, cut: head.length < input.length || text.length < cleaned.length };
}

const APOSTROPHES = /['\u2018\u2019\u02BC\u00B4`]/g;
/** Combining diacritics of Latin, Greek and Cyrillic letters; the kana voicing marks are elsewhere. */
const LATIN_DIACRITICS = /[\u0300-\u036F]/g;
const NOT_A_WORD = /[^\p{L}\p{N}\p{M}]+/gu;
const CJK = '\\p{sc=Han}\\p{sc=Hiragana}\\p{sc=Katakana}\\u30FC';
/** Where Japanese meets another script ("iPhoneで", "502エラー"): a word boundary without a space. */
export const SCRIPT_CHANGE = new RegExp(`([${CJK}])(?=[^\\s${CJK}])|([^\\s${CJK}])(?=[${CJK}])`, 'gu');

/**
 * The form both phrases and messages take before matching: lower case, accents folded ("sí" = "si",
 * "überspringen" = "uberspringen"), apostrophes removed ("c'est" = "cest", "don't" = "dont"), every
 * other punctuation mark a single space, and a space where Japanese meets another script. People type
 * without accents on phones and foreign keyboards.
 */
export function matchForm(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(LATIN_DIACRITICS, '')
    .normalize('NFC')
    .replace(APOSTROPHES, '')
    .replace(NOT_A_WORD, ' ')
    .replace(SCRIPT_CHANGE, '$1$2 ')
    .trim();
}
