/**
 * Test helpers for the support machine: a conversation driven through the real machine with fake
 * probe and DNS actors provided by name, plus a record of every i18n key it used.
 */
import { createActor, fromPromise, waitFor, type Snapshot } from 'xstate';
import type { DnsReport, ProbeResult, PublicProbeResult } from '../../src/contracts';
import { publicView } from '../../src/probe/public-view';
import type { SupportContext } from '../../dialogs/context';
import { KEY_IDS } from '../../dialogs/shortcuts';
import { isSettled, stateToPath, supportMachine } from '../../dialogs/support.machine';
import type {
  DnsLookupInput,
  Intent,
  ProbeInput,
  Reply,
  SupportEmitted,
  SupportEvent,
  SupportInput,
  UserMessageEvent,
} from '../../dialogs/types';
import translation from '../../locales/en/translation.json';

/**
 * A canned probe answer: a value, a failure or a probe that never finishes; a function answers from the
 * actor's input (its `url` is then kept as given).
 */
export type FakeProbe = ProbeResult | ((input: ProbeInput) => ProbeResult) | { fail: string } | 'hang';
export type FakeDns = DnsReport | { fail: string } | 'hang';

/** A probe result with sensible defaults for a site that is up. */
export function fakeProbeResult(overrides: Partial<ProbeResult> = {}): ProbeResult {
  return {
    url: 'https://shop.example/',
    verdict: 'up',
    advice: 'troubleshoot',
    httpStatus: 200,
    timings: { dnsMs: 3, connectMs: 5, tlsMs: 12, ttfbMs: 40, totalMs: 61 },
    evidence: [{ kind: 'dns', addresses: ['203.0.113.10'] }],
    checkedAt: '2024-05-01T10:02:03.000Z',
    ...overrides,
  };
}

/** A site down behind Cloudflare's branded error page, with a ray id to quote. */
export function fakeCloudflareDown(branded = true): ProbeResult {
  return fakeProbeResult({
    verdict: 'down',
    advice: 'wait',
    httpStatus: 502,
    producer: 'cloudflare',
    evidence: [
      { kind: 'dns', addresses: ['104.16.0.1'] },
      { kind: 'http', url: 'https://shop.example/', status: 502, server: 'cloudflare' },
      { kind: 'producer', producer: 'cloudflare', layer: 'cdn', actor: branded ? 'site' : 'provider', branded },
      { kind: 'request-id', name: 'cf-ray', value: '8a1b2c3d4e5f-AMS' },
    ],
  });
}

export function fakeDnsReport(overrides: Partial<DnsReport> = {}): DnsReport {
  return { host: 'shop.example', a: ['203.0.113.10'], aaaa: [], cname: [], ns: ['ns1.dns.example'], ...overrides };
}

/** A user message as message understanding would produce it. */
export function createMessage(text: string, extra: Partial<Omit<UserMessageEvent, 'type' | 'text'>> = {}): UserMessageEvent {
  return { type: 'user.message', text, intents: [], ...extra };
}

/** A message that only carries intents (a button click or a plain "no"). */
export function createIntent(...intents: Intent[]): UserMessageEvent {
  return createMessage(intents.join(' '), { intents });
}

const seenKeys = new Set<string>();

/** Every i18n key used by replies in this test file (reply, choice, fact, draft, term and key names). */
export function seenTranslationKeys(): ReadonlySet<string> {
  return seenKeys;
}

function recordKeys(reply: Reply): void {
  seenKeys.add(reply.key);
  for (const c of reply.choices ?? []) seenKeys.add(c.labelKey);
  for (const f of reply.facts ?? []) seenKeys.add(f.labelKey);
  for (const list of Object.values(reply.terms ?? {})) for (const k of list) seenKeys.add(k);
  for (const list of Object.values(reply.keys ?? {})) {
    for (const id of list) if ((KEY_IDS as readonly string[]).includes(id)) seenKeys.add(`key.${id}`);
  }
  if (reply.draft) {
    seenKeys.add(reply.draft.key);
    for (const list of Object.values(reply.draft.terms ?? {})) for (const k of list) seenKeys.add(k);
  }
}

/** Looks a dotted key up in the English resources. */
export function englishText(key: string): string | undefined {
  let node: unknown = translation;
  const parts = key.split('.');
  for (const [index, part] of parts.entries()) {
    if (typeof node !== 'object' || node === null) return undefined;
    const record = node as Record<string, unknown>;
    // A plural base (`crowd.reports`) is a key too: i18next picks `_one` / `_other` from its `count`.
    node = record[part] ?? (index === parts.length - 1 ? record[`${part}_other`] : undefined);
  }
  return typeof node === 'string' ? node : undefined;
}

export interface ConversationOptions {
  /** Answers of successive probes; the last one repeats. */
  probes?: FakeProbe[];
  dns?: FakeDns[];
  snapshot?: Snapshot<unknown>;
  input?: SupportInput;
  /**
   * What the outer edge does with a hand-off the machine asks for, as the bot would report it back
   * (`handoff.result`): a help desk takes it (default), none does, or no outcome is reported (`silent`).
   */
  handoff?: 'accepted' | 'unavailable' | 'silent';
  /** Whether the watch service stores a watch the machine asks for (`watch.result`); stored by default. */
  watch?: 'accepted' | 'failed' | 'silent';
}

/** How `send` waits: until settled (default), not at all, or like the turn runner, for `budgetMs` and then `turn.timeout`. */
export interface SendOptions {
  settle?: boolean;
  budgetMs?: number;
}

export interface Conversation {
  send(event: SupportEvent, opts?: SendOptions): Promise<Reply[]>;
  say(text: string, extra?: Partial<Omit<UserMessageEvent, 'type' | 'text'>>): Promise<Reply[]>;
  answer(...intents: Intent[]): Promise<Reply[]>;
  path(): string;
  /** No invoked actor is running (the only time a snapshot may be stored). */
  settled(): boolean;
  context(): SupportContext;
  persisted(): unknown;
  /** Everything emitted so far, in order. */
  emitted: SupportEmitted[];
  probeInputs: ProbeInput[];
  dnsInputs: DnsLookupInput[];
  stop(): void;
}

function pick<T>(list: readonly T[] | undefined, n: number, name: string): T {
  const item = list?.[Math.min(n, (list?.length ?? 1) - 1)];
  if (item === undefined) throw new Error(`no fake ${name} answer configured`);
  return item;
}

/** One conversation's canned answers and the inputs its actors were invoked with. */
interface Fakes {
  opts: ConversationOptions;
  probeInputs: ProbeInput[];
  dnsInputs: DnsLookupInput[];
}

/**
 * The conversation whose event is being processed. XState starts invoked actors synchronously inside
 * `actor.send` (and `actor.start`), so the one provided machine below can serve every conversation: each
 * conversation points this at its own fakes around those calls. Providing a machine per conversation
 * costs milliseconds, which the exhaustive walks (walk-conversations.ts) cannot afford tens of thousands of times.
 */
let answering: Fakes | undefined;

function fakesNow(name: string): Fakes {
  if (!answering) throw new Error(`${name} was invoked outside a conversation's send`);
  return answering;
}

/** The real machine with fake actors that answer for the conversation being served. */
const machine = supportMachine.provide({
  actors: {
    // Like the composition root's actor: the machine receives the public view of each canned result.
    probeSite: fromPromise<PublicProbeResult, ProbeInput>(({ input }) => {
      const { opts, probeInputs } = fakesNow('probeSite');
      const answer = pick(opts.probes, probeInputs.length, 'probe');
      probeInputs.push(input);
      if (answer === 'hang') return new Promise<PublicProbeResult>(() => undefined);
      if (typeof answer === 'function') return Promise.resolve(publicView(answer(input)));
      if ('fail' in answer) return Promise.reject(new Error(answer.fail));
      // What the composition root attaches beside the view (an open incident, providers' notices) is kept too.
      const { incident, providerNotices } = answer as Partial<PublicProbeResult>;
      return Promise.resolve({
        ...publicView({ ...answer, url: input.url }),
        ...(incident ? { incident } : {}),
        ...(providerNotices ? { providerNotices } : {}),
      });
    }),
    lookupDns: fromPromise<DnsReport, DnsLookupInput>(({ input }) => {
      const { opts, dnsInputs } = fakesNow('lookupDns');
      const answer = pick(opts.dns, dnsInputs.length, 'dns');
      dnsInputs.push(input);
      if (answer === 'hang') return new Promise<DnsReport>(() => undefined);
      if ('fail' in answer) return Promise.reject(new Error(answer.fail));
      return Promise.resolve(answer);
    }),
  },
});

/** Runs the real support machine with fake actors, collecting emitted events. */
export function createConversation(opts: ConversationOptions = {}): Conversation {
  const probeInputs: ProbeInput[] = [];
  const dnsInputs: DnsLookupInput[] = [];
  const fakes: Fakes = { opts, probeInputs, dnsInputs };
  /** Runs `fn` with this conversation's fakes answering any actor it starts. */
  const serving = (fn: () => void): void => {
    const previous = answering;
    answering = fakes;
    try {
      fn();
    } finally {
      answering = previous;
    }
  };
  const actor = createActor(machine, {
    ...(opts.snapshot ? { snapshot: opts.snapshot } : {}),
    ...(opts.input ? { input: opts.input } : {}),
  });
  const emitted: SupportEmitted[] = [];
  actor.on('*', (e) => {
    emitted.push(e);
    if (e.type === 'reply') recordKeys(e.reply);
  });
  serving(() => actor.start());

  const send = async (event: SupportEvent, { settle = true, budgetMs }: SendOptions = {}): Promise<Reply[]> => {
    const before = emitted.length;
    serving(() => actor.send(event));
    if (budgetMs !== undefined) {
      // Like the turn runner: wait for the invoked work within the budget, then tell the machine to stop waiting.
      await waitFor(actor, isSettled, { timeout: budgetMs }).catch(() => serving(() => actor.send({ type: 'turn.timeout' })));
    } else if (settle) {
      await waitFor(actor, isSettled);
    }
    // Like the bot: deliver what the turn asked for, then tell the machine what became of it.
    const asked = emitted.slice(before);
    for (const e of asked) {
      if (e.type === 'handoff' && opts.handoff !== 'silent')
        serving(() => actor.send({ type: 'handoff.result', accepted: (opts.handoff ?? 'accepted') === 'accepted' }));
      if (e.type === 'watch' && opts.watch !== 'silent')
        serving(() => actor.send({ type: 'watch.result', url: e.url, accepted: (opts.watch ?? 'accepted') === 'accepted' }));
    }
    return emitted.slice(before).flatMap((e) => (e.type === 'reply' ? [e.reply] : []));
  };
  return {
    send,
    say: (text, extra) => send(createMessage(text, extra)),
    answer: (...intents) => send(createIntent(...intents)),
    path: () => stateToPath(actor.getSnapshot().value),
    settled: () => isSettled(actor.getSnapshot()),
    context: () => actor.getSnapshot().context,
    persisted: () => actor.getPersistedSnapshot(),
    emitted,
    probeInputs,
    dnsInputs,
    stop: () => actor.stop(),
  };
}

/** Reply keys only, which is what tests assert on (never the English prose). */
export function keysOf(replies: readonly Reply[]): string[] {
  return replies.map((r) => r.key);
}

/** The intents offered by the last reply that offers any. */
export function choicesOf(replies: readonly Reply[]): Intent[] {
  const last = [...replies].reverse().find((r) => r.choices && r.choices.length > 0);
  return (last?.choices ?? []).map((c) => c.intent);
}

/** A visitor who opened the chat and named a site that the fake probe reports with `probes`. */
export async function withVisitorAt(
  probes: FakeProbe[],
  extra: Partial<Omit<UserMessageEvent, 'type' | 'text'>> = {},
  opts: Omit<ConversationOptions, 'probes'> = {},
): Promise<{ convo: Conversation; replies: Reply[] }> {
  const convo = createConversation({ ...opts, probes });
  await convo.send({ type: 'conversation.start' });
  const replies = await convo.say('shop.example shows 502 bad gateway', { url: 'https://shop.example/', variant: 'bad-gateway', ...extra });
  return { convo, replies };
}
