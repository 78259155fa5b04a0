/**
 * The composition root: the only place that reads configuration and wires the object graph together.
 * `npm start` runs this file; `npm run chat` reuses `buildCore` from it.
 */
import { fromPromise } from 'xstate';
import type { DnsLookupInput, DnsReport, ProbeInput } from '../dialogs/types';
import { supportMachine } from '../dialogs/support.machine';
import { createBotFrameworkRoutes, createCloudAdapter } from './channels/botframework/bot-framework-routes';
import { GatewayDoctorBot, type HandoffSink, type WatchSink } from './channels/bot/gateway-doctor-bot';
import { ConfigError, loadConfig, type Config } from './config';
import { createI18n } from './core/i18n';
import { createTurnRunner } from './core/turn-runner';
import { createLogger, type Logger } from './observability/logger';
import { createMetrics, type Metrics } from './observability/metrics';
import { lookupDnsReport } from './probe/dns-report';
import { createProber, type Prober } from './probe/prober';
import { createRecentChecks, type RecentChecks } from './probe/recent-checks';
import type { ProbeResult } from './probe/types';
import { createServer, type RouteSpec } from './server';
import { createStorage } from './storage/create-storage';
import { createKeyedLock } from './storage/keyed-lock';

/** Everything a channel needs, built once per process. */
export interface Core {
  config: Readonly<Config>;
  logger: Logger;
  metrics: Metrics;
  prober: Prober;
  recentChecks: RecentChecks;
  bot: GatewayDoctorBot;
  /** True while storage answers (for /readyz). */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

export interface CoreOverrides {
  handoff?: HandoffSink;
  watch?: WatchSink;
}

/** Builds storage, the probe, the machine with its actors, the turn runner and the bot. */
export async function buildCore(config: Readonly<Config>, logger: Logger, overrides: CoreOverrides = {}): Promise<Core> {
  const metrics = createMetrics();
  const recentChecks = createRecentChecks();
  const prober = createProber({
    timeoutMs: config.probe.timeoutMs,
    allowCidrs: config.probe.allowCidrs,
    onResult: (result, { cached }) => {
      recentChecks.record(result);
      metrics.probes.inc({ verdict: result.verdict, cached: String(cached) });
    },
  });
  const stores = await createStorage(config.storage);
  const machine = supportMachine.provide({
    actors: {
      probeSite: fromPromise<ProbeResult, ProbeInput>(({ input }) => prober.probe(input.url, { requester: input.requester })),
      lookupDns: fromPromise<DnsReport, DnsLookupInput>(({ input }) =>
        lookupDnsReport(input.host, { timeoutMs: config.probe.timeoutMs }),
      ),
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
  const bot = new GatewayDoctorBot({
    runner,
    i18n: createI18n({ fallbackLocale: config.defaultLocale }),
    logger,
    metrics,
    defaultLocale: config.defaultLocale,
    handoff: overrides.handoff,
    watch: overrides.watch,
  });
  const ready = async () => {
    await stores.storage.read(['readyz']);
    return true;
  };
  return { config, logger, metrics, prober, recentChecks, bot, ready, close: () => stores.close() };
}

/** A running app: its address and a way to stop it cleanly (tests and signals use it). */
export interface RunningApp {
  url: string;
  port: number;
  core: Core;
  close(): Promise<void>;
}

/** Builds and starts everything from a configuration. */
export async function startApp(config: Readonly<Config>, logger: Logger = createLogger(config.logLevel)): Promise<RunningApp> {
  const core = await buildCore(config, logger);
  const adapter = createCloudAdapter(config.bot, logger);
  const routes: RouteSpec[] = [...createBotFrameworkRoutes({ adapter, bot: core.bot })];

  const server = createServer({
    logger,
    metrics: core.metrics,
    prober: core.prober,
    recentChecks: core.recentChecks,
    adminApiToken: config.admin.apiToken,
    ready: core.ready,
    routes,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ port, storage: config.storage.kind }, 'gateway doctor listening');

  return {
    url: `http://localhost:${port}`,
    port,
    core,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await core.close();
    },
  };
}

if (require.main === module) {
  let config: Readonly<Config>;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : 'could not read the configuration\n');
    process.exit(2);
  }
  const logger = createLogger(config.logLevel);
  startApp(config, logger).then(
    (app) => {
      const stop = (signal: string) => {
        logger.info({ signal }, 'shutting down');
        app.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    },
    (err: unknown) => {
      logger.fatal({ err }, 'could not start');
      process.exit(1);
    },
  );
}
