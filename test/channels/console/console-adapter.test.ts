/** The terminal's adapter on its own: the proactive turn it shares with the other channels this process hosts. */
import { ActivityEventNames, ActivityTypes, TurnContext, type Activity, type ConversationReference } from 'botbuilder';
import { ConsoleAdapter } from '../../../src/channels/console/console-adapter';

describe('ConsoleAdapter', () => {
  it('continues a stored conversation with the continue-conversation event and prints what the bot says', async () => {
    const printed: Partial<Activity>[] = [];
    const adapter = new ConsoleAdapter({ onActivity: (activity) => printed.push(activity), conversationId: 'console-1' });
    let reference: Partial<ConversationReference> | undefined;
    await adapter.process({ type: ActivityTypes.Message, text: 'watch example.com' }, async (context) => {
      reference = TurnContext.getConversationReference(context.activity);
    });
    if (!reference) throw new Error('no reference captured');

    const seen: Partial<Activity>[] = [];
    await adapter.continueConversationAsync('no-app-id-needed', reference, async (context) => {
      seen.push(context.activity);
      await context.sendActivity("it's back");
    });

    expect(seen).toEqual([
      expect.objectContaining({
        type: ActivityTypes.Event,
        name: ActivityEventNames.ContinueConversation,
        channelId: 'console',
        conversation: expect.objectContaining({ id: 'console-1' }),
      }),
    ]);
    expect(printed.map((activity) => activity.text)).toEqual(["it's back"]);
  });

  it('refuses a proactive turn without logic to run', async () => {
    const adapter = new ConsoleAdapter({ onActivity: () => undefined });
    const reference = { conversation: { id: 'c' } as ConversationReference['conversation'] };
    await expect(adapter.continueConversationAsync('', reference, 'audience')).rejects.toThrow(/needs the logic/);
  });
});
