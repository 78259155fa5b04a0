/**
 * The default storage: one SQLite file (WAL), zero set-up, survives restarts. Several processes may share
 * the file: each write() takes the write lock up front, so eTag checks and writes never interleave.
 *
 * Retention: a row expires `ttlMs` after its `updated_at` (its last write). Reads and eTag checks treat an
 * expired row as absent at once; a background sweep (and `sweep()`) deletes such rows in small batches.
 * Expiry is computed from `updated_at` when reading rather than stored per row, so the rows every earlier
 * version wrote need no new column, and lowering STATE_TTL_DAYS shortens the life of rows already stored.
 */
import { randomUUID } from 'node:crypto';
import type { Storage, StoreItems } from 'botbuilder';
import { resolveSqliteSource, type SqliteDatabase, type SqliteSource } from './sqlite-database';
import {
  DEFAULT_STATE_TTL_MS,
  DEFAULT_SWEEP_INTERVAL_MS,
  checkRetentionMs,
  startSweeper,
  sweepInBatches,
  type RetentionOptions,
  type Sweeper,
} from './retention';
import { queuedWrite, writeQueueOf } from './sqlite-write-queue';
import { StorageError, isStorageError } from './storage-errors';
import { checkKeys, decodeItem, encodeItems, etagConflict, setItem, type EncodedItem } from './store-item';

// Each statement is idempotent, so opening a file written by any earlier version brings it up to date.
// The table is exactly what the first version created; the index (added for retention) lets the sweep
// find expired rows without scanning the table.
const MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS items (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    etag TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  )`,
  'CREATE INDEX IF NOT EXISTS items_updated_at ON items (updated_at)',
];

/** Options of the SQLite storage. */
export type SqliteStorageOptions = RetentionOptions;

interface ItemRow {
  key: string;
  value: string;
  etag: string;
}

/** botbuilder `Storage` in a SQLite table `items`, with real eTags, all-or-nothing writes and expiry. */
export class SqliteStorage implements Storage {
  private readonly database: SqliteDatabase;
  private readonly owned: boolean;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly sweeper: Sweeper;
  private readonly selectMany;
  private readonly selectETag;
  private readonly upsert;
  private readonly deleteMany;
  private readonly deleteExpired;
  private readonly writeAll;

  /** `{ path }` opens (and later closes) its own file, ':memory:' included; `{ database }` shares one. */
  constructor(
    source: SqliteSource,
    { ttlMs = DEFAULT_STATE_TTL_MS, now = Date.now, sweepIntervalMs = DEFAULT_SWEEP_INTERVAL_MS, onSweepError }: SqliteStorageOptions = {},
  ) {
    this.ttlMs = checkRetentionMs('ttlMs', ttlMs);
    this.now = now;
    const { database, owned } = resolveSqliteSource(source);
    this.database = database;
    this.owned = owned;
    for (const statement of MIGRATIONS) database.exec(statement);
    // Keys travel as one JSON array so a read or delete of many keys is a single statement. The last
    // parameter of the reads is the oldest `updated_at` still alive: older rows count as absent.
    this.selectMany = database.prepare<[string, number], ItemRow>(
      'SELECT key, value, etag FROM items WHERE key IN (SELECT value FROM json_each(?)) AND updated_at > ?',
    );
    this.selectETag = database.prepare<[string, number], { etag: string }>('SELECT etag FROM items WHERE key = ? AND updated_at > ?');
    this.upsert = database.prepare<[string, string, string, number]>(
      `INSERT INTO items (key, value, etag, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, etag = excluded.etag, updated_at = excluded.updated_at`,
    );
    this.deleteMany = database.prepare<[string]>('DELETE FROM items WHERE key IN (SELECT value FROM json_each(?))');
    this.deleteExpired = database.prepare<[number, number]>(
      'DELETE FROM items WHERE rowid IN (SELECT rowid FROM items WHERE updated_at <= ? LIMIT ?)',
    );
    this.writeAll = database.transaction((items: EncodedItem[], now: number) => {
      const oldestAlive = now - this.ttlMs;
      for (const item of items) {
        if (item.expectedETag !== undefined && this.selectETag.get(item.key, oldestAlive)?.etag !== item.expectedETag) {
          throw etagConflict(item.key); // thrown inside the transaction: everything rolls back
        }
      }
      for (const item of items) this.upsert.run(item.key, item.json, randomUUID(), now);
    });
    this.sweeper = startSweeper(sweepIntervalMs, () => this.sweep(), onSweepError);
  }

  /** Reads the items that exist, each carrying its current eTag. */
  async read(keys: string[]): Promise<StoreItems> {
    const wanted = checkKeys(keys);
    const result: StoreItems = {};
    if (wanted.length === 0) return result;
    const rows = this.guard(() => this.selectMany.all(JSON.stringify(wanted), this.now() - this.ttlMs));
    for (const row of rows) setItem(result, row.key, decodeItem(row.value, row.etag));
    return result;
  }

  /**
   * Writes all items at once: any stale eTag rejects the call and nothing of it is written. The write
   * commits with the others queued in the same turn of the event loop (sqlite-write-queue.ts), under a
   * write lock taken before the eTag checks, so another process cannot slip in between.
   */
  async write(changes: StoreItems): Promise<void> {
    const items = encodeItems(changes);
    if (items.length === 0) return;
    await queuedWrite(this.database, 'SQLite storage', () => this.writeAll(items, this.now()));
  }

  /** Removes the items; missing keys are ignored. */
  async delete(keys: string[]): Promise<void> {
    const wanted = checkKeys(keys);
    if (wanted.length === 0) return;
    await queuedWrite(this.database, 'SQLite storage', () => this.deleteMany.run(JSON.stringify(wanted)));
  }

  /**
   * Deletes every expired row now (the background sweep calls this), one batch per statement with the
   * event loop free in between; resolves to how many rows went. Does nothing once the file is closed.
   */
  async sweep(): Promise<number> {
    return sweepInBatches(
      () => this.database.open,
      (limit) => this.guard(() => this.deleteExpired.run(this.now() - this.ttlMs, limit)).changes,
    );
  }

  /** Stops the background sweep and closes the file if this storage opened it; later calls fail with `storage_closed`. */
  close(): void {
    this.sweeper.stop();
    if (this.owned && this.database.open) {
      writeQueueOf(this.database).flush();
      this.database.close();
    }
  }

  private guard<T>(operation: () => T): T {
    if (!this.database.open) throw new StorageError('storage_closed', 'SQLite storage used after close().');
    try {
      return operation();
    } catch (error) {
      if (isStorageError(error)) throw error;
      throw new StorageError('storage_unavailable', 'SQLite storage failed.', { cause: error });
    }
  }
}
