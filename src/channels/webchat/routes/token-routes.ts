/**
 * Token routes: `POST /api/webchat/token` starts a chat for a web page (here, or at Azure's Direct Line), and
 * Direct Line's `tokens/generate` and `tokens/refresh` re-issue a token for the conversation it names.
 */
import { hostOf } from '../../../text/url';
import { randomBytes } from 'node:crypto';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { Request, Response } from 'restify';
import { z } from 'zod';
import type { Logger } from '../../../observability/logger';
import type { RouteSpec } from '../../../server';
import { publicBaseFor, type PublicBase } from '../http-helpers';
import { chargeRead } from './activity-limits';
import type { AzureDirectLine, DirectLineRouteDeps } from './route-deps';
import { authorise, fail, subjectOf, tooMany } from './route-helpers';

/** What Azure's tokens/generate answers. */
const azureTokenSchema = z.object({ conversationId: z.string().min(1), token: z.string().min(1), expires_in: z.number() });

/** `POST /api/webchat/token`: a token for a new conversation, for pages of allowed origins, a few per minute per address. */
export function createWebChatTokenRoute(
  deps: Pick<DirectLineRouteDeps, 'tokens' | 'logger' | 'clientIp' | 'publicUrl' | 'allowedOrigins' | 'tokenLimiter' | 'azure'>,
): RouteSpec {
  const { tokens, logger, clientIp, publicUrl, allowedOrigins, tokenLimiter, azure } = deps;
  const handler = async (req: Request, res: Response): Promise<void> => {
    res.setHeader('Cache-Control', 'no-store');
    if (!isOriginAllowed(req, allowedOrigins, publicBaseFor(req, publicUrl))) {
      fail(res, 403, 'origin_not_allowed', 'This site may not start a web chat.');
      return;
    }
    try {
      await tokenLimiter.consume(clientIp(req));
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
  return { method: 'post', path: '/api/webchat/token', name: 'webchat-token', handler };
}

type ReissueDeps = Pick<DirectLineRouteDeps, 'tokens' | 'activityLimiters' | 'clientIp'>;

/** `POST /v3/directline/tokens/generate`: a fresh token for the conversation and user the caller's token names. */
export function createTokenGenerateRoute(deps: ReissueDeps): RouteSpec {
  return { method: 'post', path: '/v3/directline/tokens/generate', name: 'directline-token-generate', handler: reissue(deps, false) };
}

/** `POST /v3/directline/tokens/refresh`: the caller's token, renewed, unless it has already expired. */
export function createTokenRefreshRoute(deps: ReissueDeps): RouteSpec {
  return { method: 'post', path: '/v3/directline/tokens/refresh', name: 'directline-token-refresh', handler: reissue(deps, true) };
}

/** Both re-issue routes: authorised and charged as reads, then a new token (refreshed, or issued anew). */
function reissue({ tokens, activityLimiters, clientIp }: ReissueDeps, refresh: boolean) {
  return async (req: Request, res: Response): Promise<void> => {
    res.setHeader('Cache-Control', 'no-store');
    const auth = authorise(tokens, req, res);
    if (!auth) return;
    if (!(await chargeRead(activityLimiters, res, auth.claims.conversationId, clientIp(req)))) return;
    const issued = refresh ? tokens.refresh(auth.token) : { ok: true as const, issued: tokens.issue(subjectOf(auth.claims)) };
    if (!issued.ok) {
      fail(res, 403, 'token_expired', 'The token has expired.');
      return;
    }
    res.send(200, { conversationId: auth.claims.conversationId, token: issued.issued.token, expires_in: issued.issued.expiresIn });
  };
}

/** Any origin when none is configured; else a listed one, or our own pages (the demo page and the embed frame). */
function isOriginAllowed(req: Request, allowedOrigins: readonly string[], base: PublicBase | undefined): boolean {
  if (allowedOrigins.length === 0) return true;
  const origin = req.header('origin');
  if (!origin) return false;
  if (allowedOrigins.includes(origin)) return true;
  // The scheme of our own origin may differ behind a proxy, so hosts are compared.
  return base !== undefined && hostOf(origin) === hostOf(base.http);
}

/** Asks Azure's Direct Line for a token bound to a new conversation and to `userId`. */
async function azureToken(
  azure: AzureDirectLine,
  userId: string,
  logger: Logger,
): Promise<{ token: string; conversationId: string; expires_in: number; domain: string } | undefined> {
  try {
    const response = await fetch(`${azure.baseUrl}/v3/directline/tokens/generate`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${azure.secret}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ user: { id: userId } }),
      signal: AbortSignal.timeout(azure.timeoutMs),
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
    return { token, conversationId, expires_in, domain: `${azure.baseUrl}/v3/directline` };
  } catch (err) {
    logger.warn({ err }, 'Azure Direct Line could not be reached');
    return undefined;
  }
}
