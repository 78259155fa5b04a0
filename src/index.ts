/**
 * The composition root: the only place that reads configuration and wires the object graph together.
 * `npm start` runs this file. The channel-neutral half lives in `build-core.ts`; the bot, the adapters
 * and the HTTP routes are built here.
 */
import type { BotAdapter, CloudAdapter, TurnContext } from 'botbuilder';
import { buildCore, type Core, type CoreOverrides } from './build-core';
import { GatewayDoctorBot } from './channels/bot/gateway-doctor-bot';
import { createBotFrameworkRoutes, createCloudAdapter } from './channels/botframework/bot-framework-routes';
import { ConfigError, loadConfig, type Config } from './config';
import { createClientAddress } from './http/client-address';
import { createLogger, type Logger } from './observability/logger';
import { installProcessGuards } from './observability/process-guards';
import { createServer, type RouteSpec } from './server';
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
  createDirectLineRoutes,
  createMemoryConversationStore,
  createTokenService,
  createWebChatPageRoutes,
  DirectLineAdapter,
  resolveTokenSecret,
} from './channels/webchat';
import { createWatchService, type WatchService } from './watch/watch-service';

/** A running app: its address and a way to stop it cleanly (tests and signals use it). */
export interface RunningApp {
  url: string;
  port: number;
  core: Core;
  watch: WatchService;
  /** The two-way hand-off desk (its store lists the cases). */
  desk: HandoffDesk;
  close(): Promise<void>;
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
  const bot = new GatewayDoctorBot({
    runner: core.runner,
    i18n: core.i18n,
    logger,
    metrics: core.metrics,
    defaultLocale: config.defaultLocale,
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
      },
    },
  });
  const logic = (context: TurnContext) => bot.run(context);

  // Bot Framework: Teams, Azure channels, the Emulator.
  const cloud = createCloudAdapter(config.bot, logger);
  const clientAddress = createClientAddress(config.trustProxy);

  // Web chat over our own Direct Line 3.0 endpoint (or Azure's when DIRECTLINE_SECRET is set).
  const tokenSecret = resolveTokenSecret(config.webchat.tokenSecret);
  if (tokenSecret.generated) {
    logger.warn('WEBCHAT_TOKEN_SECRET is not set: web chat tokens are signed with a random per-process secret (fine for one instance)');
  }
  const tokens = createTokenService({ secret: tokenSecret.secret });
  const directLine = new DirectLineAdapter({ store: createMemoryConversationStore() });
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
  // The two-way hand-off: an agent's words reach the person through the same proactive router as "it's back".
  const person: PersonLine = {
    say: (record, message) =>
      proactive.continue(record.reference, (context) => bot.sayFromAgent(context, { ...message, locale: record.locale })),
    end: (record) => proactive.continue(record.reference, (context) => bot.continueWith(context, [{ type: 'handoff.end' }])),
  };
  desk = createHandoffDesk({
    store: createHandoffStore(core.backend),
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
    notifier: {
      notify: (subscription, outcome) =>
        proactive.continue(subscription.reference, (context) =>
          bot.notifyWatch(context, {
            url: subscription.url,
            locale: subscription.locale,
            outcome:
              outcome.kind === 'back'
                ? outcome
                : { kind: 'gave-up', hours: Math.round((subscription.expiresAt - subscription.createdAt) / 3_600_000) },
          }),
        ),
    },
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
    ...createInboxRoutes({ desk, adminApiToken: config.admin.apiToken }),
    ...createStatusRoutes({ recentChecks: core.recentChecks, i18n: core.i18n, defaultLocale: config.defaultLocale }),
  ];

  const server = createServer({
    logger,
    metrics: core.metrics,
    prober: core.adminProber,
    recentChecks: core.recentChecks,
    adminApiToken: config.admin.apiToken,
    metricsToken: config.metricsToken,
    ready: core.ready,
    routes,
  });
  const stream = attachDirectLineStream(server.server, { store: directLine.store, tokens, logger });
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
    desk,
    async close() {
      watchService?.stop();
      await stream.close();
      await directLine.store.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await core.close();
    },
  };
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
