/**
 * The base of the adapters for channels this process hosts itself (web chat's Direct Line, Slack, the
 * terminal). The bot and the channel live in the same process, so a proactive turn needs only the stored
 * conversation reference: no app id, claims identity or audience as Bot Framework's own channels do.
 */
import { ActivityEventNames, ActivityTypes, BotAdapter, TurnContext, type ConversationReference } from 'botbuilder';

/** The bot's turn logic, e.g. `(context) => bot.run(context)`. */
export type TurnLogic = (context: TurnContext) => Promise<void>;

/** A botbuilder adapter for a channel served by this process; subclasses deliver what the bot sends. */
export abstract class HostedAdapter extends BotAdapter {
  /** Runs `logic` in a stored conversation, for proactive messages such as "the site is back". */
  override async continueConversation(reference: Partial<ConversationReference>, logic: TurnLogic): Promise<void> {
    // The same event CloudAdapter raises for a proactive turn, so the bot sees one kind whatever the channel.
    const activity = TurnContext.applyConversationReference(
      { type: ActivityTypes.Event, name: ActivityEventNames.ContinueConversation },
      this.proactiveReference(reference),
      true,
    );
    await this.runMiddleware(new TurnContext(this, activity), logic);
  }

  /** Same as `continueConversation`: the app id or claims identity, and the audience, mean nothing here. */
  override async continueConversationAsync(
    _botAppIdOrClaimsIdentity: unknown,
    reference: Partial<ConversationReference>,
    logicOrAudience: TurnLogic | string,
    maybeLogic?: TurnLogic,
  ): Promise<void> {
    const logic = typeof logicOrAudience === 'function' ? logicOrAudience : maybeLogic;
    if (!logic) throw new Error('continueConversationAsync needs the logic to run');
    await this.continueConversation(reference, logic);
  }

  /** The reference a proactive turn runs with; a channel that stamps its own bot or channel id overrides this. */
  protected proactiveReference(reference: Partial<ConversationReference>): Partial<ConversationReference> {
    return reference;
  }
}
