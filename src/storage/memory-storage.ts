/**
 * In-process storage for tests and demos. Items are kept as JSON text, so callers always get fresh copies
 * and the same values are accepted or refused as by the SQLite and Redis storages. Items expire `ttlMs`
 * after their last write, exactly like the persistent storages.
 */
import { randomUUID } from 'node:crypto';
import type { Storage, StoreItems } from 'botbuilder';
import {
  DEFAULT_STATE_TTL_MS,
  DEFAULT_SWEEP_INTERVAL_MS,
  checkRetentionMs,
  startSweeper,
  type RetentionOptions,
  type Sweeper,
} from './retention';
import { checkKeys, decodeItem, encodeItems, etagConflict, setItem } from './store-item';

interface StoredEntry {
  json: string;
  eTag: string;
  writtenAt: number;
}

/** Options of the in-process storage. */
export type MemoryStorageOptions = RetentionOptions;

/** botbuilder `Storage` held in a Map, with the same eTag and expiry rules as the persistent storages. */
export class MemoryStorage implements Storage {
  private readonly entries = new Map<string, StoredEntry>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly sweeper: Sweeper;

  constructor({
    ttlMs = DEFAULT_STATE_TTL_MS,
    now = Date.now,
    sweepIntervalMs = DEFAULT_SWEEP_INTERVAL_MS,
    onSweepError,
  }: MemoryStorageOptions = {}) {
    this.ttlMs = checkRetentionMs('ttlMs', ttlMs);
    this.now = now;
    this.sweeper = startSweeper(sweepIntervalMs, () => this.sweep(), onSweepError);
  }

  /** Reads the items that exist and have not expired, each a fresh copy carrying its current eTag. */
  async read(keys: string[]): Promise<StoreItems> {
    const result: StoreItems = {};
    const now = this.now();
    for (const key of checkKeys(keys)) {
      const entry = this.live(key, now);
      if (entry !== undefined) setItem(result, key, decodeItem(entry.json, entry.eTag));
    }
    return result;
  }

  /** Writes all items or none: any stale eTag rejects the whole call with `etag_conflict`. */
  async write(changes: StoreItems): Promise<void> {
    const items = encodeItems(changes);
    const now = this.now();
    for (const item of items) {
      if (item.expectedETag !== undefined && this.live(item.key, now)?.eTag !== item.expectedETag) {
        throw etagConflict(item.key);
      }
    }
    for (const item of items) this.entries.set(item.key, { json: item.json, eTag: randomUUID(), writtenAt: now });
  }

  /** Removes the items; missing keys are ignored. */
  async delete(keys: string[]): Promise<void> {
    for (const key of checkKeys(keys)) this.entries.delete(key);
  }

  /** Deletes every expired item now (the background sweep calls this); resolves to how many went. */
  async sweep(): Promise<number> {
    const now = this.now();
    let removed = 0;
    for (const [key, entry] of this.entries) {
      if (this.expired(entry, now)) {
        this.entries.delete(key);
        removed += 1;
      }
    }
    return removed;
  }

  /** How many items are held, expired ones not yet swept included. */
  get size(): number {
    return this.entries.size;
  }

  /** Stops the background sweep; the storage itself keeps working (it holds no outside resource). */
  close(): void {
    this.sweeper.stop();
  }

  /** The entry under `key` unless it has expired; an expired one counts as absent even before a sweep. */
  private live(key: string, now: number): StoredEntry | undefined {
    const entry = this.entries.get(key);
    return entry === undefined || this.expired(entry, now) ? undefined : entry;
  }

  private expired(entry: StoredEntry, now: number): boolean {
    return now - entry.writtenAt >= this.ttlMs;
  }
}
