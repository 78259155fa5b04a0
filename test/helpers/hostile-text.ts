/**
 * Inputs built to make regular expressions backtrack (issue 7), and every matcher that reads untrusted
 * text, for test/text/hostile-inputs.test.ts and bench/text.bench.ts. Each generator fills exactly `size`
 * characters by repeating a unit; the units are the shapes that used to cost one pass per repetition.
 */
import { detectClient } from '../../src/core/understanding/client-detection';
import { understand } from '../../src/core/understanding';
import { explainText } from '../../src/probe/explain';
import { identifyProducer, pageText } from '../../src/probe/fingerprints';
import { createLogReadState, matchLogLine } from '../../src/probe/log-patterns';

/** One family of hostile input. */
export interface HostileGenerator {
  name: string;
  build(size: number): string;
}

/** `unit` repeated (after `head`) up to exactly `size` characters. */
function fill(size: number, unit: string, head = ''): string {
  const body = unit.repeat(Math.ceil(Math.max(0, size - head.length) / unit.length));
  return (head + body).slice(0, size);
}

/** A deterministic stream of characters from `alphabet` (xorshift), so every run sees the same input. */
function seeded(size: number, alphabet: string, seed = 7): string {
  const chars = Array.from(alphabet);
  let x = seed;
  let out = '';
  while (out.length < size) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out += chars[Math.abs(x) % chars.length];
  }
  return out.slice(0, size);
}

const repeat = (name: string, unit: string, head?: string): HostileGenerator => ({ name, build: (size) => fill(size, unit, head) });

/** The hostile families: whitespace runs, unclosed markup, repeated openers of every multi-part pattern. */
export const HOSTILE_GENERATORS: readonly HostileGenerator[] = [
  repeat('newlines', '\n'),
  repeat('spaces', ' '),
  repeat('blank lines "\\n \\n"', '\n \n'),
  repeat('CRs and tabs', '\r\t\r\n\t'),
  repeat('one long line', 'x'),
  repeat('issue 7: 502 page of blank lines', '\n \n', '502 Bad Gateway'),
  repeat('502 Bad Gateway lines', '502 Bad Gateway\n \n'),
  repeat('tags <a<a<a', '<a'),
  repeat('tags with spaces <a <a', '<a\t'),
  repeat('unclosed comments', '<!--'),
  repeat('unclosed scripts', '<script>'),
  repeat('unclosed styles', '<style '),
  repeat('digits', '1'),
  repeat('502s', '502 '),
  repeat('colon-space', ': '),
  repeat('header names', 'a: '),
  repeat('header with trailing spaces', '\t\v', 'X-Thing:'),
  repeat('dotted digits', '1.'),
  repeat('dotted words', 'a.'),
  repeat('scheme characters', 'a+'),
  repeat('Slack links', '<http://p'),
  repeat('nginx fields', 'host:\u0000'),
  repeat('Apache prefixes', '(70007):AH02454: '),
  repeat('nginx timeouts', 'upstream timed out (110: '),
  repeat('HAProxy-like fields', ' 1.2.3.4:5 [01/May/2024:12:00:00.000] fe a/b/c/d 0/0/0/0/0 '),
  repeat('Varnish openers', 'Guru Meditation:'),
  repeat('IIS openers', 'HTTP Error 502.3 '),
  repeat('Vercel openers', '502: BAD_GATEWAY Code:\t'),
  repeat('Ray ID tags', 'Ray ID:<>'),
  repeat('Reason tags', 'Reason:<x Reason:>'),
  repeat('Windows Update and 502', 'windows update 502x'),
  repeat('Japanese and digits', '⺀0'),
  repeat('Japanese run', '例'),
  repeat('combining marks', 'e\u0301\u0302\u0303'),
  repeat('emoji', '😀👍🏽'),
  repeat('RTL and bidi', 'خطأ\u202E502\u202C '),
  repeat('user-agent versions', 'Version/1.'),
  // One-line pastes are split into records before any URL is looked for (pasted-lines.ts splitRecords).
  repeat('ALB record starts on one line', 'http 2024-05-01T12:00:01 '),
  repeat('W3C directives and dates on one line', '#Fields: 2024-05-01 12:00:31 '),
  repeat('introduced records', 'log: [Wed May 01 12:00:01 '),
  { name: 'random printable and control characters', build: (size) => seeded(size, ' \t\n\r<>/!-:;.,=()"\'[]ab09AZ例é\u0000') },
];

/** One function that reads untrusted text, as the bot calls it. */
export interface TextMatcher {
  name: string;
  run(text: string): unknown;
}

/** Every entry point that runs patterns over untrusted text (probe bodies and headers, pastes, chat messages). */
export const TEXT_MATCHERS: readonly TextMatcher[] = [
  { name: 'identifyProducer (body)', run: (text) => identifyProducer({ status: 502, body: text }) },
  {
    name: 'identifyProducer (headers)',
    run: (text) =>
      identifyProducer({
        status: 502,
        headers: { server: text, via: text, 'set-cookie': text, 'x-cache': text, 'x-vercel-error': text, 'cf-ray': text },
      }),
  },
  { name: 'pageText', run: (text) => pageText(text) },
  { name: 'explainText', run: (text) => explainText(text) },
  { name: 'matchLogLine', run: (text) => matchLogLine(text, createLogReadState()) },
  { name: 'understand (en)', run: (text) => understand(text, { locale: 'en' }) },
  { name: 'understand (ja)', run: (text) => understand(text, { locale: 'ja' }) },
  { name: 'detectClient', run: (text) => detectClient(text) },
];

/** CPU time (user + system) one call takes, in milliseconds. */
export function cpuMs(work: () => unknown): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}
