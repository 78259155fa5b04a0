import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteActivityDedupe } from '../../src/storage/activity-dedupe';
import { createStorage } from '../../src/storage/create-storage';
import { DAY_MS } from '../../src/storage/retention';
import { WAL_SIZE_LIMIT_BYTES, openSqliteDatabase, type SqliteDatabase } from '../../src/storage/sqlite-database';
import { SqliteStorage } from '../../src/storage/sqlite-storage';
import { createClock, waitFor } from './clock';
import { runStorageContract, type ExpiringStorageUnderTest } from './storage-contract';

const TTL_MS = 10 * 60_000;

/** Rows physically in the `items` table, expired ones included. */
function countRows(database: SqliteDatabase, table = 'items'): number {
  return (database.prepare(`SELECT COUNT(*) AS count FROM ${table}`).get() as { count: number }).count;
}

/** A SQLite storage on a fake clock; `path` is a file or ':memory:'. */
function createExpiringSqlite(path: string, onCleanup: () => void = () => undefined): ExpiringStorageUnderTest {
  const clock = createClock();
  const database = openSqliteDatabase(path);
  const storage = new SqliteStorage({ database }, { ttlMs: TTL_MS, now: clock.now });
  return {
    storage,
    ttlMs: TTL_MS,
    advance: async (ms) => void clock.advance(ms),
    sweep: async () => void (await storage.sweep()),
    countStored: async () => countRows(database),
    cleanup: async () => {
      storage.close();
      database.close();
      onCleanup();
    },
  };
}

function createTempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'gd-sqlite-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

runStorageContract(
  'SqliteStorage (file)',
  async () => {
    const temp = createTempDir();
    const storage = new SqliteStorage({ path: join(temp.dir, 'state.db') });
    return {
      storage,
      cleanup: async () => {
        storage.close();
        temp.remove();
      },
    };
  },
  {
    createExpiring: async () => {
      const temp = createTempDir();
      return createExpiringSqlite(join(temp.dir, 'expiring.db'), () => temp.remove());
    },
  },
);

runStorageContract(
  'SqliteStorage (:memory:)',
  async () => {
    const storage = new SqliteStorage({ path: ':memory:' });
    return { storage, cleanup: async () => storage.close() };
  },
  { createExpiring: async () => createExpiringSqlite(':memory:') },
);

describe('SqliteStorage', () => {
  let temp: ReturnType<typeof createTempDir>;
  beforeEach(() => {
    temp = createTempDir();
  });
  afterEach(() => temp.remove());

  it('survives a restart: an item written before close() is read back after reopening', async () => {
    const path = join(temp.dir, 'restart.db');
    const before = new SqliteStorage({ path });
    await before.write({ 'conv/web/1': { version: 1, snapshot: { value: 'askUrl' } } });
    const eTag = (await before.read(['conv/web/1']))['conv/web/1'].eTag as string;
    before.close();

    const after = new SqliteStorage({ path });
    try {
      await expect(after.read(['conv/web/1'])).resolves.toEqual({
        'conv/web/1': { version: 1, snapshot: { value: 'askUrl' }, eTag },
      });
      // The eTag from before the restart is still the current one, so it may be used to write.
      await after.write({ 'conv/web/1': { version: 1, snapshot: { value: 'probing' }, eTag } });
    } finally {
      after.close();
    }
  });

  it('creates missing parent folders, uses WAL with synchronous=NORMAL, a bounded WAL and the documented table', () => {
    const path = join(temp.dir, 'nested', 'deeper', 'state.db');
    new SqliteStorage({ path }).close();

    const inspect = new Database(path, { readonly: true });
    try {
      expect(inspect.pragma('journal_mode', { simple: true })).toBe('wal');
      const columns = inspect.prepare('SELECT name, type, "notnull", pk FROM pragma_table_info(?)').all('items');
      expect(columns).toEqual([
        { name: 'key', type: 'TEXT', notnull: 0, pk: 1 },
        { name: 'value', type: 'TEXT', notnull: 1, pk: 0 },
        { name: 'etag', type: 'TEXT', notnull: 1, pk: 0 },
        { name: 'updated_at', type: 'INTEGER', notnull: 1, pk: 0 },
      ]);
      expect(inspect.prepare('SELECT name FROM pragma_index_list(?) WHERE origin = ?').pluck().all('items', 'c')).toEqual([
        'items_updated_at',
      ]);
    } finally {
      inspect.close();
    }
    const database = openSqliteDatabase(path);
    try {
      // synchronous and journal_size_limit are per connection: 1 = NORMAL
      expect(database.pragma('synchronous', { simple: true })).toBe(1);
      expect(database.pragma('journal_size_limit', { simple: true })).toBe(WAL_SIZE_LIMIT_BYTES);
    } finally {
      database.close();
    }
  });

  it('stores the value without its eTag and stamps updated_at', async () => {
    const path = join(temp.dir, 'columns.db');
    const storage = new SqliteStorage({ path });
    await storage.write({ row: { n: 1, eTag: '*' } });
    storage.close();
    const inspect = new Database(path, { readonly: true });
    try {
      const row = inspect.prepare('SELECT value, etag, updated_at FROM items WHERE key = ?').get('row') as {
        value: string;
        etag: string;
        updated_at: number;
      };
      expect(JSON.parse(row.value)).toEqual({ n: 1 });
      expect(row.etag).not.toBe('*');
      expect(row.updated_at).toBeGreaterThan(Date.UTC(2024, 0, 1));
    } finally {
      inspect.close();
    }
  });

  it('lets only one of two connections to the same file win with the same eTag', async () => {
    const path = join(temp.dir, 'shared.db');
    const first = new SqliteStorage({ path });
    const second = new SqliteStorage({ path });
    try {
      await first.write({ shared: { owner: 'none' } });
      const eTag = (await second.read(['shared'])).shared.eTag as string;
      await first.write({ shared: { owner: 'first', eTag } });
      await expect(second.write({ shared: { owner: 'second', eTag } })).rejects.toMatchObject({
        code: 'etag_conflict',
      });
      await expect(second.read(['shared'])).resolves.toMatchObject({ shared: { owner: 'first' } });
    } finally {
      first.close();
      second.close();
    }
  });

  it('fails with storage_closed after close()', async () => {
    const storage = new SqliteStorage({ path: join(temp.dir, 'closed.db') });
    storage.close();
    await expect(storage.read(['x'])).rejects.toMatchObject({ code: 'storage_closed' });
    await expect(storage.write({ x: { n: 1 } })).rejects.toMatchObject({ code: 'storage_closed' });
    await expect(storage.delete(['x'])).rejects.toMatchObject({ code: 'storage_closed' });
  });

  it('leaves a shared connection open on close()', async () => {
    const database = openSqliteDatabase(':memory:');
    const storage = new SqliteStorage({ database });
    storage.close();
    expect(database.open).toBe(true);
    await storage.write({ still: { works: true } });
    database.close();
  });

  it('reads an expired row as absent before the sweep, and the sweep deletes it from the file', async () => {
    const path = join(temp.dir, 'sweep.db');
    const clock = createClock();
    const storage = new SqliteStorage({ path }, { ttlMs: 1000, now: clock.now });
    const inspect = new Database(path, { readonly: true });
    try {
      await storage.write({ a: { n: 1 }, b: { n: 2 } });
      clock.advance(999);
      await storage.write({ c: { n: 3 } });
      clock.advance(1);
      await expect(storage.read(['a', 'b', 'c'])).resolves.toEqual({ c: { n: 3, eTag: expect.any(String) } });
      expect(countRows(inspect)).toBe(3);
      await expect(storage.sweep()).resolves.toBe(2);
      expect(inspect.prepare('SELECT key FROM items').pluck().all()).toEqual(['c']);
    } finally {
      inspect.close();
      storage.close();
    }
  });

  it('sweeps a backlog larger than one batch', async () => {
    const clock = createClock();
    const database = openSqliteDatabase(':memory:');
    const storage = new SqliteStorage({ database }, { ttlMs: 1000, now: clock.now });
    try {
      const many: Record<string, { i: number }> = {};
      for (let i = 0; i < 2500; i += 1) many[`conv/web/${i}`] = { i };
      await storage.write(many);
      clock.advance(1000);
      await expect(storage.sweep()).resolves.toBe(2500);
      expect(countRows(database)).toBe(0);
    } finally {
      storage.close();
      database.close();
    }
  });

  it('sweeps on its own timer, and stops when closed', async () => {
    const clock = createClock();
    const database = openSqliteDatabase(':memory:');
    const errors: Error[] = [];
    const storage = new SqliteStorage(
      { database },
      { ttlMs: 1000, now: clock.now, sweepIntervalMs: 10, onSweepError: (error) => errors.push(error) },
    );
    await storage.write({ k: { n: 1 } });
    clock.advance(1000);
    await waitFor(() => countRows(database) === 0);
    storage.close();
    await storage.write({ after: { n: 2 } }); // a shared connection stays usable after close()
    clock.advance(1000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(countRows(database)).toBe(1);
    database.close();
    expect(errors).toEqual([]);
  });

  it('opens a file written before retention existed, migrates it and reads its rows', async () => {
    const path = join(temp.dir, 'before-retention.db');
    const now = Date.now();
    // Exactly the schema and rows the previous version wrote: no index, nothing but these columns.
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    old.exec(`CREATE TABLE items (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL,
      etag TEXT NOT NULL,
      updated_at INTEGER NOT NULL
    )`);
    old.exec('CREATE TABLE dedupe (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)');
    const insert = old.prepare('INSERT INTO items (key, value, etag, updated_at) VALUES (?, ?, ?, ?)');
    insert.run('conv/web/recent', JSON.stringify({ version: 1, snapshot: { value: 'askUrl' } }), 'etag-recent', now - DAY_MS);
    insert.run('conv/web/ancient', JSON.stringify({ version: 1 }), 'etag-ancient', now - 40 * DAY_MS);
    old.prepare('INSERT INTO dedupe (key, expires_at) VALUES (?, ?)').run('conv/web/recent#a1', now + 60_000);
    old.close();

    const bundle = await createStorage({ kind: 'sqlite', path }, { stateTtlMs: 30 * DAY_MS });
    try {
      await expect(bundle.storage.read(['conv/web/recent', 'conv/web/ancient'])).resolves.toEqual({
        'conv/web/recent': { version: 1, snapshot: { value: 'askUrl' }, eTag: 'etag-recent' },
      });
      // The old eTag is still the current one, so the next turn can save over it.
      await bundle.storage.write({ 'conv/web/recent': { version: 1, snapshot: { value: 'probing' }, eTag: 'etag-recent' } });
      await expect(bundle.dedupe.firstSeen('conv/web/recent#a1', 60_000)).resolves.toBe(false);
    } finally {
      await bundle.close();
    }

    const inspect = new Database(path, { readonly: true });
    try {
      const indexes = inspect
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
        .pluck()
        .all();
      expect(indexes).toEqual(['dedupe_expires_at', 'items_updated_at']);
      // The 40-day-old row was never readable; it is still on disk until the first sweep.
      expect(inspect.prepare('SELECT key FROM items ORDER BY key').pluck().all()).toEqual(['conv/web/ancient', 'conv/web/recent']);
    } finally {
      inspect.close();
    }

    const reopened = new SqliteStorage({ path }, { ttlMs: 30 * DAY_MS });
    try {
      await expect(reopened.sweep()).resolves.toBe(1);
      await expect(reopened.read(['conv/web/recent'])).resolves.toMatchObject({
        'conv/web/recent': { snapshot: { value: 'probing' } },
      });
    } finally {
      reopened.close();
    }
    // And the old dedupe table works with the new code on its own too.
    const dedupe = new SqliteActivityDedupe({ path });
    try {
      await expect(dedupe.firstSeen('conv/web/recent#a1', 60_000)).resolves.toBe(false);
    } finally {
      dedupe.close();
    }
  });
});
