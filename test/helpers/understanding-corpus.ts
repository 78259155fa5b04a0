/**
 * The reply corpus (test/fixtures/understanding-corpus/): natural replies per language, each labelled with
 * the state it is typed in and what it means, and the harness that runs one through `understand()` and
 * the routing of that state. Shared by the corpus test and `npm run bench:understanding`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { createInitialContext, type SupportContext } from '../../dialogs/context';
import { classify, type InternalEvent } from '../../dialogs/routing';
import { STATE_PATHS, type StatePath } from '../../dialogs/states';
import type { UserMessageEvent } from '../../dialogs/types';
import { LOCALES, type LocaleId } from '../../src/contracts';
import { publicView } from '../../src/probe/public-view';
import { fakeCloudflareDown, fakeProbeResult } from '../dialogs/create-conversation';

const CORPUS_DIR = join(__dirname, '..', 'fixtures', 'understanding-corpus');

const replySchema = z.strictObject({
  state: z.enum(STATE_PATHS),
  text: z.string().min(1),
  /** What the routing should raise, as short names (see `shortNames`); one name is a list of one. */
  expect: z.union([z.string(), z.array(z.string()).min(1)]),
  /** The conversation's language when it is not the corpus language (a person typing in another one). */
  conversation: z.enum(LOCALES).optional(),
});
const corpusSchema = z.strictObject({ locale: z.enum(LOCALES), note: z.string(), replies: z.array(replySchema) });

/** One labelled reply. */
export type CorpusReply = z.infer<typeof replySchema>;

/** `tuning`: the part the tables were tuned on; `holdout`: the quarter held aside (measured before it was merged). */
export type CorpusPart = 'tuning' | 'holdout';

/** The labelled replies of one language and part. */
export function loadCorpus(locale: LocaleId, part: CorpusPart): CorpusReply[] {
  const file = join(CORPUS_DIR, part === 'tuning' ? `${locale}.json` : `${locale}.holdout.json`);
  const corpus = corpusSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  if (corpus.locale !== locale) throw new Error(`${file} says it is ${corpus.locale}`);
  return corpus.replies;
}

const offTopicSchema = z.strictObject({
  note: z.string(),
  languages: z.strictObject(
    Object.fromEntries(
      LOCALES.map((l) => [l, z.strictObject({ training: z.array(z.string().min(1)), heldAside: z.array(z.string().min(1)) })]),
    ) as Record<LocaleId, z.ZodObject<{ training: z.ZodArray<z.ZodString>; heldAside: z.ZodArray<z.ZodString> }>>,
  ),
});

/**
 * Messages that mean none of the bot's intents (offtopic.json): `training` teaches NLP.js its None class,
 * `heldAside` is never trained on and counts the guesses a reader makes where it should make none.
 */
export function loadOffTopic(locale: LocaleId, part: 'training' | 'heldAside'): string[] {
  const file = offTopicSchema.parse(JSON.parse(readFileSync(join(CORPUS_DIR, 'offtopic.json'), 'utf8')));
  return file.languages[locale][part];
}

/** The expected short names of a reply. */
export function expectedOf(reply: CorpusReply): string[] {
  return typeof reply.expect === 'string' ? [reply.expect] : reply.expect;
}

const SITE = 'https://shop.example.com/';

/**
 * A conversation's context as it is when the person types in `state`: the site known and probed from
 * `user.*` and `admin.*` on (down for everyone where the state says so), the role the flow implies.
 */
export function contextFor(state: StatePath, locale: LocaleId): SupportContext {
  const base = createInitialContext({}, { locale });
  if (state === 'greeting' || state === 'askUrl') return base;
  const down = ['user.down', 'user.later', 'user.waiting'].includes(state);
  const result = down ? { ...fakeCloudflareDown(), url: SITE } : fakeProbeResult({ url: SITE });
  const role = state.startsWith('admin') ? 'admin' : state === 'handoff' ? undefined : 'visitor';
  return {
    ...base,
    url: SITE,
    host: 'shop.example.com',
    probe: publicView(result),
    ...(role ? { role } : {}),
    roleOffered: true,
  };
}

/** `intent.yes` -> `yes`, `input.url` with a role -> `url:admin`, `input.language` -> `language:de`. */
export function shortNames(events: readonly InternalEvent[]): string[] {
  return events.map((event) => {
    switch (event.type) {
      case 'input.url':
        return event.role ? `url:${event.role}` : 'url';
      case 'input.language':
        return `language:${event.locale}`;
      case 'input.findings':
        return 'findings';
      case 'input.variant':
        return 'variant';
      case 'input.unknown':
        return 'unknown';
      default:
        return event.type.slice('intent.'.length);
    }
  });
}

/** How a message is read: `understand` itself, or the same with another intent reader swapped in. */
export type Reader = (text: string, locale: LocaleId) => UserMessageEvent;

/** Runs one reply through a reader and the routing of its state; returns what the routing raised. */
export function routeReply(reply: CorpusReply, locale: LocaleId, reader: Reader): string[] {
  const conversation = reply.conversation ?? locale;
  const ctx = contextFor(reply.state, conversation);
  const event = reader(reply.text, conversation);
  const isIn = (path: StatePath): boolean => reply.state === path || reply.state.startsWith(`${path}.`);
  return shortNames(classify(ctx, event, isIn));
}

/** Right or wrong, for one reply. */
export interface Outcome {
  locale: LocaleId;
  reply: CorpusReply;
  got: string[];
  ok: boolean;
}

/** Runs every reply of the given parts and languages. */
export function runCorpus(reader: Reader, parts: readonly CorpusPart[], locales: readonly LocaleId[] = LOCALES): Outcome[] {
  return locales.flatMap((locale) =>
    parts.flatMap((part) =>
      loadCorpus(locale, part).map((reply) => {
        const got = routeReply(reply, locale, reader);
        return { locale, reply, got, ok: JSON.stringify(got) === JSON.stringify(expectedOf(reply)) };
      }),
    ),
  );
}

/** Share right, as a percentage with one decimal. */
export function accuracy(outcomes: readonly Outcome[]): number {
  if (outcomes.length === 0) return 100;
  return Math.round((outcomes.filter((o) => o.ok).length / outcomes.length) * 1000) / 10;
}

/** Accuracy per language and per intent (the last expected name), as printable lines. */
export function report(outcomes: readonly Outcome[]): string {
  const lines: string[] = [];
  const byLocale = groupBy(outcomes, (o) => o.locale);
  lines.push('per language:');
  for (const [locale, group] of byLocale) lines.push(`  ${locale.padEnd(6)} ${String(accuracy(group)).padStart(5)}%  (${group.length})`);
  lines.push('per intent:');
  const byIntent = groupBy(outcomes, (o) => expectedOf(o.reply).at(-1)?.split(':')[0] ?? '?');
  for (const [intent, group] of [...byIntent].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  ${intent.padEnd(10)} ${String(accuracy(group)).padStart(5)}%  (${group.length})`);
  }
  const misses = outcomes.filter((o) => !o.ok);
  if (misses.length > 0) lines.push('misses:');
  for (const o of misses) {
    lines.push(
      `  [${o.locale}] ${o.reply.state}: ${JSON.stringify(o.reply.text.slice(0, 80))} -> ${o.got.join(',')} (meant ${expectedOf(o.reply).join(',')})`,
    );
  }
  return lines.join('\n');
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const map = new Map<K, T[]>();
  for (const item of items) map.set(key(item), [...(map.get(key(item)) ?? []), item]);
  return map;
}
