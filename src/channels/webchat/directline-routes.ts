/**
 * Direct Line 3.0 over HTTP, self-hosted (the HTTP routes in README.md): token routes, conversations, activities, plus
 * `POST /api/webchat/token` that hands a web page a token for a new conversation. Everything that enters is
 * validated by these routes; the bot only ever sees activities they built.
 *
 * This module resolves the options once and lists the routes; each route is one small factory under routes/
 * (token-routes, conversation-routes, activity-routes) taking the dependencies it uses, and the pieces they share
 * (authorise, fail, tooMany, baseOf, the limiters, the schemas) are named helpers there.
 */
import type { TurnContext } from 'botbuilder';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Request } from 'restify';
import type { Logger } from '../../observability/logger';
import type { RouteSpec } from '../../server';
import type { DirectLineAdapter } from './directline-adapter';
import { createListActivitiesRoute, createPostActivityRoute } from './routes/activity-routes';
import {
  createActivityLimiters,
  createMemoryLimiter,
  createTokenLimiter,
  type ActivityLimits,
  type LimiterFactory,
} from './routes/activity-limits';
import { createPostedActivitySchema, DEFAULT_MAX_TEXT_LENGTH } from './routes/activity-schemas';
import { createTurnRunner } from './routes/bot-turn';
import { createReconnectRoute, createStartConversationRoute } from './routes/conversation-routes';
import type { AzureDirectLine, DirectLineRouteDeps } from './routes/route-deps';
import { createTokenGenerateRoute, createTokenRefreshRoute, createWebChatTokenRoute } from './routes/token-routes';
import type { TokenService } from './tokens';

// The routes' public surface, where the channel's barrel and the tests have always found it.
export { DEFAULT_ACTIVITY_LIMITS, type ActivityLimits, type LimiterFactory, type RateWindow } from './routes/activity-limits';
export { createPostedActivitySchema, MAX_STORED_USER_ACTIVITY_CHARS } from './routes/activity-schemas';

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
  /** Where the token and activity limiters keep their counts: this process by default, Redis for a fleet. */
  createLimiter?: LimiterFactory;
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

/** Builds the Direct Line and token routes for `createServer({ routes })`. */
export function createDirectLineRoutes(options: DirectLineRoutesDeps): RouteSpec[] {
  const { adapter, logic, tokens, logger, allowedOrigins = [], publicUrl, azure, maxTextLength = DEFAULT_MAX_TEXT_LENGTH } = options;
  const deps: DirectLineRouteDeps = {
    tokens,
    store: adapter.store,
    botAccount: adapter.botAccount,
    logger,
    clientIp: options.clientIp ?? ((req: Request) => req.socket.remoteAddress ?? 'unknown'),
    publicUrl,
    allowedOrigins,
    tokenLimiter: options.tokenRateLimiter ?? createTokenLimiter(options.createLimiter ?? createMemoryLimiter),
    activityLimiters: createActivityLimiters(options.activityLimits, options.createLimiter ?? createMemoryLimiter),
    activitySchema: createPostedActivitySchema(maxTextLength),
    runTurn: createTurnRunner({ adapter, logic, logger }),
    azure: azure && resolveAzure(azure),
  };
  return [
    createWebChatTokenRoute(deps),
    createTokenGenerateRoute(deps),
    createTokenRefreshRoute(deps),
    createStartConversationRoute(deps),
    createReconnectRoute(deps),
    createPostActivityRoute(deps),
    createListActivitiesRoute(deps),
  ];
}

/** Azure's options with their defaults: the public service, five seconds per token request. */
function resolveAzure(azure: NonNullable<DirectLineRoutesDeps['azure']>): AzureDirectLine {
  const baseUrl = (azure.baseUrl ?? AZURE_DIRECTLINE_BASE_URL).replace(/\/+$/, '');
  return { secret: azure.secret, baseUrl, timeoutMs: azure.timeoutMs ?? 5000 };
}
