/**
 * The channel-neutral half of the composition root: storage, the probe, the machine with its actors, the
 * turn runner, i18n and metrics. It knows no channel: the bot that speaks Bot Framework activities is
 * built by each channel's composition root (`src/index.ts` for the server, `src/channels/console/chat.ts`
 * for the terminal) from the runner and i18n this returns, so the terminal never loads restify.
 */
import type { i18n as I18n } from 'i18next';
import { fromPromise } from 'xstate';
import { isRuleRefusal, type DnsReport, type ProbeResult, type ProviderNotice, type PublicProbeResult } from './contracts';
import type { DnsLookupInput, ProbeInput } from '../dialogs/types';
import { supportMachine } from '../dialogs/support.machine';
import type { Config } from './config';
import { createI18n } from './core/i18n';
import { createTurnRunner, type TurnRunner } from './core/turn-runner';
import { createAnalytics, type Analytics } from './crowd/analytics';
import {
  CROWD_WINDOW_MS,
  createCrowdService,
  createHostNotes,
  type HostNotes,
  type CrowdEvidence,
  type CrowdService,
} from './crowd/crowd-service';
import type { Logger } from './observability/logger';
import { createMetrics, type Metrics } from './observability/metrics';
import { createAddressPolicy } from './probe/address-policy';
import { lookupDnsReport } from './probe/dns-report';
import { createOperatorProber, createProber, type Prober } from './probe/prober';
import { createRefusalPadding, publicDnsReport, publicView } from './probe/public-view';
import { createFleetLimiters } from './probe/fleet-limits';
import { createRecentChecks, type ProviderIncident, type RecentChecks } from './probe/recent-checks';
import { createRedisProbeCache } from './probe/redis-probe-cache';
import { createRedisRecentRows } from './probe/redis-recent-checks';
import type { Resolver } from './probe/resolver';
import type { RegionalProber } from './probe/worker/regional-prober';
import type { ActivityDedupe } from './storage/activity-dedupe';
import { bufferAnalyticsStore, createAnalyticsStore } from './storage/analytics-store';
import { createCrowdStore } from './storage/crowd-store';
import { createIncidentStore, incidentNotice, type IncidentStore } from './incidents/incident-store';
import { createStatusFeeds, resolveStatusFeeds } from './incidents/status-feeds';
import { PRODUCER_NAMES } from '../dialogs/producers';
import { createSystemResolver } from './probe/resolver';
import { createStorage, type StorageBackend, type StorageBundle } from './storage/create-storage';
import { createFleetLock, type FleetLock } from './storage/fleet-lock';
import { createKeyedLock } from './storage/keyed-lock';
import { stateTtlFromDays } from './storage/retention';
import { within } from './time/within';

/** Everything a channel needs, built once per process. */
export interface Core {
  config: Readonly<Config>;
  logger: Logger;
  metrics: Metrics;
  /** The public bot's prober: per-host, per-person and per-client limits (the chat, the watcher). */
  prober: Prober;
  /** The operator's prober for `GET /api/admin/probe`: no public limits, a few probes per host at once, the rest queued. */
  adminProber: Prober;
  recentChecks: RecentChecks;
  /** One conversation turn, channel-neutral: what every channel's bot runs. */
  runner: TurnRunner;
  i18n: I18n;
  storage: StorageBundle['storage'];
  dedupe: ActivityDedupe;
  /** The connection behind `storage`, for the other stores (Direct Line logs, incidents, counters). */
  backend: StorageBundle['backend'];
  /** Crowd reports: distinct people asking about a host, and who hears when they become a crowd. */
  crowd: CrowdService;
  /** The provider incident last quoted for each host (the board and the help desk's alerts show it). */
  providerIncidents: HostNotes<ProviderIncident>;
  /** Hourly analytics counters (no personal data), behind `GET /api/admin/analytics`. */
  analytics: Analytics;
  /** Incidents and maintenance windows the help desk declared (the conversation quotes the open ones). */
  incidents: IncidentStore;
  /** Claims that expire on their own, shared by the fleet on Redis (granted at once otherwise). */
  fleetLock: FleetLock;
  /** True while storage answers (for /readyz); false at once while Redis is not connected. */
  ready(): Promise<boolean>;
  /** Regions with a live probe worker; only with REDIS_URL. */
  liveRegions?: () => Promise<string[]>;
  close(): Promise<void>;
}

/** The outer edge a test (or a special deployment) may replace. */
export interface CoreOverrides {
  /** Where the probe resolves names (default: the system resolver). Tests keep every lookup on loopback. */
  resolver?: Resolver;
  /** The administrator flow's DNS report (default: the system's resolver via node:dns). */
  lookupDns?: (host: string) => Promise<DnsReport>;
}

/** Builds storage, the probe, the machine with its actors, the turn runner, i18n and metrics. */
export async function buildCore(config: Readonly<Config>, logger: Logger, overrides: CoreOverrides = {}): Promise<Core> {
  const metrics = createMetrics();
  const stores = await createStorage(config.storage, {
    stateTtlMs: stateTtlFromDays(config.stateTtlDays),
    onRetentionError: (err) => logger.warn({ err }, 'storage retention sweep failed'),
    onRedisError: (err) => logger.warn({ err }, 'redis connection failed'),
  });
  // Several instances on one Redis share the probe's cache, its in-flight probes, its limits and the recent
  // checks (docs/several-instances.md); with memory or SQLite all of it stays in this process.
  const fleet = fleetParts(stores.backend, logger);
  const crowdBoard = createHostNotes<number>(CROWD_WINDOW_MS);
  // A provider's own word outlives the one-minute feed cache on the board, until a check finds none.
  const providerBoard = createHostNotes<ProviderIncident>(CROWD_WINDOW_MS);
  const recentChecks = createRecentChecks({
    statusHosts: config.statusHosts,
    // Hosts enough people asked about join the public board, with their count, while the crowd lasts.
    crowdReportedHosts: () => crowdBoard.hosts(),
    crowdOf: (host) => crowdBoard.of(host),
    providerIncidentOf: (host) => providerBoard.of(host),
    ...(fleet.recentRows ? { shared: fleet.recentRows, onSharedError: (err) => logger.warn({ err }, 'shared recent checks failed') } : {}),
  });
  // Both probers share the address rules, the resolver and the budget; only their limits differ.
  const probeBasics = {
    timeoutMs: config.probe.timeoutMs,
    allowCidrs: config.probe.allowCidrs,
    ...(overrides.resolver ? { resolver: overrides.resolver } : {}),
  };
  const recordFor =
    (audience: 'public' | 'operator') =>
    (result: ProbeResult, { cached }: { cached: boolean }): void => {
      recentChecks.record(result);
      metrics.probes.inc({ verdict: result.verdict, cached: String(cached), audience });
    };
  const localProber = createProber({ ...probeBasics, ...fleet.prober, onResult: recordFor('public') });
  const operatorProber = createOperatorProber({ ...probeBasics, onResult: recordFor('operator') });
  // Probe workers in other regions, when there is a Redis to meet them in; with none live, the local probe serves
  // alone. The operator's probes (`/api/admin/probe`) ask them too, without sharing answers (an operator asks for now).
  const regional = config.regions.redisUrl
    ? createRegions(config.regions.redisUrl, { public: localProber, operator: operatorProber }, config.probe.timeoutMs, logger)
    : undefined;
  const prober: Prober = regional?.public ?? localProber;
  const adminProber: Prober = regional?.operator ?? operatorProber;
  // The conversation only ever sees the public view of a probe and of a DNS lookup (src/probe/public-view.ts):
  // the truth stays in the prober, the logs, the metrics and the admin API.
  const addressPolicy = createAddressPolicy({ allowCidrs: config.probe.allowCidrs });
  const refusalPadding = createRefusalPadding();
  const crowd = createCrowdService({
    store: createCrowdStore(stores.backend),
    threshold: config.crowd.threshold,
    recheck: (url) => prober.probe(url, { fresh: true }),
    logger,
  });
  // Counts are summed in memory and written once a second, not one storage write per answered turn.
  const analyticsStore = bufferAnalyticsStore(createAnalyticsStore(stores.backend), {
    onError: (err) => logger.warn({ err }, 'analytics counts could not be written; they go with the next write'),
  });
  const analytics = createAnalytics({ store: analyticsStore, metrics });
  // A person asking counts for the host's crowd; a broken counter must never cost them their answer.
  const crowdReport = async (input: ProbeInput, result: ProbeResult): Promise<CrowdEvidence | undefined> => {
    // Something that is not a site has no host to count. A target our rules refused is counted like any
    // refused connection: treating it differently would tell strangers which addresses the rules refuse.
    if (result.verdict === 'invalid') return undefined;
    try {
      const evidence = await crowd.report(input.url, input.requester, result);
      if (evidence) metrics.crowdReports.inc({ crowded: String(evidence.crowded) });
      if (evidence?.crowded) crowdBoard.note(input.url, evidence.reports);
      return evidence;
    } catch (err) {
      logger.warn({ err }, 'crowd report could not be counted');
      return undefined;
    }
  };
  const incidents = createIncidentStore(stores.backend);
  const { feeds, unknown: unknownFeeds } = resolveStatusFeeds(config.statusFeeds, Object.keys(PRODUCER_NAMES));
  if (unknownFeeds.length > 0) logger.warn({ ids: unknownFeeds }, 'STATUS_FEEDS names ids that are neither a feed nor a producer: ignored');
  const statusFeeds = createStatusFeeds({
    feeds,
    policy: addressPolicy,
    resolver: overrides.resolver ?? createSystemResolver(),
    logger,
    timeoutMs: config.probe.timeoutMs,
  });
  const lookupDns = overrides.lookupDns ?? ((host: string) => lookupDnsReport(host, { timeoutMs: config.probe.timeoutMs }));
  const machine = supportMachine.provide({
    actors: {
      // The machine declares this actor's output as the public view: returning the raw result would not compile.
      probeSite: fromPromise<PublicProbeResult, ProbeInput>(async ({ input }) => {
        const askedAt = Date.now();
        // The help desk's word and the site's own provider's feed are read while the probe runs; a storage
        // failure only loses the notice.
        const incident = incidents.openFor(input.url).catch((err: unknown) => {
          logger.warn({ err }, 'could not read incidents');
          return undefined;
        });
        const hostNotices = statusFeeds.noticesFor({ url: input.url });
        const result = await prober.probe(input.url, {
          requester: input.requester,
          // Understanding adds https:// to a bare host; the probe may then fall back to http like a browser.
          ...(input.schemeGuessed ? { schemeTyped: false } : {}),
        });
        const producerNotices = result.producer ? statusFeeds.noticesFor({ producer: result.producer }) : Promise.resolve([]);
        // Feeds get what is left of the probe's budget, never more: a slow feed is skipped, the answer is not late.
        // A few milliseconds at least, so a feed already in the cache is quoted even after a probe that used its whole budget.
        const notices = await within(
          Promise.all([hostNotices, producerNotices]).then((lists) => dedupeNotices(lists.flat())),
          Math.max(askedAt + config.probe.timeoutMs - Date.now(), 20),
          [],
        );
        const open = await incident;
        // A declared incident outranks the probe: the advice is to wait, even while the probe sees a 200.
        const view: PublicProbeResult = {
          ...publicView(result, { paddingMs: refusalPadding }),
          ...(open ? { incident: incidentNotice(open), advice: 'wait' as const } : {}),
          ...(notices.length > 0 ? { providerNotices: notices } : {}),
        };
        const notice = notices[0];
        providerBoard.note(
          result.url,
          notice ? { provider: notice.provider, title: notice.title, since: notice.since ?? result.checkedAt } : undefined,
        );
        const crowdEvidence = await crowdReport(input, result);
        if (crowdEvidence) view.evidence = [...view.evidence, crowdEvidence];
        // A rule refusal answers at once, a refused connection only after its round trips: a fresh one
        // waits out the total the view claims, so the reply's timing does not tell them apart either.
        if (isRuleRefusal(result) && Date.parse(result.checkedAt) >= askedAt) {
          await sleep(askedAt + view.timings.totalMs - Date.now());
        }
        return view;
      }),
      lookupDns: fromPromise<DnsReport, DnsLookupInput>(async ({ input }) => publicDnsReport(await lookupDns(input.host), addressPolicy)),
    },
  });
  const baseRunner = createTurnRunner({
    machine,
    storage: stores.storage,
    dedupe: stores.dedupe,
    lock: createKeyedLock(),
    logger,
    // Two probe budgets: a first look and its re-check, plus room for the machine to settle.
    turnBudgetMs: config.probe.timeoutMs * 2 + 1000,
  });
  const runner = withAnalytics(baseRunner, analytics, logger);
  const i18n = createI18n({ fallbackLocale: config.defaultLocale });
  const ready = async () => {
    // A reconnecting client would queue the read behind its retries: answer 503 at once instead.
    if (stores.backend.kind === 'redis' && stores.backend.client.status !== 'ready') return false;
    await stores.storage.read(['readyz']);
    return true;
  };
  return {
    config,
    logger,
    metrics,
    prober,
    adminProber,
    recentChecks,
    runner,
    i18n,
    storage: stores.storage,
    dedupe: stores.dedupe,
    backend: stores.backend,
    crowd,
    providerIncidents: providerBoard,
    analytics,
    incidents,
    fleetLock: createFleetLock(stores.backend),
    ready,
    ...(regional ? { liveRegions: () => regional.public.liveRegions() } : {}),
    close: async () => {
      crowd.close();
      recentChecks.close?.();
      // The last second's analytics counts are written before the storage closes (a failure is logged above).
      await analyticsStore.close().catch(() => undefined);
      await regional?.close();
      await stores.close();
    },
  };
}

/** The public and the operator's probers asking the regions too, on one Redis connection of their own (BullMQ needs one that waits out reconnects). */
function createRegions(
  redisUrl: string,
  local: { public: Prober; operator: Prober },
  budgetMs: number,
  logger: Logger,
): { public: RegionalProber; operator: RegionalProber; close(): Promise<void> } {
  // Loaded only when regions are configured: the SQLite and memory set-ups start without ioredis and BullMQ.
  const { Redis } = require('ioredis') as typeof import('ioredis');
  const { createRegionalProber } = require('./probe/worker/regional-prober') as typeof import('./probe/worker/regional-prober');
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  connection.on('error', (err) => logger.warn({ err: err.message }, 'probe regions: redis connection error'));
  const regionalPublic = createRegionalProber({ local: local.public, connection, budgetMs });
  const regionalOperator = createRegionalProber({ local: local.operator, connection, budgetMs, shareMs: 0 });
  return {
    public: regionalPublic,
    operator: regionalOperator,
    async close() {
      await regionalPublic.close();
      await regionalOperator.close();
      await connection.quit().catch(() => undefined);
    },
  };
}

/** What the fleet shares on Redis: the public prober's cache, claims and limits, and the recent checks. */
function fleetParts(backend: StorageBackend, logger: Logger) {
  if (backend.kind !== 'redis') return { prober: {}, recentRows: undefined };
  const { client, keyPrefix } = backend;
  const shared = createRedisProbeCache({
    client,
    keyPrefix,
    audience: 'public',
    onError: (err) => logger.warn({ err }, 'shared probe cache failed'),
  });
  return {
    prober: { cache: shared, claims: shared, ...createFleetLimiters({ client, keyPrefix }) },
    recentRows: createRedisRecentRows({ client, keyPrefix }),
  };
}

/**
 * The runner, counting for analytics what each turn's machine signalled and how long the turn took to answer.
 * Counting happens after the answer is ready and never fails a turn.
 */
function withAnalytics(runner: TurnRunner, analytics: Analytics, logger: Logger): TurnRunner {
  return {
    async run(request) {
      const started = performance.now();
      const result = await runner.run(request);
      if (!result.duplicate) {
        const work = [analytics.record(result.signals)];
        if (result.replies.length > 0) work.push(analytics.answered(performance.now() - started));
        Promise.all(work).catch((err: unknown) => logger.warn({ err }, 'analytics could not be counted'));
      }
      return result;
    },
  };
}

/** A feed that is both the producer's and the site's is quoted once. */
function dedupeNotices(notices: ProviderNotice[]): ProviderNotice[] {
  const seen = new Set<string>();
  return notices.filter((n) => {
    const key = `${n.provider}\n${n.title}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
