/** The adapter's outbound side against the fake Slack Web API: plain text, updates, proactive messages. */
import { ActivityEventNames, TurnContext, type ConversationReference } from 'botbuilder';
import type { SectionBlock } from '@slack/web-api';
import { SlackAdapter } from '../../../src/channels/slack/slack-adapter';
import { SlackLocaleCache } from '../../../src/channels/slack/slack-locale-cache';
import { createLogger } from '../../../src/observability/logger';
import { createFakeSlackApi, type FakeSlackApi } from '../../helpers/fake-slack-api';

const TOKEN = 'xoxb-adapter-test';
let api: FakeSlackApi;
let adapter: SlackAdapter;

beforeAll(async () => {
  api = await createFakeSlackApi({ token: TOKEN });
  adapter = new SlackAdapter({ botToken: TOKEN, apiUrl: api.url, logger: createLogger('silent'), retryConfig: { retries: 0 } });
});

afterAll(async () => {
  await api?.close();
});

function withContext(conversationId: string): TurnContext {
  return new TurnContext(adapter, {
    type: 'message',
    channelId: 'slack',
    id: '1.1',
    conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
    from: { id: 'U1', name: '' },
    recipient: { id: 'UBOT', name: '' },
  });
}

describe('SlackAdapter', () => {
  it('posts plain text as one escaped section, skips typing, and returns the message ts', async () => {
    const context = withContext('T1:D1');
    const before = api.callsTo('chat.postMessage').length;
    const [typing, posted] = await context.sendActivities([{ type: 'typing' }, { type: 'message', text: 'a <!here> & b' }]);
    expect(typing?.id).toBe('');
    const calls = api.callsTo('chat.postMessage').slice(before);
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    expect(posted?.id).toMatch(/^1700000000\.\d{6}$/);
    expect(call.args).toMatchObject({ channel: 'D1', text: 'a &lt;!here&gt; &amp; b', unfurl_links: 'false' });
    expect((call.args.blocks as SectionBlock[])[0]?.text?.text).toBe('a &lt;!here&gt; &amp; b');
  });

  it('updates a message with chat.update', async () => {
    const context = withContext('T1:C1:5.5');
    await context.updateActivity({ id: '1700000000.000001', type: 'message', text: 'now <b>' });
    const call = await api.waitForCall('chat.update');
    expect(call.args).toMatchObject({ channel: 'C1', ts: '1700000000.000001', text: 'now &lt;b&gt;' });
  });

  it('continues a stored conversation in its thread', async () => {
    const reference: Partial<ConversationReference> = {
      channelId: 'slack',
      conversation: { id: 'T1:C7:1699.0001', isGroup: true, conversationType: 'channel', name: '' },
      user: { id: 'U1', name: '' },
      bot: { id: 'UBOT', name: '' },
    };
    await adapter.continueConversationAsync('', reference, async (context) => {
      expect(context.activity.type).toBe('event');
      expect(context.activity.name).toBe(ActivityEventNames.ContinueConversation);
      await context.sendActivity('the site is back');
    });
    const call = await api.waitForCall('chat.postMessage', (c) => c.args.channel === 'C7');
    expect(call.args.thread_ts).toBe('1699.0001');
    expect(call.args.text).toBe('the site is back');
  });

  it('refuses to post into a conversation id that is not Slack’s', async () => {
    await expect(withContext('19:abc@thread.tacv2').sendActivity('hi')).rejects.toThrow(/Slack conversation/);
  });
});

describe('SlackLocaleCache', () => {
  it('remembers a locale for the TTL and shares concurrent lookups', async () => {
    let clock = 0;
    const asked: string[] = [];
    const cache = new SlackLocaleCache({
      ttlMs: 1000,
      now: () => clock,
      lookup: async (_team, user) => {
        asked.push(user);
        return 'fr-FR';
      },
    });
    expect(await Promise.all([cache.localeOf('T', 'U1'), cache.localeOf('T', 'U1')])).toEqual(['fr-FR', 'fr-FR']);
    clock = 999;
    await cache.localeOf('T', 'U1');
    expect(asked).toEqual(['U1']);
    clock = 1000;
    await cache.localeOf('T', 'U1');
    expect(asked).toEqual(['U1', 'U1']);
  });

  it('answers undefined when the lookup fails and waits before asking again', async () => {
    let clock = 0;
    let calls = 0;
    const errors: unknown[] = [];
    const cache = new SlackLocaleCache({
      failureTtlMs: 100,
      now: () => clock,
      onError: (err) => errors.push(err),
      lookup: async () => {
        calls += 1;
        throw new Error('missing_scope');
      },
    });
    expect(await cache.localeOf('T', 'U1')).toBeUndefined();
    expect(await cache.localeOf('T', 'U1')).toBeUndefined();
    expect(calls).toBe(1);
    clock = 100;
    await cache.localeOf('T', 'U1');
    expect(calls).toBe(2);
    expect(errors).toHaveLength(2);
  });

  it('forgets the oldest person beyond its size', async () => {
    const asked: string[] = [];
    const cache = new SlackLocaleCache({
      maxEntries: 2,
      lookup: async (_t, user) => {
        asked.push(user);
        return 'de-DE';
      },
    });
    await cache.localeOf('T', 'A');
    await cache.localeOf('T', 'B');
    await cache.localeOf('T', 'C');
    await cache.localeOf('T', 'B');
    await cache.localeOf('T', 'A');
    expect(asked).toEqual(['A', 'B', 'C', 'A']);
  });
});
