/**
 * In-process storage for tests and demos. Items are kept as JSON text, so callers always get fresh copies
 * and the same values are accepted or refused as by the SQLite and Redis storages.
 */
import { randomUUID } from 'node:crypto';
import type { Storage, StoreItems } from 'botbuilder';
import { checkKeys, decodeItem, encodeItems, etagConflict, setItem } from './store-item';

interface StoredEntry {
  json: string;
  eTag: string;
}

/** botbuilder `Storage` held in a Map, with the same eTag rules as the persistent storages. */
export class MemoryStorage implements Storage {
  private readonly entries = new Map<string, StoredEntry>();

  /** Reads the items that exist, each a fresh copy carrying its current eTag. */
  async read(keys: string[]): Promise<StoreItems> {
    const result: StoreItems = {};
    for (const key of checkKeys(keys)) {
      const entry = this.entries.get(key);
      if (entry !== undefined) setItem(result, key, decodeItem(entry.json, entry.eTag));
    }
    return result;
  }

  /** Writes all items or none: any stale eTag rejects the whole call with `etag_conflict`. */
  async write(changes: StoreItems): Promise<void> {
    const items = encodeItems(changes);
    for (const item of items) {
      if (item.expectedETag !== undefined && this.entries.get(item.key)?.eTag !== item.expectedETag) {
        throw etagConflict(item.key);
      }
    }
    for (const item of items) this.entries.set(item.key, { json: item.json, eTag: randomUUID() });
  }

  /** Removes the items; missing keys are ignored. */
  async delete(keys: string[]): Promise<void> {
    for (const key of checkKeys(keys)) this.entries.delete(key);
  }
}
