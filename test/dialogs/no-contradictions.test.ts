/**
 * A conversation that never contradicts itself: every path through the machine is walked to its end
 * (walk-conversations.ts) under each outer edge, and every reply is checked against what is configured and
 * what happened. A promise ("a person has your details", "I'll tell you when it's back") needs the event
 * that makes it true; a button is offered only for something that exists, and pressing it is always
 * understood; a press on an earlier card never answers the current question; nothing unknown is shown as
 * "-"; and the person who runs the site never gets the visitor's advice.
 */
import {
  canOfferHandoff,
  canOfferWatch,
  crowdOf,
  feedbackOpen,
  isDownForEveryone,
  isHandoffAccepted,
  isIpAddressHost,
  isUnreachable,
  siteAnswers,
  type SupportContext,
} from '../../dialogs/context';
import { PROMPT_PATHS } from '../../dialogs/replies';
import { STATE_BOUND_INTENTS, type Reply } from '../../dialogs/types';
import type { TranslationKey } from '../../dialogs/translation-keys';
import { englishText, fakeCloudflareDown, fakeDnsReport, fakeProbeResult, seenTranslationKeys } from './create-conversation';
import { walk, type Edge, type WalkStep } from './walk-conversations';

afterAll(() => {
  expect([...seenTranslationKeys()].filter((k) => englishText(k) === undefined)).toEqual([]);
});

const SITE = 'https://shop.example/';
const refused = fakeProbeResult({
  verdict: 'down',
  advice: 'wait',
  httpStatus: undefined,
  evidence: [{ kind: 'connect', address: '203.0.113.10', port: 443, ok: false, code: 'ECONNREFUSED' }],
});
const limited = fakeProbeResult({ verdict: 'blocked', httpStatus: undefined, evidence: [{ kind: 'refused', reason: 'rate-limited' }] });

/** The probe answers the walks run under; each runs with a help desk and watch that work, and with neither. */
const PROBES = {
  up: fakeProbeResult(),
  'down behind a CDN': fakeCloudflareDown(),
  refused,
  'our own limits': limited,
  'probe failed': { fail: 'boom' },
  'probe hangs': 'hang',
  'timed out': fakeProbeResult({ verdict: 'timeout', advice: 'wait', httpStatus: undefined }),
  'flapping (admin_check)': fakeProbeResult({ verdict: 'degraded', advice: 'admin_check', httpStatus: 200 }),
  'up, with a crowd asking': fakeProbeResult({
    evidence: [
      { kind: 'dns', addresses: ['203.0.113.10'] },
      { kind: 'crowd', reports: 12, windowMinutes: 15, crowded: true },
    ],
  }),
  // The help desk declared an incident on a site the probe sees up: the incident outranks the probe.
  'incident while up': {
    ...fakeProbeResult({ advice: 'wait' }),
    incident: { id: 'i-1', title: 'Checkout paused', message: 'Payments are down', etaMinutes: 30, maintenance: false },
  },
} as const;

/** The states that end a visitor's conversation, where "did this help?" may be asked. */
const ENDINGS: readonly string[] = ['user.fixed', 'user.later', 'handoff'];

const works = { handoff: 'accepted', watch: 'accepted' } as const;
const nobody = { handoff: 'unavailable', watch: 'failed' } as const;
const edge = (name: keyof typeof PROBES, outcome: Pick<Edge, 'handoff' | 'watch'>, label: string, extra: Partial<Edge> = {}): Edge => ({
  name: `${name}, ${label}`,
  probe: PROBES[name],
  dns: fakeDnsReport(),
  url: SITE,
  ...outcome,
  ...extra,
});

/** Every probe answer with a help desk and a watch service that work; the ones that offer them, also without. */
const EDGES: Edge[] = [
  ...(Object.keys(PROBES) as Array<keyof typeof PROBES>).map((name) => edge(name, works, 'help desk and watch work')),
  ...(['up', 'down behind a CDN', 'refused', 'incident while up'] as const).map((name) =>
    edge(name, nobody, 'nobody takes the case, the watch is not stored'),
  ),
  edge('down behind a CDN', nobody, 'no help desk and no watch configured', { capabilities: { handoff: false, watch: false } }),
];
// A site reached by its IP address: its administrator is never sent through a DNS lookup.
EDGES.push({
  name: 'a site on an IP address',
  probe: fakeProbeResult({ url: 'http://203.0.113.7/', verdict: 'down', advice: 'wait', httpStatus: 502 }),
  dns: { fail: 'the walk must not look up an IP address' },
  handoff: 'accepted',
  watch: 'accepted',
  url: 'http://203.0.113.7/',
});

/** Keys that re-prompt: "I didn't catch that", in any of its forms. */
const REPROMPTS: readonly string[] = [
  'reprompt.choose',
  'reprompt.generic',
  'askUrl.reprompt',
  'admin.logs.reprompt',
  'handoff.unavailableReprompt',
] satisfies TranslationKey[];

/** Replies that talk about a ready-to-send message shown with them: each must carry one. */
const SHOWS_A_DRAFT: readonly string[] = [
  'user.contactSite',
  'user.contactIsp',
  'admin.host',
  'handoff.unavailable.siteDraft',
  'handoff.unavailable.hostDraft',
] satisfies TranslationKey[];

/**
 * What must be true when a reply is said: the claim each sentence makes, as a predicate on the step.
 * A key the table does not name makes no claim this test can check.
 */
const CLAIMS: Array<{ keys: RegExp; holds: (step: WalkStep, ctx: SupportContext) => boolean; claim: string }> = [
  {
    keys: /^handoff\.sent$/,
    holds: (s) => s.requests.some((r) => r.type === 'handoff') && s.edge.handoff === 'accepted',
    claim: 'a help desk took the case in this turn',
  },
  { keys: /^handoff\.pending$/, holds: (_s, ctx) => isHandoffAccepted(ctx), claim: 'a help desk took the case' },
  { keys: /^handoff\.requesting$/, holds: () => false, claim: 'never left waiting: the bot always reports the outcome' },
  {
    keys: /^handoff\.unavailable/,
    holds: (s, ctx) => ctx.handoffStatus === 'unavailable' && s.edge.handoff === 'unavailable',
    claim: 'no help desk took the case',
  },
  {
    keys: /^watch\.confirmed$/,
    holds: (s, ctx) => s.edge.watch === 'accepted' && ctx.watchStatus === 'accepted' && s.toPath === 'user.waiting',
    claim: 'the watch service stored the watch',
  },
  { keys: /^watch\.failed$/, holds: (s, ctx) => s.edge.watch === 'failed' && ctx.watchStatus === 'failed', claim: 'the watch was refused' },
  { keys: /^watch\.alreadyUp$/, holds: (_s, ctx) => siteAnswers(ctx.probe), claim: 'the site answers for everyone' },
  { keys: /^user\.down\./, holds: (_s, ctx) => isDownForEveryone(ctx.probe), claim: 'the site is down for everyone' },
  { keys: /^incident\.notice\./, holds: (_s, ctx) => ctx.probe?.incident !== undefined, claim: 'the help desk declared an incident' },
  { keys: /^user\.unreachable$/, holds: (_s, ctx) => isUnreachable(ctx.probe), claim: 'the probe could not connect' },
  { keys: /^user\.up$/, holds: (_s, ctx) => ctx.probe?.verdict === 'up', claim: 'the site is up' },
  { keys: /^help\.body$/, holds: (_s, ctx) => canOfferHandoff(ctx), claim: '"talk to a person" exists' },
  { keys: /^help\.bodyNoPerson$/, holds: (_s, ctx) => !canOfferHandoff(ctx), claim: 'no person can take the case' },
  {
    keys: /^crowd\.feedback\.ask$/,
    holds: (s, ctx) => feedbackOpen(ctx) && ENDINGS.includes(s.toPath),
    claim: 'the conversation just reached its end and nobody answered "did this help?" yet',
  },
  {
    keys: /^crowd\.feedback\.thanks$/,
    holds: (s, ctx) => ctx.feedback !== undefined && s.from.feedback === undefined && s.toPath === s.fromPath,
    claim: 'the person just answered "did this help?"',
  },
  { keys: /^crowd\.reports$/, holds: (_s, ctx) => crowdOf(ctx.probe)?.crowded === true, claim: 'a crowd asked about the site' },
  { keys: /^admin\.dns\.notApplicable$/, holds: (_s, ctx) => isIpAddressHost(ctx.host), claim: 'the site is an IP address' },
  {
    keys: /^(admin\.dns\.(looking|report|failed|slow)|error\.dnsFailed)$/,
    holds: (_s, ctx) => !isIpAddressHost(ctx.host),
    claim: 'the site has a name to look up',
  },
];

/** Every var a reply shows, its draft's and its draft lines' included. */
function shownValues(reply: Reply): Array<[string, string | number]> {
  const lines = Object.values(reply.draft?.lines ?? {}).flat();
  return [reply.vars, reply.draft?.vars, ...lines.map((l) => l.vars)].flatMap((vars) => Object.entries(vars ?? {}));
}

function problemsIn(step: WalkStep): string[] {
  const problems: string[] = [];
  const ctx = step.to;
  const keys = step.replies.map((r) => r.key);
  for (const reply of step.replies) {
    for (const { keys: pattern, holds, claim } of CLAIMS) {
      if (pattern.test(reply.key) && !holds(step, ctx)) problems.push(`said ${reply.key} but not true that ${claim}`);
    }
    if (SHOWS_A_DRAFT.includes(reply.key) && !reply.draft) problems.push(`${reply.key} refers to a message it does not show`);
    for (const [name, value] of shownValues(reply)) {
      if (value === '' || value === '-') problems.push(`${reply.key} shows an unknown ${name} as "${value}"`);
    }
    for (const list of [...Object.values(reply.terms ?? {}), ...Object.values(reply.draft?.terms ?? {})]) {
      if (list.some((k) => k.startsWith('advice.'))) problems.push(`${reply.key} gives the visitor's advice`);
    }
    for (const choice of reply.choices ?? []) {
      if (choice.intent === 'human' && !canOfferHandoff(ctx)) problems.push(`${reply.key} offers a person nobody would be`);
      if (choice.intent === 'watch' && !canOfferWatch(ctx)) problems.push(`${reply.key} offers a watch that cannot be kept`);
      if (choice.intent === 'recheck' && !ctx.url) problems.push(`${reply.key} offers a re-check without a site`);
      if (choice.labelKey.startsWith('crowd.feedback.') && !feedbackOpen(ctx))
        problems.push(`${reply.key} asks for feedback already given`);
    }
  }
  const pressed = step.event.type === 'user.message' ? step.event.intents[0] : undefined;
  if (step.press === 'offered' && keys.some((k) => REPROMPTS.includes(k))) {
    problems.push(`pressing the offered "${pressed}" was not understood (${keys.join(', ')})`);
  }
  if (step.press === 'stale-bound') {
    if (keys[0] !== 'reprompt.stale') problems.push(`an earlier card's "${pressed}" was not recognised (${keys.join(', ')})`);
    // After goodbye any message starts afresh; anywhere else the conversation stays where it was.
    const stayed = step.toPath === step.fromPath || (step.fromPath === 'ended' && step.toPath === 'greeting');
    if (!stayed || step.requests.length > 0) problems.push(`an earlier card's "${pressed}" changed the conversation`);
  }
  if (step.press === 'stale-global' && keys.includes('reprompt.stale')) problems.push('"start over" on an earlier card was refused');
  if (step.event.type === 'user.message' && step.replies.length === 0) problems.push('a message got no answer');
  if (step.requests.some((r) => r.type === 'handoff') && keys.length === 0) problems.push('a hand-off was asked for in silence');
  return problems.map((p) => `${step.fromPath} --${step.press} ${sent(step)}--> ${step.toPath}: ${p}`);
}

function sent(step: WalkStep): string {
  const e = step.event;
  if (e.type !== 'user.message') return e.type;
  return e.intents.length > 0 ? e.intents.join('+') : e.url ? 'url' : e.findings ? 'paste' : 'text';
}

describe('every path through the conversation, walked to its end', () => {
  const visited = new Set<string>();

  it.each(EDGES.map((edge) => [edge.name, edge] as const))('%s', async (_name, edge) => {
    const problems = new Set<string>();
    const result = await walk(edge, (step) => {
      for (const p of problemsIn(step)) problems.add(p);
    });
    for (const path of result.visited) visited.add(path);
    expect([...problems].slice(0, 20)).toEqual([]);
    expect(result.steps).toBeGreaterThan(50);
  });

  it('reached every state that waits for the person', () => {
    expect([...PROMPT_PATHS, 'ended'].filter((p) => !visited.has(p))).toEqual([]);
  });

  it('treats as state-bound exactly the intents whose meaning depends on the question', () => {
    expect([...STATE_BOUND_INTENTS].sort()).toEqual(['back', 'no', 'recheck', 'skip', 'yes']);
  });
});
