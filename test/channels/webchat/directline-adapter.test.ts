import { ActivityEventNames, ActivityTypes, TurnContext, type Activity, type ConversationReference } from 'botbuilder';
import { createMemoryConversationStore, type ConversationEvent } from '../../../src/channels/webchat/conversation-store';
import { DirectLineAdapter } from '../../../src/channels/webchat/directline-adapter';
import { createEchoBot } from './helpers/echo-bot';
import { createFakeClock } from './helpers/fake-clock';

async function withConversation() {
  const clock = createFakeClock(Date.UTC(2030, 0, 2, 3, 4, 5));
  const store = createMemoryConversationStore();
  const adapter = new DirectLineAdapter({ store, botId: 'bot-1', botName: 'Doc', now: clock.now });
  await store.create({ conversationId: 'c1', userId: 'dl_u1' });
  const userMessage = (text: string): Partial<Activity> => ({
    type: 'message',
    id: `c1|in-${text}`,
    text,
    channelId: 'webchat',
    serviceUrl: 'http://127.0.0.1/v3/directline',
    conversation: { id: 'c1' } as Activity['conversation'],
    from: { id: 'dl_u1', name: '', role: 'user' },
    recipient: { id: 'bot-1', name: 'Doc', role: 'bot' },
  });
  return { store, adapter, userMessage };
}

describe('DirectLineAdapter', () => {
  it('logs what the bot sends, stamped as the bot and as a reply', async () => {
    const { store, adapter, userMessage } = await withConversation();
    const bot = createEchoBot();
    await adapter.processActivity(userMessage('hi'), bot.logic);
    const { activities } = (await store.activitiesAfter('c1', undefined)) ?? { activities: [] };
    expect(activities).toHaveLength(1);
    expect(activities[0]).toMatchObject({
      id: 'c1|0000001',
      type: 'message',
      text: 'echo: hi',
      channelId: 'webchat',
      conversation: { id: 'c1' },
      from: { id: 'bot-1', name: 'Doc', role: 'bot' },
      recipient: { id: 'dl_u1', role: 'user' },
      replyToId: 'c1|in-hi',
      timestamp: '2030-01-02T03:04:05.000Z',
    });
    expect(bot.received[0]?.text).toBe('hi');
  });

  it('never lets bot code pose as someone else', async () => {
    const { store, adapter, userMessage } = await withConversation();
    await adapter.processActivity(userMessage('x'), async (context) => {
      await context.sendActivity({ type: 'message', text: 'sneaky', from: { id: 'dl_u1', name: 'User', role: 'user' } });
    });
    const logged = (await store.activitiesAfter('c1', undefined))?.activities[0];
    expect(logged?.from).toEqual({ id: 'bot-1', name: 'Doc', role: 'bot' });
  });

  it('updates a card in place under its id and deletes on request', async () => {
    const { store, adapter, userMessage } = await withConversation();
    await adapter.processActivity(userMessage('x'), async (context) => {
      const sent = await context.sendActivity('checking the site');
      await context.sendActivity('another line');
      await context.updateActivity({ id: sent?.id, type: 'message', text: 'the site is up' });
      const doomed = await context.sendActivity('temporary');
      await context.deleteActivity(doomed?.id ?? '');
    });
    const { activities } = (await store.activitiesAfter('c1', undefined)) ?? { activities: [] };
    expect(activities.map((a) => [a.id, a.text])).toEqual([
      ['c1|0000002', 'another line'],
      ['c1|0000001', 'the site is up'],
    ]);
  });

  it('shows typing live without logging it, and drops trace activities', async () => {
    const { store, adapter, userMessage } = await withConversation();
    const events: ConversationEvent[] = [];
    await store.subscribe('c1', (event) => events.push(event));
    await adapter.processActivity(userMessage('x'), async (context) => {
      await context.sendActivities([
        { type: ActivityTypes.Typing },
        { type: ActivityTypes.Trace, name: 'debug' },
        { type: 'delay', value: 1 },
      ]);
      await context.sendActivity('done');
    });
    expect(events.map((e) => [e.kind, e.kind === 'ended' ? null : e.activity.type])).toEqual([
      ['transient', 'typing'],
      ['logged', 'message'],
    ]);
    expect((await store.activitiesAfter('c1', undefined))?.activities.map((a) => a.type)).toEqual(['message']);
  });

  it('sends proactive messages into a stored conversation', async () => {
    const { store, adapter, userMessage } = await withConversation();
    let reference: Partial<ConversationReference> | undefined;
    await adapter.processActivity(userMessage('watch it'), async (context) => {
      reference = TurnContext.getConversationReference(context.activity);
    });
    if (!reference) throw new Error('no reference captured');
    await adapter.continueConversationAsync('ignored-app-id', reference, async (context) => {
      expect(context.activity).toMatchObject({
        type: ActivityTypes.Event,
        name: ActivityEventNames.ContinueConversation,
        channelId: 'webchat',
      });
      await context.sendActivity("it's back");
    });
    const logged = (await store.activitiesAfter('c1', undefined))?.activities ?? [];
    expect(logged.map((a) => a.text)).toEqual(["it's back"]);
    expect(logged[0]).toMatchObject({ from: { role: 'bot' }, recipient: { id: 'dl_u1' }, conversation: { id: 'c1' } });
  });

  it('fails a proactive message for a conversation that is gone', async () => {
    const { adapter } = await withConversation();
    await expect(
      adapter.continueConversation(
        { conversation: { id: 'gone' } as ConversationReference['conversation'], user: { id: 'u', name: '' } },
        async (context) => {
          await context.sendActivity('hello?');
        },
      ),
    ).rejects.toMatchObject({ code: 'conversation_not_found' });
  });

  it('runs the turns of one conversation one after another', async () => {
    const { adapter, userMessage } = await withConversation();
    const order: string[] = [];
    let releaseFirst: () => void = () => undefined;
    const firstMayFinish = new Promise<void>((resolve) => (releaseFirst = resolve));
    const first = adapter.processActivity(userMessage('first'), async () => {
      order.push('first started');
      await firstMayFinish;
      order.push('first ended');
    });
    const second = adapter.processActivity(userMessage('second'), async () => {
      order.push('second started');
    });
    await new Promise((resolve) => setImmediate(resolve));
    releaseFirst();
    await Promise.all([first, second]);
    expect(order).toEqual(['first started', 'first ended', 'second started']);
  });
});
