/**
 * What the Direct Line route factories draw from, resolved once by `createDirectLineRoutes` (defaults applied).
 * Each factory takes the `Pick` of it that it uses, so a route's dependencies show in its signature.
 */
import type { ChannelAccount } from 'botbuilder';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Request } from 'restify';
import type { Logger } from '../../../observability/logger';
import type { ConversationStore } from '../conversation-store';
import type { TokenService } from '../tokens';
import type { ActivityLimiters } from './activity-limits';
import type { PostedActivitySchema } from './activity-schemas';
import type { RunTurn } from './bot-turn';

/** Azure's Direct Line, used for `/api/webchat/token` when DIRECTLINE_SECRET is set. */
export interface AzureDirectLine {
  secret: string;
  /** Without a trailing slash. */
  baseUrl: string;
  timeoutMs: number;
}

export interface DirectLineRouteDeps {
  tokens: TokenService;
  store: ConversationStore;
  /** The bot as activities name it. */
  botAccount: ChannelAccount;
  logger: Logger;
  /** The client's address, for every per-client limit. */
  clientIp: (req: Request) => string;
  /** The configured public origin; each request's own when undefined. */
  publicUrl: string | undefined;
  /** Origins whose pages may ask for a token; empty: any. */
  allowedOrigins: readonly string[];
  /** Limits `POST /api/webchat/token` per client address. */
  tokenLimiter: RateLimiterAbstract;
  activityLimiters: ActivityLimiters;
  activitySchema: PostedActivitySchema;
  runTurn: RunTurn;
  azure: AzureDirectLine | undefined;
}
