/**
 * Walks the support machine to the end of every path: from each reachable state that waits for the person,
 * every message a person can send (each intent typed, each offered button pressed, a press on an earlier
 * card, the site again, another site, a pasted log, anything else), under one outer edge (what the probe
 * answers, whether a help desk takes the case, whether the watch service stores a watch, what the
 * deployment says it can do), until no new state turns up. Each step goes to a checker, which asserts that
 * nothing the bot said contradicts what is configured and what happened.
 */
import type { Snapshot } from 'xstate';
import type { SupportContext } from '../../dialogs/context';
import { INTENTS, type Intent, type Reply, type SupportEmitted, type SupportEvent } from '../../dialogs/types';
import type { Finding } from '../../src/contracts';
import { createConversation, createIntent, createMessage, type FakeDns, type FakeProbe } from './create-conversation';

/** Everything outside the machine that decides what is true: the probe, DNS, the help desk, the watch service. */
export interface Edge {
  name: string;
  probe: FakeProbe;
  dns?: FakeDns;
  handoff: 'accepted' | 'unavailable';
  watch: 'accepted' | 'failed';
  /** What the bot tells the machine at the start of every turn (omitted: the bot does not say). */
  capabilities?: { handoff: boolean; watch: boolean };
  /** The site the person names. */
  url: string;
}

/** How a message was sent: typed, or a press on a card of the current state or of an earlier one. */
export type Press = 'typed' | 'offered' | 'stale-bound' | 'stale-global';

/** One step of a walk: where it started, what was sent, what the bot said and did, where it ended. */
export interface WalkStep {
  edge: Edge;
  fromPath: string;
  from: SupportContext;
  event: SupportEvent;
  press: Press;
  replies: Reply[];
  /** Hand-off and watch requests the machine emitted in this step (the edge answered each one). */
  requests: SupportEmitted[];
  toPath: string;
  to: SupportContext;
  /** Everything said since the conversation started, this step included. */
  said: Reply[];
}

interface Node {
  snapshot: Snapshot<unknown>;
  path: string;
  /** The buttons on screen: those of the last reply that offered any. */
  offered: Intent[];
  /** The state those buttons carry (the state the turn that sent them ended in, as the bot stamps them). */
  offeredIn: string;
  said: Reply[];
}

const SERVER_LOG: Finding = {
  line: 1,
  producer: 'nginx',
  cause: 'upstream-refused',
  summary: 'The backend refused the connection; check that the application listens on the port in proxy_pass.',
};

/** A state that is surely not the current one, for presses on an earlier card. */
const elsewhere = (path: string): string => (path === 'user.step.reload' ? 'admin.overview' : 'user.step.reload');

/**
 * What a person can send in a state, given the buttons on the screen: every intent (pressed, when a button
 * of the current state offers it; typed otherwise), presses on an earlier card, and other messages.
 */
function messagesAt(node: Node, edge: Edge): Array<{ event: SupportEvent; press: Press }> {
  const current = node.offeredIn === node.path;
  return [
    ...INTENTS.map((intent) =>
      current && node.offered.includes(intent)
        ? { event: createMessage(intent, { intents: [intent], pressedIn: node.path }), press: 'offered' as const }
        : { event: createIntent(intent), press: 'typed' as const },
    ),
    { event: createMessage('yes', { intents: ['yes'], pressedIn: elsewhere(node.path) }), press: 'stale-bound' },
    { event: createMessage('start over', { intents: ['restart'], pressedIn: elsewhere(node.path) }), press: 'stale-global' },
    { event: createMessage(edge.url, { url: edge.url }), press: 'typed' },
    { event: createMessage('other.example is down too', { url: 'https://other.example/' }), press: 'typed' },
    { event: createMessage('here is our error log', { findings: [SERVER_LOG] }), press: 'typed' },
    { event: createMessage('hmm'), press: 'typed' },
    { event: { type: 'conversation.start' }, press: 'typed' },
  ];
}

/** Ways a conversation starts: opened, a site named, "I run it", Windows Update, IIS 502.1. */
export function startsFor(edge: Edge): SupportEvent[][] {
  return [
    [{ type: 'conversation.start' }],
    [{ type: 'conversation.start' }, createMessage(edge.url, { url: edge.url })],
    [createMessage(`I run ${edge.url}`, { url: edge.url, intents: ['admin'] })],
    [createMessage('0x80244021', { variant: 'windows-update' })],
    [createMessage('HTTP Error 502.1', { variant: 'iis-502.1' })],
  ];
}

function offeredBy(replies: readonly Reply[]): Intent[] {
  const last = [...replies].reverse().find((r) => r.choices && r.choices.length > 0);
  return (last?.choices ?? []).map((c) => c.intent);
}

/** The parts of a state that change what may be said next (so the walk stops once nothing new is reachable). */
function signature(path: string, ctx: SupportContext, current: boolean): string {
  // After goodbye every message starts afresh, whatever came before.
  if (path === 'ended') return path;
  return JSON.stringify([
    path,
    current,
    ctx.role,
    ctx.roleOffered,
    ctx.url !== undefined,
    ctx.probe?.verdict,
    ctx.handoffStatus,
    ctx.watchStatus,
    ctx.findings.length > 0,
  ]);
}

/** Turn budget in the walk: a fake probe answers within microtasks, so only a hanging one reaches it. */
const BUDGET_MS = 2;

/**
 * Walks every path under one edge. `check` sees every step; the walk returns the states it visited and how
 * many steps it took. `maxNodes` bounds the walk (it is reached only if the machine grows without bound).
 */
export async function walk(
  edge: Edge,
  check: (step: WalkStep) => void,
  { maxNodes = 400 }: { maxNodes?: number } = {},
): Promise<{ visited: Set<string>; steps: number; nodes: number }> {
  const options = {
    probes: [edge.probe],
    ...(edge.dns ? { dns: [edge.dns] } : {}),
    handoff: edge.handoff,
    watch: edge.watch,
  };
  const visited = new Set<string>();
  const seen = new Set<string>();
  const queue: Node[] = [];
  let steps = 0;

  const turn = async (convo: ReturnType<typeof createConversation>, event: SupportEvent, press: Press, said: Reply[]) => {
    const fromPath = convo.path();
    const from = convo.context();
    const before = convo.emitted.length;
    // Like the bot: what the deployment can do arrives with every turn, before the message.
    if (edge.capabilities) await convo.send({ type: 'capabilities', ...edge.capabilities });
    const replies = await convo.send(event, { budgetMs: BUDGET_MS });
    const requests = convo.emitted.slice(before).filter((e) => e.type === 'handoff' || e.type === 'watch');
    const all = [...said, ...replies];
    steps += 1;
    check({ edge, fromPath, from, event, press, replies, requests, toPath: convo.path(), to: convo.context(), said: all });
    return all;
  };

  const enqueue = (convo: ReturnType<typeof createConversation>, replies: Reply[], said: Reply[], previous?: Node) => {
    const path = convo.path();
    visited.add(path);
    // Buttons stay on screen until a new set replaces them; a new set carries the state the turn ended in.
    const fresh = offeredBy(replies);
    const offered = fresh.length > 0 ? fresh : (previous?.offered ?? []);
    const offeredIn = fresh.length > 0 ? path : (previous?.offeredIn ?? '');
    const key = signature(path, convo.context(), offeredIn === path);
    if (seen.has(key) || seen.size >= maxNodes) return;
    seen.add(key);
    queue.push({ snapshot: JSON.parse(JSON.stringify(convo.persisted())) as Snapshot<unknown>, path, offered, offeredIn, said });
  };

  for (const start of startsFor(edge)) {
    const convo = createConversation(options);
    let said: Reply[] = [];
    let last: Reply[] = [];
    for (const event of start) {
      const before = said.length;
      said = await turn(convo, event, 'typed', said);
      last = said.slice(before);
    }
    enqueue(convo, last, said);
    convo.stop();
  }

  while (queue.length > 0) {
    const node = queue.shift() as Node;
    for (const { event, press } of messagesAt(node, edge)) {
      const convo = createConversation({ ...options, snapshot: node.snapshot });
      const said = await turn(convo, event, press, node.said);
      enqueue(convo, said.slice(node.said.length), said.slice(-40), node);
      convo.stop();
    }
  }
  return { visited, steps, nodes: seen.size };
}
