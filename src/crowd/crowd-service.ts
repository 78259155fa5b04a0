/**
 * Crowd reports: every probe a distinct person asks for counts once per host per window. The person is
 * known only by a salted hash of the opaque requester id (itself a hash of channel and user id), so neither
 * the store nor a log can name them. When a host's count reaches the threshold, listeners hear it once per
 * window on this instance (the help desk alert claims its own once-per-hour slot fleet-wide), and a site
 * that still answers is re-checked sooner, so the next person gets a fresh look instead of a cached "up".
 */
import { createHmac } from 'node:crypto';
import type { Evidence, ProbeResult } from '../contracts';
import type { Logger } from '../observability/logger';
import type { CrowdStore } from '../storage/crowd-store';

/** The crowd window of the brief: "asked in the last 15 minutes". */
export const CROWD_WINDOW_MS = 15 * 60_000;

/** Evidence the bot adds to a probe it hands to a conversation. */
export type CrowdEvidence = Extract<Evidence, { kind: 'crowd' }>;

/** A host whose crowd reached the threshold (told once per window per instance). */
export interface CrowdEvent {
  host: string;
  url: string;
  reports: number;
  windowMinutes: number;
  /** The probe result the last reporter got (the truth: alerts go to the help desk, not to strangers). */
  result: ProbeResult;
}

export interface CrowdServiceOptions {
  store: CrowdStore;
  /** CROWD_THRESHOLD: distinct people in the window that make a crowd. */
  threshold: number;
  windowMs?: number;
  /** Probes the site again, skipping the cache (the public prober with `fresh: true`). */
  recheck?: (url: string) => Promise<ProbeResult>;
  /** How soon a crowded site that still answers is checked again. */
  recheckMs?: number;
  logger: Logger;
  now?: () => number;
}

export interface CrowdService {
  /**
   * Counts `requester`'s question about the host of `url` (once per window) and returns the evidence to
   * add to their probe; undefined when there is no host or no requester to count.
   */
  report(url: string, requester: string | undefined, result: ProbeResult): Promise<CrowdEvidence | undefined>;
  /** Distinct people who asked about `host` in the window. */
  count(host: string): Promise<number>;
  /** Adds a listener for hosts whose crowd reached the threshold. */
  onCrowd(listener: (event: CrowdEvent) => void | Promise<void>): void;
  /** Cancels pending re-checks. */
  close(): void;
}

/** Hosts remembered as announced or re-checked on this instance; beyond it the oldest are forgotten. */
const MAX_REMEMBERED_HOSTS = 5000;

/** Builds the crowd service on its store. */
export function createCrowdService({
  store,
  threshold,
  windowMs = CROWD_WINDOW_MS,
  recheck,
  recheckMs = 30_000,
  logger,
  now = Date.now,
}: CrowdServiceOptions): CrowdService {
  const listeners: Array<(event: CrowdEvent) => void | Promise<void>> = [];
  const announced = new Map<string, number>();
  const rechecks = new Map<string, NodeJS.Timeout>();
  const windowMinutes = Math.round(windowMs / 60_000);

  const remember = (map: Map<string, number>, host: string, at: number): void => {
    map.delete(host);
    map.set(host, at);
    if (map.size > MAX_REMEMBERED_HOSTS) map.delete(map.keys().next().value as string);
  };

  const announce = (event: CrowdEvent): void => {
    for (const listener of listeners) {
      Promise.resolve()
        .then(() => listener(event))
        .catch((err: unknown) => logger.error({ err, host: event.host }, 'crowd listener failed'));
    }
  };

  /** A crowd on a site that answers: look again soon, once per `recheckMs` per host, and tell listeners what it found. */
  const scheduleRecheck = (host: string, url: string): void => {
    if (!recheck || rechecks.has(host)) return;
    const timer = setTimeout(() => {
      rechecks.delete(host);
      recheck(url).then(
        async (result) => {
          const reports = await store.count(host, now(), windowMs);
          if (downForEveryone(result)) announce({ host, url, reports, windowMinutes, result });
        },
        (err: unknown) => logger.warn({ err, host }, 'crowd re-check failed'),
      );
    }, recheckMs);
    timer.unref();
    rechecks.set(host, timer);
    if (rechecks.size > MAX_REMEMBERED_HOSTS) {
      const [oldest, oldTimer] = rechecks.entries().next().value as [string, NodeJS.Timeout];
      clearTimeout(oldTimer);
      rechecks.delete(oldest);
    }
  };

  return {
    async report(url, requester, result) {
      const host = hostOf(result.url) ?? hostOf(url);
      if (!host || !requester) return undefined;
      const at = now();
      const reporter = createHmac('sha256', await store.salt())
        .update(requester)
        .digest('base64url')
        .slice(0, 22);
      const reports = await store.report(host, reporter, at, windowMs);
      const crowded = reports >= threshold;
      if (crowded) {
        const last = announced.get(host);
        if (last === undefined || at - last >= windowMs) {
          remember(announced, host, at);
          announce({ host, url: result.url, reports, windowMinutes, result });
        }
        if (siteAnswers(result)) scheduleRecheck(host, result.url);
      }
      return { kind: 'crowd', reports, windowMinutes, crowded };
    },
    count: (host) => store.count(host, now(), windowMs),
    onCrowd(listener) {
      listeners.push(listener);
    },
    close() {
      for (const timer of rechecks.values()) clearTimeout(timer);
      rechecks.clear();
    },
  };
}

/** The site answered normally: a crowd asking about it has a problem the probe cannot see (yet). */
export function siteAnswers(result: ProbeResult): boolean {
  return result.verdict === 'up' || (result.verdict === 'degraded' && (result.httpStatus ?? 0) < 500);
}

/** The re-check found the site failing for everyone (our own limits stopping it say nothing about the site). */
function downForEveryone(result: ProbeResult): boolean {
  if (result.verdict === 'degraded') return (result.httpStatus ?? 0) >= 500;
  return result.verdict === 'down' || result.verdict === 'timeout' || result.verdict === 'dns_error' || result.verdict === 'tls_error';
}

function hostOf(url: string): string | undefined {
  try {
    const host = new URL(url).hostname.toLowerCase();
    return host === '' ? undefined : host;
  } catch {
    return undefined;
  }
}

/**
 * Something this instance learned about a host lately (its crowd, its provider's incident), kept for the
 * board's synchronous readers and the help desk's alerts until `ttlMs` passes or a later note clears it.
 * Keyed by `URL.host`, at most MAX_REMEMBERED_HOSTS hosts.
 */
export interface HostNotes<T> {
  /** Remembers `value` for the host of `url`, or forgets the host when `value` is undefined. */
  note(url: string, value: T | undefined): void;
  of(host: string): T | undefined;
  /** Hosts with a note still in force. */
  hosts(): string[];
}

/** Builds the notes; `now` is replaceable in tests. */
export function createHostNotes<T>(ttlMs: number, now: () => number = Date.now): HostNotes<T> {
  const seen = new Map<string, { value: T; until: number }>();
  const live = (host: string): T | undefined => {
    const entry = seen.get(host);
    if (entry === undefined) return undefined;
    if (entry.until > now()) return entry.value;
    seen.delete(host);
    return undefined;
  };
  return {
    note(url, value) {
      let host: string;
      try {
        host = new URL(url).host;
      } catch {
        return;
      }
      seen.delete(host);
      if (value === undefined) return;
      seen.set(host, { value, until: now() + ttlMs });
      if (seen.size > MAX_REMEMBERED_HOSTS) {
        const oldest = seen.keys().next();
        if (!oldest.done) seen.delete(oldest.value);
      }
    },
    of: live,
    hosts: () => [...seen.keys()].filter((host) => live(host) !== undefined),
  };
}
