/**
 * The bot the web chat tests talk to: a plain botbuilder ActivityHandler that greets new members, echoes
 * text, answers "card" with an Adaptive Card whose button submits { gatewayDoctor: { intent: 'yes' } },
 * and records every activity it received so tests can look at what really reached the bot.
 */
import { ActivityHandler, CardFactory, type Activity, type TurnContext } from 'botbuilder';
import { clientAddressOf } from '../../../../src/channels/turn-client';

/** The card button's payload, as the real bot's card actions carry it. */
export const CARD_SUBMIT_DATA = { gatewayDoctor: { intent: 'yes' } };

export interface EchoBot {
  logic: (context: TurnContext) => Promise<void>;
  /** Every activity the bot saw, in order. */
  received: Partial<Activity>[];
  /** The client address the channel put in each turn's turnState, in the same order. */
  clientAddresses: (string | undefined)[];
}

export function createEchoBot(): EchoBot {
  const received: Partial<Activity>[] = [];
  const clientAddresses: (string | undefined)[] = [];
  const bot = new ActivityHandler();
  bot.onTurn(async (context, next) => {
    received.push(JSON.parse(JSON.stringify(context.activity)) as Partial<Activity>);
    clientAddresses.push(clientAddressOf(context));
    await next();
  });
  bot.onMembersAdded(async (context, next) => {
    for (const member of context.activity.membersAdded ?? []) {
      if (member.id !== context.activity.recipient.id) await context.sendActivity('welcome');
    }
    await next();
  });
  bot.onMessage(async (context, next) => {
    const { text, value } = context.activity;
    if (value !== undefined) {
      // Plain words: the widget renders text as Markdown, which would curl the quotes of raw JSON.
      const intent = (value as { gatewayDoctor?: { intent?: unknown } }).gatewayDoctor?.intent;
      await context.sendActivity(`submitted intent ${String(intent)}`);
    } else if (text?.trim().toLowerCase() === 'card') {
      await context.sendActivity({
        attachments: [
          CardFactory.adaptiveCard({
            type: 'AdaptiveCard',
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            version: '1.5',
            body: [{ type: 'TextBlock', text: 'Is the site loading now?', wrap: true }],
            actions: [{ type: 'Action.Submit', title: 'Yes, it works', data: CARD_SUBMIT_DATA }],
          }),
        ],
      });
    } else {
      await context.sendActivity(`echo: ${text ?? ''}`);
    }
    await next();
  });
  return { logic: (context) => bot.run(context), received, clientAddresses };
}
