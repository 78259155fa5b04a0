/**
 * The Teams cards and Slack messages with buttons the bot sent, remembered so that a click can redraw the
 * clicked one with the answer marked and its buttons gone.
 *
 * Kept in the conversation storage (`STORAGE`), not in the process: behind a load balancer the click may
 * reach another instance than the one that sent the card, and a restart must not leave old cards clickable.
 * Entries live as long as conversations do (STATE_TTL_DAYS) and are deleted when used. Keys name the channel
 * and the conversation as well as the activity, so a click can only redraw a card of its own conversation.
 */
import type { Storage } from 'botbuilder';
import { z } from 'zod';
import { LOCALES, type LocaleId } from '../../contracts';
import type { Reply } from '../../../dialogs/types';
import { conversationKey } from '../../storage/storage-keys';

/** What is remembered of a sent card: the reply it rendered and in which language. */
export interface RememberedCard {
  reply: Reply;
  locale: LocaleId;
}

export interface CardMemory {
  /** Remembers the card sent as activity `activityId` in a conversation. */
  remember(channelId: string, conversationId: string, activityId: string, card: RememberedCard): Promise<void>;
  /** The remembered card, forgotten as it is handed out (one redraw per card); undefined when unknown. */
  take(channelId: string, conversationId: string, activityId: string): Promise<RememberedCard | undefined>;
}

// Stored by any version of the fleet: checked on read, and a record of another shape is as good as none.
const choiceSchema = z.object({ intent: z.string(), labelKey: z.string() }).passthrough();
const rememberedSchema = z.object({
  reply: z.object({ key: z.string().min(1), choices: z.array(choiceSchema).optional() }).passthrough(),
  locale: z.enum(LOCALES),
});

function cardKey(channelId: string, conversationId: string, activityId: string): string {
  return `card/${conversationKey(channelId, conversationId).slice('conv/'.length)}/${encodeURIComponent(activityId)}`;
}

/** Card memory in a botbuilder Storage (memory, SQLite or Redis, as STORAGE says). */
export function createCardMemory(storage: Storage): CardMemory {
  return {
    async remember(channelId, conversationId, activityId, card) {
      await storage.write({ [cardKey(channelId, conversationId, activityId)]: { reply: card.reply, locale: card.locale } });
    },
    async take(channelId, conversationId, activityId) {
      const key = cardKey(channelId, conversationId, activityId);
      const stored = (await storage.read([key]))[key];
      if (stored === undefined) return undefined;
      await storage.delete([key]);
      const parsed = rememberedSchema.safeParse(stored);
      return parsed.success ? { reply: parsed.data.reply as unknown as Reply, locale: parsed.data.locale } : undefined;
    },
  };
}
