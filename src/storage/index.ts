export { conversationKey, userKey, activityKey } from './storage-keys';
export { StorageError, isStorageError, type StorageErrorCode } from './storage-errors';
export { MemoryStorage, type MemoryStorageOptions } from './memory-storage';
export { SqliteStorage, type SqliteStorageOptions } from './sqlite-storage';
export { openSqliteDatabase, type SqliteDatabase, type SqliteSource } from './sqlite-database';
export { RedisStorage, type RedisStorageOptions } from './redis-storage';
export {
  MemoryActivityDedupe,
  SqliteActivityDedupe,
  RedisActivityDedupe,
  type ActivityDedupe,
  type DedupeClockOptions,
  type DedupeRetentionOptions,
  type RedisActivityDedupeOptions,
} from './activity-dedupe';
export { createKeyedLock, type KeyedLock } from './keyed-lock';
export { createStorage, type StorageSpec, type StorageBundle, type CreateStorageOptions } from './create-storage';
export {
  DAY_MS,
  DEFAULT_STATE_TTL_MS,
  stateTtlFromDays,
  type RetentionOptions,
} from './retention';
