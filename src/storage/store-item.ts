/**
 * The checks and (de)serialisation every storage shares, so memory, SQLite and Redis accept and refuse
 * exactly the same input and hand back exactly the same shapes.
 */
import type { StoreItems } from 'botbuilder';
import { StorageError } from './storage-errors';

/** One validated item of a `write()` call, ready for any backend. */
export interface EncodedItem {
  key: string;
  /** The item without its eTag, as JSON. */
  json: string;
  /** The eTag the stored item must still have, or undefined for an unconditional write ('*' or none). */
  expectedETag: string | undefined;
}

// In unicode mode a proper surrogate pair is one code point, so this only matches lone halves, which
// UTF-8 (SQLite, Redis) cannot carry: two different keys would silently collapse into one.
const LONE_SURROGATE = /\p{Cs}/u;

/** A short, printable form of a key for error messages (keys may be very long). */
export function describeKey(key: string): string {
  const shown = key.length > 120 ? `${key.slice(0, 120)}…` : key;
  return JSON.stringify(shown);
}

/** Throws `invalid_key` unless `key` is a string every backend stores faithfully. */
export function assertStorageKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') {
    throw new StorageError('invalid_key', `Storage keys must be strings, got ${typeof key}.`);
  }
  if (LONE_SURROGATE.test(key)) {
    throw new StorageError('invalid_key', `Storage key ${describeKey(key)} holds a lone UTF-16 surrogate.`, { key });
  }
}

/** Validates the `keys` argument of read()/delete() and returns the distinct keys. */
export function checkKeys(keys: unknown): string[] {
  if (!Array.isArray(keys)) {
    throw new StorageError('invalid_key', 'Storage read/delete needs an array of keys.');
  }
  for (const key of keys) assertStorageKey(key);
  return [...new Set(keys as string[])];
}

/** Validates every item of a write() call up front, so a bad item never leaves half a batch written. */
export function encodeItems(changes: StoreItems): EncodedItem[] {
  if (changes === null || typeof changes !== 'object') {
    throw new StorageError('invalid_item', 'Storage write needs an object of items keyed by storage key.');
  }
  return Object.keys(changes).map((key) => {
    assertStorageKey(key);
    return encodeItem(key, changes[key]);
  });
}

function encodeItem(key: string, item: unknown): EncodedItem {
  if (!isPlainObject(item)) {
    throw new StorageError('invalid_item', `Storage item ${describeKey(key)} must be a plain object.`, { key });
  }
  const { eTag, ...rest } = item;
  if (eTag !== undefined && typeof eTag !== 'string') {
    throw new StorageError('invalid_item', `Storage item ${describeKey(key)} has a non-string eTag.`, { key });
  }
  const problem = findNonJson(rest, '$', new Set());
  if (problem !== undefined) {
    throw new StorageError('not_json', `Storage item ${describeKey(key)} is not plain JSON: ${problem}.`, { key });
  }
  let json: string;
  try {
    json = JSON.stringify(rest);
  } catch (error) {
    // Only reachable through exotic objects (throwing getters); the walk above covers the usual cases.
    throw new StorageError('not_json', `Storage item ${describeKey(key)} could not be serialised.`, {
      key,
      cause: error,
    });
  }
  return { key, json, expectedETag: eTag === undefined || eTag === '' || eTag === '*' ? undefined : eTag };
}

/** Rebuilds a stored item: a fresh object every time, with the current eTag attached. */
export function decodeItem(json: string, eTag: string): Record<string, unknown> {
  const item = JSON.parse(json) as Record<string, unknown>;
  item.eTag = eTag;
  return item;
}

/** Adds `value` under `key` as an own property, even for keys such as `__proto__`. */
export function setItem(target: StoreItems, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The error every backend throws when an eTag no longer matches. */
export function etagConflict(key: string): StorageError {
  return new StorageError('etag_conflict', `Storage write of ${describeKey(key)} rejected: its eTag no longer matches the stored item.`, {
    key,
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Returns a description of the first value JSON would drop, change or choke on, or undefined when the
 * value round-trips unchanged. Undefined object properties are allowed: JSON omits them, as a reader
 * of a missing property would see anyway.
 */
function findNonJson(value: unknown, path: string, ancestors: Set<object>): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${path} is ${String(value)}`;
    case 'object': {
      if (value === null) return undefined;
      if (ancestors.has(value)) return `${path} refers back to one of its parents`;
      ancestors.add(value);
      try {
        if (Array.isArray(value)) {
          for (let index = 0; index < value.length; index += 1) {
            const element: unknown = value[index];
            if (element === undefined) return `${path}[${index}] is undefined`;
            const problem = findNonJson(element, `${path}[${index}]`, ancestors);
            if (problem !== undefined) return problem;
          }
          return undefined;
        }
        if (!isPlainObject(value)) {
          const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
          return `${path} is ${typeof name === 'string' ? `a ${name}` : 'not a plain object'}`;
        }
        for (const key of Object.keys(value)) {
          const child = value[key];
          if (child === undefined) continue;
          const problem = findNonJson(child, `${path}.${key}`, ancestors);
          if (problem !== undefined) return problem;
        }
        return undefined;
      } finally {
        ancestors.delete(value);
      }
    }
    default:
      return `${path} is a ${typeof value}`;
  }
}
