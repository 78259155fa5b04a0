import { fromPromise } from 'xstate';
import { supportMachine } from '../../dialogs/support.machine';
import type { DnsReport, PublicProbeResult } from '../../src/contracts';
import type { DnsLookupInput, ProbeInput } from '../../dialogs/types';
import { createTurnRunner, type TurnRequest } from '../../src/core/turn-runner';
import { createLogger } from '../../src/observability/logger';
import { MemoryActivityDedupe } from '../../src/storage/activity-dedupe';
import { createKeyedLock } from '../../src/storage/keyed-lock';
import { MemoryStorage } from '../../src/storage/memory-storage';

const DOWN: PublicProbeResult = {
  url: 'https://shop.example/',
  verdict: 'down',
  advice: 'wait',
  httpStatus: 502,
  producer: 'nginx',
  timings: { totalMs: 5 },
  evidence: [],
  checkedAt: '2026-11-21T10:00:00.000Z',
};

function createRunner(probeDelayMs: number, options: { turnBudgetMs?: number } = {}) {
  const storage = new MemoryStorage();
  const machine = supportMachine.provide({
    actors: {
      probeSite: fromPromise<PublicProbeResult, ProbeInput>(
        ({ input, signal }) =>
          new Promise((resolve) => {
            const timer = setTimeout(() => resolve({ ...DOWN, url: input.url }), probeDelayMs);
            // A stopped actor aborts its promise: a probe cut off by the turn budget must not linger.
            signal.addEventListener('abort', () => clearTimeout(timer));
          }),
      ),
      lookupDns: fromPromise<DnsReport, DnsLookupInput>(async ({ input }) => ({ host: input.host, a: [], aaaa: [], cname: [], ns: [] })),
    },
  });
  const runner = createTurnRunner({
    machine,
    storage,
    dedupe: new MemoryActivityDedupe(),
    lock: createKeyedLock(),
    logger: createLogger('silent'),
    busyDelayMs: 50,
    busyIntervalMs: 100,
    ...options,
  });
  return { runner, storage };
}

const ask = (extra: Partial<TurnRequest> = {}): TurnRequest => ({
  key: 'conv/test/1',
  activityId: `a-${Math.random()}`,
  locale: 'en',
  events: [{ type: 'user.message', text: 'https://shop.example/ 502', intents: [], url: 'https://shop.example/' }],
  ...extra,
});

describe('turn runner', () => {
  it('sends no typing indicator when the probe settles at once', async () => {
    const { runner } = createRunner(0);
    let typing = 0;
    const result = await runner.run(
      ask({
        onBusy: () => {
          typing += 1;
        },
      }),
    );
    expect(result.status).toMatchObject({ state: 'user.down', verdict: 'down', producer: 'nginx' });
    expect(typing).toBe(0);
  });

  it('keeps the person informed while a slow probe runs', async () => {
    const { runner } = createRunner(400);
    let typing = 0;
    const result = await runner.run(
      ask({
        onBusy: () => {
          typing += 1;
        },
      }),
    );
    expect(result.status.state).toBe('user.down');
    expect(typing).toBeGreaterThanOrEqual(2);
  });

  it('gives up waiting at the turn budget and persists a settled state', async () => {
    const { runner, storage } = createRunner(5_000, { turnBudgetMs: 200 });
    const result = await runner.run(ask());
    expect(result.status.state).not.toBe('probing');
    const stored = (await storage.read(['conv/test/1']))['conv/test/1'] as {
      snapshot: { value: unknown; children?: Record<string, unknown> };
    };
    expect(JSON.stringify(stored.snapshot.value)).not.toContain('probing');
    // The next turn picks up from the stored, settled state.
    const next = await runner.run(ask({ events: [{ type: 'user.message', text: 'help', intents: ['help'] }] }));
    expect(next.replies.length).toBeGreaterThan(0);
  });

  it('answers a redelivered activity once', async () => {
    const { runner } = createRunner(0);
    const request = ask({ activityId: 'same' });
    expect((await runner.run(request)).duplicate).toBe(false);
    expect((await runner.run(request)).duplicate).toBe(true);
  });

  it('retries when another instance wrote the conversation in between', async () => {
    const { runner, storage } = createRunner(0);
    await runner.run(ask());
    const originalWrite = storage.write.bind(storage);
    let interfered = false;
    storage.write = async (changes) => {
      if (!interfered) {
        interfered = true;
        // Another instance saves the same conversation first: our eTag is now stale.
        const current = await storage.read(['conv/test/1']);
        await originalWrite({ 'conv/test/1': { ...(current['conv/test/1'] as object), eTag: '*' } });
      }
      return originalWrite(changes);
    };
    const result = await runner.run(ask({ events: [{ type: 'user.message', text: 'help', intents: ['help'] }] }));
    expect(interfered).toBe(true);
    expect(result.replies.length).toBeGreaterThan(0);
  });
});
