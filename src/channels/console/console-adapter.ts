/**
 * The terminal as a channel: a botbuilder adapter whose "service" is a callback that prints. It runs the
 * same bot and the same turn pipeline as Teams, Slack and web chat.
 */
import { randomUUID } from 'node:crypto';
import { ActivityTypes, TurnContext, type Activity, type ResourceResponse } from 'botbuilder';
import { HostedAdapter } from '../hosted-adapter';

export interface ConsoleAdapterOptions {
  /** Receives every activity the bot sends (messages and typing). */
  onActivity: (activity: Partial<Activity>) => void;
  locale?: string;
  conversationId?: string;
  userId?: string;
}

/** Runs bot logic for lines typed in a terminal. */
export class ConsoleAdapter extends HostedAdapter {
  readonly conversationId: string;
  private readonly userId: string;
  locale: string;

  constructor(private readonly options: ConsoleAdapterOptions) {
    super();
    this.conversationId = options.conversationId ?? `console-${randomUUID()}`;
    this.userId = options.userId ?? 'console-user';
    this.locale = options.locale ?? 'en';
  }

  /** The activity the bot sees for a typed line, or for a chosen option (`value`). */
  userActivity(partial: Partial<Activity>): Partial<Activity> {
    return {
      id: randomUUID(),
      channelId: 'console',
      serviceUrl: 'console://local',
      conversation: { id: this.conversationId, isGroup: false, conversationType: 'personal', name: 'console' },
      from: { id: this.userId, name: 'you', role: 'user' },
      recipient: { id: 'gateway-doctor', name: 'Gateway Doctor', role: 'bot' },
      timestamp: new Date(),
      locale: this.locale,
      ...partial,
    };
  }

  /** Delivers one activity to the bot and resolves when the turn is over. */
  async process(partial: Partial<Activity>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const context = new TurnContext(this, this.userActivity(partial));
    await this.runMiddleware(context, logic);
  }

  async sendActivities(_context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    return activities.map((activity) => {
      if (activity.type === ActivityTypes.Message || activity.type === ActivityTypes.Typing) this.options.onActivity(activity);
      return { id: randomUUID() };
    });
  }

  async updateActivity(_context: TurnContext, activity: Partial<Activity>): Promise<void> {
    this.options.onActivity(activity);
  }

  async deleteActivity(): Promise<void> {
    // Printed lines cannot be taken back.
  }
}
