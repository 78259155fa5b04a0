import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteDatabase } from '../../src/storage/sqlite-database';
import { SqliteStorage } from '../../src/storage/sqlite-storage';
import { runStorageContract } from './storage-contract';

function createTempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'gd-sqlite-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

runStorageContract('SqliteStorage (file)', async () => {
  const temp = createTempDir();
  const storage = new SqliteStorage({ path: join(temp.dir, 'state.db') });
  return {
    storage,
    cleanup: async () => {
      storage.close();
      temp.remove();
    },
  };
});

runStorageContract('SqliteStorage (:memory:)', async () => {
  const storage = new SqliteStorage({ path: ':memory:' });
  return { storage, cleanup: async () => storage.close() };
});

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

  it('creates missing parent folders, uses WAL with synchronous=NORMAL and the documented table', () => {
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
    } finally {
      inspect.close();
    }
    const database = openSqliteDatabase(path);
    try {
      // synchronous is per connection: 1 = NORMAL
      expect(database.pragma('synchronous', { simple: true })).toBe(1);
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
});
