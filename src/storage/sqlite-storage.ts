/**
 * The default storage: one SQLite file (WAL), zero set-up, survives restarts. Several processes may share
 * the file: each write() takes the write lock up front, so eTag checks and writes never interleave.
 */
import { randomUUID } from 'node:crypto';
import type { Storage, StoreItems } from 'botbuilder';
import { resolveSqliteSource, type SqliteDatabase, type SqliteSource } from './sqlite-database';
import { StorageError, isStorageError } from './storage-errors';
import { checkKeys, decodeItem, encodeItems, etagConflict, setItem, type EncodedItem } from './store-item';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS items (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    etag TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  )`;

interface ItemRow {
  key: string;
  value: string;
  etag: string;
}

/** botbuilder `Storage` in a SQLite table `items`, with real eTags and all-or-nothing writes. */
export class SqliteStorage implements Storage {
  private readonly database: SqliteDatabase;
  private readonly owned: boolean;
  private readonly selectMany;
  private readonly selectETag;
  private readonly upsert;
  private readonly deleteMany;
  private readonly writeAll;

  /** `{ path }` opens (and later closes) its own file, ':memory:' included; `{ database }` shares one. */
  constructor(source: SqliteSource) {
    const { database, owned } = resolveSqliteSource(source);
    this.database = database;
    this.owned = owned;
    database.exec(SCHEMA);
    // Keys travel as one JSON array so a read or delete of many keys is a single statement.
    this.selectMany = database.prepare<[string], ItemRow>(
      'SELECT key, value, etag FROM items WHERE key IN (SELECT value FROM json_each(?))',
    );
    this.selectETag = database.prepare<[string], { etag: string }>('SELECT etag FROM items WHERE key = ?');
    this.upsert = database.prepare<[string, string, string, number]>(
      `INSERT INTO items (key, value, etag, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, etag = excluded.etag, updated_at = excluded.updated_at`,
    );
    this.deleteMany = database.prepare<[string]>('DELETE FROM items WHERE key IN (SELECT value FROM json_each(?))');
    this.writeAll = database.transaction((items: EncodedItem[]) => {
      for (const item of items) {
        if (item.expectedETag !== undefined && this.selectETag.get(item.key)?.etag !== item.expectedETag) {
          throw etagConflict(item.key); // thrown inside the transaction: everything rolls back
        }
      }
      const now = Date.now();
      for (const item of items) this.upsert.run(item.key, item.json, randomUUID(), now);
    });
  }

  /** Reads the items that exist, each carrying its current eTag. */
  async read(keys: string[]): Promise<StoreItems> {
    const wanted = checkKeys(keys);
    const result: StoreItems = {};
    if (wanted.length === 0) return result;
    const rows = this.guard(() => this.selectMany.all(JSON.stringify(wanted)));
    for (const row of rows) setItem(result, row.key, decodeItem(row.value, row.etag));
    return result;
  }

  /** Writes all items in one transaction: any stale eTag rejects the call and nothing is written. */
  async write(changes: StoreItems): Promise<void> {
    const items = encodeItems(changes);
    if (items.length === 0) return;
    // IMMEDIATE takes the write lock before the eTag checks, so another process cannot slip in between.
    this.guard(() => this.writeAll.immediate(items));
  }

  /** Removes the items; missing keys are ignored. */
  async delete(keys: string[]): Promise<void> {
    const wanted = checkKeys(keys);
    if (wanted.length === 0) return;
    this.guard(() => this.deleteMany.run(JSON.stringify(wanted)));
  }

  /** Closes the file if this storage opened it; later calls fail with `storage_closed`. */
  close(): void {
    if (this.owned && this.database.open) this.database.close();
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
