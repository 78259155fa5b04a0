/**
 * Storage shared by several instances. Each item is a hash { v: JSON, e: eTag }; a write() is one Lua
 * script, which Redis runs without interleaving anything else, so the eTag checks of all items and the
 * writes happen as one step: two instances holding the same eTag cannot both win, and a conflict on any
 * item leaves every item of the call untouched, because all checks run before the first write. Limits:
 * a single Redis server (Redis Cluster is not supported: one call's keys may live on different nodes), and
 * Redis does not roll back a script that fails half-way for reasons of its own (out of memory), so only
 * eTag conflicts, not server faults, are guaranteed to leave nothing written.
 *
 * Retention: the same script gives every written item an expiry of `ttlMs` (PEXPIRE), so expiry is set
 * or refreshed atomically with the value and no write can leave an item that never expires. Reads do not
 * extend it. Items an earlier version wrote without an expiry are given one by `expireLegacyItems()`.
 */
import { randomUUID } from 'node:crypto';
import type { Storage, StoreItems } from 'botbuilder';
import type { Redis } from 'ioredis';
import { DEFAULT_STATE_TTL_MS, SWEEP_BATCH, checkRetentionMs } from './retention';
import { StorageError, isStorageError } from './storage-errors';
import { checkKeys, decodeItem, encodeItems, etagConflict, setItem } from './store-item';

/** Options of a Redis storage. */
export interface RedisStorageOptions {
  /** A connected ioredis client; the caller owns it (quits it). */
  client: Redis;
  /** Prepended to every Redis key, so several apps or tests can share one server. Default `gd:`. */
  keyPrefix?: string;
  /** An item expires this many milliseconds after its last write. Default 30 days. */
  ttlMs?: number;
}

const WRITE_COMMAND = 'gatewayDoctorWriteItems';
const EXPIRE_LEGACY_COMMAND = 'gatewayDoctorExpireLegacy';

// KEYS: the items. ARGV[1]: ttl in ms, then per item: expected eTag ('' = any), new eTag, JSON.
// Returns 0 when written, else the 1-based index of the first item whose eTag did not match.
const WRITE_SCRIPT = `
local ttl = tonumber(ARGV[1])
for i = 1, #KEYS do
  local expected = ARGV[(i - 1) * 3 + 2]
  if expected ~= '' and redis.call('HGET', KEYS[i], 'e') ~= expected then
    return i
  end
end
for i = 1, #KEYS do
  local base = (i - 1) * 3 + 2
  redis.call('HSET', KEYS[i], 'v', ARGV[base + 2], 'e', ARGV[base + 1])
  redis.call('PEXPIRE', KEYS[i], ttl)
end
return 0
`;

// KEYS: items found by SCAN. ARGV[1]: ttl in ms. Gives an expiry to those that have none (PTTL -1), so
// an item written meanwhile (which already carries a fresh expiry) keeps it. Works on Redis < 7, which
// lacks PEXPIRE ... NX. Returns how many it changed.
const EXPIRE_LEGACY_SCRIPT = `
local changed = 0
for i = 1, #KEYS do
  if redis.call('PTTL', KEYS[i]) == -1 then
    redis.call('PEXPIRE', KEYS[i], ARGV[1])
    changed = changed + 1
  end
end
return changed
`;

interface ScriptedClient {
  [WRITE_COMMAND](numKeys: number, ...args: Array<string | number>): Promise<number>;
  [EXPIRE_LEGACY_COMMAND](numKeys: number, ...args: Array<string | number>): Promise<number>;
}

/** `text` with Redis glob characters escaped, for a literal prefix in a SCAN MATCH pattern. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** botbuilder `Storage` on Redis with atomic, all-or-nothing eTag checks. */
export class RedisStorage implements Storage {
  private readonly client: Redis;
  private readonly prefix: string;
  private readonly ttlMs: number;

  constructor({ client, keyPrefix = 'gd:', ttlMs = DEFAULT_STATE_TTL_MS }: RedisStorageOptions) {
    this.ttlMs = checkRetentionMs('ttlMs', ttlMs);
    this.client = client;
    this.prefix = `${keyPrefix}item:`;
    // defineCommand sends EVALSHA and falls back to EVAL after a server restart flushed the script cache.
    const defined = client as unknown as Record<string, unknown>;
    if (typeof defined[WRITE_COMMAND] !== 'function') client.defineCommand(WRITE_COMMAND, { lua: WRITE_SCRIPT });
    if (typeof defined[EXPIRE_LEGACY_COMMAND] !== 'function') {
      client.defineCommand(EXPIRE_LEGACY_COMMAND, { lua: EXPIRE_LEGACY_SCRIPT });
    }
  }

  /** Reads the items that exist, each carrying its current eTag. */
  async read(keys: string[]): Promise<StoreItems> {
    const wanted = checkKeys(keys);
    const result: StoreItems = {};
    if (wanted.length === 0) return result;
    const rows = await this.guard(async () => {
      const pipeline = this.client.pipeline();
      for (const key of wanted) pipeline.hmget(this.prefix + key, 'v', 'e');
      const replies = (await pipeline.exec()) ?? [];
      return wanted.map((_, index) => {
        const [error, reply] = replies[index] ?? [new Error('Redis pipeline returned too few replies'), null];
        if (error) throw error; // classified by guard()
        return reply as Array<string | null>;
      });
    });
    wanted.forEach((key, index) => {
      const [value, eTag] = rows[index] ?? [];
      if (typeof value === 'string' && typeof eTag === 'string') setItem(result, key, decodeItem(value, eTag));
    });
    return result;
  }

  /** Writes all items in one atomic script: any stale eTag rejects the call and nothing is written. */
  async write(changes: StoreItems): Promise<void> {
    const items = encodeItems(changes);
    if (items.length === 0) return;
    const args: Array<string | number> = items.map((item) => this.prefix + item.key);
    args.push(this.ttlMs);
    for (const item of items) args.push(item.expectedETag ?? '', randomUUID(), item.json);
    // The command exists: defineCommand added it in the constructor, but ioredis types cannot know it.
    const client = this.client as unknown as ScriptedClient;
    const conflict = await this.guard(() => client[WRITE_COMMAND](items.length, ...args));
    if (conflict !== 0) {
      const item = items[conflict - 1];
      throw item === undefined
        ? new StorageError('storage_unavailable', `Redis storage write got an unexpected reply ${conflict}.`)
        : etagConflict(item.key);
    }
  }

  /** Removes the items; missing keys are ignored. */
  async delete(keys: string[]): Promise<void> {
    const wanted = checkKeys(keys);
    if (wanted.length === 0) return;
    await this.guard(() => this.client.del(...wanted.map((key) => this.prefix + key)));
  }

  /**
   * Gives every item under this prefix that has no expiry (written by a version that did not set one)
   * the storage's TTL, counted from now. Walks the keyspace with SCAN, so Redis stays responsive; stops
   * early when `shouldStop()` says so. Resolves to how many items it changed.
   */
  async expireLegacyItems(shouldStop: () => boolean = () => false): Promise<number> {
    const client = this.client as unknown as ScriptedClient;
    const match = `${escapeGlob(this.prefix)}*`;
    let cursor = '0';
    let changed = 0;
    do {
      if (shouldStop()) return changed;
      const [next, keys] = await this.guard(() => this.client.scan(cursor, 'MATCH', match, 'COUNT', SWEEP_BATCH));
      cursor = next;
      if (keys.length > 0) {
        changed += await this.guard(() => client[EXPIRE_LEGACY_COMMAND](keys.length, ...keys, this.ttlMs));
      }
    } while (cursor !== '0');
    return changed;
  }

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    if (this.isClosed()) {
      throw new StorageError('storage_closed', 'Redis storage used after its client was closed.');
    }
    try {
      return await operation();
    } catch (error) {
      if (isStorageError(error)) throw error;
      // quit() resolves before the socket closes, so a closed client may only show up as a failed command.
      if (this.isClosed()) {
        throw new StorageError('storage_closed', 'Redis storage used after its client was closed.', { cause: error });
      }
      throw new StorageError('storage_unavailable', 'Redis storage failed.', { cause: error });
    }
  }

  // A method, not an inline check: TypeScript would keep the narrowing from before the await.
  private isClosed(): boolean {
    return this.client.status === 'end';
  }
}
