/**
 * The composition root: the only place that reads configuration and wires the object graph together.
 * `npm start` runs this file. The channel-neutral half lives in `build-core.ts`; the bot, the adapters
 * and the HTTP routes are built here.
 */
import type { BotAdapter, CloudAdapter, TurnContext } from 'botbuilder';
import { buildCore, type Core, type CoreOverrides } from './build-core';
import { isRuleRefusal, type ProbeResult } from './contracts';
import { GatewayDoctorBot } from './channels/bot/gateway-doctor-bot';
import { createCardMemory } from './channels/bot/card-memory';
import { registerInstanceReadings } from './observability/metrics';
import { createBotFrameworkRoutes, createCloudAdapter } from './channels/botframework/bot-framework-routes';
import { ConfigError, loadConfig, type Config } from './config';
import { createClientAddress } from './http/client-address';
import { createInFlight } from './http/in-flight';
import { createLogger, type Logger } from './observability/logger';
import { installProcessGuards } from './observability/process-guards';
import { createServer, type RouteSpec } from './server';
import {
  createAlertService,
  createSlackAlertTarget,
  createTeamsAlertTarget,
  createWebhookAlertTarget,
  type AlertInput,
  type AlertService,
  type AlertTarget,
} from './channels/handoff/alerts';
import { createAnalyticsRoutes } from './crowd/analytics-routes';
import { CROWD_WINDOW_MS } from './crowd/crowd-service';
import { createSlackThreadListener, createTeamsChainListener } from './channels/handoff/agent-replies';
import { createHandoffDesk, type HandoffDesk, type PersonLine } from './channels/handoff/handoff-desk';
import { createHandoffStore } from './channels/handoff/handoff-store';
import { createSlackTarget, createTeamsTarget, createWebhookTarget, type HandoffTarget } from './channels/handoff/handoff-targets';
import { createInboxRoutes } from './channels/status/inbox-routes';
import { createProactiveRouter } from './channels/proactive';
import { conversationKey } from './storage/storage-keys';
import { createSlackRoutes, SlackAdapter } from './channels/slack';
import { createSlackInstallations } from './channels/slack/slack-installations';
import { createSlackOAuthRoutes } from './channels/slack/slack-oauth-routes';
import { createStatusRoutes } from './channels/status/status-page';
import {
  attachDirectLineStream,
  createConversationStore,
  createDirectLineRoutes,
  createLimiterFactory,
  createTokenService,
  createWebChatPageRoutes,
  DirectLineAdapter,
  resolveTokenSecret,
} from './channels/webchat';
import { stateTtlFromDays } from './storage/retention';
import { createWatchService, type WatchService } from './watch/watch-service';
import { hostMatches } from './incidents/host-match';
import { createIncidentRoutes } from './incidents/incident-routes';
import { createIncidentService, type IncidentService } from './incidents/incident-service';
import { createIncidentCommands } from './channels/bot/incident-commands';
import { publicIncident } from './incidents/incident-store';

/** A running app: its address and a way to stop it cleanly (tests and signals use it). */
export interface RunningApp {
  url: string;
  port: number;
  core: Core;
  watch: WatchService;
  incidents: IncidentService;
  /** The two-way hand-off desk (its store lists the cases). */
  desk: HandoffDesk;
  close(): Promise<void>;
  /**
   * SIGTERM's way out: /readyz says 503, no new connections are accepted, turns in flight finish (replies
   * sent, state saved), Direct Line streams close with 1012 "service restart" so clients reconnect
   * elsewhere, then everything closes. Resolves false when work was still running at `timeoutMs`.
   */
  drain(options?: { timeoutMs?: number }): Promise<boolean>;
}

/** Builds and starts everything from a configuration. */
export async function startApp(
  config: Readonly<Config>,
  logger: Logger = createLogger(config.logLevel),
  outerEdge: CoreOverrides = {},
): Promise<RunningApp> {
  const core = await buildCore(config, logger, outerEdge);
  // The bot needs its hand-off and watch sinks at construction, and they need adapters that need the
  // bot: late-bound references break the cycle without module-level state.
  let desk: HandoffDesk | undefined;
  let teamsReplies: ((context: TurnContext) => Promise<boolean>) | undefined;
  let watchService: WatchService | undefined;
  let alerts: AlertService | undefined;
  let incidents: IncidentService | undefined;
  // Channels whose sender ids this deployment can trust for ADMIN_USERS: Bot Framework channels only behind
  // token authentication, Slack only behind its signature. Web chat never (its ids are self-chosen).
  const vouchedChannels = new Set<string>([
    ...(config.bot.appId ? ['msteams'] : []),
    ...(config.slack.signingSecret && config.slack.botToken ? ['slack'] : []),
  ]);
  const commands = createIncidentCommands({
    incidents: {
      get store() {
        return core.incidents;
      },
      declare: (fields) => (incidents ? incidents.declare(fields) : core.incidents.create(fields)),
      resolve: (id) => (incidents ? incidents.resolve(id) : Promise.resolve({ kind: 'not_found' as const })),
    },
    storage: core.storage,
    i18n: core.i18n,
    logger,
    adminUsers: config.admin.users,
    vouchedChannels,
    defaultLocale: config.defaultLocale,
  });
  const inFlight = createInFlight();
  let draining = false;
  const bot = new GatewayDoctorBot({
    inFlight,
    runner: core.runner,
    i18n: core.i18n,
    logger,
    metrics: core.metrics,
    defaultLocale: config.defaultLocale,
    // In the conversation storage: a click on any instance redraws the card another instance sent.
    cards: createCardMemory(core.storage),
    handoff: {
      handoff: (summary, origin) => {
        const { conversationKey, reference, locale } = origin;
        if (!desk || !conversationKey || !reference?.conversation || !reference.channelId) return Promise.resolve(false);
        return desk.handoff(summary, {
          ...origin,
          conversationKey,
          reference: { ...reference, channelId: reference.channelId, conversation: reference.conversation },
          locale: locale ?? config.defaultLocale,
        });
      },
      // With no help desk configured, the bot never offers "talk to a person".
      available: () => (desk?.targets.length ?? 0) > 0,
    },
    live: {
      fromPerson: (key, text, name) => desk?.fromPerson(key, text, name) ?? Promise.resolve(false),
      endByPerson: (key) => desk?.endByPerson(key) ?? Promise.resolve(false),
      fromChannelAgent: (context) => teamsReplies?.(context) ?? Promise.resolve(false),
    },
    ...(config.handoff.contactUrl ? { contactUrl: config.handoff.contactUrl } : {}),
    watch: {
      watch: async (url, reference, locale) => {
        await watchService?.subscribe(url, reference, locale);
        // Someone waits for a site that is down: the help desk hears it (once per host per hour).
        void alertWatchedDown(url);
      },
    },
    commands,
  });
  const logic = (context: TurnContext) => bot.run(context);

  // Bot Framework: Teams, Azure channels, the Emulator.
  const cloud = createCloudAdapter(config.bot, logger);
  const clientAddress = createClientAddress(config.trustProxy);

  // Web chat over our own Direct Line 3.0 endpoint (or Azure's when DIRECTLINE_SECRET is set).
  // Tokens are HMACs: any instance with the same secret verifies them, so several instances need one secret.
  const tokenSecret = resolveTokenSecret(config.webchat.tokenSecret);
  if (tokenSecret.generated) {
    logger.warn(
      core.backend.kind === 'redis'
        ? 'WEBCHAT_TOKEN_SECRET is not set: each instance signs web chat tokens with its own random secret, so chats break ' +
            'when a request reaches another instance or after a restart; give every instance the same WEBCHAT_TOKEN_SECRET'
        : 'WEBCHAT_TOKEN_SECRET is not set: web chat tokens are signed with a random per-process secret, so open chats ' +
            'cannot reconnect after a restart (fine for one instance in development)',
    );
  } else {
    logger.info('web chat tokens are signed with WEBCHAT_TOKEN_SECRET: every instance serving these chats needs the same value');
  }
  const tokens = createTokenService({ secret: tokenSecret.secret });
  // The Direct Line log lives where the rest of the state does: memory, the SQLite file, or shared Redis.
  const conversations = createConversationStore(core.backend, {
    stateTtlMs: stateTtlFromDays(config.stateTtlDays),
    onError: (err) => logger.warn({ err }, 'web chat conversation store background work failed'),
  });
  const directLine = new DirectLineAdapter({ store: conversations });
  directLine.onTurnError = async (_context, err) => {
    logger.error({ err }, 'web chat turn failed');
  };

  // Slack, when its signing secret and a way to post are configured: SLACK_BOT_TOKEN (one workspace) and/or
  // the OAuth install flow (per-team tokens in storage).
  const slackInstallations = createSlackInstallations(core.backend);
  const slackOAuth = Boolean(config.slack.clientId && config.slack.clientSecret);
  const slack =
    config.slack.signingSecret && (config.slack.botToken || slackOAuth)
      ? new SlackAdapter({
          ...(config.slack.botToken ? { botToken: config.slack.botToken } : {}),
          ...(slackOAuth ? { tokenFor: async (teamId: string) => (await slackInstallations.get(teamId))?.botToken } : {}),
          apiUrl: config.slack.apiUrl,
          logger,
        })
      : undefined;
  if (slack) {
    slack.onTurnError = async (_context, err) => {
      logger.error({ err }, 'slack turn failed');
    };
  }

  // Channels whose activities enter through doors of our own; with Azure's Direct Line, web chat comes
  // through /api/messages like any Azure channel, so it is not ours then.
  const hosted: Record<string, BotAdapter> = {
    ...(config.webchat.directLineSecret ? {} : { webchat: directLine }),
    ...(slack ? { slack } : {}),
  };
  const proactive = createProactiveRouter({ cloud, appId: config.bot.appId, hosted });
  alerts = createAlertService({
    targets: alertTargets(config, cloud),
    // The dedupe store's claim is fleet-wide with Redis and shared by every process on one SQLite file.
    claim: (key, ttlMs) => core.dedupe.firstSeen(key, ttlMs),
    logger,
    metrics: core.metrics,
  });
  // What else the help desk should see in an alert: each region's verdict, and the provider's own word.
  const providerIncidentAt = (url: string) => {
    try {
      return core.providerIncidents.of(new URL(url).host);
    } catch {
      return undefined;
    }
  };
  const alertContext = (url: string, result?: ProbeResult): Pick<AlertInput, 'regions' | 'incident'> => {
    const regions = Object.fromEntries((result?.regions ?? []).map((r) => [r.region, r.verdict]));
    const incident = providerIncidentAt(url);
    return { ...(Object.keys(regions).length > 1 ? { regions } : {}), ...(incident ? { incident } : {}) };
  };
  core.crowd.onCrowd(async (event) => {
    // A crowd around a target our address rules refuse is not a site the help desk can do anything about.
    if (isRuleRefusal(event.result)) return;
    await alerts?.raise({
      reason: 'crowd',
      url: event.url,
      reports: event.reports,
      windowMinutes: event.windowMinutes,
      result: event.result,
      ...alertContext(event.url, event.result),
    });
  });
  const alertWatchedDown = async (url: string): Promise<void> => {
    try {
      const site = new URL(url);
      // The recent checks are kept per host and port; crowds per host name.
      const last = core.recentChecks.list().find((check) => check.host === site.host);
      const reports = await core.crowd.count(site.hostname.toLowerCase());
      await alerts?.raise({
        reason: 'watched-down',
        url,
        ...(reports > 0 ? { reports, windowMinutes: CROWD_WINDOW_MS / 60_000 } : {}),
        ...(last
          ? {
              result: {
                url: last.url,
                verdict: last.verdict,
                advice: last.advice,
                ...(last.httpStatus !== undefined ? { httpStatus: last.httpStatus } : {}),
                ...(last.producer ? { producer: last.producer } : {}),
                timings: { totalMs: 0 },
                evidence: [],
                checkedAt: last.checkedAt,
              },
            }
          : {}),
        ...alertContext(url),
      });
    } catch (err) {
      logger.warn({ err }, 'watched-site alert failed');
    }
  };
  // The two-way hand-off: an agent's words reach the person through the same proactive router as "it's back".
  const person: PersonLine = {
    say: (record, message) =>
      proactive.continue(record.reference, (context) => bot.sayFromAgent(context, { ...message, locale: record.locale })),
    end: (record) => proactive.continue(record.reference, (context) => bot.continueWith(context, [{ type: 'handoff.end' }])),
  };
  // Cases hold what people said: kept STATE_TTL_DAYS after their last change, like conversations.
  const handoffStore = createHandoffStore(core.backend, {
    retentionMs: stateTtlFromDays(config.stateTtlDays),
    onSweepError: (err) => logger.warn({ err }, 'hand-off retention sweep failed; the next one tries again'),
  });
  desk = createHandoffDesk({
    store: handoffStore,
    targets: handoffTargets(config, cloud),
    dedupe: core.dedupe,
    logger,
    person: () => person,
    inbox: Boolean(config.admin.apiToken),
  });
  teamsReplies = createTeamsChainListener({ desk });
  const slackThreads = createSlackThreadListener({
    desk,
    logger,
    ...(slack ? { clientFor: (teamId: string) => slack.clientFor(teamId) } : {}),
  });
  watchService = createWatchService({
    storage: core.storage,
    prober: core.prober,
    logger,
    intervalMs: config.watch.intervalMs,
    // While the help desk holds a site down, a 200 is not "back": the incident's resolve says so instead.
    isHeld: async (url) => (await core.incidents.openFor(url)) !== undefined,
    // With several instances on one Redis, one of them probes each watched site per round.
    claimRound: (name, ttlMs) => core.fleetLock.claim(name, ttlMs),
    notifier: {
      notify: (subscription, outcome) =>
        proactive.continue(subscription.reference, (context) =>
          bot.notifyWatch(context, {
            url: subscription.url,
            locale: subscription.locale,
            outcome:
              outcome.kind === 'gave-up'
                ? { kind: 'gave-up', hours: Math.round((subscription.expiresAt - subscription.createdAt) / 3_600_000) }
                : outcome,
          }),
        ),
    },
  });

  incidents = createIncidentService({
    store: core.incidents,
    logger,
    onResolved: (incident) =>
      watchService
        ? watchService.notifyNow((url) => hostMatches(incident.host, url), {
            kind: 'resolved',
            at: incident.resolvedAt ?? new Date().toISOString(),
          })
        : Promise.resolve(0),
  });

  const azureDirectLine = config.webchat.directLineSecret ? { secret: config.webchat.directLineSecret } : undefined;
  const routes: RouteSpec[] = [
    ...createBotFrameworkRoutes({
      adapter: cloud,
      bot,
      logger,
      authenticated: Boolean(config.bot.appId),
      clientAddress,
      trustsProxy: config.trustProxy.kind !== 'none',
      // The terminal chat never comes through HTTP at all.
      reservedChannelIds: [...Object.keys(hosted), 'console'],
    }),
    ...createDirectLineRoutes({
      adapter: directLine,
      logic,
      tokens,
      logger,
      allowedOrigins: config.webchat.allowedOrigins,
      publicUrl: config.publicUrl,
      azure: azureDirectLine,
      clientIp: clientAddress,
      // With Redis, a client's budgets are the fleet's, not one instance's.
      createLimiter: createLimiterFactory(core.backend),
    }),
    ...createWebChatPageRoutes({
      allowedOrigins: config.webchat.allowedOrigins,
      directLineOrigin: azureDirectLine ? 'https://directline.botframework.com' : undefined,
      defaultLocale: config.defaultLocale,
    }),
    ...createSlackRoutes({
      signingSecret: config.slack.signingSecret,
      adapter: slack,
      logic,
      dedupe: core.dedupe,
      logger,
      threadListener: slackThreads,
      // A thread the bot was mentioned in (or started) has a stored conversation: its replies are followed.
      followsThread: async (conversationId) => {
        const key = conversationKey('slack', conversationId);
        return (await core.storage.read([key]))[key] !== undefined;
      },
      // A workspace that removed the app leaves no token behind.
      onUninstalled: (teamId) => slackInstallations.remove(teamId),
    }),
    ...createSlackOAuthRoutes({
      clientId: config.slack.clientId,
      clientSecret: config.slack.clientSecret,
      installations: slackInstallations,
      apiUrl: config.slack.apiUrl,
      dedupe: core.dedupe,
      ...(config.publicUrl ? { redirectUri: new URL('/api/slack/oauth/callback', config.publicUrl).href } : {}),
      logger,
    }),
    ...createInboxRoutes({ desk, adminApiToken: config.admin.apiToken, i18n: core.i18n, defaultLocale: config.defaultLocale }),
    ...createIncidentRoutes({ incidents }),
    ...createStatusRoutes({ recentChecks: core.recentChecks, i18n: core.i18n, defaultLocale: config.defaultLocale }),
    ...createAnalyticsRoutes({ analytics: core.analytics, adminApiToken: config.admin.apiToken }),
  ];

  const server = createServer({
    logger,
    metrics: core.metrics,
    prober: core.adminProber,
    recentChecks: core.recentChecks,
    adminApiToken: config.admin.apiToken,
    // Strangers see incidents on STATUS_HOSTS only, like the checks: an internal host's outage stays internal.
    openIncidents: async () =>
      (await core.incidents.list({ open: true }))
        .filter((incident) => config.statusHosts.some((listed) => hostMatches(incident.host, listed)))
        .map(publicIncident),
    metricsToken: config.metricsToken,
    // A draining instance is taken out of the load balancer's rotation before it stops answering.
    ready: async () => !draining && (await core.ready()),
    routes,
  });
  const stream = attachDirectLineStream(server.server, { store: directLine.store, tokens, logger });
  // /metrics also tells the state of this instance: shared or lonely probes, storage, work in flight, regions.
  registerInstanceReadings(core.metrics, {
    probeWork: () => ({ ...core.prober.stats() }),
    storageReady: () => core.ready(),
    turnsInFlight: () => inFlight.count,
    webchatStreams: () => stream.connections,
    ...(core.liveRegions ? { liveRegions: core.liveRegions } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, () => resolve());
  });
  watchService.start();
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info(
    { port, storage: config.storage.kind, slack: Boolean(slack), handoffTargets: desk.targets.map((t) => t.name) },
    'gateway doctor listening',
  );

  return {
    url: `http://localhost:${port}`,
    port,
    core,
    watch: watchService,
    incidents,
    desk,
    async close() {
      draining = true;
      handoffStore.close();
      await watchService?.stop();
      await stream.close();
      await directLine.store.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await core.close();
    },
    async drain({ timeoutMs = drainBoundMs(config) } = {}) {
      draining = true;
      const deadline = Date.now() + timeoutMs;
      logger.info({ inFlight: inFlight.count, timeoutMs }, 'draining');
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections with nothing in flight would hold close() open: close them as they go idle.
      const idleSweep = setInterval(() => server.server.closeIdleConnections(), 100);
      server.server.closeIdleConnections();
      const [turnsDone] = await Promise.all([inFlight.idle(deadline), watchService?.stop()]);
      // The turns are done and saved: web chat clients are told to reconnect (to another instance).
      await stream.close({ restart: true });
      const connectionsDone = await Promise.race([stopped.then(() => true), sleep(Math.max(0, deadline - Date.now())).then(() => false)]);
      clearInterval(idleSweep);
      if (!connectionsDone) server.server.closeAllConnections();
      await directLine.store.close();
      handoffStore.close();
      await core.close();
      const clean = turnsDone && connectionsDone;
      if (!clean) logger.warn({ inFlight: inFlight.count }, 'drain bound reached with work still running');
      return clean;
    },
  };
}

/** The longest a drain waits: one whole turn (two probe budgets and the machine's margin), plus sending its replies. */
function drainBoundMs(config: Readonly<Config>): number {
  return config.probe.timeoutMs * 2 + 3000;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** The hand-off targets the configuration names (none: the bot says so instead of pretending). */
function handoffTargets(config: Readonly<Config>, cloud: CloudAdapter): HandoffTarget[] {
  const targets: HandoffTarget[] = [];
  if (config.handoff.webhookUrl) {
    targets.push(createWebhookTarget({ url: config.handoff.webhookUrl, secret: config.handoff.webhookSecret }));
  }
  if (config.handoff.slackChannel && config.slack.botToken) {
    targets.push(createSlackTarget({ channel: config.handoff.slackChannel, token: config.slack.botToken, apiUrl: config.slack.apiUrl }));
  }
  if (config.handoff.teamsChannel && config.bot.appId) {
    targets.push(
      createTeamsTarget({
        adapter: cloud,
        appId: config.bot.appId,
        channelId: config.handoff.teamsChannel,
        serviceUrl: config.handoff.teamsServiceUrl,
        tenantId: config.bot.appTenantId,
      }),
    );
  }
  return targets;
}

/** Where help desk alerts go: the hand-off targets' webhook and channels (none: no alerts). */
function alertTargets(config: Readonly<Config>, cloud: CloudAdapter): AlertTarget[] {
  const targets: AlertTarget[] = [];
  if (config.handoff.webhookUrl)
    targets.push(createWebhookAlertTarget({ url: config.handoff.webhookUrl, secret: config.handoff.webhookSecret }));
  if (config.handoff.slackChannel && config.slack.botToken) {
    targets.push(
      createSlackAlertTarget({ channel: config.handoff.slackChannel, token: config.slack.botToken, apiUrl: config.slack.apiUrl }),
    );
  }
  if (config.handoff.teamsChannel && config.bot.appId) {
    targets.push(
      createTeamsAlertTarget({
        adapter: cloud,
        appId: config.bot.appId,
        channelId: config.handoff.teamsChannel,
        serviceUrl: config.handoff.teamsServiceUrl,
        tenantId: config.bot.appTenantId,
      }),
    );
  }
  return targets;
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
  installProcessGuards(logger);
  startApp(config, logger).then(
    (app) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'shutting down');
        app.drain().then(
          (clean) => process.exit(clean ? 0 : 1),
          (err: unknown) => {
            logger.error({ err }, 'drain failed');
            process.exit(1);
          },
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
