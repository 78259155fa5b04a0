/**
 * The channel-neutral half of the composition root: storage, the probe, the machine with its actors, the
 * turn runner, i18n and metrics. It knows no channel: the bot that speaks Bot Framework activities is
 * built by each channel's composition root (`src/index.ts` for the server, `src/channels/console/chat.ts`
 * for the terminal) from the runner and i18n this returns, so the terminal never loads restify.
 */
import type { i18n as I18n } from 'i18next';
import { fromPromise } from 'xstate';
import { isRuleRefusal, type DnsReport, type ProbeResult, type PublicProbeResult } from './contracts';
import type { DnsLookupInput, ProbeInput } from '../dialogs/types';
import { supportMachine } from '../dialogs/support.machine';
import type { Config } from './config';
import { createI18n } from './core/i18n';
import { createTurnRunner, type TurnRunner } from './core/turn-runner';
import type { Logger } from './observability/logger';
import { createMetrics, type Metrics } from './observability/metrics';
import { createAddressPolicy } from './probe/address-policy';
import { lookupDnsReport } from './probe/dns-report';
import { createOperatorProber, createProber, type Prober } from './probe/prober';
import { createRefusalPadding, publicDnsReport, publicView } from './probe/public-view';
import { createRecentChecks, type RecentChecks } from './probe/recent-checks';
import type { Resolver } from './probe/resolver';
import type { RegionalProber } from './probe/worker/regional-prober';
import type { ActivityDedupe } from './storage/activity-dedupe';
import { createStorage, type StorageBundle } from './storage/create-storage';
import { createKeyedLock } from './storage/keyed-lock';
import { stateTtlFromDays } from './storage/retention';

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
  /** True while storage answers (for /readyz). */
  ready(): Promise<boolean>;
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
  const recentChecks = createRecentChecks({ statusHosts: config.statusHosts });
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
  const localProber = createProber({ ...probeBasics, onResult: recordFor('public') });
  // Probe workers in other regions, when there is a Redis to meet them in; with none live, the local probe serves alone.
  const regional = config.regions.redisUrl
    ? createRegions(config.regions.redisUrl, localProber, config.probe.timeoutMs, logger)
    : undefined;
  const prober: Prober = regional ?? localProber;
  const adminProber = createOperatorProber({ ...probeBasics, onResult: recordFor('operator') });
  const stores = await createStorage(config.storage, {
    stateTtlMs: stateTtlFromDays(config.stateTtlDays),
    onRetentionError: (err) => logger.warn({ err }, 'storage retention sweep failed'),
  });
  // The conversation only ever sees the public view of a probe and of a DNS lookup (src/probe/public-view.ts):
  // the truth stays in the prober, the logs, the metrics and the admin API.
  const addressPolicy = createAddressPolicy({ allowCidrs: config.probe.allowCidrs });
  const refusalPadding = createRefusalPadding();
  const lookupDns = overrides.lookupDns ?? ((host: string) => lookupDnsReport(host, { timeoutMs: config.probe.timeoutMs }));
  const machine = supportMachine.provide({
    actors: {
      // The machine declares this actor's output as the public view: returning the raw result would not compile.
      probeSite: fromPromise<PublicProbeResult, ProbeInput>(async ({ input }) => {
        const askedAt = Date.now();
        const result = await prober.probe(input.url, {
          requester: input.requester,
          // Understanding adds https:// to a bare host; the probe may then fall back to http like a browser.
          ...(input.schemeGuessed ? { schemeTyped: false } : {}),
        });
        const view = publicView(result, { paddingMs: refusalPadding });
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
  const runner = createTurnRunner({
    machine,
    storage: stores.storage,
    dedupe: stores.dedupe,
    lock: createKeyedLock(),
    logger,
    // Two probe budgets: a first look and its re-check, plus room for the machine to settle.
    turnBudgetMs: config.probe.timeoutMs * 2 + 1000,
  });
  const i18n = createI18n({ fallbackLocale: config.defaultLocale });
  const ready = async () => {
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
    ready,
    close: async () => {
      await regional?.close();
      await stores.close();
    },
  };
}

/** The public prober asking the regions too, on its own Redis connection (BullMQ needs one that waits out reconnects). */
function createRegions(redisUrl: string, local: Prober, budgetMs: number, logger: Logger): RegionalProber {
  // Loaded only when regions are configured: the SQLite and memory set-ups start without ioredis and BullMQ.
  const { Redis } = require('ioredis') as typeof import('ioredis');
  const { createRegionalProber } = require('./probe/worker/regional-prober') as typeof import('./probe/worker/regional-prober');
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  connection.on('error', (err) => logger.warn({ err: err.message }, 'probe regions: redis connection error'));
  const regional = createRegionalProber({ local, connection, budgetMs });
  return {
    ...regional,
    async close() {
      await regional.close();
      await connection.quit().catch(() => undefined);
    },
  };
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
