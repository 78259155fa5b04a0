/** Opening the SQLite file the storage and the de-duplication share. */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';

/** A better-sqlite3 connection. */
export type SqliteDatabase = Database.Database;

/** Where a SQLite-backed component gets its connection: its own file, or one opened by the caller. */
export type SqliteSource = { path: string } | { database: SqliteDatabase };

/** Bytes the WAL file is cut back to after a checkpoint. */
export const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Opens (creating if needed, with its folder) a SQLite file in WAL mode with `synchronous = NORMAL`:
 * readers never block the writer, and a crash loses at most the last commits, never consistency.
 * The WAL is checkpointed automatically every 1000 pages (SQLite's default); `journal_size_limit` makes
 * SQLite cut it back after a burst of large writes instead of keeping its peak size on disk for good.
 */
export function openSqliteDatabase(path: string): SqliteDatabase {
  const inMemory = path === ':memory:' || path === '';
  if (!inMemory) mkdirSync(dirname(resolve(path)), { recursive: true });
  // A second process on the same file waits for the write lock instead of failing at once.
  const database = new Database(path, { timeout: 5000 });
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  return database;
}

/** Opens the source's connection; `owned` says whether closing it is ours to do. */
export function resolveSqliteSource(source: SqliteSource): { database: SqliteDatabase; owned: boolean } {
  return 'database' in source ? { database: source.database, owned: false } : { database: openSqliteDatabase(source.path), owned: true };
}
