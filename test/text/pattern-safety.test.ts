/**
 * No regular expression in src/ or dialogs/ can backtrack super-linearly (issue 7: a stranger's 502 page of a
 * few dozen bytes froze the event loop for seconds). The inventory is read from the source itself with the
 * TypeScript parser, so a new pattern is checked the day it is written:
 * - every regex literal is checked with recheck and must be 'safe', unless REVIEWED says why it may not be;
 * - every `new RegExp(...)` site must be registered in CONSTRUCTED, whose patterns (imported from the modules
 *   that build them) are checked the same way;
 * - every pattern of the exported tables must be in the inventory, so the scan cannot miss a table.
 * The per-language understanding tables (locales/<lng>/understanding.json) are phrases matched by PhraseIndex,
 * never compiled into a RegExp; the constructor count of understanding-table.ts (none) keeps it that way.
 * The checker itself is proven able to fail on known-bad patterns, including the one issue 7 was about.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { check, type Diagnostics } from 'recheck';
import ts from 'typescript';
import { botMentionPattern } from '../../src/channels/slack/slack-activities';
import { BROWSER_RULES, OS_RULES } from '../../src/core/understanding/client-tables';
import { SCRIPT_CHANGE } from '../../src/core/understanding/normalise';
import { LOG_LINE_PATTERNS } from '../../src/core/understanding/pasted-lines';
import { BARE_HOST, CJK_CHAR_PATTERN, HOST_LIKE } from '../../src/core/understanding/url-extraction';
import { VARIANT_PATTERNS } from '../../src/core/understanding/variants';
import { CAUSE_HINTS, FINGERPRINTS, REQUEST_ID_RULES } from '../../src/probe/fingerprints';
import { LOG_PATTERNS } from '../../src/probe/log-patterns';

const ROOT = path.join(__dirname, '..', '..');
const SCANNED_DIRS = ['src', 'dialogs'];

/** One pattern to check, and where it comes from. */
interface Pattern {
  where: string;
  file: string;
  source: string;
  flags: string;
}

/** A `RegExp(...)` constructor call found in the source. */
interface ConstructorSite {
  file: string;
  line: number;
}

/**
 * Patterns built at run time, per file: how many constructor sites the file has, and the patterns those
 * sites build (a sample instance for a builder that takes an argument). A new site fails the count.
 */
const CONSTRUCTED: Readonly<Record<string, { sites: number; patterns: () => RegExp[] }>> = {
  'src/core/understanding/url-extraction.ts': { sites: 3, patterns: () => [BARE_HOST, HOST_LIKE, CJK_CHAR_PATTERN] },
  'src/core/understanding/normalise.ts': { sites: 1, patterns: () => [SCRIPT_CHANGE] },
  'src/core/understanding/variants.ts': { sites: 3, patterns: () => VARIANT_PATTERNS.map((v) => v.pattern) },
  // The bot's own user id (from Slack's auth.test, escaped); the sample has the shape Slack ids have.
  'src/channels/slack/slack-activities.ts': { sites: 1, patterns: () => [botMentionPattern('U0123ABCDEF')] },
};

/** Literal patterns recheck flags that were reviewed and kept, each with why it cannot be reached by untrusted text. */
const REVIEWED: ReadonlyArray<{ file: string; source: string; reason: string }> = [
  {
    file: 'src/channels/webchat/directline-routes.ts',
    source: '\\/+$',
    reason: 'trims the configured Azure Direct Line base URL (config, never request data)',
  },
];

/**
 * recheck's own limits are in steps, not milliseconds, so a verdict does not depend on how busy the machine
 * is (its default time limits made a safe pattern look vulnerable under load). Patterns whose automaton
 * would be large go to the fuzzer, which is as strict there and many times faster; the overall timeout only
 * guards against a hang.
 */
const CHECK_PARAMS: Parameters<typeof check>[2] = {
  timeout: 60_000,
  attackTimeout: null,
  incubationTimeout: null,
  seedingTimeout: null,
  maxNFASize: 8000,
};
/** Checks run two at a time (the checker is a native process; two cores). */
const CONCURRENCY = 2;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...sourceFiles(rel));
    else if (/\.tsx?$/.test(entry.name)) out.push(rel);
  }
  return out;
}

/** Regex literals and RegExp constructor calls in one file's text. */
function inventory(file: string, text: string): { literals: Pattern[]; sites: ConstructorSite[] } {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const literals: Pattern[] = [];
  const sites: ConstructorSite[] = [];
  const lineOf = (node: ts.Node): number => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  const visit = (node: ts.Node): void => {
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const literal = (node as ts.RegularExpressionLiteral).text;
      const end = literal.lastIndexOf('/');
      literals.push({ where: `${file}:${lineOf(node)}`, file, source: literal.slice(1, end), flags: literal.slice(end + 1) });
    } else if ((ts.isNewExpression(node) || ts.isCallExpression(node)) && /(?:^|\.)RegExp$/.test(node.expression.getText(sf))) {
      sites.push({ file, line: lineOf(node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { literals, sites };
}

/** Flags recheck understands; g and y change where matching starts, not how it backtracks. */
function checkFlags(flags: string): string {
  return flags.replace(/[gyd]/g, '');
}

function verdict(d: Diagnostics | Error): Record<string, unknown> {
  if (d instanceof Error) return { status: 'checker failed', error: d.message };
  if (d.status === 'safe') return { status: 'safe' };
  if (d.status === 'vulnerable') return { status: d.status, complexity: d.complexity.summary, attack: d.attack.pattern };
  return { status: d.status, error: d.error };
}

const files = SCANNED_DIRS.flatMap(sourceFiles);
const found = files.map((file) => inventory(file, readFileSync(path.join(ROOT, file), 'utf8')));
const literals = found.flatMap((f) => f.literals);
const sites = found.flatMap((f) => f.sites);
const constructed: Pattern[] = Object.entries(CONSTRUCTED).flatMap(([file, entry]) =>
  entry.patterns().map((re, i) => ({ where: `${file} (built #${i + 1})`, file, source: re.source, flags: re.flags })),
);

/** Each distinct pattern once (the same `/&amp;/g` in five renderers is one check). */
function distinct(patterns: readonly Pattern[]): Pattern[] {
  const seen = new Map<string, Pattern>();
  for (const p of patterns) {
    const key = `/${p.source}/${checkFlags(p.flags)}`;
    if (!seen.has(key)) seen.set(key, p);
  }
  return [...seen.values()];
}

function isReviewed(p: Pattern): boolean {
  return REVIEWED.some((r) => r.file === p.file && r.source === p.source);
}

const toCheck = distinct([...literals, ...constructed]).filter((p) => !isReviewed(p));

/** Starts every check, CONCURRENCY at a time, in test order; each test awaits its own verdict. */
function startChecks(patterns: readonly Pattern[]): Map<Pattern, Promise<Diagnostics | Error>> {
  const verdicts = new Map<Pattern, Promise<Diagnostics | Error>>();
  const resolvers = new Map<Pattern, (d: Diagnostics | Error) => void>();
  for (const p of patterns) verdicts.set(p, new Promise((resolve) => resolvers.set(p, resolve)));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < patterns.length) {
      const p = patterns[next++] as Pattern;
      // A checker failure is a failed test for that pattern, not a hang of the whole file.
      const d = await check(p.source, checkFlags(p.flags), CHECK_PARAMS).catch((err: unknown) =>
        err instanceof Error ? err : new Error(String(err)),
      );
      resolvers.get(p)?.(d);
    }
  };
  for (let i = 0; i < CONCURRENCY; i += 1) void worker();
  return verdicts;
}

describe('the inventory', () => {
  it('finds regex literals and RegExp constructor calls, and nothing in strings or comments', () => {
    const sample = [
      'const A = /\\s*(?:\\n\\s*)+x/im;',
      "const B = new RegExp('a+', 'g');",
      'const C = RegExp(`b`);',
      "const notOne = '/x/'; // /y/",
      'const d = 4 / 2 / 1;',
    ].join('\n');
    const got = inventory('sample.ts', sample);
    expect(got.literals.map((l) => [l.source, l.flags])).toEqual([['\\s*(?:\\n\\s*)+x', 'im']]);
    expect(got.sites.map((s) => s.line)).toEqual([2, 3]);
  });

  it('covers the source tree (hundreds of patterns, in probe, understanding, channels and dialogs)', () => {
    expect(literals.length).toBeGreaterThan(250);
    for (const dir of ['src/probe/', 'src/core/understanding/', 'src/channels/', 'dialogs/']) {
      expect(literals.some((l) => l.file.startsWith(dir))).toBe(true);
    }
  });

  it('has every RegExp constructor call registered with the patterns it builds', () => {
    const counts = new Map<string, number>();
    for (const site of sites) counts.set(site.file, (counts.get(site.file) ?? 0) + 1);
    const registered = Object.fromEntries(Object.entries(CONSTRUCTED).map(([file, entry]) => [file, entry.sites]));
    // A mismatch means a RegExp is built somewhere the check does not see: register it in CONSTRUCTED.
    expect(Object.fromEntries(counts)).toEqual(registered);
  });

  it('includes every pattern of the exported tables (the scan cannot miss a table)', () => {
    const known = new Set([...literals, ...constructed].map((p) => `/${p.source}/${p.flags}`));
    const tables: RegExp[] = [
      ...FINGERPRINTS.flatMap((fp) => [
        ...(fp.body ?? []),
        ...(fp.headers ?? []).flatMap((h) => (h.pattern === 'present' ? [] : [h.pattern])),
      ]),
      ...REQUEST_ID_RULES.flatMap((r) => (r.bodyPattern ? [r.bodyPattern] : [])),
      ...CAUSE_HINTS.map((h) => h.pattern),
      ...LOG_PATTERNS.map((p) => p.pattern),
      ...LOG_LINE_PATTERNS,
      ...VARIANT_PATTERNS.map((v) => v.pattern),
      ...BROWSER_RULES.map((r) => r.pattern),
      ...OS_RULES.map((r) => r.pattern),
    ];
    expect(tables.length).toBeGreaterThan(150);
    expect(tables.map((re) => `/${re.source}/${re.flags}`).filter((key) => !known.has(key))).toEqual([]);
  });

  it('keeps no stale review entry', () => {
    expect(REVIEWED.filter((r) => !literals.some((l) => l.file === r.file && l.source === r.source))).toEqual([]);
  });
});

describe('recheck', () => {
  let verdicts: Map<Pattern, Promise<Diagnostics | Error>>;
  beforeAll(() => {
    verdicts = startChecks(toCheck);
  });

  it.each([
    ['the textbook trap', '\\s*(?:\\n\\s*)+x', ''],
    ["issue 7's Cloudflare plain-page pattern", '^\\s*502 Bad Gateway\\s*(?:\\n\\s*)+cloudflare\\s*$', 'im'],
    ['a lazy capture before trailing spaces', '^([A-Za-z-]+):[ \\t]*(.*?)\\s*$', ''],
    ['an unbounded gap after a repeatable prefix', 'AH02454: .*attempt to connect', ''],
  ])('flags %s', async (_name, source, flags) => {
    const d = await check(source, flags, CHECK_PARAMS);
    expect(d.status).toBe('vulnerable');
  });

  it.each(toCheck.map((p) => [`${p.where} /${p.source.length > 80 ? `${p.source.slice(0, 80)}…` : p.source}/${p.flags}`, p] as const))(
    '%s is safe',
    async (_label, p) => {
      const d = await (verdicts.get(p) ?? Promise.resolve(new Error('never started')));
      expect({ where: p.where, ...verdict(d) }).toEqual({ where: p.where, status: 'safe' });
    },
    120_000,
  );
});
