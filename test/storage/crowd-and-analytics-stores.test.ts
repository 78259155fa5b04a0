/**
 * The crowd and analytics stores: one set of cases against memory, SQLite (a real file) and a real
 * redis-server, plus what each does with records an older (or broken) version left behind.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import {
  bufferAnalyticsStore,
  createAnalyticsStore,
  type AnalyticsStore,
  type BufferedAnalyticsStore,
} from '../../src/storage/analytics-store';
import type { StorageBackend } from '../../src/storage/create-storage';
import { createCrowdStore, type CrowdStore } from '../../src/storage/crowd-store';
import { openSqliteDatabase, type SqliteDatabase } from '../../src/storage/sqlite-database';
import { withRedisServer } from '../helpers/redis-server';

const server = withRedisServer();
const WINDOW = 15 * 60_000;
const T0 = Date.UTC(2026, 10, 30, 10, 0, 0);

interface Backend {
  backend: StorageBackend;
  cleanup(): Promise<void>;
}

const BACKENDS: Array<[string, () => Backend]> = [
  ['memory', () => ({ backend: { kind: 'memory' }, cleanup: async () => undefined })],
  [
    'sqlite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'gd-crowd-'));
      const database = openSqliteDatabase(join(dir, 'db.sqlite'));
      return {
        backend: { kind: 'sqlite', database },
        cleanup: async () => {
          database.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  ],
  [
    'redis',
    () => {
      const client = new Redis(server().url, { maxRetriesPerRequest: 1 });
      return {
        backend: { kind: 'redis', client, keyPrefix: `test:${randomUUID()}:` },
        cleanup: async () => {
          await client.quit();
        },
      };
    },
  ],
];

describe.each(BACKENDS)('crowd store on %s', (_name, open) => {
  let opened: Backend;
  let store: CrowdStore;
  beforeEach(() => {
    opened = open();
    store = createCrowdStore(opened.backend);
  });
  afterEach(() => opened.cleanup());

  it('counts distinct people per host, a person asking again only once', async () => {
    expect(await store.report('shop.example', 'p1', T0, WINDOW)).toBe(1);
    expect(await store.report('shop.example', 'p1', T0 + 1000, WINDOW)).toBe(1);
    expect(await store.report('SHOP.example', 'p2', T0 + 2000, WINDOW)).toBe(2);
    expect(await store.report('other.example', 'p1', T0 + 3000, WINDOW)).toBe(1);
    expect(await store.count('shop.example', T0 + 3000, WINDOW)).toBe(2);
  });

  it('slides: people who asked before the window no longer count, and asking again renews a person', async () => {
    await store.report('shop.example', 'p1', T0, WINDOW);
    await store.report('shop.example', 'p2', T0 + 5 * 60_000, WINDOW);
    expect(await store.count('shop.example', T0 + WINDOW + 1, WINDOW)).toBe(1);
    expect(await store.report('shop.example', 'p2', T0 + WINDOW + 2, WINDOW)).toBe(1);
    expect(await store.report('shop.example', 'p1', T0 + WINDOW + 3, WINDOW)).toBe(2);
  });

  it('keeps one salt for the backend', async () => {
    const salt = await store.salt();
    expect(salt.length).toBeGreaterThanOrEqual(16);
    expect(await store.salt()).toBe(salt);
    if (opened.backend.kind !== 'memory') expect(await createCrowdStore(opened.backend).salt()).toBe(salt);
  });

  it('takes hostile host names without failing', async () => {
    const huge = 'a'.repeat(100_000);
    expect(await store.report(huge, 'p1', T0, WINDOW)).toBe(1);
    expect(await store.report('\u0000:*?[]', 'p1', T0, WINDOW)).toBe(1);
  });
});

const ANALYTICS_VARIANTS = BACKENDS.flatMap(
  ([name, open]) =>
    [
      [name, open, false],
      [`${name}, summed in memory`, open, true],
    ] as Array<[string, () => Backend, boolean]>,
);

describe.each(ANALYTICS_VARIANTS)('analytics store on %s', (_name, open, buffered) => {
  let opened: Backend;
  let store: AnalyticsStore;
  beforeEach(() => {
    opened = open();
    store = buffered ? bufferAnalyticsStore(createAnalyticsStore(opened.backend)) : createAnalyticsStore(opened.backend);
  });
  afterEach(async () => {
    if ('close' in store) await (store as BufferedAnalyticsStore).close();
    await opened.cleanup();
  });

  it('adds counters per hour and reads a range of hours, oldest first', async () => {
    await store.add(100, { 'verdict:up': 1, checks: 1 });
    await store.add(100, { 'verdict:up': 2 });
    await store.add(102, { 'outcome:fixed': 1 });
    await store.add(105, { 'outcome:fixed': 1 });
    expect(await store.read(100, 104)).toEqual([
      { hour: 100, counts: { checks: 1, 'verdict:up': 3 } },
      { hour: 102, counts: { 'outcome:fixed': 1 } },
    ]);
  });

  it('ignores counts that are not positive whole numbers', async () => {
    await store.add(7, { 'verdict:up': -3, 'verdict:down': 1.5, '': 2, ['x'.repeat(500)]: 1 });
    expect(await store.read(7, 7)).toEqual([]);
  });
});

describe('analytics summed in memory', () => {
  const closing: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await close();
  });

  /** The real SQLite store, with its writes counted and the first `failures` of them refused. */
  function countedStore(failures = 0) {
    const dir = mkdtempSync(join(tmpdir(), 'gd-analytics-'));
    const database = openSqliteDatabase(join(dir, 'a.db'));
    const real = createAnalyticsStore({ kind: 'sqlite', database });
    const writes: Array<[number, Record<string, number>]> = [];
    let refused = 0;
    const store: AnalyticsStore = {
      async add(hour, counters) {
        if (refused < failures) {
          refused += 1;
          throw new Error('storage is down');
        }
        await real.add(hour, counters);
        writes.push([hour, { ...counters }]);
      },
      read: (from, to) => real.read(from, to),
    };
    closing.push(() => {
      database.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return { store, writes, real };
  }

  /** The buffer over a counted store, closed after the test. */
  function buffer(counted: ReturnType<typeof countedStore>, options: Parameters<typeof bufferAnalyticsStore>[1]) {
    const buffered = bufferAnalyticsStore(counted.store, options);
    closing.push(() => buffered.close().catch(() => undefined));
    return buffered;
  }

  it('sums a burst of additions into one write per hour, and a report reads them at once', async () => {
    const counted = countedStore();
    const buffered = buffer(counted, { flushMs: 60_000 });
    for (let i = 0; i < 500; i += 1) await buffered.add(100, { checks: 1, 'verdict:down': 1 });
    await buffered.add(101, { 'outcome:fixed': 1 });
    expect(counted.writes).toEqual([]);
    expect(await buffered.read(100, 101)).toEqual([
      { hour: 100, counts: { checks: 500, 'verdict:down': 500 } },
      { hour: 101, counts: { 'outcome:fixed': 1 } },
    ]);
    expect(counted.writes).toHaveLength(2);
  });

  it('writes on its own after flushMs', async () => {
    const counted = countedStore();
    const buffered = buffer(counted, { flushMs: 20 });
    await buffered.add(5, { checks: 2 });
    const until = Date.now() + 2000;
    while (counted.writes.length === 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await counted.real.read(5, 5)).toEqual([{ hour: 5, counts: { checks: 2 } }]);
  });

  it('keeps the counts of a failed write and writes them with the next one, each once', async () => {
    const counted = countedStore(1);
    const errors: unknown[] = [];
    const buffered = buffer(counted, { flushMs: 60_000, onError: (error) => errors.push(error) });
    await buffered.add(9, { checks: 3 });
    await expect(buffered.flush()).rejects.toThrow('storage is down');
    expect(errors).toHaveLength(1);
    await buffered.add(9, { checks: 1 });
    // Two flushes at once: the second waits for the first, so nothing is written twice.
    await Promise.all([buffered.flush(), buffered.flush()]);
    expect(await counted.real.read(9, 9)).toEqual([{ hour: 9, counts: { checks: 4 } }]);
  });

  it('close writes what is left', async () => {
    const counted = countedStore();
    const buffered = buffer(counted, { flushMs: 60_000 });
    await buffered.add(3, { 'feedback:yes': 1 });
    await buffered.close();
    expect(await counted.real.read(3, 3)).toEqual([{ hour: 3, counts: { 'feedback:yes': 1 } }]);
  });
});

describe('records another version left behind', () => {
  it('SQLite: rows of the wrong shape are skipped on read', async () => {
    const database: SqliteDatabase = openSqliteDatabase(':memory:');
    const store = createAnalyticsStore({ kind: 'sqlite', database });
    await store.add(1, { checks: 2 });
    database.prepare('INSERT INTO analytics_counts (hour, counter, n) VALUES (?, ?, ?)').run(1, 'verdict:up', 'many');
    database.prepare('INSERT INTO analytics_counts (hour, counter, n) VALUES (?, ?, ?)').run(1, 'verdict:down', -4);
    expect(await store.read(0, 2)).toEqual([{ hour: 1, counts: { checks: 2 } }]);
    database.close();
  });

  it('Redis: values that are not counts are skipped on read, and a broken salt is an error, not a crash', async () => {
    const client = new Redis(server().url, { maxRetriesPerRequest: 1 });
    const keyPrefix = `test:${randomUUID()}:`;
    try {
      await client.hset(`${keyPrefix}analytics:3`, { checks: '4', 'verdict:up': 'lots' });
      expect(await createAnalyticsStore({ kind: 'redis', client, keyPrefix }).read(3, 3)).toEqual([{ hour: 3, counts: { checks: 4 } }]);
      await client.set(`${keyPrefix}crowd-salt`, 'short');
      await expect(createCrowdStore({ kind: 'redis', client, keyPrefix }).salt()).rejects.toMatchObject({ code: 'storage_unavailable' });
    } finally {
      await client.quit();
    }
  });
});
