/**
 * A short-lived cache of probe results, shared by everyone who asks about the same target. During an
 * outage thousands of people ask about one host: they must share one probe, not send thousands.
 */
import type { ProbeResult, Verdict } from '../contracts';

/** Where results are kept between probes; memory here, Redis when several instances share the work. */
export interface ProbeCache {
  get(key: string): Promise<ProbeResult | undefined>;
  set(key: string, result: ProbeResult, ttlMs: number): Promise<void>;
}

/**
 * Fleet-wide coalescing (src/probe/redis-probe-cache.ts): one instance claims a target and probes it, the
 * others wait for its cached result. Within one process the prober's own in-flight map already does this.
 */
export interface ProbeClaims {
  /**
   * Tries to become the one prober of `key` for at most `ttlMs`: resolves to a release function, or to
   * undefined while another instance holds the claim.
   */
  claim(key: string, ttlMs: number): Promise<(() => Promise<void>) | undefined>;
  /** True while some instance holds the claim on `key` (false once it released it or it expired). */
  held(key: string): Promise<boolean>;
}

/** How long a result stays fresh, by what it says. */
export interface CacheTtls {
  /** A working site: people asking again soon learn nothing new. */
  upMs: number;
  /** A failing site: kept short so "it's back" is noticed quickly. */
  downMs: number;
  /** Invalid targets: the answer only changes with what was typed. */
  refusedMs: number;
}

export const DEFAULT_TTLS: Readonly<CacheTtls> = Object.freeze({ upMs: 60_000, downMs: 15_000, refusedMs: 60_000 });

/** Picks the time to live for a result. */
export function ttlFor(verdict: Verdict, ttls: CacheTtls = DEFAULT_TTLS): number {
  switch (verdict) {
    case 'up':
      return ttls.upMs;
    case 'invalid':
      return ttls.refusedMs;
    // Everything else, `blocked` included: a target our rules refused is shown as a refused connection
    // (src/probe/public-view.ts), so it is re-checked on the same rhythm, or the age of its answer would
    // tell the two apart. (`rate_limited` is never cached: the prober returns it before caching.)
    default:
      return ttls.downMs;
  }
}

export interface MemoryProbeCacheOptions {
  /** Oldest entries are dropped past this many, so a flood of distinct hosts cannot exhaust memory. */
  maxEntries?: number;
  now?: () => number;
}

/** An in-process cache with expiry and a size bound (insertion order doubles as age order). */
export function createMemoryProbeCache({ maxEntries = 10_000, now = Date.now }: MemoryProbeCacheOptions = {}): ProbeCache {
  const entries = new Map<string, { result: ProbeResult; expiresAt: number }>();
  return {
    async get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt <= now()) {
        entries.delete(key);
        return undefined;
      }
      return entry.result;
    },
    async set(key, result, ttlMs) {
      entries.delete(key);
      entries.set(key, { result, expiresAt: now() + ttlMs });
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        entries.delete(oldest.value);
      }
    },
  };
}
