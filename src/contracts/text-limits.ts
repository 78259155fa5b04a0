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
