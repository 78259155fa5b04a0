/**
 * The fleet's recent checks on Redis, so `/api/status`, the board and the admin API of every instance list
 * what any instance checked: a hash of rows per host, a hash of ask counts and a sorted set ordering the
 * hosts by their latest check, capped at `maxHosts` and expiring after `ttlMs` without a check. One Lua
 * script writes a row, counts the ask and trims the oldest hosts, so two instances cannot interleave them.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { ADVICES, VERDICTS } from '../contracts';
import type { RecentCheck, SharedRecentRow, SharedRecentRows } from './recent-checks';

/** Options of the Redis recent checks. */
export interface RedisRecentRowsOptions {
  client: Redis;
  /** Prefix of every key (the storage's, e.g. `gd:`). */
  keyPrefix?: string;
  /** Hosts kept at most, oldest dropped first. Default 200 (the in-memory default). */
  maxHosts?: number;
  /** The whole list expires this long after the last check. Default one day. */
  ttlMs?: number;
}

// KEYS: rows hash, order zset, asks hash. ARGV: host, row JSON, score (ms), max hosts, ttl ms.
const PUSH_SCRIPT = `
local asks = redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
local extra = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if extra > 0 then
  local old = redis.call('ZRANGE', KEYS[2], 0, extra - 1)
  for _, host in ipairs(old) do
    redis.call('HDEL', KEYS[1], host)
    redis.call('HDEL', KEYS[3], host)
  end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, extra - 1)
end
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[5]) end
return asks
`;

// Rows come from any version of the fleet: one that does not parse is skipped, never a crash.
const checkSchema = z.object({
  host: z.string(),
  url: z.string(),
  verdict: z.enum(VERDICTS),
  advice: z.enum(ADVICES),
  httpStatus: z.number().int().optional(),
  producer: z.string().optional(),
  checkedAt: z.string(),
});
const rowSchema = z.object({ truth: checkSchema, shown: checkSchema });

/** Builds the shared rows; every call fails soft (undefined) while Redis is not ready. */
export function createRedisRecentRows({
  client,
  keyPrefix = 'gd:',
  maxHosts = 200,
  ttlMs = 24 * 60 * 60 * 1000,
}: RedisRecentRowsOptions): SharedRecentRows {
  const keys = [`${keyPrefix}recent:rows`, `${keyPrefix}recent:order`, `${keyPrefix}recent:asks`] as const;
  const ready = () => client.status === 'ready';
  return {
    async push({ host, truth, shown }) {
      if (!ready()) return undefined;
      const { asks: _truthAsks, ...truthRow } = truth;
      const { asks: _shownAsks, ...shownRow } = shown;
      const row = JSON.stringify({ truth: truthRow, shown: shownRow });
      const asks = await client.eval(PUSH_SCRIPT, 3, ...keys, host, row, Date.now(), maxHosts, ttlMs);
      return typeof asks === 'number' ? asks : undefined;
    },
    async load() {
      if (!ready()) return undefined;
      const hosts = await client.zrevrange(keys[1], 0, maxHosts - 1);
      if (hosts.length === 0) return [];
      const [rows, asks] = await Promise.all([client.hmget(keys[0], ...hosts), client.hmget(keys[2], ...hosts)]);
      return hosts.flatMap((host, index): SharedRecentRow[] => {
        const raw = rows[index];
        if (typeof raw !== 'string') return [];
        let parsed: ReturnType<typeof rowSchema.safeParse>;
        try {
          parsed = rowSchema.safeParse(JSON.parse(raw));
        } catch {
          return [];
        }
        if (!parsed.success) return [];
        const count = Number(asks[index] ?? 1) || 1;
        return [
          {
            host,
            truth: { ...parsed.data.truth, asks: count } as RecentCheck,
            shown: { ...parsed.data.shown, asks: count } as RecentCheck,
          },
        ];
      });
    },
  };
}
