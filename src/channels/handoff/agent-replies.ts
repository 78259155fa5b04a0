/**
 * Where agents answer a case: a reply in the Slack thread of the case's post (Events API `message` with
 * `thread_ts`, from a human) or in the Teams reply chain of its card (`<channel>;messageid=<id>` on
 * /api/messages). Each is recognised by the link the target stored, and handed to the desk.
 */
import type { WebClient } from '@slack/web-api';
import { TurnContext } from 'botbuilder';
import type { Logger } from '../../observability/logger';
import { plainTextFromSlack } from '../slack/slack-activities';
import { messageEventSchema, type SlackEventCallback } from '../slack/slack-payloads';
import type { HandoffDesk } from './handoff-desk';
import { slackLink, teamsLink } from './handoff-store';

/** Reads an agent's reply in a case's Slack thread; resolves true when the event was one (and was handled). */
export type SlackThreadListener = (envelope: SlackEventCallback) => Promise<boolean>;

/** Agents' display names: looked up once per user (users.info), never failing the relay. */
function createNameLookup(
  clientFor: ((teamId: string) => Promise<WebClient>) | undefined,
  logger: Logger,
): (teamId: string, userId: string) => Promise<string> {
  const names = new Map<string, string>();
  return async (teamId, userId) => {
    const known = names.get(`${teamId}/${userId}`);
    if (known) return known;
    let name = 'Help desk';
    try {
      const answer = await (await clientFor?.(teamId))?.users.info({ user: userId });
      const user = answer?.user;
      name = user?.profile?.display_name || user?.real_name || user?.name || name;
    } catch (err) {
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not look up a help desk agent’s name');
    }
    // Bounded: a handful of agents, but never growing without limit.
    if (names.size > 1000) names.clear();
    names.set(`${teamId}/${userId}`, name.slice(0, 80));
    return name;
  };
}

/** The Slack side: a human's message in the thread of a case's post reaches the person. */
export function createSlackThreadListener({
  desk,
  clientFor,
  logger,
}: {
  desk: HandoffDesk;
  /** The Web API client of a team (the Slack adapter's), for agents' names. */
  clientFor?: (teamId: string) => Promise<WebClient>;
  logger: Logger;
}): SlackThreadListener {
  const nameOf = createNameLookup(clientFor, logger);
  return async (envelope) => {
    if (envelope.event.type !== 'message') return false;
    const parsed = messageEventSchema.safeParse(envelope.event);
    if (!parsed.success) return false;
    const event = parsed.data;
    if (!event.thread_ts || event.thread_ts === event.ts) return false;
    const record = await desk.store.byLink(slackLink(event.channel, event.thread_ts));
    if (!record) return false;
    // The bot's own relays, edits, joins and other subtypes in the thread are not an agent speaking.
    const botUserId = envelope.authorizations?.[0]?.user_id;
    if (event.bot_id || event.subtype || !event.user || event.user === botUserId) return true;
    const text = plainTextFromSlack(event.text ?? '').trim();
    if (text === '') return true;
    await desk.fromAgent(record, {
      name: await nameOf(envelope.team_id, event.user),
      text,
      messageId: `${envelope.team_id}/${event.ts}`,
      via: 'slack',
    });
    return true;
  };
}

/** The Teams side: a message on a case's reply chain reaches the person. For the bot's `fromChannelAgent`. */
export function createTeamsChainListener({ desk }: { desk: HandoffDesk }): (context: TurnContext) => Promise<boolean> {
  return async (context) => {
    const activity = context.activity;
    const conversationId = activity.conversation?.id;
    if (activity.channelId !== 'msteams' || !conversationId?.includes(';messageid=')) return false;
    const record = await desk.store.byLink(teamsLink(conversationId));
    if (!record) return false;
    const raw = TurnContext.removeRecipientMention(activity) ?? activity.text ?? '';
    const text = typeof raw === 'string' ? raw.trim() : '';
    if (text === '') return true;
    await desk.fromAgent(record, {
      name: activity.from?.name || 'Help desk',
      text,
      messageId: activity.id ?? `${conversationId}/${activity.timestamp?.toString() ?? ''}/${text.slice(0, 40)}`,
      via: 'teams',
    });
    return true;
  };
}
