/**
 * Reading untrusted text up to the caps in src/contracts/text-limits.ts, and saying where reading stopped.
 */
import { MAX_PASTE_CHARS, MAX_PASTE_LINES, type Truncation } from '../contracts';

/** Merges two truncation notes (either may be absent); undefined when nothing was cut. */
export function mergeTruncation(a: Truncation | undefined, b: Truncation | undefined): Truncation | undefined {
  const merged: Truncation = { ...a, ...b };
  return Object.keys(merged).length > 0 ? merged : undefined;
}

/** Cuts `text` to at most `maxChars` UTF-16 units without leaving half of a surrogate pair at the end. */
export function cutAt(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = text.slice(0, maxChars);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

/** Options of {@link readLines}. */
export interface ReadLinesOptions {
  maxChars?: number;
  maxLines?: number;
}

/** The lines of a text, read up to the character and line caps, and what was left unread. */
export function readLines(
  text: string,
  { maxChars = MAX_PASTE_CHARS, maxLines = MAX_PASTE_LINES }: ReadLinesOptions = {},
): { lines: string[]; truncated?: Truncation } {
  const truncated: Truncation = {};
  const head = cutAt(text, maxChars);
  if (head.length < text.length) truncated.chars = maxChars;
  const all = head.split(/\r\n|\r|\n/);
  // A trailing newline (or blank lines) past the cap leaves nothing unread.
  if (all.length > maxLines && all.slice(maxLines).some((line) => line.trim() !== '')) truncated.lines = maxLines;
  const lines = all.length > maxLines ? all.slice(0, maxLines) : all;
  return Object.keys(truncated).length > 0 ? { lines, truncated } : { lines };
}
