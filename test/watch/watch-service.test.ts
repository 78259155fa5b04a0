import type { ProbeResult } from '../../src/contracts';
import type { Prober } from '../../src/probe/prober';
import { createLogger } from '../../src/observability/logger';
import { MemoryStorage } from '../../src/storage/memory-storage';
import { createWatchService, WATCH_KEY, type WatchNotifier, type WatchSubscription } from '../../src/watch/watch-service';

function fakeProber(verdicts: Record<string, ProbeResult['verdict']>): Prober & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    stats: () => ({ requests: calls.length, outbound: calls.length, attempts: calls.length, cacheHits: 0, joined: 0, rateLimited: 0 }),
    async probe(url) {
      calls.push(url);
      const verdict = verdicts[url] ?? 'down';
      return {
        url,
        verdict,
        advice: verdict === 'up' ? 'troubleshoot' : 'wait',
        timings: { totalMs: 1 },
        evidence: [],
        checkedAt: '2026-11-21T10:00:00.000Z',
      };
    },
  };
}

function fakeNotifier(): WatchNotifier & { sent: { id: string; kind: string }[] } {
  const sent: { id: string; kind: string }[] = [];
  return {
    sent,
    async notify(subscription: WatchSubscription, outcome) {
      sent.push({ id: subscription.reference.conversation?.id ?? '?', kind: outcome.kind });
    },
  };
}

const reference = (id: string) => ({ channelId: 'webchat', conversation: { id, isGroup: false, conversationType: 'personal', name: id } });

describe('watch service', () => {
  const logger = createLogger('silent');

  it('probes each watched site once per round however many people wait, and tells each of them once', async () => {
    const storage = new MemoryStorage();
    const verdicts: Record<string, ProbeResult['verdict']> = {};
    const prober = fakeProber(verdicts);
    const notifier = fakeNotifier();
    const watch = createWatchService({ storage, prober, notifier, logger, intervalMs: 1000 });
    for (const id of ['a', 'b', 'c']) await watch.subscribe('https://shop.example/', reference(id), 'en');
    await watch.subscribe('https://other.example/', reference('d'), 'es');

    expect(await watch.tick()).toEqual({ probed: 2, notified: 0 });
    expect(prober.calls).toHaveLength(2);

    verdicts['https://shop.example/'] = 'up';
    expect(await watch.tick()).toEqual({ probed: 2, notified: 3 });
    expect(notifier.sent.map((s) => s.id).sort()).toEqual(['a', 'b', 'c']);
    expect((await watch.list()).map((s) => s.url)).toEqual(['https://other.example/']);
    await watch.tick();
    expect(notifier.sent).toHaveLength(3);
  });

  it('does not subscribe the same conversation twice to one site', async () => {
    const watch = createWatchService({
      storage: new MemoryStorage(),
      prober: fakeProber({}),
      notifier: fakeNotifier(),
      logger,
      intervalMs: 1000,
    });
    await watch.subscribe('https://shop.example/', reference('a'), 'en');
    await watch.subscribe('https://shop.example/', reference('a'), 'en');
    expect(await watch.list()).toHaveLength(1);
  });

  it('gives up after the longest wait and says so', async () => {
    let clock = 1_000_000;
    const notifier = fakeNotifier();
    const prober = fakeProber({});
    const watch = createWatchService({
      storage: new MemoryStorage(),
      prober,
      notifier,
      logger,
      intervalMs: 1000,
      maxWaitMs: 60_000,
      now: () => clock,
    });
    await watch.subscribe('https://shop.example/', reference('a'), 'en');
    clock += 61_000;
    await watch.tick();
    expect(notifier.sent).toEqual([{ id: 'a', kind: 'gave-up' }]);
    expect(prober.calls).toHaveLength(0);
    expect(await watch.list()).toHaveLength(0);
  });

  it('notifies exactly once when two instances share the storage', async () => {
    const storage = new MemoryStorage();
    const prober = fakeProber({ 'https://shop.example/': 'up' });
    const notifier = fakeNotifier();
    const one = createWatchService({ storage, prober, notifier, logger, intervalMs: 1000 });
    const two = createWatchService({ storage, prober, notifier, logger, intervalMs: 1000 });
    for (const id of ['a', 'b', 'c', 'd']) await one.subscribe('https://shop.example/', reference(id), 'en');
    await Promise.all([one.tick(), two.tick()]);
    expect(notifier.sent.map((s) => s.id).sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('drops stored entries it cannot read instead of failing the round', async () => {
    const storage = new MemoryStorage();
    await storage.write({ [WATCH_KEY]: { subscriptions: [{ nonsense: true }, 'text'] } });
    const watch = createWatchService({ storage, prober: fakeProber({}), notifier: fakeNotifier(), logger, intervalMs: 1000 });
    expect(await watch.tick()).toEqual({ probed: 0, notified: 0 });
    await watch.subscribe('https://shop.example/', reference('a'), 'en');
    expect(await watch.list()).toHaveLength(1);
  });
  it("does not call a held site back while its incident is open, and tells only that host's watchers when told to", async () => {
    const storage = new MemoryStorage();
    const prober = fakeProber({ 'https://shop.example/': 'up', 'https://other.example/': 'down' });
    const notifier = fakeNotifier();
    let held = true;
    const watch = createWatchService({
      storage,
      prober,
      notifier,
      logger,
      intervalMs: 1000,
      isHeld: async (url) => held && url.includes('shop.example'),
    });
    await watch.subscribe('https://shop.example/', reference('a'), 'en');
    await watch.subscribe('https://shop.example/cart', reference('b'), 'en');
    await watch.subscribe('https://other.example/', reference('c'), 'en');
    expect(await watch.tick()).toEqual({ probed: 3, notified: 0 });

    const told = await watch.notifyNow((url) => url.startsWith('https://shop.example/'), {
      kind: 'resolved',
      at: '2026-11-30T10:00:00.000Z',
    });
    expect(told).toBe(2);
    expect(notifier.sent).toEqual([
      { id: 'a', kind: 'resolved' },
      { id: 'b', kind: 'resolved' },
    ]);
    held = false;
    expect(await watch.notifyNow(() => true, { kind: 'resolved', at: '2026-11-30T10:00:00.000Z' })).toBe(1);
    expect(await watch.list()).toEqual([]);
  });
});
