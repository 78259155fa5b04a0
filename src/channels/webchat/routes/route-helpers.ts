/**
 * What every Direct Line route shares: errors answered in one shape, the public base for URLs, the caller's
 * token. Each helper takes what it needs as parameters, so a route's dependencies show in its signature.
 */
import type { Request, Response } from 'restify';
import type { z } from 'zod';
import { bearerToken, publicBaseFor, type PublicBase } from '../http-helpers';
import type { TokenClaims, TokenService } from '../tokens';

/** The path of one conversation; its activities live under `${CONVERSATION_PATH}/activities`. */
export const CONVERSATION_PATH = '/v3/directline/conversations/:conversationId';

/** Answers `{ error, message, ...extra }` with `status`; a 401 also names the scheme the client should use. */
export function fail(res: Response, status: number, error: string, message: string, extra: Record<string, unknown> = {}): void {
  if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
  res.send(status, { error, message, ...extra });
}

/** 429 with `Retry-After` in whole seconds (at least one), repeated in the body as `retryAfterSeconds`. */
export function tooMany(res: Response, msBeforeNext: number, message: string): void {
  const retryAfterSeconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  res.setHeader('Retry-After', String(retryAfterSeconds));
  fail(res, 429, 'too_many_requests', message, { retryAfterSeconds });
}

/** 404 for a conversation the store does not know (never started, ended or expired). */
export function conversationNotFound(res: Response): void {
  fail(res, 404, 'conversation_not_found', 'The conversation has ended or expired.');
}

/** The server as the client sees it, for URLs in an answer; answers 400 itself when the Host header is unusable. */
export function baseOf(req: Request, res: Response, publicUrl: string | undefined): PublicBase | undefined {
  const base = publicBaseFor(req, publicUrl);
  if (!base) fail(res, 400, 'bad_request', 'The Host header is missing or not a host name.');
  return base;
}

/** A request's verified token and what it says. */
export interface Authorised {
  claims: TokenClaims;
  token: string;
}

/**
 * The caller's token, verified (and bound to `conversationId` when given). Answers itself and returns undefined
 * otherwise: 401 without a token; 403 for a forged or expired one, or one for another conversation.
 */
export function authorise(
  tokens: Pick<TokenService, 'verify'>,
  req: Request,
  res: Response,
  conversationId?: string,
): Authorised | undefined {
  const token = bearerToken(req.header('authorization'));
  if (!token) {
    fail(res, 401, 'unauthorized', 'Send a Direct Line token as "Authorization: Bearer <token>".');
    return undefined;
  }
  const check = tokens.verify(token);
  if (!check.ok) {
    const expired = check.reason === 'expired';
    fail(res, 403, expired ? 'token_expired' : 'forbidden', expired ? 'The token has expired.' : 'The token is not valid.');
    return undefined;
  }
  if (conversationId !== undefined && check.claims.conversationId !== conversationId) {
    fail(res, 403, 'forbidden', 'The token is for another conversation.');
    return undefined;
  }
  return { claims: check.claims, token };
}

/** Whom a token names: the conversation, and the user when the token has one. */
export function subjectOf(claims: TokenClaims): { conversationId: string; userId?: string } {
  return { conversationId: claims.conversationId, ...(claims.userId === undefined ? {} : { userId: claims.userId }) };
}

/** The `:conversationId` of the route ('' when absent, which no token names). */
export function conversationParam(req: Request): string {
  return String((req.params as Record<string, unknown> | undefined)?.conversationId ?? '');
}

/** The first ten validation issues, as dotted paths and messages, for a 400 answer. */
export function issuesOf(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.slice(0, 10).map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}
