import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteDatabase, type SqliteDatabase } from '../../src/storage/sqlite-database';
import { SqliteStorage } from '../../src/storage/sqlite-storage';
import { queuedWrite, writeQueueOf } from '../../src/storage/sqlite-write-queue';
import { isStorageError } from '../../src/storage/storage-errors';

describe('SQLite group commit', () => {
  let dir: string;
  let file: string;
  let database: SqliteDatabase;
  let other: SqliteDatabase;

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'gd-queue-'));
    file = path.join(dir, 'queue.db');
    database = openSqliteDatabase(file);
    database.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)');
    other = new Database(file, { timeout: 0 });
  });

  afterEach(() => {
    other.close();
    if (database.open) database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rows = (db: SqliteDatabase = other) => db.prepare('SELECT k, v FROM t ORDER BY k').all();

  it('commits the writes of one turn of the event loop together, and settles each only after the commit', async () => {
    const insert = database.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
    const queue = writeQueueOf(database);
    const inTransaction: boolean[] = [];
    const writes = ['a', 'b', 'c'].map((k, i) =>
      queue.run(() => {
        inTransaction.push(database.inTransaction);
        return insert.run(k, i).changes;
      }),
    );
    // Nothing is written yet: the group commits at the next setImmediate.
    expect(rows()).toEqual([]);
    await expect(Promise.all(writes)).resolves.toEqual([1, 1, 1]);
    expect(inTransaction).toEqual([true, true, true]);
    expect(rows()).toEqual([
      { k: 'a', v: 0 },
      { k: 'b', v: 1 },
      { k: 'c', v: 2 },
    ]);
  });

  it('rolls back a write that throws alone, and rejects only its caller', async () => {
    const insert = database.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
    const queue = writeQueueOf(database);
    const first = queue.run(() => insert.run('a', 1));
    const failing = queue.run(() => {
      insert.run('b', 2);
      throw new Error('changed my mind');
    });
    const duplicate = queue.run(() => insert.run('a', 3)); // the primary key refuses it
    const last = queue.run(() => insert.run('c', 4));
    await expect(failing).rejects.toThrow('changed my mind');
    // better-sqlite3's SqliteError is not `instanceof Error` in a reused jest worker's realm: match its fields.
    await expect(duplicate).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY', message: expect.stringMatching(/UNIQUE/) });
    await expect(first).resolves.toBeDefined();
    await expect(last).resolves.toBeDefined();
    expect(rows()).toEqual([
      { k: 'a', v: 1 },
      { k: 'c', v: 4 },
    ]);
  });

  it('rejects every write of a group whose transaction cannot start, and writes the next group once it can', async () => {
    const locked = new Database(file, { timeout: 0 });
    const waiting = openSqliteDatabase(file);
    waiting.pragma('busy_timeout = 0');
    try {
      locked.exec('BEGIN IMMEDIATE');
      const results = await Promise.allSettled([
        queuedWrite(waiting, 'test store', () => waiting.prepare('INSERT INTO t (k, v) VALUES (?, ?)').run('x', 1)),
        queuedWrite(waiting, 'test store', () => waiting.prepare('INSERT INTO t (k, v) VALUES (?, ?)').run('y', 2)),
      ]);
      for (const result of results) {
        expect(result.status).toBe('rejected');
        expect(isStorageError((result as PromiseRejectedResult).reason, 'storage_unavailable')).toBe(true);
      }
      locked.exec('ROLLBACK');
      await queuedWrite(waiting, 'test store', () => waiting.prepare('INSERT INTO t (k, v) VALUES (?, ?)').run('z', 3));
      expect(rows()).toEqual([{ k: 'z', v: 3 }]);
    } finally {
      locked.close();
      waiting.close();
    }
  });

  it('refuses a write on a closed file as storage_closed', async () => {
    database.close();
    await expect(queuedWrite(database, 'test store', () => 1)).rejects.toMatchObject({ code: 'storage_closed' });
  });

  it('a write queued just before the file closes is flushed, not lost', async () => {
    const storage = new SqliteStorage({ path: file });
    const pending = storage.write({ 'conv/1': { step: 'waiting' } });
    storage.close();
    await pending;
    expect(other.prepare("SELECT key FROM items WHERE key = 'conv/1'").all()).toEqual([{ key: 'conv/1' }]);
  });

  it('takes a flood in bounded transactions, and every write lands', async () => {
    const insert = database.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
    const queue = writeQueueOf(database);
    const writes = Array.from({ length: 2000 }, (_, i) => queue.run(() => insert.run(`k${String(i).padStart(4, '0')}`, i)));
    await Promise.all(writes);
    expect(other.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 2000 });
  });

  it('two writes over the same eTag in one group: the first wins, the second is a conflict', async () => {
    const storage = new SqliteStorage({ database });
    await storage.write({ conv: { step: 1 } });
    const { conv } = (await storage.read(['conv'])) as { conv: { eTag: string } };
    const [a, b] = await Promise.allSettled([
      storage.write({ conv: { step: 2, eTag: conv.eTag } }),
      storage.write({ conv: { step: 3, eTag: conv.eTag } }),
    ]);
    expect(a.status).toBe('fulfilled');
    expect(b.status).toBe('rejected');
    expect(isStorageError((b as PromiseRejectedResult).reason, 'etag_conflict')).toBe(true);
    expect(await storage.read(['conv'])).toMatchObject({ conv: { step: 2 } });
    storage.close();
  });
});
