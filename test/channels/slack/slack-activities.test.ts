import {
  activityFromBlockActions,
  activityFromEvent,
  parseSlackConversationId,
  plainTextFromSlack,
  slackConversationId,
  stripBotMention,
} from '../../../src/channels/slack/slack-activities';
import type { SlackBlockActions, SlackEventCallback } from '../../../src/channels/slack/slack-payloads';

function envelope(event: Record<string, unknown>): SlackEventCallback {
  return {
    type: 'event_callback',
    team_id: 'T1',
    api_app_id: 'A1',
    event_id: 'Ev1',
    event: { type: 'message', ...event },
    authorizations: [{ user_id: 'UBOT' }],
  };
}

const dm = { type: 'message', channel: 'D1', channel_type: 'im', user: 'U1', text: 'hi', ts: '1700000000.000100' };

describe('conversation ids', () => {
  it('round-trip team, channel and thread', () => {
    expect(slackConversationId({ teamId: 'T1', channel: 'C1' })).toBe('T1:C1');
    expect(slackConversationId({ teamId: 'T1', channel: 'C1', threadTs: '1.2' })).toBe('T1:C1:1.2');
    expect(parseSlackConversationId('T1:C1:1.2')).toEqual({ teamId: 'T1', channel: 'C1', threadTs: '1.2' });
    expect(parseSlackConversationId('T1:C1')).toEqual({ teamId: 'T1', channel: 'C1' });
  });

  it('refuses ids another channel made', () => {
    expect(parseSlackConversationId('a:b:c:d')).toBeUndefined();
    expect(parseSlackConversationId('19:abc@thread.tacv2:')).toBeUndefined();
    expect(parseSlackConversationId('plain')).toBeUndefined();
    expect(parseSlackConversationId(undefined)).toBeUndefined();
  });
});

describe('plainTextFromSlack', () => {
  it('turns links into their label and mentions into @names', () => {
    expect(plainTextFromSlack('is <http://shop.example|shop.example> down?')).toBe('is shop.example down?');
    expect(plainTextFromSlack('see <https://shop.example/a?b=1&amp;c=2>')).toBe('see https://shop.example/a?b=1&c=2');
    expect(plainTextFromSlack('<!here> <!channel> <@U123> <@U9|ana> <#C1|general> <mailto:a@b.example|a@b.example>')).toBe(
      '@here @channel @U123 @ana #general a@b.example',
    );
  });

  it('decodes exactly the three entities Slack escapes', () => {
    expect(plainTextFromSlack('a &lt;b&gt; &amp;lt; &quot;')).toBe('a <b> &lt; &quot;');
  });
});

describe('stripBotMention', () => {
  it('removes the bot’s mentions and keeps other people’s', () => {
    expect(stripBotMention('<@UBOT> is it down? cc <@U2>', 'UBOT')).toBe('is it down? cc <@U2>');
    expect(stripBotMention('hey <@UBOT|doctor> help', 'UBOT')).toBe('hey help');
  });

  it('removes only the leading mention when the bot id is unknown', () => {
    expect(stripBotMention('<@UX> hello <@U2>', undefined)).toBe('hello <@U2>');
  });
});

describe('activityFromEvent', () => {
  it('makes a message activity from a DM', () => {
    expect(activityFromEvent(envelope(dm))).toMatchObject({
      type: 'message',
      channelId: 'slack',
      id: '1700000000.000100',
      text: 'hi',
      conversation: { id: 'T1:D1', isGroup: false, conversationType: 'personal', tenantId: 'T1' },
      from: { id: 'U1', role: 'user' },
      recipient: { id: 'UBOT', role: 'bot' },
      channelData: { slack: { teamId: 'T1', channel: 'D1', eventId: 'Ev1', kind: 'message' } },
    });
  });

  it('skips bots, subtypes, channel messages and DM mentions', () => {
    expect(activityFromEvent(envelope({ ...dm, bot_id: 'B1' }))).toBeUndefined();
    expect(activityFromEvent(envelope({ ...dm, subtype: 'message_changed' }))).toBeUndefined();
    expect(activityFromEvent(envelope({ ...dm, user: 'UBOT' }))).toBeUndefined();
    expect(activityFromEvent(envelope({ ...dm, channel: 'C1', channel_type: 'channel' }))).toBeUndefined();
    expect(activityFromEvent(envelope({ ...dm, type: 'app_mention', text: '<@UBOT> hi' }))).toBeUndefined();
    expect(activityFromEvent(envelope({ type: 'reaction_added', user: 'U1' }))).toBeUndefined();
    expect(activityFromEvent(envelope({ type: 'message', channel_type: 'im' }))).toBeUndefined();
  });

  it('makes a channel activity from an app_mention, in its thread', () => {
    const activity = activityFromEvent(
      envelope({ type: 'app_mention', channel: 'C1', user: 'U1', text: '<@UBOT> is it me?', ts: '5.6', thread_ts: '1.2' }),
    );
    expect(activity).toMatchObject({ text: 'is it me?', conversation: { id: 'T1:C1:1.2', isGroup: true } });
  });
});

describe('activityFromBlockActions', () => {
  const click: SlackBlockActions = {
    type: 'block_actions',
    api_app_id: 'A1',
    user: { id: 'U1', team_id: 'T1' },
    team: { id: 'T1' },
    channel: { id: 'D1' },
    container: { channel_id: 'D1', message_ts: '9.9' },
    actions: [{ type: 'button', action_id: 'gd_no', value: '{"gatewayDoctor":{"intent":"no"}}', action_ts: '10.1' }],
  };

  it('carries the button value and the message it answers', () => {
    expect(activityFromBlockActions(click)).toMatchObject({
      type: 'message',
      id: 'action:10.1',
      replyToId: '9.9',
      value: { gatewayDoctor: { intent: 'no' } },
      conversation: { id: 'T1:D1', isGroup: false },
      from: { id: 'U1' },
    });
  });

  it('keeps the state of the message the button was on, so a press on an old message is recognised', () => {
    const value = '{"gatewayDoctor":{"intent":"yes","state":"user.step.reload"}}';
    const old = { ...click, actions: [{ type: 'button', action_id: 'gd_yes', value, action_ts: '10.2' }] };
    expect(activityFromBlockActions(old)?.value).toEqual({ gatewayDoctor: { intent: 'yes', state: 'user.step.reload' } });
    const long = value.replace('user.step.reload', 'x'.repeat(101));
    expect(
      activityFromBlockActions({ ...old, actions: [{ type: 'button', action_id: 'gd_yes', value: long, action_ts: '10.3' }] }),
    ).toBeUndefined();
  });

  it('ignores values that are not one of our intents', () => {
    const withValue = (value: string): SlackBlockActions => ({
      ...click,
      actions: [{ type: 'button', action_id: 'gd_x', value, action_ts: '1.1' }],
    });
    expect(activityFromBlockActions(withValue('{"gatewayDoctor":{"intent":"format-disk"}}'))).toBeUndefined();
    expect(activityFromBlockActions(withValue('not json'))).toBeUndefined();
    expect(activityFromBlockActions({ ...click, actions: [{ type: 'button', action_id: 'other', value: '{}' }] })).toBeUndefined();
  });
});
