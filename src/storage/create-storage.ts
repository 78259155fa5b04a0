/** Builds the storage and de-duplication a deployment asked for, sharing one connection between them. */
import type { Storage } from 'botbuilder';
import type { Redis } from 'ioredis';
import { MemoryActivityDedupe, RedisActivityDedupe, SqliteActivityDedupe, type ActivityDedupe } from './activity-dedupe';
import { MemoryStorage } from './memory-storage';
import { RedisStorage } from './redis-storage';
import { DEFAULT_STATE_TTL_MS, DEFAULT_SWEEP_INTERVAL_MS } from './retention';
import { openSqliteDatabase, type SqliteDatabase } from './sqlite-database';
import { writeQueueOf } from './sqlite-write-queue';
import { SqliteStorage } from './sqlite-storage';
import { StorageError } from './storage-errors';

/** Which storage to use (the shape `config.ts` produces from `STORAGE`). */
export type StorageSpec = { kind: 'memory' } | { kind: 'sqlite'; path: string } | { kind: 'redis'; url: string };

/**
 * The connection behind a bundle, for stores of our own beyond the conversation state (Direct Line logs,
 * incidents, counters): each builds its memory, SQLite or Redis variant on the same connection, so one
 * `STORAGE` setting decides where everything lives and one `close()` releases it.
 */
export type StorageBackend =
  | { kind: 'memory' }
  | { kind: 'sqlite'; database: SqliteDatabase }
  | { kind: 'redis'; client: Redis; keyPrefix: string };

/** A ready storage, its de-duplication, and one way to release both. */
export interface StorageBundle {
  storage: Storage;
  dedupe: ActivityDedupe;
  /** The shared connection (see StorageBackend); closed by `close()`, never by its users. */
  backend: StorageBackend;
  /** Closes the file or quits the Redis client; safe to call twice. */
  close(): Promise<void>;
}

/** Tuning that does not belong in the spec. */
export interface CreateStorageOptions {
  /**
   * Retention (STATE_TTL_DAYS): stored items expire this long after their last write, and no
   * de-duplication entry lives longer. Every storage kind. Default 30 days.
   */
  stateTtlMs?: number;
  /** The clock of the memory and SQLite stores, replaceable in tests. Default `Date.now`. */
  now?: () => number;
  /** How often the memory and SQLite stores delete expired entries. Default one hour. */
  sweepIntervalMs?: number;
  /** Told when background retention work fails (a sweep, or giving old Redis items an expiry). */
  onRetentionError?: (error: Error) => void;
  /** Prefix of every Redis key. Default `gd:`. */
  redisKeyPrefix?: string;
  /** How long to wait for the first Redis connection. Default 5000 ms. */
  redisConnectTimeoutMs?: number;
  /** Told about Redis connection errors after start-up (reconnects happen on their own). */
  onRedisError?: (error: Error) => void;
}

/**
 * Opens the storage described by `spec`. For Redis it connects before resolving, so a wrong URL or a
 * server that is down fails start-up with `storage_unavailable` instead of failing the first turn.
 */
export async function createStorage(spec: StorageSpec, options: CreateStorageOptions = {}): Promise<StorageBundle> {
  const { stateTtlMs = DEFAULT_STATE_TTL_MS, now = Date.now, sweepIntervalMs = DEFAULT_SWEEP_INTERVAL_MS, onRetentionError } = options;
  const storageRetention = { ttlMs: stateTtlMs, now, sweepIntervalMs, onSweepError: onRetentionError };
  const dedupeRetention = { maxTtlMs: stateTtlMs, now, sweepIntervalMs, onSweepError: onRetentionError };
  switch (spec.kind) {
    case 'memory': {
      const storage = new MemoryStorage(storageRetention);
      const dedupe = new MemoryActivityDedupe(dedupeRetention);
      return {
        storage,
        dedupe,
        backend: { kind: 'memory' },
        close: async () => {
          storage.close();
          dedupe.close();
        },
      };
    }
    case 'sqlite': {
      const database = openSqliteDatabase(spec.path);
      const storage = new SqliteStorage({ database }, storageRetention);
      const dedupe = new SqliteActivityDedupe({ database }, dedupeRetention);
      return {
        storage,
        dedupe,
        backend: { kind: 'sqlite', database },
        close: async () => {
          // Stop the sweeps first: they share the connection closed next.
          storage.close();
          dedupe.close();
          // Writes still queued for the next group commit go to disk before the file closes.
          if (database.open) {
            writeQueueOf(database).flush();
            database.close();
          }
        },
      };
    }
    case 'redis':
      return createRedisBundle(spec.url, { ...options, stateTtlMs });
  }
}

async function createRedisBundle(url: string, options: CreateStorageOptions): Promise<StorageBundle> {
  const { stateTtlMs, onRetentionError, redisKeyPrefix = 'gd:', redisConnectTimeoutMs = 5000, onRedisError } = options;
  const where = describeRedisUrl(url);
  let lastError: Error | undefined;
  let client: Redis;
  try {
    // Loaded only for Redis storage: ioredis costs the SQLite and memory set-ups start-up time for nothing.
    const { Redis: RedisClient } = require('ioredis') as typeof import('ioredis');
    client = new RedisClient(url, {
      lazyConnect: true,
      connectTimeout: redisConnectTimeoutMs,
      // A turn should fail soon when Redis is gone rather than wait through many reconnects.
      maxRetriesPerRequest: 2,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
  } catch (error) {
    throw new StorageError('storage_unavailable', `Invalid Redis URL ${where}.`, { cause: error });
  }
  // Without a listener ioredis prints every reconnect failure itself.
  client.on('error', (error: Error) => {
    lastError = error;
    onRedisError?.(error);
  });
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    const reason = lastError?.message ?? (error instanceof Error ? error.message : String(error));
    throw new StorageError('storage_unavailable', `Cannot connect to Redis at ${where}: ${reason}`, {
      cause: lastError ?? error,
    });
  }
  const storage = new RedisStorage({ client, keyPrefix: redisKeyPrefix, ttlMs: stateTtlMs });
  // Items from a version that set no expiry would otherwise live forever. In the background, so a large
  // keyspace does not hold up start-up; close() stops it between batches.
  let closing = false;
  const legacy = storage
    .expireLegacyItems(() => closing)
    .catch((error: unknown) => {
      if (!closing) onRetentionError?.(error instanceof Error ? error : new Error(String(error)));
    });
  return {
    storage,
    dedupe: new RedisActivityDedupe({ client, keyPrefix: redisKeyPrefix, maxTtlMs: stateTtlMs }),
    backend: { kind: 'redis', client, keyPrefix: redisKeyPrefix },
    close: async () => {
      closing = true;
      await legacy;
      if (client.status === 'end') return;
      if (client.status !== 'ready') {
        client.disconnect();
        return;
      }
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}

/** The URL without credentials, for messages and logs. */
function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}
