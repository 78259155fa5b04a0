/**
 * `POST /api/slack/events` and `POST /api/slack/interactions`. Slack wants an answer within three seconds
 * and retries otherwise, so each route verifies the signature, answers at once and runs the bot afterwards;
 * an event Slack delivers again (same `event_id`) is handled once.
 */
import type { Request, Response } from 'restify';
import type { Logger } from '../../observability/logger';
import type { RouteSpec } from '../../server';
import type { ActivityDedupe } from '../../storage/activity-dedupe';
import { errorSummary, type SlackAdapter, type SlackTurnLogic } from './slack-adapter';
import { blockActionsSchema, eventCallbackSchema, urlVerificationSchema, type SlackEventCallback } from './slack-payloads';
import { slackConversationId } from './slack-activities';
import { checkSlackSignature } from './slack-signature';

/** What the Slack routes need; without `signingSecret` or `adapter` both routes answer 404 (channel off). */
export interface SlackRoutesDeps {
  /** SLACK_SIGNING_SECRET. */
  signingSecret?: string;
  /** Built from SLACK_BOT_TOKEN (and SLACK_API_URL). */
  adapter?: SlackAdapter;
  /** The bot's turn logic, e.g. `(context) => bot.run(context)`. */
  logic: SlackTurnLogic;
  /** Remembers delivered event ids; shared by every instance when several run. */
  dedupe: ActivityDedupe;
  logger: Logger;
  /** How long a delivered event id is remembered. Default one hour (Slack's retries come within minutes). */
  dedupeTtlMs?: number;
  /** Runs a task after the answer has gone out. Default: the next turn of the event loop. */
  schedule?: (task: () => Promise<void>) => void;
  /** Clock for the signature's five-minute window, in ms. Default `Date.now`. */
  now?: () => number;
  /** Sees each new event first; true means it was an agent's reply to a hand-off case and the bot stays out. */
  threadListener?: (envelope: SlackEventCallback) => Promise<boolean>;
  /**
   * Whether the bot already talks in a thread (`team:channel:thread_ts`): replies there are followed without
   * a fresh mention. Without it, channel messages need a mention, as before.
   */
  followsThread?: (conversationId: string) => Promise<boolean>;
  /**
   * A workspace removed the app (`app_uninstalled`) or revoked its bot token (`tokens_revoked`): its stored
   * installation, token included, should go.
   */
  onUninstalled?: (teamId: string) => Promise<void>;
}

const OFF = {
  error: 'not_found',
  message: 'The Slack channel is off: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN to enable it.',
} as const;
const UNSIGNED = {
  error: 'invalid_signature',
  message: 'The request is not signed by Slack, or its timestamp is too far from now.',
} as const;

/** The two Slack routes, ready for `createServer({ routes })`. */
export function createSlackRoutes({
  signingSecret,
  adapter,
  logic,
  dedupe,
  logger,
  dedupeTtlMs = 60 * 60 * 1000,
  schedule = (task) => void setImmediate(() => void task()),
  now = Date.now,
  threadListener,
  followsThread,
  onUninstalled,
}: SlackRoutesDeps): RouteSpec[] {
  const log = logger.child({ channel: 'slack' });

  /** Answers 404 or 401 itself and returns undefined, or returns the verified raw body. */
  const verified = (req: Request, res: Response): string | undefined => {
    if (!signingSecret || !adapter) {
      res.send(404, OFF);
      return undefined;
    }
    const rawBody = rawBodyOf(req);
    const check = checkSlackSignature({
      signingSecret,
      rawBody,
      signature: req.header('x-slack-signature') || undefined,
      timestamp: req.header('x-slack-request-timestamp') || undefined,
      nowMs: now(),
    });
    if (!check.ok) {
      log.warn({ reason: check.reason, route: req.path() }, 'slack request refused');
      res.send(401, UNSIGNED);
      return undefined;
    }
    return rawBody;
  };

  /** Runs `work` after the answer; failures are logged, never thrown into the HTTP layer. */
  const later = (what: string, work: (slack: SlackAdapter) => Promise<void>) => {
    const slack = adapter;
    if (!slack) return;
    schedule(async () => {
      try {
        await work(slack);
      } catch (err) {
        log.error({ err: errorSummary(err), what }, 'slack turn failed');
      }
    });
  };

  /** True the first time a key is seen; a failing store lets the event through (twice beats never). */
  const firstSeen = async (key: string): Promise<boolean> => {
    try {
      return await dedupe.firstSeen(key, dedupeTtlMs);
    } catch (err) {
      log.warn({ err: errorSummary(err) }, 'slack de-duplication unavailable; handling the event anyway');
      return true;
    }
  };

  /** A channel message in a thread the bot talks in (its conversation is stored) is for the bot. */
  const isFollowed = async (envelope: SlackEventCallback): Promise<boolean> => {
    const event = envelope.event as { type: string; channel?: unknown; channel_type?: unknown; thread_ts?: unknown };
    if (!followsThread || event.type !== 'message' || event.channel_type === 'im') return false;
    if (typeof event.channel !== 'string' || typeof event.thread_ts !== 'string') return false;
    try {
      return await followsThread(slackConversationId({ teamId: envelope.team_id, channel: event.channel, threadTs: event.thread_ts }));
    } catch (err) {
      log.warn({ err: errorSummary(err) }, 'could not tell whether the bot follows a thread; needs a mention');
      return false;
    }
  };

  const events: RouteSpec = {
    method: 'post',
    path: '/api/slack/events',
    name: 'slack-events',
    handler: async (req: Request, res: Response) => {
      const rawBody = verified(req, res);
      if (rawBody === undefined) return;
      const body = jsonBodyOf(req, rawBody);

      const challenge = urlVerificationSchema.safeParse(body);
      if (challenge.success) {
        res.send(200, { challenge: challenge.data.challenge });
        return;
      }
      // Acknowledge everything signed, even shapes we skip: anything else makes Slack retry, then disable us.
      res.send(200);
      const envelope = eventCallbackSchema.safeParse(body);
      if (!envelope.success) return;

      const { team_id: teamId, event_id: eventId } = envelope.data;
      const retry = req.header('x-slack-retry-num') || undefined;
      const retryReason = req.header('x-slack-retry-reason') || undefined;
      later('event', async (slack) => {
        if (!(await firstSeen(`slack/event/${encodeURIComponent(teamId)}/${encodeURIComponent(eventId)}`))) {
          log.info({ eventId, retry, retryReason }, 'slack event delivered again; already handled');
          return;
        }
        if (isUninstall(envelope.data.event)) {
          log.info({ teamId, event: envelope.data.event.type }, 'slack workspace removed the app; forgetting its installation');
          await onUninstalled?.(teamId);
          return;
        }
        if (threadListener && (await threadListener(envelope.data))) return;
        await slack.processEvent(envelope.data, logic, { followsThread: await isFollowed(envelope.data) });
      });
    },
  };

  const interactions: RouteSpec = {
    method: 'post',
    path: '/api/slack/interactions',
    name: 'slack-interactions',
    body: ['form', 'json'],
    handler: async (req: Request, res: Response) => {
      const rawBody = verified(req, res);
      if (rawBody === undefined) return;
      const payloadText = new URLSearchParams(rawBody).get('payload');
      let payload: unknown;
      try {
        payload = payloadText === null ? undefined : JSON.parse(payloadText);
      } catch {
        payload = undefined;
      }
      if (payload === undefined) {
        res.send(400, { error: 'bad_request', message: 'Send the interaction as a form field named payload holding JSON.' });
        return;
      }
      res.send(200);
      const clicks = blockActionsSchema.safeParse(payload);
      if (!clicks.success) return;

      const { user, team, actions } = clicks.data;
      const actionTs = actions[0]?.action_ts;
      later('interaction', async (slack) => {
        const teamId = encodeURIComponent(team?.id ?? user.team_id ?? '');
        const key = actionTs ? `slack/action/${teamId}/${encodeURIComponent(user.id)}/${encodeURIComponent(actionTs)}` : undefined;
        if (key && !(await firstSeen(key))) return;
        await slack.processBlockActions(clicks.data, logic);
      });
    },
  };

  return [events, interactions];
}

/** `app_uninstalled`, or `tokens_revoked` naming a bot token (a user token revoked alone changes nothing for the bot). */
function isUninstall(event: { type: string; tokens?: unknown }): boolean {
  if (event.type === 'app_uninstalled') return true;
  if (event.type !== 'tokens_revoked') return false;
  const bot = (event.tokens as { bot?: unknown } | undefined)?.bot;
  return Array.isArray(bot) && bot.length > 0;
}

/** The body exactly as Slack sent it: restify's parsers keep it on `rawBody`; unparsed bodies stay in `body`. */
function rawBodyOf(req: Request): string {
  const raw = (req as Request & { rawBody?: unknown }).rawBody;
  if (typeof raw === 'string') return raw;
  if (Buffer.isBuffer(raw)) return raw.toString('utf8');
  const body: unknown = req.body;
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  return '';
}

/** The parsed JSON body (restify parsed it when the content type said JSON). */
function jsonBodyOf(req: Request, rawBody: string): unknown {
  const body: unknown = req.body;
  if (body && typeof body === 'object' && !Buffer.isBuffer(body)) return body;
  try {
    return JSON.parse(rawBody) as unknown;
  } catch {
    return undefined;
  }
}
