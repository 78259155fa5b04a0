/**
 * At every state where the conversation waits for the person, the persisted snapshot survives a JSON
 * round trip: a restored actor answers the next event exactly like the one that never stopped.
 */
import type { Snapshot } from 'xstate';
import { PROMPTS } from '../../dialogs/replies';
import { isSettled, SNAPSHOT_VERSION, stateToPath, supportMachine } from '../../dialogs/support.machine';
import type { Reply, SupportEmitted, SupportEvent } from '../../dialogs/types';
import { createActor } from 'xstate';
import {
  createConversation,
  createIntent,
  createMessage,
  englishText,
  fakeCloudflareDown,
  fakeDnsReport,
  fakeProbeResult,
  seenTranslationKeys,
  type FakeDns,
  type FakeProbe,
} from './create-conversation';

interface Script {
  name: string;
  probes: FakeProbe[];
  dns?: FakeDns[];
  /** `[event, settle]`: events sent while a probe hangs are not awaited. */
  events: Array<SupportEvent | [SupportEvent, false]>;
}

const url = 'https://shop.example/';
const steps = Array.from({ length: 12 }, () => createIntent('no'));

const SCRIPTS: Script[] = [
  {
    name: 'visitor walks every step, watches, stops and comes back',
    probes: [fakeProbeResult()],
    events: [
      { type: 'conversation.start' },
      createMessage('shop.example', { url, browser: 'chrome', os: 'windows' }),
      ...steps,
      createIntent('watch'),
      createIntent('stop'),
      createMessage('hello again', { url }),
    ],
  },
  {
    name: 'down for everyone, then a person, then a restart',
    probes: [fakeCloudflareDown()],
    events: [createMessage('shop.example', { url }), createIntent('help'), createIntent('recheck'), createIntent('human'), createIntent('restart')],
  },
  {
    name: 'unreachable, steps anyway, fixed',
    probes: [fakeProbeResult({ verdict: 'blocked', httpStatus: undefined, evidence: [{ kind: 'refused', reason: 'address' }] })],
    events: [createMessage('intranet', { url }), createIntent('yes'), createIntent('yes'), createIntent('thanks')],
  },
  {
    name: 'windows update',
    probes: [fakeProbeResult()],
    events: [createMessage('0x80244021', { variant: 'windows-update' }), createIntent('no'), createIntent('yes')],
  },
  {
    name: 'gateway timeout',
    probes: [fakeProbeResult()],
    events: [createMessage('502.1', { variant: 'iis-502.1', url }), createIntent('human')],
  },
  {
    name: 'no URL yet',
    probes: [fakeProbeResult()],
    events: [createMessage('my site is broken'), createMessage('what?'), createMessage('shop.example', { url })],
  },
  {
    name: 'probe still running at the end of the turn',
    probes: ['hang', fakeProbeResult()],
    events: [[createMessage('shop.example', { url }), false], { type: 'turn.timeout' }, createIntent('recheck')],
  },
  {
    name: 'probe failed',
    probes: [{ fail: 'boom' }, fakeCloudflareDown()],
    events: [createMessage('shop.example', { url }), createIntent('recheck')],
  },
  {
    name: 'administrator checklist',
    probes: [fakeCloudflareDown()],
    dns: [fakeDnsReport()],
    events: [
      createMessage('I run shop.example', { url, intents: ['admin'] }),
      createIntent('no'),
      createIntent('no'),
      createIntent('no'),
      createMessage('log', { findings: [{ cause: 'upstream-timeout', summary: 'timed out' }] }),
      createIntent('no'),
      createIntent('skip'),
      createIntent('no'),
      createIntent('no'),
      createIntent('restart'),
    ],
  },
  {
    name: 'administrator when the probe fails or hangs',
    probes: [{ fail: 'boom' }, 'hang', fakeCloudflareDown()],
    events: [
      createMessage('I run shop.example', { url, intents: ['admin'] }),
      [createIntent('recheck'), false],
      { type: 'turn.timeout' },
      createIntent('no'),
    ],
  },
];

interface Outcome {
  path: string;
  replies: Array<Pick<Reply, 'key' | 'vars' | 'choices' | 'keys' | 'terms' | 'draft' | 'facts'>>;
  others: SupportEmitted[];
}

function outcomeOf(path: string, emitted: SupportEmitted[]): Outcome {
  return {
    path,
    replies: emitted.flatMap((e) => (e.type === 'reply' ? [e.reply] : [])),
    others: emitted.filter((e) => e.type !== 'reply'),
  };
}

const visited = new Set<string>();

afterAll(() => {
  expect([...seenTranslationKeys()].filter((k) => englishText(k) === undefined)).toEqual([]);
});

describe('rehydration at every waiting state', () => {
  it.each(SCRIPTS.map((s) => [s.name, s] as const))('%s', async (_name, script) => {
    const live = createConversation({ probes: script.probes, ...(script.dns ? { dns: script.dns } : {}) });
    let compared = 0;
    for (const item of script.events) {
      const [event, settle] = Array.isArray(item) ? item : [item, true];
      if (live.settled()) {
        // Round trip exactly as storage would: only ever from a settled snapshot.
        const stored = JSON.parse(JSON.stringify({ version: SNAPSHOT_VERSION, snapshot: live.persisted() })) as { snapshot: Snapshot<unknown> };
        const restored = createConversation({
          probes: script.probes.slice(Math.min(live.probeInputs.length, script.probes.length - 1)),
          ...(script.dns ? { dns: script.dns.slice(Math.min(live.dnsInputs.length, script.dns.length - 1)) } : {}),
          snapshot: stored.snapshot,
        });
        expect(restored.path()).toBe(live.path());
        expect(restored.context()).toEqual(JSON.parse(JSON.stringify(live.context())));
        visited.add(live.path());
        const liveBefore = live.emitted.length;
        await live.send(event, { settle });
        await restored.send(event, { settle });
        expect(outcomeOf(restored.path(), restored.emitted)).toEqual(outcomeOf(live.path(), live.emitted.slice(liveBefore)));
        restored.stop();
        compared++;
      } else {
        await live.send(event, { settle });
      }
    }
    expect(compared).toBeGreaterThan(0);
    live.stop();
  });

  it('covered every state that waits for the person', () => {
    const waitingStates = [...Object.keys(PROMPTS), 'ended'];
    expect(waitingStates.filter((p) => !visited.has(p))).toEqual([]);
  });

  it('never leaves a busy state in a settled snapshot, and restores without re-running entry replies', async () => {
    const convo = createConversation({ probes: [fakeProbeResult()] });
    await convo.say('shop.example', { url });
    const persisted = JSON.parse(JSON.stringify(convo.persisted())) as Snapshot<unknown>;
    const actor = createActor(supportMachine, { snapshot: persisted });
    const emitted: SupportEmitted[] = [];
    actor.on('*', (e) => emitted.push(e));
    actor.start();
    expect(stateToPath(actor.getSnapshot().value)).toBe('user.step.reload');
    expect(isSettled(actor.getSnapshot())).toBe(true);
    expect(emitted).toEqual([]);
    actor.stop();
  });
});

describe('stateToPath', () => {
  it.each([
    ['greeting', 'greeting'],
    [{ user: { step: 'hardRefresh' } }, 'user.step.hardRefresh'],
    [{ admin: 'logs' }, 'admin.logs'],
  ] as const)('%j -> %s', (value, path) => {
    expect(stateToPath(value)).toBe(path);
  });
});
