/**
 * Telling the person's own words from what they pasted. A pasted log line names upstream addresses
 * (127.0.0.1:9000, unix sockets) that are not the site they want checked, and a pasted error page links
 * to the CDN's own pages, so URLs are taken from prose lines, and from other pasted lines only when
 * written out with http(s)://, and never from log lines or markup.
 */
import { MAX_LINE_CHARS } from '../../contracts';
import { cutAt } from '../../text/limits';
import type { LineTrust } from './url-extraction';

/** Patterns of server log lines (nginx, Apache, IIS, syslog, journald, application logs, stack traces). */
export const LOG_LINE_PATTERNS: readonly RegExp[] = [
  /^\s*\[?\d{4}[-/]\d{2}[-/]\d{2}[T ]\d{2}:\d{2}/u, // nginx error log, ISO timestamps, IIS W3C
  /^\s*(?:https?|h2|wss?|grpcs?) \d{4}-\d{2}-\d{2}T\d{2}:\d{2}/u, // AWS ALB access log
  /^\s*#(?:Software|Version|Date|Fields|Remark):/u, // W3C (IIS) log directives
  /^\s*\[\d{2}-[A-Z][a-z]{2}-\d{4} \d{2}:\d{2}:\d{2}\]/u, // php-fpm
  /^\s*\[\s*\d+\.\d+\]/u, // kernel ring buffer (dmesg)
  /\bat=(?:error|warning|info) code=[A-Z]\d{1,3}\b/u, // Heroku router
  /^\s*\[\w{3} \w{3} +\d{1,2} \d{2}:\d{2}:\d{2}/u, // Apache error log
  /\[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2}/u, // common and combined access logs
  /^\s*\w{3} +\d{1,2} \d{2}:\d{2}:\d{2} /u, // syslog
  /^\s*\d{2}:\d{2}:\d{2}[.,]\d+/u, // time-only application logs
  /\[(?:emerg|alert|crit|error|warn|warning|notice|info|debug)\]/iu,
  /\[(?:proxy|proxy_fcgi|proxy_http|core|ssl|mpm_\w+):(?:emerg|alert|crit|error|warn|notice|info|debug)\]/iu,
  /^\s*(?:level=|lvl=|"level":|\{"time")/iu, // structured logs
  /^\s*(?:ERROR|WARN|WARNING|INFO|DEBUG|FATAL|CRITICAL|CRIT|TRACE)\b[:\s]/u,
  // nginx's "client: 1.2.3.4, server: ..."; the space after the colon keeps one field from running into the next.
  /\b(?:upstream|client|server|request|host):\s+"?[^\s,"]+"?,/u,
  /\bwhile (?:connecting to|reading response header from|reading upstream)\b/iu,
  /\bconnect\(\) (?:to|failed)\b/iu,
  /^\s*at \S+ \(|^\s*at \S+:\d+:\d+/u, // JavaScript stack traces
  /^\s*File "[^"]+", line \d+/u, // Python tracebacks
];

/**
 * Where a log record starts inside a line. A single-line chat box (web chat, many phones) turns a pasted
 * log into one line, "here is our error log: http 2024-05-01T12:00:01Z ... http 2024-05-01T12:00:02Z ...",
 * and each record has to be told apart again before any URL is looked for. `family` keeps an AWS ALB
 * line, whose fields hold further timestamps, from being cut at them.
 */
const RECORD_STARTS: ReadonlyArray<{ family: 'alb' | 'other'; pattern: RegExp }> = [
  { family: 'alb', pattern: /(?<!\S)(?:https?|h2|wss?|grpcs?) \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/gu },
  { family: 'other', pattern: /\[?\d{4}[-/]\d{2}[-/]\d{2}[T ]\d{2}:\d{2}:\d{2}/gu },
  { family: 'other', pattern: /\[[A-Z][a-z]{2} [A-Z][a-z]{2} {1,2}\d{1,2} \d{2}:\d{2}:\d{2}/gu },
  { family: 'other', pattern: /\[\d{2}-[A-Z][a-z]{2}-\d{4} \d{2}:\d{2}:\d{2}\]/gu },
  { family: 'other', pattern: /[A-Z][a-z]{2} {1,2}\d{1,2} \d{2}:\d{2}:\d{2} /gu },
  { family: 'other', pattern: /HTTP\/\d(?:\.\d)? \d{3} /gu },
];
/** W3C directives always start a line of their own ("#Fields: date time ... 2024-05-01 12:00:31 ..."). */
const DIRECTIVE = /#(?:Software|Version|Date|Fields|Remark):/gu;

/**
 * The text with every log record and W3C directive on a line of its own. A line is cut where a record
 * starts when it holds two or more records, or when one follows an introduction ("my log: 2024/05/01 ...");
 * a single timestamp in a sentence ("since 2024-05-01 12:00:00 the shop fails") stays where it is.
 */
export function splitRecords(text: string): string {
  return text
    .split('\n')
    .map((line) => splitLine(line))
    .join('\n');
}

function splitLine(whole: string): string {
  const line = cutAt(whole, MAX_LINE_CHARS * 4);
  const starts = new Set<number>();
  for (const match of line.matchAll(DIRECTIVE)) if (match.index > 0) starts.add(match.index);
  const found = RECORD_STARTS.map(({ family, pattern }) => ({ family, at: [...line.matchAll(pattern)].map((m) => m.index) }));
  const alb = found.some(({ family, at }) => family === 'alb' && at.length > 0);
  const records = found.filter(({ family }) => !alb || family === 'alb').flatMap(({ at }) => at);
  const inner = records.filter((at) => at > 0 && /\s/u.test(line.charAt(at - 1)));
  const introduced = inner.length === 1 && records.length === 1 && line.slice(0, inner[0]).trimEnd().endsWith(':');
  if (records.length >= 2 || introduced) for (const at of inner) starts.add(at);
  if (starts.size === 0) return whole;
  const cuts = [0, ...[...starts].sort((a, b) => a - b)];
  const parts = cuts.map((at, i) => line.slice(at, cuts[i + 1] ?? line.length).trim());
  return [...parts.filter((part) => part !== ''), whole.slice(line.length)].filter((part) => part !== '').join('\n');
}

/** A line of markup (a pasted error page): `<center>nginx</center>`, `<a href=...>`; a tag ends before the next "<". */
const MARKUP = /<\/?[a-z][a-z0-9-]*(?:\s[^<>]*)?\/?>/iu;
/** A header line ("Server: cloudflare"), a status line ("HTTP/2 502"), a shell prompt or JSON. */
const STRUCTURED = /^\s*(?:[A-Za-z][A-Za-z0-9-]*:\s|HTTP\/\d|[$#>]\s|[{[]|<)/u;

/** Whether a line is a server log line (judged on its first MAX_LINE_CHARS characters). */
export function isLogLine(line: string): boolean {
  const head = cutAt(line, MAX_LINE_CHARS);
  return LOG_LINE_PATTERNS.some((pattern) => pattern.test(head));
}

/** How far a line of a message that contains pasted material may be trusted to name the site. */
export function pastedLineTrust(line: string): LineTrust {
  if (isLogLine(line) || MARKUP.test(cutAt(line, MAX_LINE_CHARS))) return 'none';
  if (STRUCTURED.test(line)) return 'explicit';
  return 'all';
}

/** In a message that is not a paste, only log lines are distrusted (one copied line is still a log). */
export function typedLineTrust(line: string): LineTrust {
  return isLogLine(line) ? 'none' : 'all';
}

/** The lines a person wrote themselves, for intents and the like; pasted lines say nothing about intent. */
export function proseLines(text: string): string {
  return text
    .split('\n')
    .filter((line) => pastedLineTrust(line) === 'all')
    .join('\n');
}
