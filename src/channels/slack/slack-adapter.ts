/**
 * A botbuilder adapter for Slack: inbound events and clicks become Bot Framework activities (so the same
 * bot serves Teams, web chat and Slack), and what the bot sends goes out through Slack's Web API.
 */
import type { KnownBlock, LogLevel, RetryOptions, Logger as SlackLogger, WebClient } from '@slack/web-api';
import { ActivityTypes, TurnContext, type Activity, type ConversationReference, type ResourceResponse } from 'botbuilder';
import type { Logger } from '../../observability/logger';
import { HostedAdapter, type TurnLogic } from '../hosted-adapter';
import { escapeMrkdwn, truncateMrkdwn, BLOCK_KIT_LIMITS } from '../render/block-kit';
import {
  activityFromBlockActions,
  activityFromEvent,
  parseSlackConversationId,
  type SlackAddress,
  type SlackInboundActivity,
  type SlackInboundData,
} from './slack-activities';
import { SlackLocaleCache } from './slack-locale-cache';
import type { SlackBlockActions, SlackEventCallback } from './slack-payloads';

/** The bot's turn logic, e.g. `(context) => bot.run(context)`. */
export type SlackTurnLogic = TurnLogic;

/** Options of the Slack adapter. */
export interface SlackAdapterOptions {
  /** SLACK_BOT_TOKEN (`xoxb-...`): the single-workspace set-up, and the fallback for teams without an installation. */
  botToken?: string;
  /** The bot token of a workspace that installed the app through OAuth (several workspaces). */
  tokenFor?: (teamId: string) => Promise<string | undefined>;
  /** SLACK_API_URL: the Web API base, e.g. a fake on loopback in tests. Default `https://slack.com/api/`. */
  apiUrl?: string;
  logger: Logger;
  /** How long a person's Slack locale is remembered. Default one hour. */
  localeTtlMs?: number;
  /** Web API retries (rate limits, network errors). Default: three retries within about ten seconds. */
  retryConfig?: RetryOptions;
  /** Per-call Web API timeout in ms. Default 10 s. */
  timeoutMs?: number;
  /** Longest pause a `delay` activity may ask for. Default 10 s. */
  maxDelayMs?: number;
  /** The clock of the locale cache, replaceable in tests. */
  now?: () => number;
}

/** `channelData.slack` on an outgoing activity: Block Kit from `renderBlockKit`, and optionally its own fallback. */
export interface SlackOutgoingData {
  blocks?: KnownBlock[];
  /** Notification fallback, already mrkdwn. Default: `activity.text` (as is with blocks, escaped without). */
  text?: string;
}

/** Slack keeps at most this much of a message's top-level `text`. */
const MAX_FALLBACK_TEXT = 4000;
const DEFAULT_RETRIES: RetryOptions = { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 4000, randomize: true };

/** Slack as a botbuilder channel. */
/** A Slack request for a team with neither an installation nor SLACK_BOT_TOKEN. */
export class SlackNoInstallationError extends Error {
  constructor(readonly teamId: string) {
    super('no Slack installation for this team');
  }
}

/** Web API clients kept per token (one per workspace): bounded, since teams come and go. */
const MAX_CLIENTS = 500;

export class SlackAdapter extends HostedAdapter {
  private readonly clients = new Map<string, WebClient>();
  private readonly makeClient: (token: string) => WebClient;
  private readonly botToken?: string;
  private readonly tokenFor?: (teamId: string) => Promise<string | undefined>;
  private readonly logger: Logger;
  private readonly locales: SlackLocaleCache;
  private readonly maxDelayMs: number;

  constructor({
    botToken,
    tokenFor,
    apiUrl,
    logger,
    localeTtlMs = 60 * 60 * 1000,
    retryConfig = DEFAULT_RETRIES,
    timeoutMs = 10_000,
    maxDelayMs = 10_000,
    now = Date.now,
  }: SlackAdapterOptions) {
    super();
    this.maxDelayMs = maxDelayMs;
    this.botToken = botToken;
    this.tokenFor = tokenFor;
    this.logger = logger;
    const slackLogger = slackLoggerFor(logger);
    // Loaded here: a server without Slack configured never constructs this adapter and skips the Web API client's start-up cost.
    const { WebClient: SlackWebClient } = require('@slack/web-api') as typeof import('@slack/web-api');
    this.makeClient = (token) =>
      new SlackWebClient(token, { ...(apiUrl ? { slackApiUrl: apiUrl } : {}), logger: slackLogger, retryConfig, timeout: timeoutMs });
    this.locales = new SlackLocaleCache({
      ttlMs: localeTtlMs,
      now,
      lookup: async (teamId, userId) => {
        const answer = await (await this.clientFor(teamId)).users.info({ user: userId, include_locale: true });
        return typeof answer.user?.locale === 'string' && answer.user.locale !== '' ? answer.user.locale : undefined;
      },
      onError: (err) => logger.warn({ err: errorSummary(err) }, 'slack users.info failed; answering in the default language'),
    });
  }

  /** Runs the bot for one Events API event; resolves false when the event is not for the bot (and does nothing). */
  async processEvent(envelope: SlackEventCallback, logic: SlackTurnLogic, options: { followsThread?: boolean } = {}): Promise<boolean> {
    const activity = activityFromEvent(envelope, options);
    if (!activity) return false;
    await this.runTurn(activity, logic);
    return true;
  }

  /** Runs the bot for a click on one of its buttons; resolves false for any other interaction. */
  async processBlockActions(payload: SlackBlockActions, logic: SlackTurnLogic): Promise<boolean> {
    const activity = activityFromBlockActions(payload);
    if (!activity) return false;
    await this.runTurn(activity, logic);
    return true;
  }

  /** The Web API client of a workspace: its OAuth installation's token, else SLACK_BOT_TOKEN. */
  async clientFor(teamId: string): Promise<WebClient> {
    const token = (await this.tokenFor?.(teamId)) ?? this.botToken;
    if (!token) throw new SlackNoInstallationError(teamId);
    let client = this.clients.get(token);
    if (!client) {
      if (this.clients.size >= MAX_CLIENTS) this.clients.clear();
      client = this.makeClient(token);
      this.clients.set(token, client);
    }
    return client;
  }

  private async runTurn(activity: SlackInboundActivity, logic: SlackTurnLogic): Promise<void> {
    const { teamId } = (activity.channelData as { slack: SlackInboundData }).slack;
    try {
      await this.clientFor(teamId);
    } catch (err) {
      if (!(err instanceof SlackNoInstallationError)) throw err;
      // Nobody to answer with: the workspace never installed the app here (or it was removed).
      this.logger.warn({ teamId }, 'slack event from a team with no installation; ignored (install it at /api/slack/install)');
      return;
    }
    const locale = await this.locales.localeOf(teamId, activity.from.id);
    const context = new TurnContext(this, locale ? { ...activity, locale } : activity);
    await this.runMiddleware(context, logic);
  }

  /** Posts each message with `chat.postMessage`, in the thread the conversation lives in. */
  async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const responses: ResourceResponse[] = [];
    for (const activity of activities) {
      // botbuilder's own adapters honour `delay` although the schema's enum does not list it.
      if (activity.type === 'delay') {
        const ms = Math.min(Math.max(Number(activity.value) || 1000, 0), this.maxDelayMs);
        await new Promise((resolve) => setTimeout(resolve, ms));
        responses.push({ id: '' });
        continue;
      }
      const message = activity.type === ActivityTypes.Message ? slackMessageFor(activity) : undefined;
      // Typing, traces and anything else without words have no Slack counterpart for a bot.
      if (!message) {
        responses.push({ id: '' });
        continue;
      }
      const address = this.addressOf(activity, context);
      const client = await this.clientFor(address.teamId);
      const answer = await client.chat.postMessage({
        channel: address.channel,
        ...(address.threadTs ? { thread_ts: address.threadTs } : {}),
        ...message,
        // Previews of the sites people report would fetch those very sites (and show their error pages).
        unfurl_links: false,
        unfurl_media: false,
      });
      responses.push({ id: answer.ts ?? '' });
    }
    return responses;
  }

  /** Replaces a message the bot posted earlier (`activity.id` is its `ts`) with `chat.update`. */
  async updateActivity(context: TurnContext, activity: Partial<Activity>): Promise<ResourceResponse | undefined> {
    const message = slackMessageFor(activity);
    if (!activity.id || !message) throw new Error('updateActivity needs the message ts as activity.id and some text or blocks');
    const address = this.addressOf(activity, context);
    const answer = await (await this.clientFor(address.teamId)).chat.update({ channel: address.channel, ts: activity.id, ...message });
    return { id: answer.ts ?? activity.id };
  }

  /** Deletes a message the bot posted (`reference.activityId` is its `ts`). */
  async deleteActivity(context: TurnContext, reference: Partial<ConversationReference>): Promise<void> {
    const address = parseSlackConversationId(reference.conversation?.id ?? context.activity.conversation?.id);
    if (!address || !reference.activityId) throw new Error('deleteActivity needs a Slack conversation and the message ts');
    await (await this.clientFor(address.teamId)).chat.delete({ channel: address.channel, ts: reference.activityId });
  }

  private addressOf(activity: Partial<Activity>, context: TurnContext): SlackAddress {
    const conversationId = activity.conversation?.id ?? context.activity.conversation?.id;
    const address = parseSlackConversationId(conversationId);
    if (!address) throw new Error('not a Slack conversation id; expected team:channel[:thread_ts]');
    return address;
  }
}

/**
 * The text, blocks and metadata of one outgoing message, or undefined when it has nothing to show. Blocks
 * from `channelData.slack.blocks` are used as given (the renderer escaped them, and `activity.text` with
 * them); a bare `activity.text` is escaped here, so no sender can ping `@channel` by accident.
 */
export function slackMessageFor(activity: Partial<Activity>): { text: string; blocks: KnownBlock[]; metadata?: SlackMetadata } | undefined {
  const slack = readOutgoingData(activity.channelData);
  const metadata = metadataFor(activity.channelData);
  if (slack.blocks && slack.blocks.length > 0) {
    const text = truncateMrkdwn(slack.text ?? activity.text ?? '', MAX_FALLBACK_TEXT);
    return { text, blocks: slack.blocks, ...(metadata ? { metadata } : {}) };
  }
  const raw = slack.text ?? escapeMrkdwn(activity.text ?? '');
  if (raw.trim() === '') return undefined;
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: truncateMrkdwn(raw, BLOCK_KIT_LIMITS.sectionText), verbatim: true } },
  ];
  return { text: truncateMrkdwn(raw, MAX_FALLBACK_TEXT), blocks, ...(metadata ? { metadata } : {}) };
}

function readOutgoingData(channelData: unknown): SlackOutgoingData {
  const slack = (channelData as { slack?: unknown } | undefined)?.slack;
  if (!slack || typeof slack !== 'object') return {};
  const { blocks, text } = slack as { blocks?: unknown; text?: unknown };
  return {
    // The renderer produced these; Slack itself validates them and answers invalid_blocks otherwise.
    ...(Array.isArray(blocks) ? { blocks: blocks as KnownBlock[] } : {}),
    ...(typeof text === 'string' ? { text } : {}),
  };
}

/** Slack message metadata: where `channelData.gatewayDoctor` travels so tools can read the state without prose. */
export interface SlackMetadata {
  event_type: 'gateway_doctor_reply';
  event_payload: Record<string, string | number | boolean>;
}

function metadataFor(channelData: unknown): SlackMetadata | undefined {
  const status = (channelData as { gatewayDoctor?: unknown } | undefined)?.gatewayDoctor;
  if (!status || typeof status !== 'object') return undefined;
  const payload: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(status)) {
    // Metadata payloads take scalars only; the documented fields all are.
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') payload[key] = value;
  }
  return Object.keys(payload).length > 0 ? { event_type: 'gateway_doctor_reply', event_payload: payload } : undefined;
}

/** What a failure says, for logs: its code and message, never request bodies (which hold people's words). */
export function errorSummary(err: unknown): { code?: string; message: string } {
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code;
    return { ...(typeof code === 'string' ? { code } : {}), message: err.message };
  }
  return { message: String(err) };
}

/** Routes the Web API client's own log lines into pino. */
function slackLoggerFor(logger: Logger): SlackLogger {
  let level = 'warn' as LogLevel;
  const child = logger.child({ component: 'slack-web-api' });
  const line = (args: unknown[]) => args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' ');
  return {
    // The client's debug and info lines quote request bodies, i.e. people's words: never logged.
    debug: () => undefined,
    info: () => undefined,
    warn: (...args: unknown[]) => child.warn(line(args)),
    error: (...args: unknown[]) => child.error(line(args)),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
