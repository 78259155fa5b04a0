/**
 * What a user typed -> a URL the probe may fetch, or the reason it may not. Runs on the first URL and
 * again on every redirect hop, so a site cannot steer the probe somewhere a user could not.
 */
import { isIP } from 'node:net';
import type { RefusalReason } from '../contracts';

/**
 * A parsed, acceptable target, or why it was refused. `schemeTyped` is false when the input named no scheme
 * ("127.0.0.1:4302", "shop.example/cart"): https was assumed, and the probe may fall back to http.
 */
export type TargetCheck = { ok: true; url: URL; schemeTyped: boolean } | { ok: false; reason: RefusalReason };

const MAX_TARGET_LENGTH = 2048;

/**
 * Ports that browsers refuse to fetch from (the Fetch standard's "bad port" list): they belong to
 * protocols such as SMTP, IRC or SIP that can be abused by a cross-protocol HTTP request.
 */
const BAD_PORTS: ReadonlySet<number> = new Set([
  0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117,
  119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636,
  989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/** "name:" at the start, as in "ftp:", "javascript:" or "example.com:" (a host with a port). */
const LEADING_SCHEME = /^([a-z][a-z0-9+.-]*):/i;
/** "host:8080", "host:8080/path": a colon followed by a port, which means no scheme was typed. */
const HOST_WITH_PORT = /^[^:/?#]+:\d+(?:[/?#]|$)/;

/**
 * Parses a probe target: adds https:// when no scheme was typed, accepts only http and https, refuses
 * user:pass@, refuses the Fetch standard's bad ports, drops the fragment. IDN hosts come out as punycode
 * and every IPv4 spelling (2130706433, 0x7f000001, 0177.0.0.1, 127.1) as dotted decimal (WHATWG URL).
 */
export function checkTarget(input: string): TargetCheck {
  const typed = input.trim();
  if (typed === '' || typed.length > MAX_TARGET_LENGTH) return refuse('malformed');

  const candidate = withScheme(typed);
  const schemeTyped = candidate === typed;

  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return refuse('malformed');
  }

  if (url.protocol !== 'http:' && url.protocol !== 'https:') return refuse('scheme');
  if (url.username !== '' || url.password !== '') return refuse('credentials');
  if (url.hostname === '') return refuse('malformed');
  if (url.port !== '' && BAD_PORTS.has(Number(url.port))) return refuse('port');

  url.hash = '';
  // Punycode can make a host longer than what was typed, so the limit applies to the result too.
  if (url.href.length > MAX_TARGET_LENGTH) return refuse('malformed');
  return { ok: true, url, schemeTyped };
}

/** "http://" or "https://" anywhere, in any case. */
const SPELLED_SCHEME = /https?:\/\//i;

/**
 * True when a message spells out an http(s) scheme anywhere (full-width forms too, once NFKC-normalised).
 * A site found in a message without one had its https:// added by understanding, so the probe may fall
 * back to http; a scheme typed anywhere in the message keeps the URL as it is (the safe side).
 */
export function spellsOutScheme(text: string): boolean {
  return SPELLED_SCHEME.test(text) || SPELLED_SCHEME.test(text.normalize('NFKC'));
}

function withScheme(typed: string): string {
  // A bare IPv6 address ("::1") is all colons; it only parses once it is bracketed.
  if (isIP(typed) === 6) return `https://[${typed}]`;
  if (LEADING_SCHEME.test(typed) && !HOST_WITH_PORT.test(typed)) return typed;
  return `https://${typed.replace(/^\/\//, '')}`;
}

function refuse(reason: RefusalReason): TargetCheck {
  return { ok: false, reason };
}
