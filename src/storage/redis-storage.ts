/**
 * Storage shared by several instances. Each item is a hash { v: JSON, e: eTag }; a write() is one Lua
 * script, which Redis runs without interleaving anything else, so the eTag checks of all items and the
 * writes happen as one step: two instances holding the same eTag cannot both win, and a conflict on any
 * item leaves every item of the call untouched, because all checks run before the first write. Limits:
 * a single Redis server (Redis Cluster is not supported: one call's keys may live on different nodes), and
 * Redis does not roll back a script that fails half-way for reasons of its own (out of memory), so only
 * eTag conflicts, not server faults, are guaranteed to leave nothing written.
 */
import { randomUUID } from 'node:crypto';
import type { Storage, StoreItems } from 'botbuilder';
import type { Redis } from 'ioredis';
import { StorageError, isStorageError } from './storage-errors';
import { checkKeys, decodeItem, encodeItems, etagConflict, setItem } from './store-item';

/** Options of a Redis storage. */
export interface RedisStorageOptions {
  /** A connected ioredis client; the caller owns it (quits it). */
  client: Redis;
  /** Prepended to every Redis key, so several apps or tests can share one server. Default `gd:`. */
  keyPrefix?: string;
  /** When set, an item expires this many milliseconds after its last write. */
  ttlMs?: number;
}

const WRITE_COMMAND = 'gatewayDoctorWriteItems';

// KEYS: the items. ARGV[1]: ttl in ms (0 = none), then per item: expected eTag ('' = any), new eTag, JSON.
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
  if ttl > 0 then
    redis.call('PEXPIRE', KEYS[i], ttl)
  else
    redis.call('PERSIST', KEYS[i])
  end
end
return 0
`;

interface WriteItemsClient {
  [WRITE_COMMAND](numKeys: number, ...args: Array<string | number>): Promise<number>;
}

/** botbuilder `Storage` on Redis with atomic, all-or-nothing eTag checks. */
export class RedisStorage implements Storage {
  private readonly client: Redis;
  private readonly prefix: string;
  private readonly ttlMs: number;

  constructor({ client, keyPrefix = 'gd:', ttlMs = 0 }: RedisStorageOptions) {
    if (!Number.isFinite(ttlMs) || ttlMs < 0) {
      throw new StorageError('invalid_ttl', 'Redis storage ttlMs must be zero (none) or a positive number.');
    }
    this.client = client;
    this.prefix = `${keyPrefix}item:`;
    this.ttlMs = Math.ceil(ttlMs);
    // defineCommand sends EVALSHA and falls back to EVAL after a server restart flushed the script cache.
    if (typeof (client as unknown as Record<string, unknown>)[WRITE_COMMAND] !== 'function') {
      client.defineCommand(WRITE_COMMAND, { lua: WRITE_SCRIPT });
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
    const client = this.client as unknown as WriteItemsClient;
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
