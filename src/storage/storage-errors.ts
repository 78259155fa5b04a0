/** Every failure the storage layer raises on purpose; callers branch on `code`, never on the message. */
export type StorageErrorCode =
  /** A write carried an eTag that no longer matches the stored item (or the item is gone). */
  | 'etag_conflict'
  /** A storage key could not be built because an id was missing or empty. */
  | 'missing_id'
  /** A key is not a usable string (not a string, or holds a lone UTF-16 surrogate). */
  | 'invalid_key'
  /** A stored item is not a plain object, or its eTag is not a string. */
  | 'invalid_item'
  /** A value holds something JSON cannot carry faithfully (function, Date, Map, cycle, NaN, ...). */
  | 'not_json'
  /** A de-duplication window is not a positive number of milliseconds. */
  | 'invalid_ttl'
  /** The backing store (Redis) cannot be reached or answered with an error. */
  | 'storage_unavailable'
  /** The storage was used after `close()`. */
  | 'storage_closed';

/** An error from the storage layer with a stable `code` (and the item key when one is involved). */
export class StorageError extends Error {
  readonly code: StorageErrorCode;
  readonly key: string | undefined;

  constructor(code: StorageErrorCode, message: string, options: { key?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StorageError';
    this.code = code;
    this.key = options.key;
  }
}

/**
 * True when `error` is a write conflict from any botbuilder storage: ours (`etag_conflict`), botbuilder's
 * MemoryStorage and BlobsStorage (a plain Error, `Storage: error writing "<key>" due to eTag conflict.`),
 * or Cosmos DB (the SDK's error with `code` 412, Precondition Failed) and raw Azure SDK errors
 * (`statusCode` 412). Not a type guard: a foreign conflict is not a StorageError.
 */
export function isStorageError(error: unknown, code: 'etag_conflict'): boolean;
/** True when `error` is a StorageError, optionally with the given code. */
export function isStorageError(error: unknown, code?: Exclude<StorageErrorCode, 'etag_conflict'>): error is StorageError;
export function isStorageError(error: unknown, code?: StorageErrorCode): boolean {
  if (error instanceof StorageError) return code === undefined || error.code === code;
  return code === 'etag_conflict' && isForeignConflict(error);
}

/** HTTP 412 Precondition Failed: how Cosmos DB and Azure Blob storage refuse a stale If-Match. */
const PRECONDITION_FAILED = 412;

/** A conflict raised by a botbuilder storage that is not ours (see `isStorageError`). */
function isForeignConflict(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, statusCode, message } = error as { code?: unknown; statusCode?: unknown; message?: unknown };
  if (code === PRECONDITION_FAILED || statusCode === PRECONDITION_FAILED) return true;
  return typeof message === 'string' && message.startsWith('Storage: error writing ') && message.endsWith(' due to eTag conflict.');
}
