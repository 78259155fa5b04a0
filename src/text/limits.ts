/**
 * How much untrusted text the matchers read, in one place. Every pattern is linear (test/text/pattern-safety),
 * so these caps are not what keeps a hostile input from freezing the event loop; they bound the work per
 * input to a few milliseconds (bench/text.bench.ts) and say honestly where reading stopped.
 */

/** Longest line a line matcher (log patterns, header lines, pasted-line classification) reads. */
export const MAX_LINE_CHARS = 2_000;

/** Pasted text that is explained (chat paste, `npm run explain`, `POST /api/admin/explain`). */
export const MAX_PASTE_CHARS = 64 * 1024;
/** Lines of a paste that are explained; a real paste of log lines is a few dozen. */
export const MAX_PASTE_LINES = 1_000;

/** Page body that is fingerprinted; the probe itself reads at most 64 KiB of a body. */
export const MAX_PAGE_CHARS = 64 * 1024;
/** One response header value that is fingerprinted (Node already refuses header blocks over 16 KiB). */
export const MAX_HEADER_VALUE_CHARS = 8 * 1024;

/** Chat message text understanding matches against; pasted logs are long but the useful part is near the top. */
export const MAX_SCANNED_CHARS = 20_000;
/** Chat message text kept on the event (transcripts only; machines never parse it). */
export const MAX_KEPT_CHARS = 2_000;

/** User-agent header read for browser and system detection; real agents are a few hundred characters. */
export const MAX_USER_AGENT_CHARS = 1_024;

/** Where reading stopped; each field is the cap that applied and is present only when something was left unread. */
export interface Truncation {
  /** Only this many characters of the input were read. */
  chars?: number;
  /** Only this many lines were read. */
  lines?: number;
  /** At least one line was read only up to this many characters. */
  lineChars?: number;
}

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
