/**
 * Direct Line 3.0 over HTTP, self-hosted (DESIGN.md §5): token routes, conversations, activities, plus
 * `POST /api/webchat/token` that hands a web page a token for a new conversation. Everything that enters is
 * validated here; the bot only ever sees activities this module built.
 */
import { randomBytes } from 'node:crypto';
import type { Activity, TurnContext } from 'botbuilder';
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Request, Response } from 'restify';
import { z } from 'zod';
import type { Logger } from '../../observability/logger';
import type { RouteSpec } from '../../server';
import { ConversationNotFoundError, parseWatermark, type ConversationRecord, type DirectLineActivity } from './conversation-store';
import { DirectLineAdapter, WEBCHAT_CHANNEL_ID } from './directline-adapter';
import { bearerToken, publicBaseFor, type PublicBase } from './http-helpers';
import type { TokenClaims, TokenService } from './tokens';

/** Where Azure's Direct Line lives when DIRECTLINE_SECRET is set. */
export const AZURE_DIRECTLINE_BASE_URL = 'https://directline.botframework.com';

export interface DirectLineRoutesDeps {
  adapter: DirectLineAdapter;
  /** The bot: usually `(context) => bot.run(context)` for an ActivityHandler. */
  logic: (context: TurnContext) => Promise<void>;
  tokens: TokenService;
  logger: Logger;
  /** Origins whose pages may ask for a token (WEBCHAT_ALLOWED_ORIGINS); empty: any. Our own origin always may. */
  allowedOrigins?: readonly string[];
  /** The public origin (e.g. https://help.example.com); derived from each request when unset. */
  publicUrl?: string;
  /** Limits `POST /api/webchat/token` per client IP; 20 per minute in memory by default. */
  tokenRateLimiter?: RateLimiterAbstract;
  /** Budgets for posted activities; DEFAULT_ACTIVITY_LIMITS where not given. */
  activityLimits?: Partial<ActivityLimits>;
  /**
   * The client's address for every per-client limit (tokens, activities, and the probe via the turn); the
   * socket's address by default. The composition root passes `createClientAddress(config.trustProxy)`.
   */
  clientIp?: (req: Request) => string;
  /** Use Azure's Direct Line for `/api/webchat/token` instead of this server's (DIRECTLINE_SECRET). */
  azure?: { secret: string; baseUrl?: string; timeoutMs?: number };
  /** Longest message text accepted. */
  maxTextLength?: number;
}

const DEFAULT_MAX_TEXT_LENGTH = 4000;
/**
 * Caps for the free-form parts of an activity. What the widget sends is far smaller (a card's submit data,
 * a client id and timestamp in channelData); every field's cap fits inside the stored-activity cap.
 */
const MAX_VALUE_JSON = 4 * 1024;
const MAX_CHANNEL_DATA_JSON = 2 * 1024;
/**
 * Largest user activity as stored (JSON characters, with the fields the server adds). Counted in characters,
 * not UTF-8 bytes, so a 4000-character message in Japanese fits as well as one in English.
 */
export const MAX_STORED_USER_ACTIVITY_CHARS = 8 * 1024;

/** A rate-limit window: `points` requests per `seconds`. */
export interface RateWindow {
  points: number;
  seconds: number;
}

/** Budgets for what one conversation, and one client address across all its conversations, may post. */
export interface ActivityLimits {
  /** Messages and events: each is stored and runs the bot. */
  turns: { perConversation: readonly RateWindow[]; perClient: readonly RateWindow[] };
  /** Typing indicators: shown to live listeners only, never stored nor run, so cheaper and counted apart. */
  typing: { perConversation: readonly RateWindow[]; perClient: readonly RateWindow[] };
  /** Reads: history polls, reconnects and token re-issues. Each costs a page of JSON or a signature. */
  reads: { perConversation: readonly RateWindow[]; perClient: readonly RateWindow[] };
}

/**
 * A person types a message every few seconds and clicks a few buttons in a row; the widget sends a typing
 * indicator at most every three seconds. The per-client budget is larger because a NAT or an office proxy
 * puts several people behind one address, and smaller than the sum of the conversations one address can open
 * (20 tokens a minute), so rotating conversations does not multiply it.
 */
export const DEFAULT_ACTIVITY_LIMITS: ActivityLimits = {
  turns: {
    perConversation: [
      { points: 10, seconds: 10 },
      { points: 40, seconds: 60 },
    ],
    perClient: [{ points: 120, seconds: 60 }],
  },
  typing: {
    perConversation: [{ points: 20, seconds: 10 }],
    perClient: [{ points: 300, seconds: 60 }],
  },
  // The widget polls once a second when it cannot stream; clients that poll ten times a second still fit.
  reads: {
    perConversation: [{ points: 150, seconds: 10 }],
    perClient: [{ points: 1200, seconds: 60 }],
  },
};

const localeSchema = z.string().regex(/^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8}){0,4}$/, 'not a BCP 47 language tag');

const jsonWithin = (maxChars: number) => (value: unknown) => value === undefined || JSON.stringify(value).length <= maxChars;

/** The body of `POST .../activities`; `from`, ids and routing fields are dropped and set by us. */
export function createPostedActivitySchema(maxTextLength = DEFAULT_MAX_TEXT_LENGTH) {
  return z
    .object({
      type: z.enum(['message', 'event', 'typing']),
      text: z.string().max(maxTextLength).optional(),
      textFormat: z.enum(['plain', 'markdown', 'xml']).optional(),
      locale: localeSchema.optional(),
      name: z.string().min(1).max(100).optional(),
      value: z.unknown().refine(jsonWithin(MAX_VALUE_JSON), `value is larger than ${MAX_VALUE_JSON} characters`).optional(),
      channelData: z
        .record(z.string(), z.unknown())
        .refine(jsonWithin(MAX_CHANNEL_DATA_JSON), `channelData is larger than ${MAX_CHANNEL_DATA_JSON} characters`)
        .optional(),
      attachments: z
        .array(z.object({ contentType: z.string().min(1).max(200), name: z.string().max(200).optional(), content: z.unknown().optional() }))
        .max(5)
        .refine(jsonWithin(MAX_VALUE_JSON), `attachments are larger than ${MAX_VALUE_JSON} characters`)
        .optional(),
      entities: z.array(z.record(z.string(), z.unknown())).max(10).refine(jsonWithin(MAX_CHANNEL_DATA_JSON)).optional(),
      localTimestamp: z.string().max(64).optional(),
      localTimezone: z.string().max(64).optional(),
    })
    .refine((a) => a.type !== 'message' || (a.text ?? '') !== '' || (a.attachments?.length ?? 0) > 0 || a.value !== undefined, {
      message: 'a message needs text, attachments or a value',
      path: ['text'],
    })
    .refine((a) => a.type !== 'event' || a.name !== undefined, { message: 'an event needs a name', path: ['name'] });
}

/** The body of `POST /v3/directline/conversations` (directlinejs sends `{ user: { id? }, locale? }`). */
const startConversationSchema = z
  .object({ user: z.object({ id: z.string().max(200).optional() }).optional(), locale: localeSchema.optional() })
  .optional();

/** What Azure's tokens/generate answers. */
const azureTokenSchema = z.object({ conversationId: z.string().min(1), token: z.string().min(1), expires_in: z.number() });

type Authorised = { claims: TokenClaims; token: string };

/** Builds the Direct Line and token routes for `createServer({ routes })`. */
export function createDirectLineRoutes(deps: DirectLineRoutesDeps): RouteSpec[] {
  const { adapter, logic, tokens, logger, allowedOrigins = [], publicUrl, azure, maxTextLength = DEFAULT_MAX_TEXT_LENGTH } = deps;
  const store = adapter.store;
  const limiter = deps.tokenRateLimiter ?? new RateLimiterMemory({ points: 20, duration: 60, keyPrefix: 'webchat-token' });
  const clientIp = deps.clientIp ?? ((req: Request) => req.socket.remoteAddress ?? 'unknown');
  const activitySchema = createPostedActivitySchema(maxTextLength);
  const activityLimiters = createActivityLimiters({
    turns: deps.activityLimits?.turns ?? DEFAULT_ACTIVITY_LIMITS.turns,
    typing: deps.activityLimits?.typing ?? DEFAULT_ACTIVITY_LIMITS.typing,
    reads: deps.activityLimits?.reads ?? DEFAULT_ACTIVITY_LIMITS.reads,
  });

  /** Charges a read to its conversation and client; answers 429 itself and returns false when spent. */
  const readAllowed = async (req: Request, res: Response, conversationId: string): Promise<boolean> => {
    const waitMs = await activityLimiters.charge('reads', conversationId, clientIp(req));
    if (waitMs === undefined) return true;
    tooMany(res, waitMs, 'Too many requests in a short time; wait a moment and try again.');
    return false;
  };

  const fail = (res: Response, status: number, error: string, message: string, extra: Record<string, unknown> = {}): void => {
    if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    res.send(status, { error, message, ...extra });
  };

  const tooMany = (res: Response, msBeforeNext: number, message: string): void => {
    const retryAfterSeconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
    res.setHeader('Retry-After', String(retryAfterSeconds));
    fail(res, 429, 'too_many_requests', message, { retryAfterSeconds });
  };

  const baseOf = (req: Request, res: Response): PublicBase | undefined => {
    const base = publicBaseFor(req, publicUrl);
    if (!base) fail(res, 400, 'bad_request', 'The Host header is missing or not a host name.');
    return base;
  };

  /** 401 without a token; 403 for a forged or expired one, or one for another conversation. */
  const authorise = (req: Request, res: Response, conversationId?: string): Authorised | undefined => {
    const token = bearerToken(req.header('authorization'));
    if (!token) {
      fail(res, 401, 'unauthorized', 'Send a Direct Line token as "Authorization: Bearer <token>".');
      return undefined;
    }
    const check = tokens.verify(token);
    if (!check.ok) {
      fail(res, 403, check.reason === 'expired' ? 'token_expired' : 'forbidden', check.reason === 'expired' ? 'The token has expired.' : 'The token is not valid.');
      return undefined;
    }
    if (conversationId !== undefined && check.claims.conversationId !== conversationId) {
      fail(res, 403, 'forbidden', 'The token is for another conversation.');
      return undefined;
    }
    return { claims: check.claims, token };
  };

  const conversationParam = (req: Request): string => String((req.params as Record<string, unknown> | undefined)?.conversationId ?? '');

  const streamUrl = (base: PublicBase, conversationId: string, token: string, watermark: number | undefined): string =>
    `${base.ws}/v3/directline/conversations/${encodeURIComponent(conversationId)}/stream?watermark=${watermark ?? ''}&t=${encodeURIComponent(token)}`;

  /** A conversation answer with a fresh token, so every reconnect also extends the session. */
  const conversationAnswer = (base: PublicBase, claims: TokenClaims, watermark: number | undefined) => {
    const issued = tokens.issue(subjectOf(claims));
    return {
      conversationId: claims.conversationId,
      token: issued.token,
      expires_in: issued.expiresIn,
      streamUrl: streamUrl(base, claims.conversationId, issued.token, watermark),
    };
  };

  /** Runs the bot; a failing turn is logged, never shown (the adapter's onTurnError tells the user). */
  const runTurn = async (activity: DirectLineActivity | Partial<Activity>, conversationId: string, clientAddress: string): Promise<void> => {
    try {
      await adapter.processActivity(toBotActivity(activity), logic, { clientAddress });
    } catch (err) {
      logger.error({ err, conversationId }, 'web chat turn failed');
    }
  };

  const isOriginAllowed = (req: Request, base: PublicBase | undefined): boolean => {
    if (allowedOrigins.length === 0) return true;
    const origin = req.header('origin');
    if (!origin) return false;
    if (allowedOrigins.includes(origin)) return true;
    // Our own pages (the demo page and the embed frame) may always ask; the scheme may differ behind a proxy.
    return base !== undefined && hostOf(origin) === hostOf(base.http);
  };

  const newConversationToken = async (req: Request, res: Response): Promise<void> => {
    res.setHeader('Cache-Control', 'no-store');
    const base = publicBaseFor(req, publicUrl);
    if (!isOriginAllowed(req, base)) {
      fail(res, 403, 'origin_not_allowed', 'This site may not start a web chat.');
      return;
    }
    try {
      await limiter.consume(clientIp(req));
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      tooMany(res, rejection.msBeforeNext, 'Too many chats started from this address; try again shortly.');
      return;
    }

    const userId = `dl_${randomBytes(12).toString('base64url')}`;
    if (azure) {
      const answer = await azureToken(azure, userId, logger);
      if (!answer) {
        fail(res, 502, 'directline_unavailable', 'The chat service could not be reached; try again shortly.');
        return;
      }
      res.send(200, { ...answer, userId });
      return;
    }
    const conversationId = randomBytes(18).toString('base64url');
    const issued = tokens.issue({ conversationId, userId });
    res.send(200, { token: issued.token, conversationId, expires_in: issued.expiresIn, userId });
  };

  const reissue = (refresh: boolean) => async (req: Request, res: Response): Promise<void> => {
    res.setHeader('Cache-Control', 'no-store');
    const auth = authorise(req, res);
    if (!auth) return;
    if (!(await readAllowed(req, res, auth.claims.conversationId))) return;
    const issued = refresh ? tokens.refresh(auth.token) : { ok: true as const, issued: tokens.issue(subjectOf(auth.claims)) };
    if (!issued.ok) {
      fail(res, 403, 'token_expired', 'The token has expired.');
      return;
    }
    res.send(200, { conversationId: auth.claims.conversationId, token: issued.issued.token, expires_in: issued.issued.expiresIn });
  };

  const startConversation = async (req: Request, res: Response): Promise<void> => {
    res.setHeader('Cache-Control', 'no-store');
    const auth = authorise(req, res);
    if (!auth) return;
    const base = baseOf(req, res);
    if (!base) return;
    const body = startConversationSchema.safeParse(req.body ?? undefined);
    if (!body.success) {
      fail(res, 400, 'bad_request', 'The conversation request is not valid.', { issues: issuesOf(body.error) });
      return;
    }
    const { conversationId, userId } = auth.claims;
    const locale = body.data?.locale;
    const { created, conversation } = await store.create({
      conversationId,
      ...(userId === undefined ? {} : { userId }),
      ...(locale === undefined ? {} : { locale }),
    });
    if (created) {
      // Like Azure, conversationUpdate goes to the bot only (never into the client's log): the bot greets.
      const user = userAccount(conversation);
      await runTurn(
        {
          type: 'conversationUpdate',
          id: `${conversationId}|start`,
          channelId: WEBCHAT_CHANNEL_ID,
          serviceUrl: `${base.http}/v3/directline`,
          conversation: { id: conversationId },
          from: user,
          recipient: adapter.botAccount,
          membersAdded: [adapter.botAccount, user],
          timestamp: new Date().toISOString(),
          ...(locale === undefined ? {} : { locale }),
        },
        conversationId,
        clientIp(req),
      );
    }
    res.send(created ? 201 : 200, conversationAnswer(base, auth.claims, undefined));
  };

  const reconnect = async (req: Request, res: Response): Promise<void> => {
    res.setHeader('Cache-Control', 'no-store');
    const conversationId = conversationParam(req);
    const auth = authorise(req, res, conversationId);
    if (!auth) return;
    if (!(await readAllowed(req, res, conversationId))) return;
    const base = baseOf(req, res);
    if (!base) return;
    const watermark = parseWatermark(req.query?.watermark);
    if (watermark === null) {
      fail(res, 400, 'bad_request', 'The watermark is not a number.');
      return;
    }
    if (!(await store.get(conversationId))) {
      fail(res, 404, 'conversation_not_found', 'The conversation has ended or expired.');
      return;
    }
    res.send(200, conversationAnswer(base, auth.claims, watermark));
  };

  const postActivity = async (req: Request, res: Response): Promise<void> => {
    const conversationId = conversationParam(req);
    const auth = authorise(req, res, conversationId);
    if (!auth) return;
    const base = baseOf(req, res);
    if (!base) return;
    // Charged before the body is looked at: invalid bodies cost us too. The conversation comes from the
    // token, so nobody can spend another conversation's budget.
    const address = clientIp(req);
    const kind = (req.body as { type?: unknown } | undefined)?.type === 'typing' ? 'typing' : 'turns';
    const waitMs = await activityLimiters.charge(kind, conversationId, address);
    if (waitMs !== undefined) {
      tooMany(res, waitMs, 'Too many messages in a short time; wait a moment and send again.');
      return;
    }
    const parsed = activitySchema.safeParse(req.body);
    if (!parsed.success) {
      fail(res, 400, 'bad_request', 'The activity is not valid.', { issues: issuesOf(parsed.error) });
      return;
    }
    const conversation = await store.get(conversationId);
    if (!conversation) {
      fail(res, 404, 'conversation_not_found', 'The conversation has ended or expired.');
      return;
    }
    const posted = parsed.data;
    const locale = posted.locale ?? conversation.locale;
    const activity = {
      ...dropUndefined(posted),
      channelId: WEBCHAT_CHANNEL_ID,
      serviceUrl: `${base.http}/v3/directline`,
      conversation: { id: conversationId },
      // The user is whoever the token names, whatever the body claims.
      from: userAccount(conversation, auth.claims.userId),
      recipient: adapter.botAccount,
      timestamp: new Date().toISOString(),
      ...(locale === undefined ? {} : { locale }),
    };
    // Every field has its own cap; together they may still be more than a chat message needs to keep.
    const size = JSON.stringify(activity).length;
    if (size > MAX_STORED_USER_ACTIVITY_CHARS) {
      fail(
        res,
        413,
        'activity_too_large',
        `The activity is ${size} characters once stored; at most ${MAX_STORED_USER_ACTIVITY_CHARS} are kept. Shorten the text, value, channelData, entities or attachments.`,
        { limit: MAX_STORED_USER_ACTIVITY_CHARS, size },
      );
      return;
    }
    try {
      if (posted.type === 'typing') {
        const shown = await store.publish(conversationId, activity);
        res.send(200, { id: shown.id });
        return;
      }
      const stored = await store.append(conversationId, activity);
      await runTurn(stored, conversationId, address);
      res.send(200, { id: stored.id });
    } catch (err) {
      if (!(err instanceof ConversationNotFoundError)) throw err;
      fail(res, 404, 'conversation_not_found', 'The conversation has ended or expired.');
    }
  };

  const getActivities = async (req: Request, res: Response): Promise<void> => {
    res.setHeader('Cache-Control', 'no-store');
    const conversationId = conversationParam(req);
    if (!authorise(req, res, conversationId)) return;
    if (!(await readAllowed(req, res, conversationId))) return;
    const watermark = parseWatermark(req.query?.watermark);
    if (watermark === null) {
      fail(res, 400, 'bad_request', 'The watermark is not a number.');
      return;
    }
    const set = await store.activitiesAfter(conversationId, watermark);
    if (!set) {
      fail(res, 404, 'conversation_not_found', 'The conversation has ended or expired.');
      return;
    }
    res.send(200, set);
  };

  const conversationPath = '/v3/directline/conversations/:conversationId';
  return [
    { method: 'post', path: '/api/webchat/token', name: 'webchat-token', handler: newConversationToken },
    { method: 'post', path: '/v3/directline/tokens/generate', name: 'directline-token-generate', handler: reissue(false) },
    { method: 'post', path: '/v3/directline/tokens/refresh', name: 'directline-token-refresh', handler: reissue(true) },
    { method: 'post', path: '/v3/directline/conversations', name: 'directline-conversation-start', handler: startConversation },
    { method: 'get', path: conversationPath, name: 'directline-conversation-reconnect', handler: reconnect },
    { method: 'post', path: `${conversationPath}/activities`, name: 'directline-activity-post', handler: postActivity },
    { method: 'get', path: `${conversationPath}/activities`, name: 'directline-activity-list', handler: getActivities },
  ];
}

/** The posted-activity limiters: `charge` answers how long to wait when a budget is spent, else undefined. */
function createActivityLimiters(limits: ActivityLimits): {
  charge(kind: keyof ActivityLimits, conversationId: string, clientAddress: string): Promise<number | undefined>;
} {
  const build = (kind: keyof ActivityLimits, scope: 'conversation' | 'client', windows: readonly RateWindow[]) =>
    windows.map(
      (window, i) => new RateLimiterMemory({ points: window.points, duration: window.seconds, keyPrefix: `webchat-${kind}-${scope}-${i}` }),
    );
  const limiters = {
    turns: { conversation: build('turns', 'conversation', limits.turns.perConversation), client: build('turns', 'client', limits.turns.perClient) },
    typing: { conversation: build('typing', 'conversation', limits.typing.perConversation), client: build('typing', 'client', limits.typing.perClient) },
    reads: { conversation: build('reads', 'conversation', limits.reads.perConversation), client: build('reads', 'client', limits.reads.perClient) },
  };
  return {
    async charge(kind, conversationId, clientAddress) {
      const charges = [
        ...limiters[kind].conversation.map((limiter) => limiter.consume(conversationId)),
        ...limiters[kind].client.map((limiter) => limiter.consume(clientAddress)),
      ];
      let waitMs: number | undefined;
      for (const outcome of await Promise.allSettled(charges)) {
        if (outcome.status === 'fulfilled') continue;
        if (!(outcome.reason instanceof RateLimiterRes)) throw outcome.reason;
        waitMs = Math.max(waitMs ?? 0, outcome.reason.msBeforeNext);
      }
      return waitMs;
    },
  };
}

/** Asks Azure's Direct Line for a token bound to a new conversation and to `userId`. */
async function azureToken(
  azure: NonNullable<DirectLineRoutesDeps['azure']>,
  userId: string,
  logger: Logger,
): Promise<{ token: string; conversationId: string; expires_in: number; domain: string } | undefined> {
  const baseUrl = (azure.baseUrl ?? AZURE_DIRECTLINE_BASE_URL).replace(/\/+$/, '');
  try {
    const response = await fetch(`${baseUrl}/v3/directline/tokens/generate`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${azure.secret}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ user: { id: userId } }),
      signal: AbortSignal.timeout(azure.timeoutMs ?? 5000),
    });
    if (!response.ok) {
      logger.warn({ status: response.status }, 'Azure Direct Line refused to generate a token');
      return undefined;
    }
    const answer = azureTokenSchema.safeParse(await response.json());
    if (!answer.success) {
      logger.warn('Azure Direct Line answered tokens/generate with an unexpected body');
      return undefined;
    }
    const { token, conversationId, expires_in } = answer.data;
    return { token, conversationId, expires_in, domain: `${baseUrl}/v3/directline` };
  } catch (err) {
    logger.warn({ err }, 'Azure Direct Line could not be reached');
    return undefined;
  }
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

function subjectOf(claims: TokenClaims): { conversationId: string; userId?: string } {
  return { conversationId: claims.conversationId, ...(claims.userId === undefined ? {} : { userId: claims.userId }) };
}

function userAccount(conversation: ConversationRecord, userId = conversation.userId): { id: string; role: 'user' } {
  return { id: userId ?? `user-${conversation.conversationId}`, role: 'user' };
}

/** botbuilder types timestamps as Dates; the log holds ISO strings. */
function toBotActivity(activity: DirectLineActivity | Partial<Activity>): Partial<Activity> {
  const { timestamp, ...rest } = activity as Record<string, unknown>;
  return { ...(rest as Partial<Activity>), ...(typeof timestamp === 'string' ? { timestamp: new Date(timestamp) } : {}) };
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function issuesOf(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.slice(0, 10).map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}
