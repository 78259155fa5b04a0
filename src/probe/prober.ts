/**
 * The status probe: one safe look at a URL, judged, fingerprinted, cached and shared. Two flavours share
 * the address rules, the fetch and the judging:
 *
 * - `createProber`, the public bot's: parse and refuse unusable targets -> serve a fresh cached result ->
 *   join a probe already in flight for the same target -> charge the requester's and the client's limits
 *   -> wait (within half the probe's budget) for the host's limit, else lend the host's latest answer or
 *   say `rate_limited` -> take a concurrency slot (same wait) -> fetch -> (re-check once if the first look
 *   failed) -> judge -> cache.
 * - `createOperatorProber`, the CLI's and the admin API's: none of the public limits; at most N probes of
 *   one host at once, the rest queue, so every URL of a batch gets its own answer.
 *
 * A target typed without a scheme is fetched over https, and over http when https failed before any HTTP
 * answer (refused, no TLS, a failed handshake); the result's `url` is the one that answered.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { createAddressPolicy } from './address-policy';
import { identifyProducer, type Identification } from './fingerprints';
import { createMemoryProbeCache, DEFAULT_TTLS, ttlFor, type CacheTtls, type ProbeCache, type ProbeClaims } from './probe-cache';
import { createSystemResolver, type Resolver } from './resolver';
import { safeFetch, type FetchOutcome } from './safe-fetch';
import { createSemaphore, type Semaphore } from './semaphore';
import { PROBE_NOTES, type Evidence, type LimitReason, type ProbeResult, type RefusalReason, type Verdict } from '../contracts';
import { checkTarget } from './url-policy';
import { combine, judge, type Judgement } from './verdict';

/** What the probe says about itself in every request it sends. */
export const PROBE_USER_AGENT = 'GatewayDoctor-Probe/0.1 (status check by a 502 support assistant; one request per check, results shared)';

/** What both flavours of the prober share: the rules, the fetch, the budget and where results go. */
interface CommonProberOptions {
  /** Budget for one whole probe, re-check included (PROBE_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Private ranges the probe may reach (PROBE_ALLOW_CIDRS). */
  allowCidrs?: readonly string[];
  resolver?: Resolver;
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

export interface ProberOptions extends CommonProberOptions {
  cache?: ProbeCache;
  ttls?: CacheTtls;
  /**
   * Outbound probes one target host may receive: `points` per `durationSec`. A probe that finds the host's
   * budget spent waits for it when that fits in half its own budget.
   */
  perHostLimiter?: RateLimiterAbstract;
  /** Probes one person may start (cache hits and joined probes are free). */
  perRequesterLimiter?: RateLimiterAbstract;
  /**
   * Probes one client (network address) may start over every person behind it: where a person's id is free
   * to rotate (web chat hands out one per token), the address is not. Larger than the per-person budget
   * because a NAT or an office proxy puts many people behind one address.
   */
  perClientLimiter?: RateLimiterAbstract;
  /**
   * Fleet-wide coalescing (several instances on one Redis): the instance that claims a target probes it and
   * the others wait for its cached result. Without it, coalescing is per process.
   */
  claims?: ProbeClaims;
  /** How often an instance waiting for another's probe looks for its result. Default 25 ms. */
  claimPollMs?: number;
}

/** The public prober's default limits, `points` per `duration` seconds (the fleet's Redis limiters use the same). */
export const DEFAULT_PUBLIC_LIMITS = {
  perHost: { points: 6, duration: 10 },
  perRequester: { points: 20, duration: 60 },
  perClient: { points: 60, duration: 60 },
} as const satisfies Record<string, { points: number; duration: number }>;

export interface OperatorProberOptions extends CommonProberOptions {
  /** Probes of one host running at once (`npm run probe -- --per-host N`); the rest wait their turn. */
  perHostConcurrency?: number;
}

/** Probes of one host an operator's tool runs at once unless told otherwise. */
export const DEFAULT_PER_HOST_CONCURRENCY = 4;

export interface ProbeRequest {
  /** Stable, opaque id of the person asking, for their rate limit. */
  requester?: string;
  /** Stable, opaque id of the network client asking (a hashed address); defaults to withProbeClient's. */
  client?: string;
  /** Skip the cached answer (the watcher asks "is it back *now*?"); the fresh result is cached as usual. */
  fresh?: boolean;
  /**
   * False when the target's `https://` was added by someone else (the chat's understanding adds it to a
   * bare host): the probe then treats it like a target typed without a scheme.
   */
  schemeTyped?: boolean;
}

/** Counters the benchmark and /metrics read. */
export interface ProberStats {
  requests: number;
  /** Probes that went out to a site (a probe and its re-check count once). */
  outbound: number;
  /** HTTP attempts sent, re-checks and http fallbacks included. */
  attempts: number;
  cacheHits: number;
  joined: number;
  /** Answers `rate_limited`, plus host results lent because the host's budget was spent. */
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

/** What the public prober and the operator's both do once a probe may go out. */
interface Looker {
  /** Fetches (with the http fallback and the re-check), judges and builds the result; `started` starts the budget. */
  look(url: URL, schemeGuessed: boolean, started: number): Promise<ProbeResult>;
  /** The answer to a target that could not be parsed or is refused outright by the URL rules. */
  refuseTarget(target: string, reason: RefusalReason, started: number): ProbeResult;
  /** The answer when one of our own limits stopped the check. */
  limited(url: string, reason: LimitReason, started: number, retryAfterMs: number | undefined): ProbeResult;
  stats: ProberStats;
  hand(result: ProbeResult, cached: boolean): ProbeResult;
}

function createLooker({
  timeoutMs = 4000,
  allowCidrs = [],
  resolver = createSystemResolver(),
  recheckDelayMs = 50,
  maxBodyBytes = 64 * 1024,
  userAgent = PROBE_USER_AGENT,
  now = Date.now,
  onResult,
}: CommonProberOptions): Looker {
  const policy = createAddressPolicy({ allowCidrs });
  const stats: ProberStats = { requests: 0, outbound: 0, attempts: 0, cacheHits: 0, joined: 0, rateLimited: 0 };

  const fetchOnce = (url: URL, deadline: number): Promise<FetchOutcome> => {
    stats.attempts += 1;
    return safeFetch(url, { policy, resolver, timeoutMs: Math.max(1, deadline - now()), userAgent, maxBodyBytes });
  };
  // A second look (re-check or http fallback) is only worth it with a fair share of the budget left.
  const roomForAnother = (deadline: number, pause = 0): boolean => deadline - now() - pause > Math.min(500, timeoutMs / 4);

  return {
    stats,
    hand(result, cached) {
      onResult?.(result, { cached });
      return result;
    },
    refuseTarget(target, reason, started) {
      const verdict: Verdict = reason === 'credentials' ? 'blocked' : 'invalid';
      return {
        url: target.slice(0, 2048),
        verdict,
        advice: verdict === 'invalid' ? 'troubleshoot' : 'wait',
        timings: { totalMs: round(now() - started) },
        evidence: [{ kind: 'refused', reason }],
        checkedAt: new Date(now()).toISOString(),
      };
    },
    limited(url, reason, started, retryAfterMs) {
      stats.rateLimited += 1;
      const result: ProbeResult = {
        url,
        verdict: 'rate_limited',
        advice: 'wait',
        timings: { totalMs: round(now() - started) },
        evidence: [{ kind: 'refused', reason }],
        checkedAt: new Date(now()).toISOString(),
      };
      if (retryAfterMs !== undefined) result.retryAfterMs = Math.max(0, Math.ceil(retryAfterMs));
      return result;
    },
    async look(url, schemeGuessed, started) {
      const deadline = started + timeoutMs;
      stats.outbound += 1;
      let target = url;
      let first = await fetchOnce(url, deadline);
      const notes: Evidence[] = [];
      // Typed without a scheme, like a browser's address bar: https first, then http if https never got an
      // HTTP answer (nothing on 443, a plain-HTTP port, a failed handshake). A certificate problem is an
      // answer (the page came back over TLS), so it stays the verdict.
      if (schemeGuessed && url.protocol === 'https:' && failedBeforeAnswer(first) && roomForAnother(deadline)) {
        const plain = new URL(url.href);
        plain.protocol = 'http:';
        const overHttp = await fetchOnce(plain, deadline);
        if (hasHttpAnswer(overHttp)) {
          notes.push({ kind: 'note', code: PROBE_NOTES.httpsFailed, detail: first.errorCode ?? first.kind });
          target = plain;
          first = overHttp;
        } else {
          notes.push({ kind: 'note', code: PROBE_NOTES.httpFailed, detail: overHttp.errorCode ?? overHttp.kind });
        }
      }
      const firstJudgement = judge(first, timeoutMs);
      let second: { outcome: FetchOutcome; judgement: Judgement } | undefined;
      if (firstJudgement.recheck) {
        const pause = first.kind === 'response' ? recheckDelayMs : 0;
        if (roomForAnother(deadline, pause)) {
          if (pause > 0) await sleep(pause);
          const outcome = await fetchOnce(target, deadline);
          second = { outcome, judgement: judge(outcome, timeoutMs) };
        }
      }
      const { verdict, advice } = combine(firstJudgement, second?.judgement);
      const identification = first.status !== undefined ? identifyProducer(first) : undefined;
      return buildResult(target, first, identification, verdict, advice, second, notes, now() - started, now());
    },
  };
}

/** Builds the public bot's prober; every dependency has a working default. */
export function createProber(options: ProberOptions = {}): Prober {
  const {
    timeoutMs = 4000,
    cache = createMemoryProbeCache(),
    ttls = DEFAULT_TTLS,
    perHostLimiter = new RateLimiterMemory({ ...DEFAULT_PUBLIC_LIMITS.perHost }),
    perRequesterLimiter = new RateLimiterMemory({ ...DEFAULT_PUBLIC_LIMITS.perRequester }),
    perClientLimiter = new RateLimiterMemory({ ...DEFAULT_PUBLIC_LIMITS.perClient }),
    maxConcurrent = 64,
    claims,
    claimPollMs = 25,
    now = Date.now,
  } = options;
  const looker = createLooker({ ...options, timeoutMs, now });
  const { stats, hand } = looker;
  const slots = createSemaphore(maxConcurrent, now);
  const inFlight = new Map<string, Promise<ProbeResult>>();
  // The newest result per host: when a host's probe budget is spent and waiting would blow the budget (many
  // people asking about different pages of one failing site), they get what the site said a moment ago,
  // and are told which page that was and when (PROBE_NOTES.hostResult).
  const latestByHost = new Map<string, { result: ProbeResult; expiresAt: number }>();

  /** Charges the host, waiting for its budget while that still leaves the probe half of its own. */
  async function hostTurn(host: string, waitUntil: number): Promise<Admission> {
    for (;;) {
      const admission = await admit(perHostLimiter, host);
      if (admission.ok) return admission;
      const wait = admission.retryAfterMs;
      if (wait === undefined || now() + wait > waitUntil) return admission;
      // A hair past the window's end, so the limiter has reset when we ask again.
      await sleep(wait + 5);
    }
  }

  async function work(url: URL, schemeGuessed: boolean, started: number): Promise<ProbeResult> {
    // Our own limits may hold a probe for at most half its budget: one that starts later would judge slow
    // sites as timeouts.
    const waitUntil = started + timeoutMs / 2;
    const host = await hostTurn(url.hostname, waitUntil);
    if (!host.ok) {
      const latest = latestByHost.get(url.hostname);
      if (latest && latest.expiresAt > now()) {
        stats.rateLimited += 1;
        const note: Evidence = { kind: 'note', code: PROBE_NOTES.hostResult, detail: latest.result.url };
        return { ...latest.result, url: url.href, evidence: [...latest.result.evidence, note] };
      }
      return looker.limited(url.href, 'rate-limited', started, host.retryAfterMs);
    }
    const release = await slots.acquire(waitUntil);
    // Every slot stayed taken: also our own limit. One frees up at the latest when a running probe's budget ends.
    if (!release) return looker.limited(url.href, 'busy', started, timeoutMs);
    let result: ProbeResult;
    try {
      result = await looker.look(url, schemeGuessed, started);
    } finally {
      release();
    }
    const ttl = ttlFor(result.verdict, ttls);
    await cache.set(cacheKey(url, schemeGuessed), result, ttl);
    latestByHost.delete(url.hostname);
    latestByHost.set(url.hostname, { result, expiresAt: now() + ttl });
    if (latestByHost.size > 10_000) {
      const oldest = latestByHost.keys().next();
      if (!oldest.done) latestByHost.delete(oldest.value);
    }
    return result;
  }

  /** The cached result, when it may answer: the watcher's "is it back now?" only takes one fetched after it asked. */
  async function usable(key: string, fresh: boolean, started: number): Promise<ProbeResult | undefined> {
    const cached = await cache.get(key);
    return cached && (!fresh || Date.parse(cached.checkedAt) >= started) ? cached : undefined;
  }

  /**
   * `work` once for the whole fleet: the instance holding the target's claim probes, the others wait for
   * the result it caches. A claim lasts one probe budget plus a margin, so a holder that died frees the
   * target by then; a holder that finished without caching anything (our own limit stopped it) frees it at
   * once. Either way the next waiter claims it and probes. Resolves with `joined` when another instance probed.
   */
  async function fleetWork(
    url: URL,
    schemeGuessed: boolean,
    started: number,
    key: string,
    fresh: boolean,
  ): Promise<{ result: ProbeResult; joined: boolean }> {
    if (!claims) return { result: await work(url, schemeGuessed, started), joined: false };
    // A joiner keeps a whole budget of its own for when it has to probe after all.
    const giveUpAt = started + timeoutMs * 2;
    for (;;) {
      const release = await claims.claim(key, timeoutMs + 1000);
      if (release) {
        try {
          // The instance that held the claim before may have cached its result and let go after our last look
          // at the cache: a free claim is no proof that nobody probed.
          const cached = await usable(key, fresh, started);
          if (cached) return { result: cached, joined: true };
          return { result: await work(url, schemeGuessed, started), joined: false };
        } finally {
          await release();
        }
      }
      while (now() < giveUpAt) {
        await sleep(claimPollMs);
        const cached = await usable(key, fresh, started);
        if (cached) return { result: cached, joined: true };
        if (!(await claims.held(key))) break;
      }
      if (now() >= giveUpAt) return { result: looker.limited(url.href, 'busy', started, timeoutMs), joined: false };
    }
  }

  return {
    stats: () => ({ ...stats }),
    async probe(target, request = {}) {
      stats.requests += 1;
      const started = now();
      const checked = checkTarget(target);
      if (!checked.ok) return hand(looker.refuseTarget(String(target), checked.reason, started), false);
      const { url } = checked;
      const schemeGuessed = !checked.schemeTyped || request.schemeTyped === false;
      const key = cacheKey(url, schemeGuessed);

      const cachedResult = request.fresh ? undefined : await cache.get(key);
      if (cachedResult) {
        stats.cacheHits += 1;
        return hand(cachedResult, true);
      }
      // A person's and a client's own limits are answered at once: waiting would only hide the flood.
      const client = request.client ?? clientScope.getStore();
      if (!inFlight.has(key)) {
        for (const [limiter, id] of [
          [perRequesterLimiter, request.requester],
          [perClientLimiter, client],
        ] as const) {
          if (!id) continue;
          const admission = await admit(limiter, id);
          if (!admission.ok) return hand(looker.limited(url.href, 'rate-limited', started, admission.retryAfterMs), false);
        }
      }
      // From here to inFlight.set there is no await: whoever comes second joins the first one's probe.
      const running = inFlight.get(key);
      if (running) {
        stats.joined += 1;
        return hand(await running, true);
      }
      // The host's limit protects the site; everyone joined to this probe shares its answer.
      const shared = fleetWork(url, schemeGuessed, started, key, request.fresh === true);
      const probing = shared.then(({ result }) => result).finally(() => inFlight.delete(key));
      inFlight.set(key, probing);
      // Joiners await `probing`; without any, its rejection is still observed here through `shared`.
      probing.catch(() => undefined);
      const { result, joined } = await shared;
      if (joined) stats.joined += 1;
      return hand(result, joined);
    },
  };
}

/**
 * Builds the operator's prober (`npm run probe`, `GET /api/admin/probe`): the same rules and fetch, none of
 * the public limits (per host, per person, per client), no cache (an operator asks for now). At most
 * `perHostConcurrency` probes of one host run at once and the rest queue, so a batch of 200 URLs of one site
 * gets 200 answers; each probe's budget starts when it leaves the queue.
 */
export function createOperatorProber(options: OperatorProberOptions = {}): Prober {
  const { perHostConcurrency = DEFAULT_PER_HOST_CONCURRENCY, maxConcurrent = 64, now = Date.now } = options;
  if (!Number.isInteger(perHostConcurrency) || perHostConcurrency < 1) {
    throw new RangeError('perHostConcurrency must be a positive integer');
  }
  const looker = createLooker({ ...options, now });
  const { stats, hand } = looker;
  const slots = createSemaphore(maxConcurrent, now);
  const hosts = new Map<string, Semaphore>();
  const inFlight = new Map<string, Promise<ProbeResult>>();

  async function work(url: URL, schemeGuessed: boolean): Promise<ProbeResult> {
    const host = url.hostname;
    let gate = hosts.get(host);
    if (!gate) {
      gate = createSemaphore(perHostConcurrency, now);
      hosts.set(host, gate);
    }
    // No deadline: an operator's batch waits its turn rather than being turned away.
    const releaseHost = (await gate.acquire()) as () => void;
    const releaseSlot = (await slots.acquire()) as () => void;
    try {
      return await looker.look(url, schemeGuessed, now());
    } finally {
      releaseSlot();
      releaseHost();
      // Idle gates go, so a long-running server does not keep one per host ever asked about.
      if (gate.active === 0 && gate.waiting === 0) hosts.delete(host);
    }
  }

  return {
    stats: () => ({ ...stats }),
    async probe(target, request = {}) {
      stats.requests += 1;
      const checked = checkTarget(target);
      if (!checked.ok) return hand(looker.refuseTarget(String(target), checked.reason, now()), false);
      const { url } = checked;
      const schemeGuessed = !checked.schemeTyped || request.schemeTyped === false;
      const key = cacheKey(url, schemeGuessed);
      const running = inFlight.get(key);
      if (running) {
        stats.joined += 1;
        return hand(await running, true);
      }
      const probing = work(url, schemeGuessed).finally(() => inFlight.delete(key));
      inFlight.set(key, probing);
      return hand(await probing, false);
    },
  };
}

/**
 * Results are shared per origin and path: the query string rarely changes whether a site is up. A target
 * typed without a scheme has a key of its own (`//host/path`): its answer may have come over http.
 */
export function cacheKey(url: URL, schemeGuessed = false): string {
  return `${schemeGuessed ? '' : url.protocol}//${url.host}${url.pathname}`;
}

/** A limiter's answer: through, or not, with when to ask again when the limiter says. */
type Admission = { ok: true } | { ok: false; retryAfterMs?: number };

async function admit(limiter: RateLimiterAbstract, key: string): Promise<Admission> {
  try {
    await limiter.consume(key);
    return { ok: true };
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return { ok: false, retryAfterMs: rejection.msBeforeNext };
    // A limiter whose store failed (e.g. Redis down) must not turn into an open door or a crash:
    // refuse this probe and let the caller see a rate-limited answer.
    return { ok: false };
  }
}

/** The fetch ended without any HTTP answer on any hop: refused, reset, or a TLS handshake that failed. */
function failedBeforeAnswer(outcome: FetchOutcome): boolean {
  return (outcome.kind === 'connect_error' || outcome.kind === 'tls_error') && !hasHttpAnswer(outcome);
}

function hasHttpAnswer(outcome: FetchOutcome): boolean {
  return outcome.evidence.some((e) => e.kind === 'http');
}

function buildResult(
  url: URL,
  first: FetchOutcome,
  identification: Identification | undefined,
  verdict: Verdict,
  advice: ProbeResult['advice'],
  second: { outcome: FetchOutcome; judgement: Judgement } | undefined,
  notes: readonly Evidence[],
  elapsedMs: number,
  at: number,
): ProbeResult {
  // The scheme notes come first: they say which URL the rest of the evidence is about.
  const evidence: Evidence[] = [...notes, ...first.evidence];
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
