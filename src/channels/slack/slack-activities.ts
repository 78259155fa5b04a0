/**
 * Slack events and clicks -> Bot Framework message activities. Pure: the locale lookup and every call to
 * Slack live in the adapter. Conversation ids encode where to answer (`team:channel[:thread_ts]`), so a
 * stored conversation reference is all a proactive message needs.
 */
import { ActivityTypes, RoleTypes, type Activity } from 'botbuilder';
import {
  actionValueSchema,
  appMentionEventSchema,
  messageEventSchema,
  type SlackBlockActions,
  type SlackEventCallback,
} from './slack-payloads';
import { ACTION_ID_PREFIX } from '../render/block-kit';

/** `channelId` of every Slack activity. */
export const SLACK_CHANNEL_ID = 'slack';

/** Where in Slack a conversation lives. */
export interface SlackAddress {
  teamId: string;
  channel: string;
  threadTs?: string;
}

/** What the adapter keeps about the Slack origin of an inbound activity (`channelData.slack`). */
export interface SlackInboundData {
  teamId: string;
  channel: string;
  threadTs?: string;
  /** The Events API event id, or undefined for a click. */
  eventId?: string;
  /** `message`, `app_mention` or `block_actions`. */
  kind: string;
}

const SLACK_ID = /^[A-Z0-9]{1,64}$/i;
const SLACK_TS = /^\d{1,12}\.\d{1,12}$/;

/** `team:channel[:thread_ts]`: Slack ids and timestamps never contain ':'. */
export function slackConversationId({ teamId, channel, threadTs }: SlackAddress): string {
  return threadTs ? `${teamId}:${channel}:${threadTs}` : `${teamId}:${channel}`;
}

/** The inverse of `slackConversationId`; undefined for an id this channel did not make. */
export function parseSlackConversationId(conversationId: string | undefined): SlackAddress | undefined {
  const parts = conversationId?.split(':') ?? [];
  const [teamId, channel, threadTs] = parts;
  if (!teamId || !channel || parts.length > 3) return undefined;
  if (!SLACK_ID.test(teamId) || !SLACK_ID.test(channel)) return undefined;
  if (parts.length === 3 && !(threadTs && SLACK_TS.test(threadTs))) return undefined;
  return threadTs ? { teamId, channel, threadTs } : { teamId, channel };
}

/**
 * Slack's message markup -> the words the person saw: links become their label (Slack turns a typed
 * `example.com` into `<http://example.com|example.com>`), mentions become `@name`, and `&amp;` `&lt;` `&gt;`
 * become the characters they stand for. The result is plain text for understanding, never sent back as is.
 */
export function plainTextFromSlack(text: string): string {
  const readable = text.replace(/<([^<>]*)>/g, (_whole, inner: string) => {
    const bar = inner.indexOf('|');
    const target = bar === -1 ? inner : inner.slice(0, bar);
    const label = bar === -1 ? undefined : inner.slice(bar + 1);
    if (target.startsWith('@') || target.startsWith('#')) return label ? `${target[0]}${label.replace(/^[@#]/, '')}` : target;
    if (target.startsWith('!')) {
      // `<!here>`, `<!channel>`, `<!subteam^S123|@team>`, `<!date^...|fallback>`
      if (label) return label;
      return `@${target.slice(1).split('^')[0] ?? ''}`;
    }
    return label ?? target.replace(/^mailto:/, '');
  });
  return readable.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Removes mentions of the bot (or, if its id is unknown, the leading mention) from an `app_mention` text. */
export function stripBotMention(text: string, botUserId: string | undefined): string {
  const stripped = botUserId ? text.replace(botMentionPattern(botUserId), ' ') : text.replace(/^\s*<@[A-Z0-9]+(?:\|[^>]*)?>/i, ' ');
  return stripped.replace(/\s+/g, ' ').trim();
}

/** `<@U123>` or `<@U123|name>` for one bot id; a label ends before the next "<", so "<@U123|<@U123|..." is read once. */
export function botMentionPattern(botUserId: string): RegExp {
  return new RegExp(`<@${escapeRegExp(botUserId)}(?:\\|[^<>]*)?>`, 'g');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** An inbound activity before the adapter adds the person's locale. */
export type SlackInboundActivity = Partial<Activity> & { conversation: { id: string }; from: { id: string } };

/**
 * An Events API envelope -> a message activity, or undefined when the event is not for the bot: anything
 * a bot posted (including this one), edits, joins and other subtypes, channel messages without a mention,
 * and mentions inside a DM (the DM's own `message` event already carries them).
 */
export function activityFromEvent(
  envelope: SlackEventCallback,
  { followsThread = false }: { followsThread?: boolean } = {},
): SlackInboundActivity | undefined {
  const botUserId = envelope.authorizations?.[0]?.user_id;
  const kind = envelope.event.type;
  let channel: string;
  let user: string | undefined;
  let ts: string;
  let threadTs: string | undefined;
  let text: string;
  if (kind === 'message') {
    const parsed = messageEventSchema.safeParse(envelope.event);
    if (!parsed.success) return undefined;
    const event = parsed.data;
    if (event.bot_id || event.subtype) return undefined;
    if (event.channel_type !== 'im') {
      // A channel message is followed only in a thread the bot is already talking in, and only without a
      // mention of the bot (that one also arrives as `app_mention`, and is answered from there).
      const mentionsBot = botUserId !== undefined && (event.text ?? '').includes(`<@${botUserId}`);
      if (!followsThread || !event.thread_ts || mentionsBot) return undefined;
    }
    ({ channel, user, ts } = event);
    threadTs = event.thread_ts;
    text = plainTextFromSlack(event.text ?? '');
  } else if (kind === 'app_mention') {
    const parsed = appMentionEventSchema.safeParse(envelope.event);
    if (!parsed.success) return undefined;
    const event = parsed.data;
    if (event.bot_id || event.subtype || event.channel.startsWith('D')) return undefined;
    ({ channel, user, ts } = event);
    // A mention at the top of a channel starts its own thread, so two people asking in one channel
    // get two conversations instead of sharing one.
    threadTs = event.thread_ts ?? event.ts;
    text = plainTextFromSlack(stripBotMention(event.text ?? '', botUserId));
  } else {
    return undefined;
  }
  if (!user || user === botUserId) return undefined;

  const address: SlackAddress = { teamId: envelope.team_id, channel, ...(threadTs ? { threadTs } : {}) };
  const inbound: SlackInboundData = { ...address, eventId: envelope.event_id, kind };
  return {
    type: ActivityTypes.Message,
    channelId: SLACK_CHANNEL_ID,
    id: ts,
    timestamp: timestampFromTs(ts),
    text,
    conversation: conversationAccount(address, kind === 'message' && channel.startsWith('D')),
    from: { id: user, name: '', role: RoleTypes.User },
    recipient: { id: botUserId ?? envelope.api_app_id ?? 'bot', name: '', role: RoleTypes.Bot },
    channelData: { slack: inbound },
  };
}

/**
 * A `block_actions` payload -> a message activity whose `value` is the clicked button's value
 * (`{ gatewayDoctor: { intent } }`), or undefined when the click was not on one of our buttons.
 */
export function activityFromBlockActions(payload: SlackBlockActions): SlackInboundActivity | undefined {
  const teamId = payload.team?.id ?? payload.user.team_id;
  const channel = payload.channel?.id ?? payload.container?.channel_id;
  if (!teamId || !channel) return undefined;
  const action = payload.actions.find((candidate) => candidate.action_id.startsWith(ACTION_ID_PREFIX));
  if (!action?.value) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(action.value);
  } catch {
    return undefined;
  }
  const parsed = actionValueSchema.safeParse(value);
  if (!parsed.success) return undefined;

  const threadTs = payload.message?.thread_ts ?? payload.container?.thread_ts;
  const address: SlackAddress = { teamId, channel, ...(threadTs ? { threadTs } : {}) };
  const inbound: SlackInboundData = { ...address, kind: 'block_actions' };
  const messageTs = payload.message?.ts ?? payload.container?.message_ts;
  const actionTs = action.action_ts;
  return {
    type: ActivityTypes.Message,
    channelId: SLACK_CHANNEL_ID,
    ...(actionTs ? { id: `action:${actionTs}`, timestamp: timestampFromTs(actionTs) } : {}),
    ...(messageTs ? { replyToId: messageTs } : {}),
    text: '',
    value: parsed.data,
    conversation: conversationAccount(address, channel.startsWith('D')),
    from: { id: payload.user.id, name: '', role: RoleTypes.User },
    recipient: { id: payload.api_app_id ?? 'bot', name: '', role: RoleTypes.Bot },
    channelData: { slack: inbound },
  };
}

function conversationAccount(address: SlackAddress, direct: boolean): Activity['conversation'] {
  return {
    id: slackConversationId(address),
    isGroup: !direct,
    conversationType: direct ? 'personal' : 'channel',
    tenantId: address.teamId,
    name: '',
  };
}

function timestampFromTs(ts: string): Date | undefined {
  const seconds = Number(ts);
  return Number.isFinite(seconds) ? new Date(seconds * 1000) : undefined;
}
