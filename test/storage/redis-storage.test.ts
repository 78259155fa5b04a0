import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisStorage } from '../../src/storage/redis-storage';
import { withRedisServer } from '../helpers/redis-server';
import { runStorageContract } from './storage-contract';

const server = withRedisServer();

/** A client to the test server; each test gets its own key prefix so tests never see each other's keys. */
function createClient(): Redis {
  return new Redis(server().url, { maxRetriesPerRequest: 1 });
}

runStorageContract('RedisStorage', async () => {
  const client = createClient();
  return {
    storage: new RedisStorage({ client, keyPrefix: `test:${randomUUID()}:` }),
    cleanup: async () => {
      await client.quit();
    },
  };
});

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
    const instances = Array.from(
      { length: 4 },
      () => new RedisStorage({ client: createTrackedClient(), keyPrefix }),
    );
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

  it('keeps items under its prefix as a hash of value and eTag', async () => {
    const client = createTrackedClient();
    const storage = new RedisStorage({ client, keyPrefix: 'inspect:' });
    await storage.write({ 'conv/web/1': { n: 1, eTag: '*' } });
    const stored = await client.hgetall('inspect:item:conv/web/1');
    expect(JSON.parse(stored.v ?? 'null')).toEqual({ n: 1 });
    expect(stored.e).toEqual((await storage.read(['conv/web/1']))['conv/web/1'].eTag);
    expect(await client.pttl('inspect:item:conv/web/1')).toBe(-1);
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
