/**
 * A botbuilder adapter for the self-hosted Direct Line endpoint: the bot runs in this process, and what it
 * sends lands in the conversation store, where the polling GET and the WebSocket stream pick it up.
 */
import {
  ActivityTypes,
  TurnContext,
  type Activity,
  type ChannelAccount,
  type ConversationReference,
  type ResourceResponse,
} from 'botbuilder';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKeyedLock } from '../../storage/keyed-lock';
import type { ConversationStore, NewActivity } from './conversation-store';
import { HostedAdapter, type TurnLogic } from '../hosted-adapter';
import { CLIENT_ADDRESS_KEY } from '../turn-client';

/** The channel id every web chat activity carries. */
export const WEBCHAT_CHANNEL_ID = 'webchat';

export interface DirectLineAdapterOptions {
  store: ConversationStore;
  /** The bot's account id in activities' `from` / `recipient`. */
  botId?: string;
  botName?: string;
  /** Milliseconds since the epoch; stamps `timestamp` on what the bot sends. */
  now?: () => number;
  /** Longest pause a `delay` activity may ask for (it holds the turn, and so the user's POST). */
  maxDelayMs?: number;
}

/** What the channel knows about a turn besides the activity (it comes from the request, not the body). */
export interface TurnOrigin {
  /** The client's network address, for per-client limits; see turn-client.ts. */
  clientAddress?: string;
}

/** Runs the bot for Direct Line activities and stores its replies. */
export class DirectLineAdapter extends HostedAdapter {
  readonly store: ConversationStore;
  /** The bot as it appears in activities (`role: 'bot'`). */
  readonly botAccount: ChannelAccount;
  private readonly now: () => number;
  private readonly maxDelayMs: number;
  // One turn at a time per conversation: a double-clicked card button must not race the first click.
  private readonly turns = createKeyedLock();

  constructor({
    store,
    botId = 'gateway-doctor',
    botName = 'Gateway Doctor',
    now = Date.now,
    maxDelayMs = 5000,
  }: DirectLineAdapterOptions) {
    super();
    this.store = store;
    this.botAccount = { id: botId, name: botName, role: 'bot' };
    this.now = now;
    this.maxDelayMs = maxDelayMs;
  }

  /** Runs `logic` (the bot) for an activity that already carries a conversation, user and ids. */
  async processActivity(activity: Partial<Activity>, logic: TurnLogic, origin: TurnOrigin = {}): Promise<void> {
    const conversationId = activity.conversation?.id;
    if (!conversationId) throw new Error('processActivity needs activity.conversation.id');
    await this.turns.run(conversationId, async () => {
      const context = new TurnContext(this, activity);
      if (origin.clientAddress) context.turnState.set(CLIENT_ADDRESS_KEY, origin.clientAddress);
      await this.runMiddleware(context, logic);
    });
  }

  override async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const responses: ResourceResponse[] = [];
    for (const activity of activities) {
      if (activity.type === 'delay') {
        const wanted = typeof activity.value === 'number' ? activity.value : 1000;
        await sleep(Math.min(Math.max(0, wanted), this.maxDelayMs));
        responses.push({ id: '' });
      } else if (activity.type === ActivityTypes.InvokeResponse || activity.type === ActivityTypes.Trace) {
        // Direct Line clients have no use for either (and trace is for the Emulator only).
        responses.push({ id: '' });
      } else {
        const conversationId = this.conversationIdOf(activity, context);
        const outgoing = this.outgoing(activity, context);
        const stored =
          activity.type === ActivityTypes.Typing
            ? await this.store.publish(conversationId, outgoing)
            : await this.store.append(conversationId, outgoing);
        responses.push({ id: stored.id });
      }
    }
    return responses;
  }

  override async updateActivity(context: TurnContext, activity: Partial<Activity>): Promise<ResourceResponse | undefined> {
    if (!activity.id) throw new Error('updateActivity needs the id of the activity to replace');
    const conversationId = this.conversationIdOf(activity, context);
    const replaced = await this.store.replace(conversationId, { ...this.outgoing(activity, context), id: activity.id });
    if (!replaced) throw new Error('updateActivity: no such activity in this conversation');
    return { id: activity.id };
  }

  override async deleteActivity(context: TurnContext, reference: Partial<ConversationReference>): Promise<void> {
    const conversationId = reference.conversation?.id ?? context.activity.conversation?.id;
    if (!conversationId || !reference.activityId) throw new Error('deleteActivity needs a conversation and an activity id');
    await this.store.remove(conversationId, reference.activityId);
  }

  /** A proactive turn ("it's back") speaks as this bot, on the web chat channel, whatever the reference says. */
  protected override proactiveReference(reference: Partial<ConversationReference>): Partial<ConversationReference> {
    return { ...reference, bot: this.botAccount, channelId: WEBCHAT_CHANNEL_ID };
  }

  private conversationIdOf(activity: Partial<Activity>, context: TurnContext): string {
    const conversationId = activity.conversation?.id ?? context.activity.conversation?.id;
    if (!conversationId) throw new Error('The activity names no conversation');
    return conversationId;
  }

  /**
   * Stamps what the channel owns; `from` is always the bot's account, whatever the bot code set, except its
   * display name (a help desk agent's words relayed by the bot carry the agent's name).
   */
  private outgoing(activity: Partial<Activity>, context: TurnContext): NewActivity {
    const { id: _ignoredId, ...rest } = activity;
    const conversationId = this.conversationIdOf(activity, context);
    const recipient = activity.recipient ?? context.activity.from;
    const replyToId = activity.replyToId ?? context.activity.id;
    const stamped = {
      ...rest,
      type: activity.type ?? ActivityTypes.Message,
      channelId: WEBCHAT_CHANNEL_ID,
      conversation: { id: conversationId },
      from: activity.from?.name ? { ...this.botAccount, name: activity.from.name } : this.botAccount,
      ...(recipient ? { recipient } : {}),
      ...(replyToId ? { replyToId } : {}),
      timestamp: new Date(this.now()).toISOString(),
    };
    return stamped;
  }
}
