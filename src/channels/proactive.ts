/**
 * Proactive messages ("it's back") go out through the adapter of the channel the conversation lives on.
 */
import type { BotAdapter, ConversationReference, TurnContext } from 'botbuilder';
import type { CloudAdapter } from 'botbuilder';

export interface ProactiveRouter {
  continue(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void>;
}

export interface ProactiveRouterOptions {
  /** Teams, the Emulator and Azure channels. */
  cloud: CloudAdapter;
  appId?: string;
  /** Adapters of channels we host ourselves, by channelId ('webchat', 'slack', 'console'). */
  hosted: Record<string, BotAdapter | undefined>;
}

export function createProactiveRouter({ cloud, appId, hosted }: ProactiveRouterOptions): ProactiveRouter {
  return {
    async continue(reference, logic) {
      const own = reference.channelId ? hosted[reference.channelId] : undefined;
      if (own) {
        await own.continueConversation(reference, logic);
        return;
      }
      await cloud.continueConversationAsync(appId ?? '', reference, logic);
    },
  };
}
