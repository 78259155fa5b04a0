/** Picks the conversation store that lives where the rest of the state does (`STORAGE`). */
import type { StorageBackend } from '../../storage/create-storage';
import { createMemoryConversationStore, DEFAULT_PERSISTENT_RETENTION_MS, type ConversationStore } from './conversation-store';
import { createRedisConversationStore } from './redis-conversation-store';
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
