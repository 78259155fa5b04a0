/**
 * How the 502 family looks on screen, independent of language (seeds: "variants"). Per-language
 * phrasings ("passerelle incorrecte", "Ungültiges Gateway") live in each understanding.json.
 * Patterns run on normalised text (not the match form) because "502.3" and "(502)" need their dots
 * and brackets.
 */
import type { VariantId } from '../../../dialogs/types';

/** One way a variant shows itself. */
export interface VariantPattern {
  variant: VariantId;
  pattern: RegExp;
  /** Lower-case text the pattern cannot match without; checked first because it is much cheaper. */
  needs: string;
}

/** "502" standing alone: not part of a longer number, an IP address, a port or a sub-status. */
const BARE_502 = '(?<![\\p{L}\\d.,:/#$€£-])502(?!\\d|[.,]\\d)';
const WINDOWS_UPDATE = 'windows ?update';
const GOOGLE_NAME = '\\b(?:gmail|google(?! ?chrome)|youtube)\\b';

/**
 * `a` then `b` within `max` characters of one line. The gap may not hold another `a`: the match is still
 * found (from the last `a`), and each character is read from one start only, so a line of repeated `a`s
 * costs one pass instead of one per `a`.
 */
function near(a: string, max: number, b: string): string {
  return `(?:${a})(?:(?!${a})[^\\n]){0,${max}}(?:${b})`;
}

export const VARIANT_PATTERNS: readonly VariantPattern[] = [
  // IIS sub-statuses; "HTTP Error 502.3 - Bad Gateway" and a bare "502.3" in a pasted log.
  { variant: 'iis-502.1', pattern: /(?<![\d.])502\.1(?!\d)/u, needs: '502.' },
  { variant: 'iis-502.2', pattern: /(?<![\d.])502\.2(?!\d)/u, needs: '502.' },
  { variant: 'iis-502.3', pattern: /(?<![\d.])502\.3(?!\d)/u, needs: '502.' },
  { variant: 'iis-502.4', pattern: /(?<![\d.])502\.4(?!\d)/u, needs: '502.' },
  { variant: 'iis-502.3', pattern: /forwarder connection error/iu, needs: 'forwarder' },
  { variant: 'iis-502.4', pattern: /no server is available to handle this request/iu, needs: 'no server' },
  { variant: 'iis-502.1', pattern: /cgi application timeout/iu, needs: 'cgi' },
  { variant: 'windows-update', pattern: /0x80244021/iu, needs: '0x80244021' },
  { variant: 'windows-update', pattern: /WU_E_PT_HTTP_STATUS_BAD_GATEWAY/iu, needs: 'wu_e_pt' },
  {
    variant: 'windows-update',
    pattern: new RegExp(`${near(WINDOWS_UPDATE, 80, BARE_502)}|${near(BARE_502, 80, WINDOWS_UPDATE)}`, 'iu'),
    needs: 'update',
  },
  // Google's own page: "Error 502 (Server Error)!!1 ... 502. That's an error."
  { variant: 'google', pattern: /502\.?\s*that['’]?s an error/iu, needs: 'an error' },
  { variant: 'google', pattern: /error 502 \(server error\)!!1/iu, needs: '!!1' },
  { variant: 'google', pattern: /that['’]?s all we know/iu, needs: 'all we know' },
  {
    variant: 'google',
    pattern: new RegExp(`${near(GOOGLE_NAME, 60, BARE_502)}|${near(BARE_502, 60, GOOGLE_NAME)}`, 'iu'),
    needs: '502',
  },
  { variant: 'overloaded', pattern: /service temporarily overloaded/iu, needs: 'overloaded' },
  { variant: 'temporary-error', pattern: /temporary error\s*(?:[([]\s*)?502\b/iu, needs: 'temporary' },
  { variant: 'proxy-error', pattern: /\bproxy error\b/iu, needs: 'proxy' },
  { variant: 'proxy-error', pattern: /error reading from remote server/iu, needs: 'remote server' },
  { variant: 'server-error', pattern: /\b502 server error\b/iu, needs: 'server error' },
  {
    variant: 'server-error',
    pattern: /server encountered a temporary error and could not complete your request/iu,
    needs: 'temporary error',
  },
  { variant: 'bad-gateway', pattern: /\bbad ?gateway\b/iu, needs: 'gateway' },
  { variant: 'bad-gateway', pattern: new RegExp(BARE_502, 'u'), needs: '502' },
  // 502.5 (ASP.NET Core process failure) and other sub-statuses have no id of their own yet.
  { variant: 'bad-gateway', pattern: /(?<![\d.])502\.[05-9](?!\d)/u, needs: '502.' },
];

/**
 * When a message shows several, the most specific one is the answer: "502 Proxy Error" also says
 * "502", and Google's page also says "server encountered a temporary error".
 */
export const VARIANT_PRECEDENCE: readonly VariantId[] = [
  'iis-502.1',
  'iis-502.2',
  'iis-502.3',
  'iis-502.4',
  'windows-update',
  'google',
  'overloaded',
  'temporary-error',
  'proxy-error',
  'server-error',
  'bad-gateway',
];
