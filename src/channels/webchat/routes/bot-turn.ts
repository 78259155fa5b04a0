/** Hands an activity the routes built to the bot, and names the user of a conversation. */
import type { Activity, TurnContext } from 'botbuilder';
import type { Logger } from '../../../observability/logger';
import type { ConversationRecord, DirectLineActivity } from '../conversation-store';
import type { DirectLineAdapter } from '../directline-adapter';

/** Runs the bot for one activity of `conversationId`, charging per-client limits to `clientAddress`. */
export type RunTurn = (activity: DirectLineActivity | Partial<Activity>, conversationId: string, clientAddress: string) => Promise<void>;

export interface TurnRunnerDeps {
  adapter: Pick<DirectLineAdapter, 'processActivity'>;
  /** The bot: usually `(context) => bot.run(context)` for an ActivityHandler. */
  logic: (context: TurnContext) => Promise<void>;
  logger: Logger;
}

/** A RunTurn whose failing turns are logged, never shown (the adapter's onTurnError tells the user). */
export function createTurnRunner({ adapter, logic, logger }: TurnRunnerDeps): RunTurn {
  return async (activity, conversationId, clientAddress) => {
    try {
      await adapter.processActivity(toBotActivity(activity), logic, { clientAddress });
    } catch (err) {
      logger.error({ err, conversationId }, 'web chat turn failed');
    }
  };
}

/** The user of a conversation as activities name it: the token's user, else the one it started with. */
export function userAccount(conversation: ConversationRecord, userId = conversation.userId): { id: string; role: 'user' } {
  return { id: userId ?? `user-${conversation.conversationId}`, role: 'user' };
}

/** botbuilder types timestamps as Dates; the log holds ISO strings. */
function toBotActivity(activity: DirectLineActivity | Partial<Activity>): Partial<Activity> {
  const { timestamp, ...rest } = activity as Record<string, unknown>;
  return { ...(rest as Partial<Activity>), ...(typeof timestamp === 'string' ? { timestamp: new Date(timestamp) } : {}) };
}
