/**
 * "Have we already handled this activity?" Channels redeliver an activity when our answer was slow or
 * lost; the turn runner asks here first so a redelivered activity is answered once.
 */
import type { Redis } from 'ioredis';
import { resolveSqliteSource, type SqliteDatabase, type SqliteSource } from './sqlite-database';
import { StorageError, isStorageError } from './storage-errors';
import { assertStorageKey } from './store-item';

/** Remembers keys for a while. */
export interface ActivityDedupe {
  /** Resolves true only the first time `key` is seen within `ttlMs` milliseconds. */
  firstSeen(key: string, ttlMs: number): Promise<boolean>;
}

/** Expired entries are swept every this many calls, so the sweep's cost is spread thin. */
const SWEEP_EVERY = 1000;

function checkTtl(ttlMs: number): number {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new StorageError('invalid_ttl', `De-duplication window must be a positive number of ms, got ${ttlMs}.`);
  }
  return Math.ceil(ttlMs);
}

/** Options of the in-process and SQLite de-duplication. */
export interface DedupeClockOptions {
  /** The clock, replaceable in tests. Default `Date.now`. */
  now?: () => number;
}

/** In-process de-duplication (one instance only). */
export class MemoryActivityDedupe implements ActivityDedupe {
  private readonly seen = new Map<string, number>();
  private readonly now: () => number;
  private calls = 0;

  constructor({ now = Date.now }: DedupeClockOptions = {}) {
    this.now = now;
  }

  async firstSeen(key: string, ttlMs: number): Promise<boolean> {
    assertStorageKey(key);
    const ttl = checkTtl(ttlMs);
    const now = this.now();
    this.calls += 1;
    if (this.calls % SWEEP_EVERY === 0) this.sweep(now);
    const expiresAt = this.seen.get(key);
    if (expiresAt !== undefined && expiresAt > now) return false;
    this.seen.set(key, now + ttl);
    return true;
  }

  /** How many keys are remembered (expired ones may linger until the next sweep). */
  get size(): number {
    return this.seen.size;
  }

  private sweep(now: number): void {
    for (const [key, expiresAt] of this.seen) if (expiresAt <= now) this.seen.delete(key);
  }
}

/** De-duplication in a SQLite table `dedupe`; processes sharing the file share what they have seen. */
export class SqliteActivityDedupe implements ActivityDedupe {
  private readonly database: SqliteDatabase;
  private readonly owned: boolean;
  private readonly now: () => number;
  private readonly claim;
  private readonly prune;
  private calls = 0;

  constructor(source: SqliteSource, { now = Date.now }: DedupeClockOptions = {}) {
    const { database, owned } = resolveSqliteSource(source);
    this.database = database;
    this.owned = owned;
    this.now = now;
    database.exec('CREATE TABLE IF NOT EXISTS dedupe (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)');
    // One statement, so it is atomic: it inserts a new key or revives an expired one, and changes nothing
    // (0 rows) while the key is still remembered.
    this.claim = database.prepare<[string, number, number]>(
      `INSERT INTO dedupe (key, expires_at) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE dedupe.expires_at <= ?`,
    );
    this.prune = database.prepare<[number]>('DELETE FROM dedupe WHERE expires_at <= ?');
  }

  async firstSeen(key: string, ttlMs: number): Promise<boolean> {
    assertStorageKey(key);
    const ttl = checkTtl(ttlMs);
    if (!this.database.open) throw new StorageError('storage_closed', 'SQLite de-duplication used after close().');
    const now = this.now();
    try {
      this.calls += 1;
      if (this.calls % SWEEP_EVERY === 0) this.prune.run(now);
      return this.claim.run(key, now + ttl, now).changes === 1;
    } catch (error) {
      throw new StorageError('storage_unavailable', 'SQLite de-duplication failed.', { cause: error });
    }
  }

  /** Closes the file if this instance opened it. */
  close(): void {
    if (this.owned && this.database.open) this.database.close();
  }
}

/** Options of the Redis de-duplication. */
export interface RedisActivityDedupeOptions {
  /** A connected ioredis client; the caller owns it. */
  client: Redis;
  /** Prepended to every Redis key. Default `gd:`. */
  keyPrefix?: string;
}

/** De-duplication shared by every instance: `SET key 1 NX PX ttl` lets exactly one caller claim a key. */
export class RedisActivityDedupe implements ActivityDedupe {
  private readonly client: Redis;
  private readonly prefix: string;

  constructor({ client, keyPrefix = 'gd:' }: RedisActivityDedupeOptions) {
    this.client = client;
    this.prefix = `${keyPrefix}seen:`;
  }

  async firstSeen(key: string, ttlMs: number): Promise<boolean> {
    assertStorageKey(key);
    const ttl = checkTtl(ttlMs);
    if (this.isClosed()) {
      throw new StorageError('storage_closed', 'Redis de-duplication used after its client was closed.');
    }
    try {
      return (await this.client.set(this.prefix + key, '1', 'PX', ttl, 'NX')) === 'OK';
    } catch (error) {
      if (isStorageError(error)) throw error;
      if (this.isClosed()) {
        throw new StorageError('storage_closed', 'Redis de-duplication used after its client was closed.', {
          cause: error,
        });
      }
      throw new StorageError('storage_unavailable', 'Redis de-duplication failed.', { cause: error });
    }
  }

  // A method, not an inline check: TypeScript would keep the narrowing from before the await.
  private isClosed(): boolean {
    return this.client.status === 'end';
  }
}
