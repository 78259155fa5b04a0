/**
 * "Have we already handled this activity?" Channels redeliver an activity when our answer was slow or
 * lost; the turn runner asks here first so a redelivered activity is answered once.
 *
 * Retention: every entry lives for the window its caller asks for, but never longer than `maxTtlMs`
 * (STATE_TTL_DAYS), whatever a caller passes; expired entries are swept from memory and SQLite in the
 * background and expire on their own in Redis.
 */
import type { Redis } from 'ioredis';
import {
  DEFAULT_STATE_TTL_MS,
  DEFAULT_SWEEP_INTERVAL_MS,
  SWEEP_BATCH,
  checkRetentionMs,
  startSweeper,
  sweepInBatches,
  type Sweeper,
} from './retention';
import { resolveSqliteSource, type SqliteDatabase, type SqliteSource } from './sqlite-database';
import { queuedWrite, writeQueueOf } from './sqlite-write-queue';
import { StorageError, isStorageError } from './storage-errors';
import { assertStorageKey } from './store-item';

/** Remembers keys for a while. */
export interface ActivityDedupe {
  /** Resolves true only the first time `key` is seen within `ttlMs` milliseconds. */
  firstSeen(key: string, ttlMs: number): Promise<boolean>;
  /**
   * Remembers `key` for `ttlMs` from now whatever it was set to (capped like `firstSeen`): a turn claims its
   * activity for a short while first, and for the whole window once it is done, so an instance that died
   * mid-turn does not keep a redelivery from being answered. Optional for implementations of others.
   */
  remember?(key: string, ttlMs: number): Promise<void>;
}

/**
 * Expired entries are also swept every this many calls, so a flood of new keys between two background
 * sweeps cannot grow the store without bound.
 */
const SWEEP_EVERY = 1000;

/** The caller's window, checked, capped at `maxTtlMs`. */
function checkTtl(ttlMs: number, maxTtlMs: number): number {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new StorageError('invalid_ttl', `De-duplication window must be a positive number of ms, got ${ttlMs}.`);
  }
  return Math.min(Math.ceil(ttlMs), maxTtlMs);
}

/** Retention of every de-duplication. */
export interface DedupeRetentionOptions {
  /** No entry lives longer than this, whatever window a caller asks for. Default 30 days. */
  maxTtlMs?: number;
}

/** Options of the in-process and SQLite de-duplication. */
export interface DedupeClockOptions extends DedupeRetentionOptions {
  /** The clock, replaceable in tests. Default `Date.now`. */
  now?: () => number;
  /** How often expired entries are deleted in the background. Default one hour. */
  sweepIntervalMs?: number;
  /** Told when a background sweep fails (the next one tries again). Default: ignored. */
  onSweepError?: (error: Error) => void;
}

/** In-process de-duplication (one instance only). */
export class MemoryActivityDedupe implements ActivityDedupe {
  private readonly seen = new Map<string, number>();
  private readonly now: () => number;
  private readonly maxTtlMs: number;
  private readonly sweeper: Sweeper;
  private calls = 0;

  constructor({
    now = Date.now,
    maxTtlMs = DEFAULT_STATE_TTL_MS,
    sweepIntervalMs = DEFAULT_SWEEP_INTERVAL_MS,
    onSweepError,
  }: DedupeClockOptions = {}) {
    this.now = now;
    this.maxTtlMs = checkRetentionMs('maxTtlMs', maxTtlMs);
    this.sweeper = startSweeper(sweepIntervalMs, () => this.sweep(), onSweepError);
  }

  async firstSeen(key: string, ttlMs: number): Promise<boolean> {
    assertStorageKey(key);
    const ttl = checkTtl(ttlMs, this.maxTtlMs);
    const now = this.now();
    this.calls += 1;
    if (this.calls % SWEEP_EVERY === 0) this.removeExpired(now);
    const expiresAt = this.seen.get(key);
    if (expiresAt !== undefined && expiresAt > now) return false;
    this.seen.set(key, now + ttl);
    return true;
  }

  async remember(key: string, ttlMs: number): Promise<void> {
    assertStorageKey(key);
    this.seen.set(key, this.now() + checkTtl(ttlMs, this.maxTtlMs));
  }

  /** How many keys are remembered (expired ones may linger until the next sweep). */
  get size(): number {
    return this.seen.size;
  }

  /** Forgets every expired key now (the background sweep calls this); resolves to how many went. */
  async sweep(): Promise<number> {
    return this.removeExpired(this.now());
  }

  /** Stops the background sweep; the de-duplication itself keeps working. */
  close(): void {
    this.sweeper.stop();
  }

  private removeExpired(now: number): number {
    let removed = 0;
    for (const [key, expiresAt] of this.seen) {
      if (expiresAt <= now) {
        this.seen.delete(key);
        removed += 1;
      }
    }
    return removed;
  }
}

/** De-duplication in a SQLite table `dedupe`; processes sharing the file share what they have seen. */
export class SqliteActivityDedupe implements ActivityDedupe {
  private readonly database: SqliteDatabase;
  private readonly owned: boolean;
  private readonly now: () => number;
  private readonly maxTtlMs: number;
  private readonly sweeper: Sweeper;
  private readonly claim;
  private readonly keep;
  private readonly prune;
  private calls = 0;

  constructor(
    source: SqliteSource,
    { now = Date.now, maxTtlMs = DEFAULT_STATE_TTL_MS, sweepIntervalMs = DEFAULT_SWEEP_INTERVAL_MS, onSweepError }: DedupeClockOptions = {},
  ) {
    this.maxTtlMs = checkRetentionMs('maxTtlMs', maxTtlMs);
    const { database, owned } = resolveSqliteSource(source);
    this.database = database;
    this.owned = owned;
    this.now = now;
    // Idempotent, so a file from any earlier version is brought up to date; the index serves the sweep.
    database.exec('CREATE TABLE IF NOT EXISTS dedupe (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)');
    database.exec('CREATE INDEX IF NOT EXISTS dedupe_expires_at ON dedupe (expires_at)');
    // One statement, so it is atomic: it inserts a new key or revives an expired one, and changes nothing
    // (0 rows) while the key is still remembered. A row counts as expired when its time has passed, or when
    // it was set (by another process or an earlier setting) to outlive the cap: params 3 and 4 are now and
    // now + maxTtlMs. The sweep deletes by the same rule.
    this.claim = database.prepare<[string, number, number, number]>(
      `INSERT INTO dedupe (key, expires_at) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at
       WHERE dedupe.expires_at <= ? OR dedupe.expires_at > ?`,
    );
    this.keep = database.prepare<[string, number]>(
      'INSERT INTO dedupe (key, expires_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at',
    );
    this.prune = database.prepare<[number, number, number]>(
      `DELETE FROM dedupe WHERE rowid IN (
         SELECT rowid FROM dedupe WHERE expires_at <= ? OR expires_at > ? LIMIT ?)`,
    );
    this.sweeper = startSweeper(sweepIntervalMs, () => this.sweep(), onSweepError);
  }

  /** Claims and remembers commit with the other writes of the same turn of the event loop (sqlite-write-queue.ts). */
  async firstSeen(key: string, ttlMs: number): Promise<boolean> {
    assertStorageKey(key);
    const ttl = checkTtl(ttlMs, this.maxTtlMs);
    return queuedWrite(this.database, 'SQLite de-duplication', () => {
      const now = this.now();
      this.calls += 1;
      if (this.calls % SWEEP_EVERY === 0) this.prune.run(now, now + this.maxTtlMs, SWEEP_BATCH);
      return this.claim.run(key, now + ttl, now, now + this.maxTtlMs).changes === 1;
    });
  }

  async remember(key: string, ttlMs: number): Promise<void> {
    assertStorageKey(key);
    const ttl = checkTtl(ttlMs, this.maxTtlMs);
    await queuedWrite(this.database, 'SQLite de-duplication', () => this.keep.run(key, this.now() + ttl));
  }

  /**
   * Deletes every expired row now (the background sweep calls this), one batch per statement with the
   * event loop free in between; resolves to how many rows went. Does nothing once the file is closed.
   */
  async sweep(): Promise<number> {
    return sweepInBatches(
      () => this.database.open,
      (limit) => {
        const now = this.now();
        try {
          return this.prune.run(now, now + this.maxTtlMs, limit).changes;
        } catch (error) {
          throw new StorageError('storage_unavailable', 'SQLite de-duplication sweep failed.', { cause: error });
        }
      },
    );
  }

  /** Stops the background sweep and closes the file if this instance opened it. */
  close(): void {
    this.sweeper.stop();
    if (this.owned && this.database.open) {
      writeQueueOf(this.database).flush();
      this.database.close();
    }
  }
}

/** Options of the Redis de-duplication. */
export interface RedisActivityDedupeOptions extends DedupeRetentionOptions {
  /** A connected ioredis client; the caller owns it. */
  client: Redis;
  /** Prepended to every Redis key. Default `gd:`. */
  keyPrefix?: string;
}

/**
 * De-duplication shared by every instance: `SET key 1 NX PX ttl` lets exactly one caller claim a key,
 * and Redis deletes it on its own when the (capped) window ends.
 */
export class RedisActivityDedupe implements ActivityDedupe {
  private readonly client: Redis;
  private readonly prefix: string;
  private readonly maxTtlMs: number;

  constructor({ client, keyPrefix = 'gd:', maxTtlMs = DEFAULT_STATE_TTL_MS }: RedisActivityDedupeOptions) {
    this.client = client;
    this.prefix = `${keyPrefix}seen:`;
    this.maxTtlMs = checkRetentionMs('maxTtlMs', maxTtlMs);
  }

  async firstSeen(key: string, ttlMs: number): Promise<boolean> {
    assertStorageKey(key);
    const ttl = checkTtl(ttlMs, this.maxTtlMs);
    return this.guard(async () => (await this.client.set(this.prefix + key, '1', 'PX', ttl, 'NX')) === 'OK');
  }

  async remember(key: string, ttlMs: number): Promise<void> {
    assertStorageKey(key);
    const ttl = checkTtl(ttlMs, this.maxTtlMs);
    await this.guard(() => this.client.set(this.prefix + key, '1', 'PX', ttl));
  }

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    if (this.isClosed()) {
      throw new StorageError('storage_closed', 'Redis de-duplication used after its client was closed.');
    }
    try {
      return await operation();
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
