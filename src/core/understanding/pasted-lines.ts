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
