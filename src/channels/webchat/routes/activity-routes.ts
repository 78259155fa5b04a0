/**
 * Activity routes: post an activity to a conversation (validated, capped, charged, stored, then run by the bot)
 * and read its log from a watermark on.
 */
import type { Request, Response } from 'restify';
import type { RouteSpec } from '../../../server';
import { ConversationNotFoundError, parseWatermark } from '../conversation-store';
import { WEBCHAT_CHANNEL_ID } from '../directline-adapter';
import { chargeRead } from './activity-limits';
import { MAX_STORED_USER_ACTIVITY_CHARS } from './activity-schemas';
import { userAccount } from './bot-turn';
import type { DirectLineRouteDeps } from './route-deps';
import { authorise, baseOf, CONVERSATION_PATH, conversationNotFound, conversationParam, fail, issuesOf, tooMany } from './route-helpers';

/** `POST .../activities`: typing is shown to listeners only; messages and events are stored and run the bot. */
export function createPostActivityRoute(
  deps: Pick<
    DirectLineRouteDeps,
    'tokens' | 'store' | 'botAccount' | 'publicUrl' | 'clientIp' | 'activityLimiters' | 'activitySchema' | 'runTurn'
  >,
): RouteSpec {
  const { tokens, store, botAccount, publicUrl, clientIp, activityLimiters, activitySchema, runTurn } = deps;
  const handler = async (req: Request, res: Response): Promise<void> => {
    const conversationId = conversationParam(req);
    const auth = authorise(tokens, req, res, conversationId);
    if (!auth) return;
    const base = baseOf(req, res, publicUrl);
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
      conversationNotFound(res);
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
      recipient: botAccount,
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
        `The activity is ${size} characters once stored; at most ${MAX_STORED_USER_ACTIVITY_CHARS} are kept. ` +
          'Shorten the text, value, channelData, entities or attachments.',
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
      conversationNotFound(res);
    }
  };
  return { method: 'post', path: `${CONVERSATION_PATH}/activities`, name: 'directline-activity-post', handler };
}

/** `GET .../activities?watermark=`: the log after the watermark, one page at a time. */
export function createListActivitiesRoute(
  deps: Pick<DirectLineRouteDeps, 'tokens' | 'store' | 'activityLimiters' | 'clientIp'>,
): RouteSpec {
  const { tokens, store, activityLimiters, clientIp } = deps;
  const handler = async (req: Request, res: Response): Promise<void> => {
    res.setHeader('Cache-Control', 'no-store');
    const conversationId = conversationParam(req);
    if (!authorise(tokens, req, res, conversationId)) return;
    if (!(await chargeRead(activityLimiters, res, conversationId, clientIp(req)))) return;
    const watermark = parseWatermark(req.query?.watermark);
    if (watermark === null) {
      fail(res, 400, 'bad_request', 'The watermark is not a number.');
      return;
    }
    const set = await store.activitiesAfter(conversationId, watermark);
    if (!set) {
      conversationNotFound(res);
      return;
    }
    res.send(200, set);
  };
  return { method: 'get', path: `${CONVERSATION_PATH}/activities`, name: 'directline-activity-list', handler };
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
