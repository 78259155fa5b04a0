/**
 * Conversation routes: start the conversation a token names (the bot greets on the first start), and
 * reconnect to it. Both answer with a fresh token and the WebSocket stream's URL.
 */
import type { Request, Response } from 'restify';
import type { RouteSpec } from '../../../server';
import { parseWatermark } from '../conversation-store';
import { WEBCHAT_CHANNEL_ID } from '../directline-adapter';
import type { PublicBase } from '../http-helpers';
import type { TokenClaims, TokenService } from '../tokens';
import { chargeRead } from './activity-limits';
import { startConversationSchema } from './activity-schemas';
import { userAccount } from './bot-turn';
import type { DirectLineRouteDeps } from './route-deps';
import { authorise, baseOf, CONVERSATION_PATH, conversationNotFound, conversationParam, fail, issuesOf, subjectOf } from './route-helpers';

/** `POST /v3/directline/conversations`: 201 and a greeting from the bot the first time, 200 after. */
export function createStartConversationRoute(
  deps: Pick<DirectLineRouteDeps, 'tokens' | 'store' | 'botAccount' | 'publicUrl' | 'clientIp' | 'runTurn'>,
): RouteSpec {
  const { tokens, store, botAccount, publicUrl, clientIp, runTurn } = deps;
  const handler = async (req: Request, res: Response): Promise<void> => {
    res.setHeader('Cache-Control', 'no-store');
    const auth = authorise(tokens, req, res);
    if (!auth) return;
    const base = baseOf(req, res, publicUrl);
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
          recipient: botAccount,
          membersAdded: [botAccount, user],
          timestamp: new Date().toISOString(),
          ...(locale === undefined ? {} : { locale }),
        },
        conversationId,
        clientIp(req),
      );
    }
    res.send(created ? 201 : 200, conversationAnswer(tokens, base, auth.claims, undefined));
  };
  return { method: 'post', path: '/v3/directline/conversations', name: 'directline-conversation-start', handler };
}

/** `GET /v3/directline/conversations/:conversationId`: reconnect, streaming from `?watermark=` on. */
export function createReconnectRoute(
  deps: Pick<DirectLineRouteDeps, 'tokens' | 'store' | 'activityLimiters' | 'publicUrl' | 'clientIp'>,
): RouteSpec {
  const { tokens, store, activityLimiters, publicUrl, clientIp } = deps;
  const handler = async (req: Request, res: Response): Promise<void> => {
    res.setHeader('Cache-Control', 'no-store');
    const conversationId = conversationParam(req);
    const auth = authorise(tokens, req, res, conversationId);
    if (!auth) return;
    if (!(await chargeRead(activityLimiters, res, conversationId, clientIp(req)))) return;
    const base = baseOf(req, res, publicUrl);
    if (!base) return;
    const watermark = parseWatermark(req.query?.watermark);
    if (watermark === null) {
      fail(res, 400, 'bad_request', 'The watermark is not a number.');
      return;
    }
    if (!(await store.get(conversationId))) {
      conversationNotFound(res);
      return;
    }
    res.send(200, conversationAnswer(tokens, base, auth.claims, watermark));
  };
  return { method: 'get', path: CONVERSATION_PATH, name: 'directline-conversation-reconnect', handler };
}

/** A conversation answer with a fresh token, so every reconnect also extends the session. */
function conversationAnswer(tokens: Pick<TokenService, 'issue'>, base: PublicBase, claims: TokenClaims, watermark: number | undefined) {
  const issued = tokens.issue(subjectOf(claims));
  return {
    conversationId: claims.conversationId,
    token: issued.token,
    expires_in: issued.expiresIn,
    streamUrl: streamUrl(base, claims.conversationId, issued.token, watermark),
  };
}

function streamUrl(base: PublicBase, conversationId: string, token: string, watermark: number | undefined): string {
  const path = `/v3/directline/conversations/${encodeURIComponent(conversationId)}/stream`;
  return `${base.ws}${path}?watermark=${watermark ?? ''}&t=${encodeURIComponent(token)}`;
}
