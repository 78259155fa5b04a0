/**
 * At every state where the conversation waits for the person, the persisted snapshot survives a JSON
 * round trip: a restored actor answers the next event exactly like the one that never stopped.
 */
import type { Snapshot } from 'xstate';
import { PROMPT_PATHS } from '../../dialogs/replies';
import { isSettled, SNAPSHOT_VERSION, stateToPath, supportMachine } from '../../dialogs/support.machine';
import type { Reply, SupportEmitted } from '../../dialogs/types';
import { createActor } from 'xstate';
import { SCRIPTS } from './conversation-scripts';
import { createConversation, englishText, fakeProbeResult, seenTranslationKeys } from './create-conversation';

const url = 'https://shop.example/';

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
    const live = createConversation({ probes: script.probes, ...(script.dns ? { dns: script.dns } : {}), ...script.edge });
    let compared = 0;
    for (const item of script.events) {
      const [event, settle] = Array.isArray(item) ? item : [item, true];
      if (live.settled()) {
        // Round trip exactly as storage would: only ever from a settled snapshot.
        const stored = JSON.parse(JSON.stringify({ version: SNAPSHOT_VERSION, snapshot: live.persisted() })) as {
          snapshot: Snapshot<unknown>;
        };
        const restored = createConversation({
          probes: script.probes.slice(Math.min(live.probeInputs.length, script.probes.length - 1)),
          ...(script.dns ? { dns: script.dns.slice(Math.min(live.dnsInputs.length, script.dns.length - 1)) } : {}),
          snapshot: stored.snapshot,
          ...script.edge,
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
    const waitingStates = [...PROMPT_PATHS, 'ended'];
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
