/**
 * The fleet's shared probe parts on a real redis-server, each instance played by its own prober, client
 * and store: the cache and claims (a dead holder frees the target, records from elsewhere are misses,
 * Redis down means acting alone), the limits (one budget for the fleet, an insurance limiter while Redis
 * is down), the recent checks, the fleet lock, and the watcher's leases surviving an instance that hung.
 */
import { Redis } from 'ioredis';
import type { ProbeResult } from '../../src/contracts';
import { createLogger } from '../../src/observability/logger';
import { createFleetLimiters } from '../../src/probe/fleet-limits';
import { cacheKey, createProber, type Prober } from '../../src/probe/prober';
import { createRecentChecks } from '../../src/probe/recent-checks';
import { createRedisProbeCache } from '../../src/probe/redis-probe-cache';
import { createRedisRecentRows } from '../../src/probe/redis-recent-checks';
import { createFleetLock } from '../../src/storage/fleet-lock';
import { RedisStorage } from '../../src/storage/redis-storage';
import { createWatchService, type WatchNotifier, type WatchSubscription } from '../../src/watch/watch-service';
import { createCountingSite } from '../helpers/loopback-servers';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';

jest.setTimeout(30_000);

const LOOPBACK = ['127.0.0.0/8'];

describe('the fleet on Redis', () => {
  let server: RedisServer;
  const clients: Redis[] = [];
  let prefixCount = 0;

  const connect = async (): Promise<Redis> => {
    const client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 200 });
    client.on('error', () => undefined);
    await client.connect();
    clients.push(client);
    return client;
  };
  /** A prefix of its own per test, so tests never see each other's keys. */
  const freshPrefix = () => {
    prefixCount += 1;
    return `t${prefixCount}:`;
  };
  const instance = (client: Redis, keyPrefix: string, extra: Parameters<typeof createProber>[0] = {}): Prober => {
    const shared = createRedisProbeCache({ client, keyPrefix });
    return createProber({ allowCidrs: LOOPBACK, timeoutMs: 2000, cache: shared, claims: shared, ...extra });
  };

  beforeAll(async () => {
    server = await startRedisServer({ persist: true });
  });
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await server?.stop();
  });

  it('probes once for two instances asking at once, and serves the result to both afterwards', async () => {
    const site = await createCountingSite(200);
    try {
      const prefix = freshPrefix();
      const [a, b] = [instance(await connect(), prefix), instance(await connect(), prefix)];
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).probe(`${site.server.url}same`)));
      expect(results.map((r) => r.verdict)).toEqual(results.map(() => 'up'));
      expect(site.paths).toEqual(['/same']);
      await b.probe(`${site.server.url}same`);
      expect(site.paths).toHaveLength(1);
      expect(a.stats().outbound + b.stats().outbound).toBe(1);
    } finally {
      await site.server.close();
    }
  });

  it('does not probe again when the holder cached its result and let go between two of its looks', async () => {
    const site = await createCountingSite(300);
    try {
      const prefix = freshPrefix();
      const target = `${site.server.url}between`;
      const a = instance(await connect(), prefix);
      const aProbe = a.probe(target);
      while (site.paths.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      // B looks at the cache while A still probes (a miss), and asks whether the claim is still held only
      // once A has cached its result and released the claim: B then takes the free claim.
      const real = createRedisProbeCache({ client: await connect(), keyPrefix: prefix });
      const late = {
        ...real,
        held: async (key: string) => {
          await aProbe;
          return real.held(key);
        },
      };
      const b = createProber({ allowCidrs: LOOPBACK, timeoutMs: 2000, cache: late, claims: late });
      const [fromA, fromB] = await Promise.all([aProbe, b.probe(target)]);
      expect([fromA.verdict, fromB.verdict]).toEqual(['up', 'up']);
      expect(site.paths).toEqual(['/between']);
      expect(b.stats().outbound).toBe(0);
    } finally {
      await site.server.close();
    }
  });

  it('probes itself when the instance holding the claim died (the claim expires)', async () => {
    const site = await createCountingSite(0);
    try {
      const prefix = freshPrefix();
      const client = await connect();
      const target = `${site.server.url}orphan`;
      // An instance claimed the target and was killed before it cached anything: only its claim is left.
      const dead = createRedisProbeCache({ client, keyPrefix: prefix });
      expect(await dead.claim(cacheKey(new URL(target)), 300)).toBeDefined();
      const result = await instance(client, prefix).probe(target);
      expect(result.verdict).toBe('up');
      expect(site.paths).toEqual(['/orphan']);
    } finally {
      await site.server.close();
    }
  });

  it('takes a stored record it cannot read as a miss, never a crash', async () => {
    const site = await createCountingSite(0);
    try {
      const prefix = freshPrefix();
      const client = await connect();
      const target = `${site.server.url}garbage`;
      const key = `${prefix}probe:public:result:${cacheKey(new URL(target))}`;
      for (const junk of ['not json', '{"url":1}', JSON.stringify({ verdict: 'sideways' }), '[]']) {
        await client.set(key, junk, 'PX', 60_000);
        expect(await createRedisProbeCache({ client, keyPrefix: prefix }).get(cacheKey(new URL(target)))).toBeUndefined();
      }
      expect((await instance(client, prefix).probe(target)).verdict).toBe('up');
      expect(site.paths).toEqual(['/garbage']);
    } finally {
      await site.server.close();
    }
  });

  it('counts a person and a host once for the fleet, and keeps limiting on its insurance while Redis is down', async () => {
    const prefix = freshPrefix();
    const limits = {
      perHost: { points: 3, duration: 60 },
      perRequester: { points: 2, duration: 60 },
      perClient: { points: 50, duration: 60 },
    };
    const [one, two] = [await connect(), await connect()];
    const a = createFleetLimiters({ client: one, keyPrefix: prefix, limits });
    const b = createFleetLimiters({ client: two, keyPrefix: prefix, limits });
    await a.perRequesterLimiter.consume('person');
    await b.perRequesterLimiter.consume('person');
    // The third try is refused on either instance: one budget, not one per instance.
    await expect(a.perRequesterLimiter.consume('person')).rejects.toMatchObject({ remainingPoints: 0 });
    await expect(b.perRequesterLimiter.consume('person')).rejects.toMatchObject({ remainingPoints: 0 });

    await server.stop();
    try {
      // Redis is down: the memory insurance answers at once, with the same budget.
      const started = Date.now();
      await a.perHostLimiter.consume('site.example');
      await a.perHostLimiter.consume('site.example');
      await a.perHostLimiter.consume('site.example');
      await expect(a.perHostLimiter.consume('site.example')).rejects.toMatchObject({ remainingPoints: 0 });
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await server.restart();
    }
  });

  it('probes alone, without waiting, while Redis is down', async () => {
    const site = await createCountingSite(0);
    const prefix = freshPrefix();
    const client = await connect();
    const prober = instance(client, prefix);
    await server.stop();
    try {
      expect((await prober.probe(`${site.server.url}alone`)).verdict).toBe('up');
      expect(site.paths).toEqual(['/alone']);
    } finally {
      await server.restart();
      await site.server.close();
    }
  });

  it("lists every instance's checks on each instance, newest first, capped, skipping rows it cannot read", async () => {
    const prefix = freshPrefix();
    const [one, two] = [await connect(), await connect()];
    const a = createRecentChecks({ shared: createRedisRecentRows({ client: one, keyPrefix: prefix, maxHosts: 2 }), refreshMs: 60_000 });
    const b = createRecentChecks({ shared: createRedisRecentRows({ client: two, keyPrefix: prefix, maxHosts: 2 }), refreshMs: 60_000 });
    const result = (url: string, verdict: ProbeResult['verdict']): ProbeResult => ({
      url,
      verdict,
      advice: verdict === 'up' ? 'troubleshoot' : 'wait',
      timings: { totalMs: 5 },
      evidence: [],
      checkedAt: new Date().toISOString(),
    });
    a.record(result('https://first.example/', 'up'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    b.record(result('https://second.example/', 'down'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    a.record(result('https://second.example/x', 'down'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await b.refresh?.();
    expect(b.list().map((row) => [row.host, row.asks])).toEqual([
      ['second.example', 2],
      ['first.example', 1],
    ]);
    a.record(result('https://third.example/', 'up'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await one.hset(`${prefix}recent:rows`, 'second.example', '{"broken":');
    await b.refresh?.();
    expect(b.list().map((row) => row.host)).toEqual(['third.example']);
    a.close?.();
    b.close?.();
  });

  it('grants a named claim to one instance until it expires', async () => {
    const prefix = freshPrefix();
    const [a, b] = [
      createFleetLock({ kind: 'redis', client: await connect(), keyPrefix: prefix }),
      createFleetLock({ kind: 'redis', client: await connect(), keyPrefix: prefix }),
    ];
    const claims = await Promise.all([a.claim('round-1', 200), b.claim('round-1', 200)]);
    expect(claims.sort()).toEqual([false, true]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await b.claim('round-1', 200)).toBe(true);
    expect(await createFleetLock({ kind: 'memory' }).claim('anything', 1)).toBe(true);
  });

  it('hands the people an instance was telling to another once its lease runs out (the instance hung or died)', async () => {
    const prefix = freshPrefix();
    const client = await connect();
    const storage = new RedisStorage({ client, keyPrefix: prefix });
    let clock = 1_000_000;
    const prober: Prober = {
      stats: () => ({ requests: 0, outbound: 0, attempts: 0, cacheHits: 0, joined: 0, rateLimited: 0 }),
      probe: async (url) => ({
        url,
        verdict: 'up',
        advice: 'troubleshoot',
        timings: { totalMs: 1 },
        evidence: [],
        checkedAt: new Date(clock).toISOString(),
      }),
    };
    const told: string[] = [];
    const hung: WatchNotifier = { notify: () => new Promise(() => undefined) };
    const working: WatchNotifier = {
      async notify(subscription: WatchSubscription) {
        told.push(subscription.reference.conversation?.id ?? '?');
      },
    };
    const options = { storage, prober, logger: createLogger('silent'), intervalMs: 1000, leaseMs: 30_000, now: () => clock };
    const dying = createWatchService({ ...options, notifier: hung });
    const survivor = createWatchService({ ...options, notifier: working });
    await dying.subscribe(
      'https://shop.example/',
      { conversation: { id: 'waiting', isGroup: false, conversationType: 'personal', name: 'w' } },
      'en',
    );

    void dying.tick(); // leases the person, then never finishes telling them
    await new Promise((resolve) => setTimeout(resolve, 200));
    clock += 2000;
    expect(await survivor.tick()).toEqual({ probed: 0, notified: 0 }); // the lease is still live
    clock += 30_000;
    expect(await survivor.tick()).toEqual({ probed: 1, notified: 1 });
    expect(told).toEqual(['waiting']);
    expect(await survivor.list()).toEqual([]);
  });
});
