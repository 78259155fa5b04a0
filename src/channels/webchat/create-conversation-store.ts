/** Picks the conversation store, and the web chat's rate limiters, that live where the rest of the state does (`STORAGE`). */
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { StorageBackend } from '../../storage/create-storage';
import { createMemoryConversationStore, DEFAULT_PERSISTENT_RETENTION_MS, type ConversationStore } from './conversation-store';
import { createRedisConversationStore } from './redis-conversation-store';
import { createMemoryLimiter, type LimiterFactory } from './routes/activity-limits';
import { createSqliteConversationStore } from './sqlite-conversation-store';

/** Options shared by every variant. */
export interface ConversationStoreOptions {
  /** STATE_TTL_DAYS in ms: no conversation is kept longer, whatever the web chat retention says. */
  stateTtlMs: number;
  /** Told about background failures (a SQLite sweep, the Redis subscriber's connection). */
  onError?: (error: Error) => void;
}

/** Memory for `{kind:'memory'}`, the shared SQLite file, or the shared Redis connection. */
export function createConversationStore(backend: StorageBackend, { stateTtlMs, onError }: ConversationStoreOptions): ConversationStore {
  const retentionMs = Math.min(DEFAULT_PERSISTENT_RETENTION_MS, stateTtlMs);
  switch (backend.kind) {
    case 'memory':
      return createMemoryConversationStore();
    case 'sqlite':
      return createSqliteConversationStore(backend.database, { retentionMs, ...(onError ? { onSweepError: onError } : {}) });
    case 'redis':
      return createRedisConversationStore({
        client: backend.client,
        keyPrefix: backend.keyPrefix,
        retentionMs,
        ...(onError ? { onSubscriberError: onError } : {}),
      });
  }
}

/**
 * Limiters whose counts every instance shares when STORAGE is Redis (in this process otherwise: SQLite serves
 * one instance). Should Redis fail, each instance falls back to counting on its own rather than refusing.
 */
export function createLimiterFactory(backend: StorageBackend): LimiterFactory {
  if (backend.kind !== 'redis') return createMemoryLimiter;
  return (spec) =>
    new RateLimiterRedis({
      ...spec,
      storeClient: backend.client,
      keyPrefix: `${backend.keyPrefix}${spec.keyPrefix}`,
      insuranceLimiter: new RateLimiterMemory(spec),
    });
}
