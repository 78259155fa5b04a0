import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisStorage } from '../../src/storage/redis-storage';
import { DAY_MS, DEFAULT_STATE_TTL_MS } from '../../src/storage/retention';
import { withRedisServer } from '../helpers/redis-server';
import { sleep } from './clock';
import { runStorageContract } from './storage-contract';

/**
 * Redis expires keys on its own clock, so the retention tests really wait. Long enough that the 0.4 TTL
 * margins of the contract (400 ms) absorb a loaded machine's timer delays, short enough to stay quick.
 */
const REDIS_TTL_MS = 1000;

const server = withRedisServer();

/** A client to the test server; each test gets its own key prefix so tests never see each other's keys. */
function createClient(): Redis {
  return new Redis(server().url, { maxRetriesPerRequest: 1 });
}

runStorageContract(
  'RedisStorage',
  async () => {
    const client = createClient();
    return {
      storage: new RedisStorage({ client, keyPrefix: `test:${randomUUID()}:` }),
      cleanup: async () => {
        await client.quit();
      },
    };
  },
  {
    createExpiring: async () => {
      const client = createClient();
      const keyPrefix = `test:${randomUUID()}:`;
      return {
        storage: new RedisStorage({ client, keyPrefix, ttlMs: REDIS_TTL_MS }),
        ttlMs: REDIS_TTL_MS,
        advance: (ms) => sleep(ms),
        sweep: async () => undefined, // Redis deletes expired keys itself
        // EXISTS never counts an expired key: Redis drops it on access, or its own active expiry already has.
        countStored: async () => {
          const keys = await client.keys(`${keyPrefix}*`);
          return keys.length === 0 ? 0 : client.exists(...keys);
        },
        cleanup: async () => {
          await client.quit();
        },
      };
    },
  },
);

describe('RedisStorage', () => {
  const clients: Redis[] = [];
  function createTrackedClient(): Redis {
    const client = createClient();
    clients.push(client);
    return client;
  }
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.quit()));
  });

  it('lets exactly one of four instances (separate connections) holding the same eTag win, round after round', async () => {
    const keyPrefix = `test:${randomUUID()}:`;
    const instances = Array.from({ length: 4 }, () => new RedisStorage({ client: createTrackedClient(), keyPrefix }));
    const reader = new RedisStorage({ client: createTrackedClient(), keyPrefix });
    await reader.write({ contested: { owner: 'none' } });

    for (let round = 0; round < 5; round += 1) {
      const current = (await reader.read(['contested'])).contested.eTag as string;
      const outcomes = await Promise.allSettled(
        instances.map((storage, i) => storage.write({ contested: { owner: `instance-${i}`, round, eTag: current } })),
      );
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      await expect(reader.read(['contested'])).resolves.toMatchObject({ contested: { round } });
    }
  });

  it('keeps items under its prefix as a hash of value and eTag, expiring after 30 days by default', async () => {
    const client = createTrackedClient();
    const storage = new RedisStorage({ client, keyPrefix: 'inspect:' });
    await storage.write({ 'conv/web/1': { n: 1, eTag: '*' } });
    const stored = await client.hgetall('inspect:item:conv/web/1');
    expect(JSON.parse(stored.v ?? 'null')).toEqual({ n: 1 });
    expect(stored.e).toEqual((await storage.read(['conv/web/1']))['conv/web/1'].eTag);
    const ttl = await client.pttl('inspect:item:conv/web/1');
    expect(ttl).toBeGreaterThan(DEFAULT_STATE_TTL_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(DEFAULT_STATE_TTL_MS);
    await client.del('inspect:item:conv/web/1');
  });

  it('does not see items of another prefix', async () => {
    const client = createTrackedClient();
    await new RedisStorage({ client, keyPrefix: 'app-a:' }).write({ same: { app: 'a' } });
    await expect(new RedisStorage({ client, keyPrefix: 'app-b:' }).read(['same'])).resolves.toEqual({});
    await client.del('app-a:item:same');
  });

  it('sets the TTL on every write when configured', async () => {
    const client = createTrackedClient();
    const keyPrefix = `test:${randomUUID()}:`;
    const storage = new RedisStorage({ client, keyPrefix, ttlMs: 60_000 });
    await storage.write({ expiring: { n: 1 } });
    const ttl = await client.pttl(`${keyPrefix}item:expiring`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('refreshes the expiry in the same script as the value, also for an eTag-checked write', async () => {
    const client = createTrackedClient();
    const keyPrefix = `test:${randomUUID()}:`;
    const storage = new RedisStorage({ client, keyPrefix, ttlMs: 60_000 });
    await storage.write({ k: { n: 1 } });
    await client.pexpire(`${keyPrefix}item:k`, 5_000); // as if most of its life had passed
    const loaded = (await storage.read(['k'])).k;
    await storage.write({ k: { ...loaded, n: 2 } });
    expect(await client.pttl(`${keyPrefix}item:k`)).toBeGreaterThan(50_000);
  });

  it('does not touch the expiry of the items of a write that lost on its eTag', async () => {
    const client = createTrackedClient();
    const keyPrefix = `test:${randomUUID()}:`;
    const storage = new RedisStorage({ client, keyPrefix, ttlMs: 60_000 });
    await storage.write({ a: { n: 1 }, b: { n: 1 } });
    await client.pexpire(`${keyPrefix}item:a`, 5_000);
    await expect(storage.write({ a: { n: 2 }, b: { n: 2, eTag: 'stale' } })).rejects.toMatchObject({ code: 'etag_conflict' });
    expect(await client.pttl(`${keyPrefix}item:a`)).toBeLessThanOrEqual(5_000);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a ttlMs of %p with invalid_ttl', (ttlMs) => {
    expect(() => new RedisStorage({ client: createTrackedClient(), ttlMs })).toThrow(expect.objectContaining({ code: 'invalid_ttl' }));
  });

  it('gives items written without an expiry (by an earlier version) one, and only those under its prefix', async () => {
    const client = createTrackedClient();
    // Glob characters in the prefix must match literally, not as a pattern.
    const keyPrefix = `test:${randomUUID()}:[*?]:`;
    const legacyKey = `${keyPrefix}item:conv/web/legacy`;
    await client.hset(legacyKey, 'v', JSON.stringify({ version: 1 }), 'e', 'old-etag'); // as the old Lua script did
    await client.hset(`${keyPrefix}item:conv/web/fresh`, 'v', '{}', 'e', 'x');
    await client.pexpire(`${keyPrefix}item:conv/web/fresh`, 5_000);
    const otherApp = `test:${randomUUID()}:item:conv/web/legacy`;
    const lookalike = `test:${randomUUID()}:Xx:item:conv/web/legacy`;
    await client.hset(otherApp, 'v', '{}', 'e', 'x');
    await client.hset(lookalike, 'v', '{}', 'e', 'x');

    const storage = new RedisStorage({ client, keyPrefix, ttlMs: 7 * DAY_MS });
    await expect(storage.read(['conv/web/legacy'])).resolves.toEqual({ 'conv/web/legacy': { version: 1, eTag: 'old-etag' } });
    await expect(storage.expireLegacyItems()).resolves.toBe(1);
    expect(await client.pttl(legacyKey)).toBeGreaterThan(7 * DAY_MS - 60_000);
    expect(await client.pttl(`${keyPrefix}item:conv/web/fresh`)).toBeLessThanOrEqual(5_000);
    expect(await client.pttl(otherApp)).toBe(-1);
    expect(await client.pttl(lookalike)).toBe(-1);
    await expect(storage.read(['conv/web/legacy'])).resolves.toEqual({ 'conv/web/legacy': { version: 1, eTag: 'old-etag' } });
    await client.del(legacyKey, `${keyPrefix}item:conv/web/fresh`, otherApp, lookalike);
  });

  it('walks a keyspace larger than one SCAN batch, and stops when asked', async () => {
    const client = createTrackedClient();
    const keyPrefix = `test:${randomUUID()}:`;
    const pipeline = client.pipeline();
    for (let i = 0; i < 2500; i += 1) pipeline.hset(`${keyPrefix}item:k${i}`, 'v', '{}', 'e', 'x');
    await pipeline.exec();
    const storage = new RedisStorage({ client, keyPrefix });
    await expect(storage.expireLegacyItems(() => true)).resolves.toBe(0);
    await expect(storage.expireLegacyItems()).resolves.toBe(2500);
    const keys = await client.keys(`${keyPrefix}*`);
    await client.del(...keys);
  });

  it('still writes after the server forgot its scripts (SCRIPT FLUSH)', async () => {
    const client = createTrackedClient();
    const storage = new RedisStorage({ client, keyPrefix: `test:${randomUUID()}:` });
    await storage.write({ before: { n: 1 } });
    await client.script('FLUSH');
    await storage.write({ after: { n: 2 } });
    await expect(storage.read(['before', 'after'])).resolves.toMatchObject({ before: { n: 1 }, after: { n: 2 } });
  });

  it('fails with storage_closed once its client has quit', async () => {
    const client = createClient();
    const storage = new RedisStorage({ client });
    await client.quit();
    await expect(storage.read(['x'])).rejects.toMatchObject({ code: 'storage_closed' });
    await expect(storage.write({ x: { n: 1 } })).rejects.toMatchObject({ code: 'storage_closed' });
  });
});
