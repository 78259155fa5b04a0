/**
 * The probe cache and fleet-wide coalescing on Redis, for several instances behind one load balancer:
 * a result one instance fetched is served by all of them for its time to live, and while one instance
 * probes a target it holds a short claim on it (SET NX PX), so the others wait for its result instead of
 * probing the site again. A claim expires on its own, so an instance that dies mid-probe stops nobody
 * for longer than one probe budget.
 *
 * Redis is an optimisation here, never a dependency: while it is unreachable every call answers at once
 * as a miss (and every claim as granted), so each instance probes on its own as a single instance would.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { ADVICES, VERDICTS, type ProbeResult } from '../contracts';
import type { ProbeCache, ProbeClaims } from './probe-cache';

/** Options of the Redis probe cache. */
export interface RedisProbeCacheOptions {
  /** The shared connection (core.backend.client); its owner quits it. */
  client: Redis;
  /** Prefix of every key (the storage's, e.g. `gd:`). */
  keyPrefix?: string;
  /** Whose results these are (the public bot's, the operator's...): audiences never share an answer. */
  audience?: string;
  /** Told when Redis fails a call that then fell back to acting alone. */
  onError?: (error: Error) => void;
}

// Stored results come from any version of the fleet: read leniently, and anything unreadable is a miss.
const timingsSchema = z
  .object({
    totalMs: z.number(),
    dnsMs: z.number().optional(),
    connectMs: z.number().optional(),
    tlsMs: z.number().optional(),
    ttfbMs: z.number().optional(),
  })
  .passthrough();
const probeResultSchema = z
  .object({
    url: z.string(),
    verdict: z.enum(VERDICTS),
    advice: z.enum(ADVICES),
    httpStatus: z.number().int().optional(),
    producer: z.string().optional(),
    cause: z.string().optional(),
    retryAfterMs: z.number().optional(),
    timings: timingsSchema,
    evidence: z.array(z.object({ kind: z.string() }).passthrough()),
    checkedAt: z.string(),
  })
  .passthrough();

// Deletes the claim only when it is still ours: after an expiry another instance may hold it.
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/** Builds the shared cache and claims; both answer as if alone while Redis is down. */
export function createRedisProbeCache({
  client,
  keyPrefix = 'gd:',
  audience = 'public',
  onError,
}: RedisProbeCacheOptions): ProbeCache & ProbeClaims {
  const resultKey = (key: string) => `${keyPrefix}probe:${audience}:result:${key}`;
  const claimKey = (key: string) => `${keyPrefix}probe:${audience}:claim:${key}`;
  // Not ready (reconnecting, closed): answering at once beats queueing behind ioredis's reconnects.
  const ready = () => client.status === 'ready';
  const failed = (error: unknown): void => onError?.(error instanceof Error ? error : new Error(String(error)));

  return {
    async get(key) {
      if (!ready()) return undefined;
      try {
        const raw = await client.get(resultKey(key));
        if (raw === null) return undefined;
        const parsed = probeResultSchema.safeParse(JSON.parse(raw));
        // Evidence kinds are only checked to be objects with a kind: every reader switches on it and skips the unknown.
        return parsed.success ? (parsed.data as unknown as ProbeResult) : undefined;
      } catch (error) {
        // JSON.parse of a foreign value lands here too: a miss, never a crash.
        if (!(error instanceof SyntaxError)) failed(error);
        return undefined;
      }
    },
    async set(key, result, ttlMs) {
      if (!ready() || ttlMs <= 0) return;
      try {
        await client.set(resultKey(key), JSON.stringify(result), 'PX', Math.ceil(ttlMs));
      } catch (error) {
        failed(error);
      }
    },
    async claim(key, ttlMs) {
      const token = randomUUID();
      if (!ready()) return async () => undefined;
      try {
        const taken = await client.set(claimKey(key), token, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX');
        if (taken !== 'OK') return undefined;
      } catch (error) {
        failed(error);
        return async () => undefined;
      }
      return async () => {
        if (!ready()) return; // it expires on its own
        try {
          await client.eval(RELEASE_SCRIPT, 1, claimKey(key), token);
        } catch (error) {
          failed(error);
        }
      };
    },
    async held(key) {
      if (!ready()) return false;
      try {
        return (await client.exists(claimKey(key))) === 1;
      } catch (error) {
        failed(error);
        return false;
      }
    },
  };
}
