/**
 * Explains pasted text for an administrator: server log lines (one finding each, with its line number),
 * and an error page or a response header dump (one finding naming the layer that produced it).
 * All knowledge lives in the tables of fingerprints.ts and log-patterns.ts; this file only splits
 * the paste into those parts and words the result.
 */
import { MAX_LINE_CHARS, MAX_PASTE_CHARS, MAX_PASTE_LINES, type Actor, type CauseId, type Finding, type Truncation } from '../contracts';
import { cutAt, readLines } from '../text/limits';
import { identifyProducer, matchFingerprint, pageText, type Identification } from './fingerprints';
import { createLogReadState, matchLogLine } from './log-patterns';

/**
 * Input caps (src/contracts/text-limits.ts): only the first EXPLAIN_MAX_CHARS characters and, of those, the first
 * EXPLAIN_MAX_LINES lines are read; a line is matched as a log or header line up to MAX_LINE_CHARS. A real
 * paste is far smaller; the caps bound the work one chat message can cause, and explainReport says when they cut.
 */
export const EXPLAIN_MAX_CHARS = MAX_PASTE_CHARS;
export const EXPLAIN_MAX_LINES = MAX_PASTE_LINES;

const STATUS_LINE = /^\s*(?:<\s+)?HTTP\/(?:1\.[01]|2(?:\.0)?|3)\s+(\d{3})\b/i;
/** The value is trimmed in code: `(.*?)\s*$` would retry the trailing spaces from every position (quadratic). */
const HEADER_LINE = /^\s*(?:<\s+)?([A-Za-z][A-Za-z0-9-]{0,63}):[ \t]*([\s\S]*)/;
/** Header names common enough to be recognised outside a block that starts with a status line. */
const KNOWN_HEADER =
  /^(?:x-[a-z0-9-]+|server|via|date|content-type|content-length|content-encoding|cache-control|cf-ray|cf-cache-status|set-cookie|connection|location|etag|age|vary|expires|last-modified|strict-transport-security|alt-svc|report-to|nel|retry-after|transfer-encoding|accept-ranges|keep-alive|pragma|referrer-policy|permissions-policy|content-security-policy|access-control-[a-z-]+)$/i;
/** Lines that start like a log record (ISO, nginx, Apache, syslog, dmesg, ALB); kept out of the page body. */
const LOG_START =
  /^\s*(?:\[?\d{4}[-/]\d{2}[-/]\d{2}[T ]\d{2}:\d{2}|\[?\d{2}[-/][A-Za-z]{3}[-/]\d{4}[: ]\d{2}:\d{2}|\[[A-Za-z]{3} [A-Za-z]{3} +\d{1,2} \d{2}:\d{2}|[A-Za-z]{3} +\d{1,2} \d{2}:\d{2}:\d{2}|\[\s*\d+\.\d+\]|(?:https?|h2|wss?|grpcs) \d{4}-\d{2}-\d{2}T)/;
const HTML_TAG =
  /<\/?(?:!doctype|html|head|body|title|h[1-6]|p|div|center|hr|br|pre|span|strong|em|a|ul|li|table|meta|style|script)\b[^<>]*>/i;
/** "502 ... Bad Gateway" on one line; the gap may not hold another opener, so each character is scanned once. */
const BAD_GATEWAY_TEXT =
  /\b502\b(?:(?!\b502\b)[^\n]){0,40}\bBad Gateway\b|\bBad Gateway\b(?:(?!\bBad Gateway\b)[^\n]){0,40}\b502\b|\bHTTP Error 502\b/i;

/** One phrase per cause, used to word page findings. */
const CAUSE_PHRASE: Readonly<Record<CauseId, string>> = {
  'upstream-refused': 'the server behind it refused or could not take the connection',
  'upstream-reset': 'the server behind it closed or reset the connection before answering',
  'upstream-timeout': 'the server behind it did not answer in time',
  'header-too-big': 'the server behind it sent response headers larger than the proxy accepts',
  'no-live-upstreams': 'no healthy server was left behind it',
  'socket-permission': 'the proxy was not allowed to open the backend socket',
  'socket-missing': 'the backend socket does not exist',
  'upstream-dns': 'the name of the server behind it could not be resolved',
  'upstream-tls': 'the TLS handshake with the server behind it failed',
  'upstream-overloaded': 'the server behind it was at its capacity limit',
  'app-crash': 'the application behind it crashed or failed to start',
  'upstream-protocol': 'the server behind it sent a response that is not valid HTTP',
};

const ACTOR_PHRASE: Readonly<Record<Actor, string>> = {
  site: "the site's own servers have to be fixed by whoever runs them",
  provider: 'the provider in front of the site has to fix it, not the site owner',
  visitor: 'the fix is on the visitor side',
};

/** What explainReport found, and where reading stopped when the input was longer than the caps. */
export interface ExplainReport {
  findings: Finding[];
  /** Present only when part of the input was left unread (the JSON of the CLI and the admin API carry it as is). */
  truncated?: Truncation;
}

/** Explains pasted text: an error page (HTML or its visible text), a response header dump (with or without
 * the status line), server log lines, or a mix. One Finding per recognised log line (with its 1-based line number),
 * one for an identified error page / header dump (producer + request ids in the summary). Never throws; input
 * length is capped (EXPLAIN_MAX_CHARS / EXPLAIN_MAX_LINES). Returns [] when nothing is recognised. */
export function explainText(text: string): Finding[] {
  return explainReport(text).findings;
}

/** explainText, plus `truncated` when the caps left part of the input unread. Never throws. */
export function explainReport(text: string): ExplainReport {
  try {
    return explainCapped(typeof text === 'string' ? text : '');
  } catch {
    // The contract is "never throws": a chat turn must survive a table entry misbehaving on odd input.
    return { findings: [] };
  }
}

interface PasteParts {
  logFindings: Finding[];
  status?: number;
  headers: Record<string, string>;
  /** First line of the header dump (status line or first header). */
  dumpLine?: number;
  body: string;
  bodyLine?: number;
  /** Lines longer than MAX_LINE_CHARS that were read only up to it (as log, header or skipped lines). */
  cutLines: number;
}

function splitLines(text: string): { lines: string[]; truncated?: Truncation } {
  return readLines(text, { maxChars: EXPLAIN_MAX_CHARS, maxLines: EXPLAIN_MAX_LINES });
}

/** Where a page starts inside a line ("... CF-RAY: abc <html>..."). */
const PAGE_START = /<(?:!doctype|html)\b/i;
/** A header name after a space, inside a one-line dump; only KNOWN_HEADER names count, to spare values. */
const INLINE_HEADER = /\s([A-Za-z][A-Za-z0-9-]{0,63}):\s/g;

/**
 * A whole response pasted on one line (chat boxes and some tools fold it: "HTTP/1.1 502 Bad Gateway Server:
 * cloudflare CF-RAY: ... <html>...") as the status line, one line per known header, and the page.
 */
function unfoldResponseLine(line: string): string[] {
  const head = cutAt(line, MAX_LINE_CHARS);
  if (!STATUS_LINE.test(head)) return [line];
  const pageAt = head.search(PAGE_START);
  const headerPart = pageAt < 0 ? head : head.slice(0, pageAt);
  const cuts: number[] = [];
  for (const match of headerPart.matchAll(INLINE_HEADER)) {
    if (match[1] !== undefined && KNOWN_HEADER.test(match[1])) cuts.push(match.index + 1);
  }
  if (cuts.length === 0 && pageAt < 0) return [line];
  const ends = [...cuts, pageAt < 0 ? line.length : pageAt];
  const parts = [line.slice(0, ends[0]), ...cuts.map((at, i) => line.slice(at, ends[i + 1]))].map((part) => part.trim());
  if (pageAt >= 0) parts.push(line.slice(pageAt));
  return parts.filter((part) => part !== '');
}

function splitPaste(lines: readonly string[], numbers: readonly number[]): PasteParts {
  const parts: PasteParts = { logFindings: [], headers: {}, body: '', cutLines: 0 };
  const bodyLines: string[] = [];
  const state = createLogReadState();
  let inHeaderBlock = false;
  lines.forEach((whole, i) => {
    const n = numbers[i] ?? i + 1;
    // Line matchers read a line up to the cap; a page body line (minified HTML) goes to the page whole.
    const line = cutAt(whole, MAX_LINE_CHARS);
    const cut = line.length < whole.length;
    // A cut line was read only in part, unless it ends up in the page body below, which reads it whole.
    if (cut) parts.cutLines += 1;
    const log = matchLogLine(line, state);
    if (log) {
      parts.logFindings.push({ line: n, ...(log.producer ? { producer: log.producer } : {}), cause: log.cause, summary: log.summary });
      inHeaderBlock = false;
      return;
    }
    const status = STATUS_LINE.exec(line);
    if (status) {
      parts.status ??= Number(status[1]);
      parts.dumpLine ??= n;
      inHeaderBlock = true;
      return;
    }
    const header = HEADER_LINE.exec(line);
    if (header?.[1] !== undefined && (inHeaderBlock || KNOWN_HEADER.test(header[1]))) {
      addHeader(parts.headers, header[1], (header[2] ?? '').trimEnd());
      parts.dumpLine ??= n;
      return;
    }
    inHeaderBlock = false;
    if (line.trim() === '' || line.trimStart().startsWith('#') || LOG_START.test(line)) return;
    if (cut) parts.cutLines -= 1;
    bodyLines.push(whole);
    parts.bodyLine ??= n;
  });
  parts.body = bodyLines.join('\n');
  return parts;
}

function addHeader(headers: Record<string, string>, name: string, value: string): void {
  const key = name.toLowerCase();
  const prev = headers[key];
  headers[key] = prev === undefined ? value : `${prev}, ${value}`;
}

function explainCapped(text: string): ExplainReport {
  if (text.trim() === '') return { findings: [] };
  const { lines: pasted, truncated } = splitLines(text);
  // Findings keep the number of the line the person pasted, even when that line held a whole response.
  const numbers: number[] = [];
  const lines = pasted.flatMap((line, i) => {
    const unfolded = unfoldResponseLine(line);
    numbers.push(...unfolded.map(() => i + 1));
    return unfolded;
  });
  const parts = splitPaste(lines, numbers);
  const findings = [...parts.logFindings];
  const page = explainPage(parts, findings.length > 0);
  if (page) findings.push(page);
  // Stable sort: findings without a line keep their place after the numbered ones.
  findings.sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
  const cut: Truncation = { ...truncated, ...(parts.cutLines > 0 ? { lineChars: MAX_LINE_CHARS } : {}) };
  return Object.keys(cut).length > 0 ? { findings, truncated: cut } : { findings };
}

function explainPage(parts: PasteParts, haveLogFindings: boolean): Finding | undefined {
  const hasHeaders = Object.keys(parts.headers).length > 0;
  if (!hasHeaders && parts.body === '') return undefined;
  const input = { ...(parts.status !== undefined ? { status: parts.status } : {}), headers: parts.headers, body: parts.body };
  const ident = identifyProducer(input);
  if (ident.producer) {
    const fp = matchFingerprint(input);
    const fromBody = fp?.body !== undefined;
    const line = fromBody ? parts.bodyLine : (parts.dumpLine ?? parts.bodyLine);
    return {
      ...(line !== undefined ? { line } : {}),
      producer: ident.producer,
      cause: ident.cause ?? (ident.subStatus ? 'sub-status' : fromBody ? 'error-page' : 'header-dump'),
      summary: describeIdentification(ident, fp?.detail, fromBody),
    };
  }
  // A bare "502" with nothing to tell the layers apart is only worth saying when nothing else was found.
  if (haveLogFindings) return undefined;
  const statusSays502 = parts.status === 502;
  if (!statusSays502 && !BAD_GATEWAY_TEXT.test(pageText(parts.body))) return undefined;
  const line = statusSays502 ? parts.dumpLine : parts.bodyLine;
  return {
    ...(line !== undefined ? { line } : {}),
    cause: 'status-502',
    summary:
      'This is a 502, but nothing in it names the layer that produced it; the response headers ' +
      `(server, via, x-* ids) or the proxy's error log lines would tell.${idsSentence(ident)}`,
  };
}

function describeIdentification(ident: Identification, detail: string | undefined, fromBody: boolean): string {
  const name = ident.name ?? ident.producer ?? 'an unknown layer';
  const sub = ident.subStatus ? ` with sub-status ${ident.subStatus}` : '';
  let sentence: string;
  if (fromBody) sentence = `This error page was produced by ${name}${sub}`;
  else if (detail === 'on-path') sentence = `These headers show the response passed through ${name}, but not which server behind it failed`;
  else sentence = `These headers come from ${name}${sub}`;
  if (ident.cause) sentence += `; it says ${CAUSE_PHRASE[ident.cause]}`;
  sentence += `, so ${ACTOR_PHRASE[ident.actor ?? 'site']}.`;
  return sentence + idsSentence(ident);
}

function idsSentence(ident: Identification): string {
  if (ident.requestIds.length === 0) return '';
  const list = ident.requestIds.map((id) => `${id.name} ${id.value}`).join(', ');
  return ` Quote ${list} when asking for help.`;
}

/** True when text looks pasted rather than typed: several lines, log timestamps, HTML tags, 'Header: value' lines. */
export function looksPasted(text: string): boolean {
  if (typeof text !== 'string' || text.trim() === '') return false;
  const lines = splitLines(text).lines.filter((l) => l.trim() !== '');
  if (HTML_TAG.test(cutAt(text, EXPLAIN_MAX_CHARS))) return true;
  const state = createLogReadState();
  for (const whole of lines.slice(0, 200)) {
    const line = cutAt(whole, MAX_LINE_CHARS);
    if (LOG_START.test(line) || STATUS_LINE.test(line)) return true;
    const header = HEADER_LINE.exec(line);
    if (header?.[1] !== undefined && KNOWN_HEADER.test(header[1])) return true;
    if (matchLogLine(line, state)) return true;
  }
  // Plain prose over many lines is still more likely copied (an error page's visible text) than typed.
  return lines.length >= 6;
}
