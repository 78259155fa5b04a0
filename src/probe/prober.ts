/**
 * The status probe: one safe look at a URL, judged, fingerprinted, cached and shared.
 *
 * Order of work for `probe(target)`: parse and refuse unusable targets -> serve a fresh cached result ->
 * join a probe already in flight for the same target -> charge the requester's, the client's and the host's
 * rate limits -> take a concurrency slot -> fetch -> (re-check once if the first look failed) -> judge -> cache.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { createAddressPolicy } from './address-policy';
import { identifyProducer, type Identification } from './fingerprints';
import { createMemoryProbeCache, DEFAULT_TTLS, ttlFor, type CacheTtls, type ProbeCache } from './probe-cache';
import { createSystemResolver, type Resolver } from './resolver';
import { safeFetch, type FetchOutcome } from './safe-fetch';
import { createSemaphore } from './semaphore';
import type { Evidence, ProbeResult, RefusalReason, Verdict } from '../contracts';
import { checkTarget } from './url-policy';
import { combine, judge, type Judgement } from './verdict';

/** What the probe says about itself in every request it sends. */
export const PROBE_USER_AGENT = 'GatewayDoctor-Probe/0.1 (status check by a 502 support assistant; one request per check, results shared)';

export interface ProberOptions {
  /** Budget for one whole probe, re-check included (PROBE_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Private ranges the probe may reach (PROBE_ALLOW_CIDRS). */
  allowCidrs?: readonly string[];
  resolver?: Resolver;
  cache?: ProbeCache;
  ttls?: CacheTtls;
  /** Outbound probes one target host may receive: `points` per `durationSec`. */
  perHostLimiter?: RateLimiterAbstract;
  /** Probes one person may start (cache hits and joined probes are free). */
  perRequesterLimiter?: RateLimiterAbstract;
  /**
   * Probes one client (network address) may start over every person behind it: where a person's id is free
   * to rotate (web chat hands out one per token), the address is not. Larger than the per-person budget
   * because a NAT or an office proxy puts many people behind one address.
   */
  perClientLimiter?: RateLimiterAbstract;
  /** Outbound probes running at once, process-wide. */
  maxConcurrent?: number;
  /** Pause before re-checking a site that answered with a 5xx (connection failures are re-checked at once). */
  recheckDelayMs?: number;
  maxBodyBytes?: number;
  userAgent?: string;
  now?: () => number;
  /** Told about every result handed out (fresh or cached), e.g. for the status board. */
  onResult?: (result: ProbeResult, meta: { cached: boolean }) => void;
}

export interface ProbeRequest {
  /** Stable, opaque id of the person asking, for their rate limit. */
  requester?: string;
  /** Stable, opaque id of the network client asking (a hashed address); defaults to withProbeClient's. */
  client?: string;
  /** Skip the cached answer (the watcher asks "is it back *now*?"); the fresh result is cached as usual. */
  fresh?: boolean;
}

/** Counters the benchmark and /metrics read. */
export interface ProberStats {
  requests: number;
  /** Probes that went out to a site (a probe and its re-check count once). */
  outbound: number;
  /** HTTP attempts sent, re-checks included. */
  attempts: number;
  cacheHits: number;
  joined: number;
  rateLimited: number;
}

export interface Prober {
  probe(target: string, request?: ProbeRequest): Promise<ProbeResult>;
  stats(): Readonly<ProberStats>;
}

// The probe is started by the support machine, several calls away from the channel that knows the client's
// address; the machine's input and snapshot are the wrong place for it (persisted, and frozen at the first
// turn). The turn's async context carries it instead, from the bot's withProbeClient to probe().
const clientScope = new AsyncLocalStorage<string>();

/** Runs `work` with every probe it starts charged to `client`'s limit too (nothing changes when undefined). */
export function withProbeClient<T>(client: string | undefined, work: () => Promise<T>): Promise<T> {
  return client ? clientScope.run(client, work) : work();
}

/** Builds a prober; every dependency has a working default so the CLI needs no set-up. */
export function createProber({
  timeoutMs = 4000,
  allowCidrs = [],
  resolver = createSystemResolver(),
  cache = createMemoryProbeCache(),
  ttls = DEFAULT_TTLS,
  perHostLimiter = new RateLimiterMemory({ points: 6, duration: 10 }),
  perRequesterLimiter = new RateLimiterMemory({ points: 20, duration: 60 }),
  perClientLimiter = new RateLimiterMemory({ points: 60, duration: 60 }),
  maxConcurrent = 64,
  recheckDelayMs = 50,
  maxBodyBytes = 64 * 1024,
  userAgent = PROBE_USER_AGENT,
  now = Date.now,
  onResult,
}: ProberOptions = {}): Prober {
  const policy = createAddressPolicy({ allowCidrs });
  const slots = createSemaphore(maxConcurrent, now);
  const inFlight = new Map<string, Promise<ProbeResult>>();
  // The newest result per host: when a host's probe budget is spent (many people asking about different
  // pages of one failing site), they get what the site said a moment ago rather than nothing.
  const latestByHost = new Map<string, { result: ProbeResult; expiresAt: number }>();
  const stats: ProberStats = { requests: 0, outbound: 0, attempts: 0, cacheHits: 0, joined: 0, rateLimited: 0 };

  const hand = (result: ProbeResult, cached: boolean): ProbeResult => {
    onResult?.(result, { cached });
    return result;
  };

  const refusedResult = (url: string, verdict: Verdict, reason: RefusalReason, started: number): ProbeResult => ({
    url,
    verdict,
    advice: verdict === 'invalid' ? 'troubleshoot' : 'wait',
    timings: { totalMs: round(now() - started) },
    evidence: [{ kind: 'refused', reason }],
    checkedAt: new Date(now()).toISOString(),
  });

  const fetchOnce = (url: URL, budgetMs: number): Promise<FetchOutcome> =>
    safeFetch(url, { policy, resolver, timeoutMs: budgetMs, userAgent, maxBodyBytes });

  async function run(url: URL, started: number): Promise<ProbeResult> {
    const deadline = started + timeoutMs;
    // A probe that starts with less than half its budget left would judge slow sites as timeouts:
    // better to say "busy" honestly.
    const release = await slots.acquire(started + timeoutMs / 2);
    if (!release) return refusedResult(url.href, 'blocked', 'busy', started);
    try {
      stats.outbound += 1;
      stats.attempts += 1;
      const first = await fetchOnce(url, Math.max(1, deadline - now()));
      const firstJudgement = judge(first, timeoutMs);
      let second: { outcome: FetchOutcome; judgement: Judgement } | undefined;
      if (firstJudgement.recheck) {
        const pause = first.kind === 'response' ? recheckDelayMs : 0;
        // Only worth it when the second look still has a fair share of the budget left.
        if (deadline - now() - pause > Math.min(500, timeoutMs / 4)) {
          if (pause > 0) await sleep(pause);
          stats.attempts += 1;
          const outcome = await fetchOnce(url, Math.max(1, deadline - now()));
          second = { outcome, judgement: judge(outcome, timeoutMs) };
        }
      }
      const { verdict, advice } = combine(firstJudgement, second?.judgement);
      const identification = first.status !== undefined ? identifyProducer(first) : undefined;
      return buildResult(url, first, identification, verdict, advice, second, now() - started, now());
    } finally {
      release();
    }
  }

  return {
    stats: () => ({ ...stats }),
    async probe(target, request = {}) {
      stats.requests += 1;
      const started = now();
      const checked = checkTarget(target);
      if (!checked.ok) {
        const verdict: Verdict = checked.reason === 'credentials' ? 'blocked' : 'invalid';
        return hand(refusedResult(String(target).slice(0, 2048), verdict, checked.reason, started), false);
      }
      const url = checked.url;
      const key = cacheKey(url);

      const cachedResult = request.fresh ? undefined : await cache.get(key);
      if (cachedResult) {
        stats.cacheHits += 1;
        return hand(cachedResult, true);
      }
      const client = request.client ?? clientScope.getStore();
      if (
        !inFlight.has(key) &&
        ((request.requester && !(await allowed(perRequesterLimiter, request.requester))) ||
          (client && !(await allowed(perClientLimiter, client))))
      ) {
        stats.rateLimited += 1;
        return hand(refusedResult(url.href, 'blocked', 'rate-limited', started), false);
      }
      // From here to inFlight.set there is no await: whoever comes second joins the first one's probe.
      const running = inFlight.get(key);
      if (running) {
        stats.joined += 1;
        return hand(await running, true);
      }
      const work = (async () => {
        // The host's limit protects the site; everyone joined to this probe shares its answer.
        if (!(await allowed(perHostLimiter, url.hostname))) {
          stats.rateLimited += 1;
          const latest = latestByHost.get(url.hostname);
          if (latest && latest.expiresAt > now()) {
            const note: Evidence = { kind: 'note', code: 'host-result', detail: latest.result.url };
            return { ...latest.result, url: url.href, evidence: [...latest.result.evidence, note] };
          }
          return refusedResult(url.href, 'blocked', 'rate-limited', started);
        }
        const result = await run(url, started);
        if (!isRateLimitRefusal(result)) {
          const ttl = ttlFor(result.verdict, ttls);
          await cache.set(key, result, ttl);
          latestByHost.delete(url.hostname);
          latestByHost.set(url.hostname, { result, expiresAt: now() + ttl });
          if (latestByHost.size > 10_000) {
            const oldest = latestByHost.keys().next();
            if (!oldest.done) latestByHost.delete(oldest.value);
          }
        }
        return result;
      })().finally(() => inFlight.delete(key));
      inFlight.set(key, work);
      return hand(await work, false);
    },
  };
}

/** Results are shared per origin and path: the query string rarely changes whether a site is up. */
export function cacheKey(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

function isRateLimitRefusal(result: ProbeResult): boolean {
  return result.evidence.some((e) => e.kind === 'refused' && (e.reason === 'rate-limited' || e.reason === 'busy'));
}

async function allowed(limiter: RateLimiterAbstract, key: string): Promise<boolean> {
  try {
    await limiter.consume(key);
    return true;
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return false;
    // A limiter whose store failed (e.g. Redis down) must not turn into an open door or a crash:
    // refuse this probe and let the caller see a rate-limited answer.
    return false;
  }
}

function buildResult(
  url: URL,
  first: FetchOutcome,
  identification: Identification | undefined,
  verdict: Verdict,
  advice: ProbeResult['advice'],
  second: { outcome: FetchOutcome; judgement: Judgement } | undefined,
  elapsedMs: number,
  at: number,
): ProbeResult {
  const evidence: Evidence[] = [...first.evidence];
  if (first.refusal) evidence.push({ kind: 'refused', reason: first.refusal });
  if (first.errorCode && first.kind !== 'refused') evidence.push({ kind: 'note', code: first.kind, detail: first.errorCode });
  if (identification) evidence.push(...identification.evidence);
  if (second) {
    evidence.push({ kind: 'recheck', status: second.outcome.status, verdict: second.judgement.verdict });
  }
  const result: ProbeResult = {
    url: url.href,
    verdict,
    advice,
    timings: { ...first.timings, totalMs: round(elapsedMs) },
    evidence,
    checkedAt: new Date(at).toISOString(),
  };
  if (first.status !== undefined) result.httpStatus = first.status;
  // A producer is only worth naming when it produced an error: a 200 from nginx says nothing about a 502.
  if (identification?.producer && (first.status ?? 0) >= 400) result.producer = identification.producer;
  if (identification?.cause) result.cause = identification.cause;
  return result;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
