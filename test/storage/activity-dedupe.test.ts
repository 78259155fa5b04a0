import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { MemoryActivityDedupe, RedisActivityDedupe, SqliteActivityDedupe, type ActivityDedupe } from '../../src/storage/activity-dedupe';
import { DAY_MS } from '../../src/storage/retention';
import { openSqliteDatabase, type SqliteDatabase } from '../../src/storage/sqlite-database';
import { withRedisServer } from '../helpers/redis-server';
import { createClock, sleep, waitFor } from './clock';

const MINUTE = 60_000;

function countRows(database: SqliteDatabase): number {
  return (database.prepare('SELECT COUNT(*) AS count FROM dedupe').get() as { count: number }).count;
}

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

    it('keeps a key claimed for a short while once remembered for longer (a turn that finished)', async () => {
      await expect(dedupe.firstSeen('claimed', 100)).resolves.toBe(true);
      await dedupe.remember?.('claimed', MINUTE);
      await expect(dedupe.firstSeen('unconfirmed', 100)).resolves.toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await expect(dedupe.firstSeen('claimed', MINUTE)).resolves.toBe(false);
      // A claim never confirmed (its instance died mid-turn) lets a redelivery through once it ran out.
      await expect(dedupe.firstSeen('unconfirmed', MINUTE)).resolves.toBe(true);
      await dedupe.remember?.('never-claimed', MINUTE);
      await expect(dedupe.firstSeen('never-claimed', MINUTE)).resolves.toBe(false);
    });

    it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY])('refuses a window of %p ms with invalid_ttl', async (ttl) => {
      await expect(dedupe.firstSeen('k', ttl)).rejects.toMatchObject({ code: 'invalid_ttl' });
    });
  });
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

  it('never remembers a key longer than maxTtlMs (STATE_TTL_DAYS), whatever window the caller asks for', async () => {
    const clock = createClock();
    const dedupe = new MemoryActivityDedupe({ now: clock.now, maxTtlMs: DAY_MS });
    await dedupe.firstSeen('k', 10 * DAY_MS);
    clock.advance(DAY_MS - 1);
    await expect(dedupe.firstSeen('k', 10 * DAY_MS)).resolves.toBe(false);
    clock.advance(1);
    await expect(dedupe.firstSeen('k', 10 * DAY_MS)).resolves.toBe(true);
    dedupe.close();
  });

  it('forgets expired keys in its sweep, on its own timer, until closed', async () => {
    const clock = createClock();
    const dedupe = new MemoryActivityDedupe({ now: clock.now, sweepIntervalMs: 10 });
    await dedupe.firstSeen('a', 1000);
    await dedupe.firstSeen('b', 5000);
    clock.advance(1000);
    await waitFor(() => dedupe.size === 1);
    dedupe.close();
    clock.advance(5000);
    await sleep(50);
    expect(dedupe.size).toBe(1);
    await expect(dedupe.sweep()).resolves.toBe(1);
    expect(dedupe.size).toBe(0);
  });

  it.each([0, -1, Number.NaN])('refuses a maxTtlMs of %p with invalid_ttl', (maxTtlMs) => {
    expect(() => new MemoryActivityDedupe({ maxTtlMs })).toThrow(expect.objectContaining({ code: 'invalid_ttl' }));
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

  it('never remembers a key longer than maxTtlMs (STATE_TTL_DAYS), whatever window the caller asks for', async () => {
    const clock = createClock();
    const database = openSqliteDatabase(':memory:');
    const dedupe = new SqliteActivityDedupe({ database }, { now: clock.now, maxTtlMs: DAY_MS });
    try {
      await dedupe.firstSeen('k', 10 * DAY_MS);
      expect(database.prepare('SELECT expires_at FROM dedupe').pluck().get()).toBe(clock.now() + DAY_MS);
      clock.advance(DAY_MS);
      await expect(dedupe.firstSeen('k', 10 * DAY_MS)).resolves.toBe(true);
    } finally {
      dedupe.close();
      database.close();
    }
  });

  it('treats a row set to outlive the cap (older setting, another process) as expired, and sweeps it', async () => {
    const clock = createClock();
    const database = openSqliteDatabase(':memory:');
    const dedupe = new SqliteActivityDedupe({ database }, { now: clock.now, maxTtlMs: DAY_MS });
    try {
      const insert = database.prepare('INSERT INTO dedupe (key, expires_at) VALUES (?, ?)');
      insert.run('forever', clock.now() + 365 * DAY_MS);
      insert.run('too-long', clock.now() + 365 * DAY_MS);
      insert.run('within', clock.now() + DAY_MS);
      await expect(dedupe.firstSeen('forever', MINUTE)).resolves.toBe(true);
      await expect(dedupe.firstSeen('within', MINUTE)).resolves.toBe(false);
      await expect(dedupe.sweep()).resolves.toBe(1);
      expect(database.prepare('SELECT key FROM dedupe ORDER BY key').pluck().all()).toEqual(['forever', 'within']);
    } finally {
      dedupe.close();
      database.close();
    }
  });

  it('deletes expired rows from the file in its sweep, on its own timer, until closed', async () => {
    const clock = createClock();
    const database = openSqliteDatabase(':memory:');
    const errors: Error[] = [];
    const dedupe = new SqliteActivityDedupe(
      { database },
      { now: clock.now, sweepIntervalMs: 10, onSweepError: (error) => errors.push(error) },
    );
    await dedupe.firstSeen('a', 1000);
    await dedupe.firstSeen('b', 5000);
    clock.advance(1000);
    await waitFor(() => countRows(database) === 1);
    dedupe.close();
    clock.advance(5000);
    await sleep(50);
    expect(countRows(database)).toBe(1);
    database.close();
    expect(errors).toEqual([]);
  });

  it('sweeps a backlog larger than one batch', async () => {
    const clock = createClock();
    const database = openSqliteDatabase(':memory:');
    const dedupe = new SqliteActivityDedupe({ database }, { now: clock.now });
    try {
      const insert = database.prepare('INSERT INTO dedupe (key, expires_at) VALUES (?, ?)');
      database.transaction(() => {
        for (let i = 0; i < 2500; i += 1) insert.run(`k${i}`, clock.now() + 1000);
      })();
      clock.advance(1000);
      await expect(dedupe.sweep()).resolves.toBe(2500);
      expect(countRows(database)).toBe(0);
    } finally {
      dedupe.close();
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

  it('never remembers a key longer than maxTtlMs (STATE_TTL_DAYS), whatever window the caller asks for', async () => {
    const client = createClient();
    const keyPrefix = `test:${randomUUID()}:`;
    const dedupe = new RedisActivityDedupe({ client, keyPrefix, maxTtlMs: 300 });
    await expect(dedupe.firstSeen('capped', MINUTE)).resolves.toBe(true);
    const ttl = await client.pttl(`${keyPrefix}seen:capped`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(300);
    await sleep(500);
    await expect(dedupe.firstSeen('capped', MINUTE)).resolves.toBe(true);
  });

  it('is shared by instances on separate connections', async () => {
    const keyPrefix = `test:${randomUUID()}:`;
    const first = new RedisActivityDedupe({ client: createClient(), keyPrefix });
    const second = new RedisActivityDedupe({ client: createClient(), keyPrefix });
    const results = await Promise.all([first, second, first, second].map((d) => d.firstSeen('once', MINUTE)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});
