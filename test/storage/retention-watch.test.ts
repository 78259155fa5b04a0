/**
 * Watch subscriptions live in the conversation storage (src/watch/watch-service.ts), so STATE_TTL_DAYS
 * applies to them too. They end on their own after 24 hours; these tests pin that the storage TTL, even
 * at its smallest setting (1 day), never removes a subscription that is still live.
 */
import type { Prober } from '../../src/probe/prober';
import { createLogger } from '../../src/observability/logger';
import { DAY_MS, DEFAULT_STATE_TTL_MS } from '../../src/storage/retention';
import { SqliteStorage } from '../../src/storage/sqlite-storage';
import { createWatchService, type WatchNotifier } from '../../src/watch/watch-service';
import { createClock } from './clock';

/** The prober at the outer edge: every site stays down, and nothing leaves the process. */
const downProber: Prober = {
  stats: () => ({ requests: 0, outbound: 0, attempts: 0, cacheHits: 0, joined: 0, rateLimited: 0 }),
  async probe(url) {
    return { url, verdict: 'down', advice: 'wait', timings: { totalMs: 1 }, evidence: [], checkedAt: '2026-11-21T10:00:00.000Z' };
  },
};

function recordingNotifier(): WatchNotifier & { sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    async notify(_subscription, outcome) {
      sent.push(outcome.kind);
    },
  };
}

const WATCH_WAIT_MS = DAY_MS; // the watch service's default longest wait

describe.each([
  ['the default STATE_TTL_DAYS (30)', DEFAULT_STATE_TTL_MS],
  ['the smallest STATE_TTL_DAYS (1)', DAY_MS],
])('watch subscriptions under %s', (_label, ttlMs) => {
  it('stay stored for their whole 24-hour wait', async () => {
    const clock = createClock();
    const storage = new SqliteStorage({ path: ':memory:' }, { ttlMs, now: clock.now });
    const notifier = recordingNotifier();
    const watch = createWatchService({
      storage,
      prober: downProber,
      notifier,
      logger: createLogger('silent'),
      intervalMs: 60_000,
      now: clock.now,
    });
    try {
      await watch.subscribe(
        'https://shop.example/',
        { conversation: { id: 'c1', isGroup: false, conversationType: 'personal', name: 'c1' } },
        'en',
      );
      clock.advance(WATCH_WAIT_MS - 1);
      await storage.sweep();
      expect(await watch.list()).toHaveLength(1);
      await watch.tick();
      expect(notifier.sent).toEqual([]); // still waiting, not dropped
    } finally {
      storage.close();
    }
  });
});
