/** Prometheus metrics, one registry per process (built in the composition root, not at import time). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { within } from '../time/within';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'route' | 'status'>;
  httpDuration: Histogram<'route'>;
  probes: Counter<'verdict' | 'cached' | 'audience'>;
  turns: Counter<'channel' | 'outcome'>;
  /** Sites checked in conversations, by verdict and producer (analytics; no personal data). */
  analyticsChecks: Counter<'verdict' | 'producer'>;
  /** Visitor conversations by how they ended: fixed, waited, handed_off, abandoned. */
  analyticsOutcomes: Counter<'outcome'>;
  /** The visitor step that fixed it. */
  analyticsFixedBy: Counter<'step'>;
  /** Answers to "did this help?". */
  analyticsFeedback: Counter<'helpful' | 'outcome'>;
  /** How long a turn took to answer. */
  analyticsFirstReply: Histogram<string>;
  /** Crowd reports counted, by whether the host's crowd had reached the threshold. */
  crowdReports: Counter<'crowded'>;
  /** Help desk alerts, by reason and what became of them (sent, claimed elsewhere, failed, no target). */
  alerts: Counter<'reason' | 'result'>;
}

export function createMetrics({ defaults = true }: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (defaults) collectDefaultMetrics({ register: registry, prefix: 'gateway_doctor_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'gateway_doctor_http_requests_total',
      help: 'HTTP requests handled, by route and status code',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'gateway_doctor_http_request_duration_seconds',
      help: 'HTTP request duration by route',
      labelNames: ['route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    probes: new Counter({
      name: 'gateway_doctor_probes_total',
      help: 'Probe results handed out, by verdict (rate_limited: our own limits stopped the check), cache, and audience (public bot or operator)',
      labelNames: ['verdict', 'cached', 'audience'],
      registers: [registry],
    }),
    turns: new Counter({
      name: 'gateway_doctor_turns_total',
      help: 'Conversation turns, by channel and outcome',
      labelNames: ['channel', 'outcome'],
      registers: [registry],
    }),
    analyticsChecks: new Counter({
      name: 'gateway_doctor_analytics_checks_total',
      help: 'Sites checked in conversations, by verdict and producer (none when no producer was recognised)',
      labelNames: ['verdict', 'producer'],
      registers: [registry],
    }),
    analyticsOutcomes: new Counter({
      name: 'gateway_doctor_analytics_outcomes_total',
      help: 'Conversations by how they ended: fixed, waited, handed_off, abandoned',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    analyticsFixedBy: new Counter({
      name: 'gateway_doctor_analytics_fixed_by_total',
      help: 'Conversations fixed, by the visitor step that fixed them',
      labelNames: ['step'],
      registers: [registry],
    }),
    analyticsFeedback: new Counter({
      name: 'gateway_doctor_analytics_feedback_total',
      help: 'Answers to "did this help?", by answer and by how the conversation ended',
      labelNames: ['helpful', 'outcome'],
      registers: [registry],
    }),
    analyticsFirstReply: new Histogram({
      name: 'gateway_doctor_analytics_answer_seconds',
      help: 'Time a conversation turn took to answer',
      buckets: [0.25, 0.5, 1, 2, 4, 8, 16],
      registers: [registry],
    }),
    crowdReports: new Counter({
      name: 'gateway_doctor_crowd_reports_total',
      help: 'Crowd reports counted (a distinct person asking about a host), by whether the host had a crowd',
      labelNames: ['crowded'],
      registers: [registry],
    }),
    alerts: new Counter({
      name: 'gateway_doctor_alerts_total',
      help: 'Help desk alerts, by reason and result (sent, claimed: another instance or an earlier alert this hour; failed; no_target)',
      labelNames: ['reason', 'result'],
      registers: [registry],
    }),
  };
}

/** What the state-of-the-instance metrics read when `/metrics` is scraped; each is optional. */
export interface InstanceReadings {
  /** The public prober's running counts (`Prober.stats()`): requests, outbound, attempts, cacheHits, joined, rateLimited. */
  probeWork?: () => Readonly<Record<string, number>>;
  /** Whether storage answers (what `/readyz` asks). */
  storageReady?: () => Promise<boolean>;
  /** Turns being answered right now. */
  turnsInFlight?: () => number;
  /** Open Direct Line WebSocket streams. */
  webchatStreams?: () => number;
  /** Regions with a live probe worker (a Redis scan; absent without REDIS_URL). */
  liveRegions?: () => Promise<readonly string[]>;
}

/** How long a scrape waits for an async reading before leaving that metric as it was. */
const READING_TIMEOUT_MS = 1000;

/** An async reading, or undefined when it fails or takes longer than READING_TIMEOUT_MS. */
function reading<T>(value: Promise<T>): Promise<T | undefined> {
  return within<T | undefined>(
    value.catch(() => undefined),
    READING_TIMEOUT_MS,
    undefined,
  );
}

/** A gauge set from `read` at each scrape; an undefined reading leaves it as it was. */
function gaugeOf(registry: Registry, name: string, help: string, read: () => number | undefined | Promise<number | undefined>): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    async collect() {
      const value = await read();
      if (value !== undefined) this.set(value);
    },
  });
}

/**
 * The state of this instance, read at each scrape: what a fleet's operator watches in an outage (are the
 * probes shared or does every person cost the site one, is storage up, how much is in flight, which regions
 * answer). Labels come from a closed list (the prober's counter names), never from input.
 */
export function registerInstanceReadings(metrics: Metrics, readings: InstanceReadings): void {
  const { registry } = metrics;
  const { probeWork, storageReady, turnsInFlight, webchatStreams, liveRegions } = readings;
  if (probeWork) {
    // The prober counts from start-up; the counter follows by the difference since the last scrape.
    const seen = new Map<string, number>();
    new Counter({
      name: 'gateway_doctor_probe_work_total',
      help:
        'What the public prober did: requests asked of it, outbound probes sent to sites, HTTP attempts, cache hits, requests joined ' +
        "to another's probe (this instance's or, on Redis, the fleet's), and requests our own limits answered",
      labelNames: ['kind'],
      registers: [registry],
      collect() {
        for (const [kind, value] of Object.entries(probeWork())) {
          if (typeof value !== 'number' || !Number.isFinite(value)) continue;
          const delta = value - (seen.get(kind) ?? 0);
          if (delta > 0) this.inc({ kind }, delta);
          seen.set(kind, value);
        }
      },
    });
  }
  if (storageReady) {
    gaugeOf(
      registry,
      'gateway_doctor_storage_ready',
      '1 while storage answers (SQLite open, Redis connected), else 0: what /readyz reports',
      async () => ((await reading(storageReady())) === true ? 1 : 0),
    );
  }
  if (turnsInFlight) {
    gaugeOf(registry, 'gateway_doctor_turns_in_flight', 'Conversation turns being answered right now on this instance', turnsInFlight);
  }
  if (webchatStreams) {
    gaugeOf(registry, 'gateway_doctor_webchat_streams', 'Open Direct Line WebSocket streams on this instance', webchatStreams);
  }
  if (liveRegions) {
    gaugeOf(
      registry,
      'gateway_doctor_probe_regions_live',
      'Regions with a live probe worker (heartbeat in Redis)',
      async () => (await reading(liveRegions()))?.length,
    );
  }
}
