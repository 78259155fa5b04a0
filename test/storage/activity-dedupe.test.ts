import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import {
  MemoryActivityDedupe,
  RedisActivityDedupe,
  SqliteActivityDedupe,
  type ActivityDedupe,
} from '../../src/storage/activity-dedupe';
import { openSqliteDatabase } from '../../src/storage/sqlite-database';
import { withRedisServer } from '../helpers/redis-server';

const MINUTE = 60_000;

/** The behaviour every de-duplication shares. */
function runDedupeContract(name: string, create: () => Promise<{ dedupe: ActivityDedupe; cleanup(): Promise<void> }>) {
  describe(`${name}: de-duplication contract`, () => {
    let dedupe: ActivityDedupe;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ dedupe, cleanup } = await create());
    });
    afterEach(async () => cleanup());

    it('says true the first time and false after', async () => {
      await expect(dedupe.firstSeen('activity/web/c1/a1', MINUTE)).resolves.toBe(true);
      await expect(dedupe.firstSeen('activity/web/c1/a1', MINUTE)).resolves.toBe(false);
      await expect(dedupe.firstSeen('activity/web/c1/a1', MINUTE)).resolves.toBe(false);
    });

    it('treats different keys independently', async () => {
      await expect(dedupe.firstSeen('a', MINUTE)).resolves.toBe(true);
      await expect(dedupe.firstSeen('b', MINUTE)).resolves.toBe(true);
      await expect(dedupe.firstSeen('A', MINUTE)).resolves.toBe(true);
    });

    it('lets exactly one of many concurrent callers see a key first', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, () => dedupe.firstSeen('redelivered', MINUTE)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('accepts odd keys', async () => {
      for (const key of ['😀 /a%b', 'k'.repeat(1000), ' ', 'nul\u0000byte']) {
        await expect(dedupe.firstSeen(key, MINUTE)).resolves.toBe(true);
        await expect(dedupe.firstSeen(key, MINUTE)).resolves.toBe(false);
      }
    });

    it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY])('refuses a window of %p ms with invalid_ttl', async (ttl) => {
      await expect(dedupe.firstSeen('k', ttl)).rejects.toMatchObject({ code: 'invalid_ttl' });
    });
  });
}

/** A settable clock for the stores that take one. */
function createClock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

runDedupeContract('MemoryActivityDedupe', async () => ({
  dedupe: new MemoryActivityDedupe(),
  cleanup: async () => undefined,
}));

describe('MemoryActivityDedupe', () => {
  it('forgets a key once its window has passed', async () => {
    const clock = createClock();
    const dedupe = new MemoryActivityDedupe({ now: clock.now });
    await dedupe.firstSeen('k', 1000);
    clock.advance(999);
    await expect(dedupe.firstSeen('k', 1000)).resolves.toBe(false);
    clock.advance(1);
    await expect(dedupe.firstSeen('k', 1000)).resolves.toBe(true);
    await expect(dedupe.firstSeen('k', 1000)).resolves.toBe(false);
  });

  it('does not extend the window when a key is seen again', async () => {
    const clock = createClock();
    const dedupe = new MemoryActivityDedupe({ now: clock.now });
    await dedupe.firstSeen('k', 1000);
    clock.advance(600);
    await dedupe.firstSeen('k', 1000);
    clock.advance(400);
    await expect(dedupe.firstSeen('k', 1000)).resolves.toBe(true);
  });

  it('sweeps expired keys so memory does not grow without bound', async () => {
    const clock = createClock();
    const dedupe = new MemoryActivityDedupe({ now: clock.now });
    for (let i = 0; i < 500; i += 1) await dedupe.firstSeen(`old-${i}`, 1000);
    clock.advance(5000);
    for (let i = 0; i < 500; i += 1) await dedupe.firstSeen(`new-${i}`, 1000);
    expect(dedupe.size).toBeLessThanOrEqual(500);
  });
});

describe('SqliteActivityDedupe', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gd-dedupe-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  runDedupeContract('SqliteActivityDedupe', async () => {
    const dedupe = new SqliteActivityDedupe({ path: join(dir, `${randomUUID()}.db`) });
    return { dedupe, cleanup: async () => dedupe.close() };
  });

  it('forgets a key once its window has passed', async () => {
    const clock = createClock();
    const dedupe = new SqliteActivityDedupe({ path: ':memory:' }, { now: clock.now });
    try {
      await dedupe.firstSeen('k', 1000);
      clock.advance(999);
      await expect(dedupe.firstSeen('k', 1000)).resolves.toBe(false);
      clock.advance(1);
      await expect(dedupe.firstSeen('k', 1000)).resolves.toBe(true);
      await expect(dedupe.firstSeen('k', 1000)).resolves.toBe(false);
    } finally {
      dedupe.close();
    }
  });

  it('is shared by connections to the same file (as processes would share it)', async () => {
    const path = join(dir, 'shared.db');
    const first = new SqliteActivityDedupe({ path });
    const second = new SqliteActivityDedupe({ path });
    try {
      await expect(first.firstSeen('shared-activity', MINUTE)).resolves.toBe(true);
      await expect(second.firstSeen('shared-activity', MINUTE)).resolves.toBe(false);
    } finally {
      first.close();
      second.close();
    }
  });

  it('prunes expired rows from its table', async () => {
    const clock = createClock();
    const database = openSqliteDatabase(':memory:');
    const dedupe = new SqliteActivityDedupe({ database }, { now: clock.now });
    try {
      for (let i = 0; i < 500; i += 1) await dedupe.firstSeen(`old-${i}`, 1000);
      clock.advance(5000);
      for (let i = 0; i < 500; i += 1) await dedupe.firstSeen(`new-${i}`, 1000);
      const { count } = database.prepare('SELECT COUNT(*) AS count FROM dedupe').get() as { count: number };
      expect(count).toBeLessThanOrEqual(500);
    } finally {
      database.close();
    }
  });

  it('fails with storage_closed after close()', async () => {
    const dedupe = new SqliteActivityDedupe({ path: ':memory:' });
    dedupe.close();
    await expect(dedupe.firstSeen('k', MINUTE)).rejects.toMatchObject({ code: 'storage_closed' });
  });
});

describe('RedisActivityDedupe', () => {
  const server = withRedisServer();
  const clients: Redis[] = [];
  function createClient(): Redis {
    const client = new Redis(server().url, { maxRetriesPerRequest: 1 });
    clients.push(client);
    return client;
  }
  // afterEach, not afterAll: afterAll hooks run in declaration order, after the server has already stopped.
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.quit()));
  });

  runDedupeContract('RedisActivityDedupe', async () => ({
    dedupe: new RedisActivityDedupe({ client: createClient(), keyPrefix: `test:${randomUUID()}:` }),
    cleanup: async () => undefined,
  }));

  it('stores the key with SET NX PX, so it expires on its own', async () => {
    const client = createClient();
    const keyPrefix = `test:${randomUUID()}:`;
    const dedupe = new RedisActivityDedupe({ client, keyPrefix });
    await dedupe.firstSeen('k', MINUTE);
    const ttl = await client.pttl(`${keyPrefix}seen:k`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(MINUTE);
  });

  it('sees the key again after the window (a real, short expiry)', async () => {
    const dedupe = new RedisActivityDedupe({ client: createClient(), keyPrefix: `test:${randomUUID()}:` });
    await expect(dedupe.firstSeen('short', 50)).resolves.toBe(true);
    await expect(dedupe.firstSeen('short', 50)).resolves.toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(dedupe.firstSeen('short', 50)).resolves.toBe(true);
  });

  it('is shared by instances on separate connections', async () => {
    const keyPrefix = `test:${randomUUID()}:`;
    const first = new RedisActivityDedupe({ client: createClient(), keyPrefix });
    const second = new RedisActivityDedupe({ client: createClient(), keyPrefix });
    const results = await Promise.all([first, second, first, second].map((d) => d.firstSeen('once', MINUTE)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});
