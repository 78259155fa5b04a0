/**
 * The two-way hand-off: a case is stored, posted to every target, and then lives on. An agent's reply in
 * the Slack thread or Teams reply chain of the post (or from the inbox) reaches the person in their own
 * conversation; the person's next words go back under the post; "end" from either side closes it. Every
 * instance shares the store and the de-duplication, so each message is delivered once.
 */
import type { LocaleId } from '../../contracts';
import type { HandoffSummary } from '../../../dialogs/types';
import type { Logger } from '../../observability/logger';
import type { ActivityDedupe } from '../../storage/activity-dedupe';
import { createHandoffCase } from './handoff-case';
import type { HandoffRecord, HandoffStore, StoredReference } from './handoff-store';
import type { HandoffTarget, RelayLine } from './handoff-targets';

/** Where a hand-off came from: the person's conversation, as the bot saw it. */
export interface HandoffOrigin {
  channelId: string;
  conversationId: string;
  userName?: string;
  /** The storage key of the person's conversation (one open case per conversation). */
  conversationKey: string;
  reference: StoredReference;
  locale: LocaleId;
}

/** What became of a hand-off: a target took it, and an agent can answer in the person's conversation. */
export interface HandoffOutcome {
  accepted: boolean;
  live: boolean;
}

/** Reaches the person of a case, in their own conversation (the bot, through the proactive router). */
export interface PersonLine {
  /** Says an agent's words to the person, marked as a person of the help desk. */
  say(record: HandoffRecord, message: { name?: string; text: string }): Promise<void>;
  /** Tells the person's conversation the agent ended the case (the machine says so and returns to the bot). */
  end(record: HandoffRecord): Promise<void>;
}

/** A message from an agent: who, what, and the id of the message where it was written (for exactly-once). */
export interface AgentMessage {
  /** The agent's name as people see it; without one the person sees only "help desk" in their language. */
  name?: string;
  text: string;
  /** Unique per message at its source (Slack event id, Teams activity id, inbox request id). */
  messageId: string;
  /** Where it was written: 'slack', 'teams' or 'inbox'. */
  via: string;
}

/** What an agent's message did. */
export type AgentResult = 'delivered' | 'ended' | 'duplicate' | 'closed';

export interface HandoffDeskDeps {
  store: HandoffStore;
  targets: readonly HandoffTarget[];
  dedupe: ActivityDedupe;
  logger: Logger;
  /** Set late by the composition root: the person's side needs the bot, which needs the desk. */
  person: () => PersonLine | undefined;
  /** The admin inbox can answer cases (ADMIN_API_TOKEN is set): then every accepted case is live. */
  inbox?: boolean;
  now?: () => number;
  /** How long a relayed message id is remembered. Default one day. */
  dedupeTtlMs?: number;
}

/** The two-way hand-off desk. */
export interface HandoffDesk {
  readonly targets: readonly HandoffTarget[];
  handoff(summary: HandoffSummary, origin: HandoffOrigin): Promise<HandoffOutcome>;
  /** The person wrote while their case is live: into the transcript and under the post. */
  fromPerson(conversationKey: string, text: string, name?: string): Promise<boolean>;
  /** An agent wrote to a case: to the person (or, for "end", closes it). */
  fromAgent(record: HandoffRecord, message: AgentMessage): Promise<AgentResult>;
  /** The person left the live case ("end", "start over"): closes it and tells the help desk. */
  endByPerson(conversationKey: string): Promise<boolean>;
  /** Closes a case from the help desk's side and returns the person to the bot. */
  endByAgent(record: HandoffRecord, name?: string): Promise<boolean>;
  store: HandoffStore;
}

/** What an agent types to close a case (the post says `end`); compared after trimming, any case. */
const END_WORDS = new Set(['end', '/end', 'end case', 'close', '/close']);

/** True when an agent's message asks to close the case. */
export function isEndCommand(text: string): boolean {
  return END_WORDS.has(text.trim().toLowerCase());
}

/** Longest message relayed either way (Slack's and Teams' own limits are larger). */
export const MAX_RELAY_CHARS = 4000;

/** Builds the desk on the shared store and de-duplication. */
export function createHandoffDesk({
  store,
  targets,
  dedupe,
  logger,
  person,
  inbox = false,
  now = Date.now,
  dedupeTtlMs = 24 * 60 * 60 * 1000,
}: HandoffDeskDeps): HandoffDesk {
  const log = logger.child({ component: 'handoff-desk' });
  const at = () => new Date(now()).toISOString();

  /** Posts a line under the case's post at every two-way target; a failing target is logged, not thrown. */
  const relay = async (record: HandoffRecord, line: RelayLine): Promise<void> => {
    await Promise.all(
      targets.map(async (target) => {
        if (!target.relay) return;
        try {
          await target.relay(record.links, line);
        } catch (err) {
          log.warn({ err, target: target.name, caseId: record.id }, 'could not relay a line of a live case');
        }
      }),
    );
  };

  const close = async (record: HandoffRecord, by: 'person' | 'agent', name?: string): Promise<boolean> => {
    // Exactly one caller (of any instance) wins the transition and announces the end.
    if (!(await store.transition(record.id, ['waiting', 'active'], 'ended', { endedBy: by }))) return false;
    log.info({ caseId: record.id, by }, 'live hand-off ended');
    await relay(record, {
      kind: 'closed',
      ...(name ? { name } : {}),
      text: by === 'person' ? 'The person ended the chat and is back with the bot.' : 'The person is back with the bot.',
    });
    if (by === 'agent') await person()?.end(record);
    return true;
  };

  return {
    targets,
    store,
    async handoff(summary, origin) {
      if (targets.length === 0) return { accepted: false, live: false };
      const handoff = createHandoffCase(
        summary,
        { channelId: origin.channelId, conversationId: origin.conversationId, userName: origin.userName },
        now,
      );
      const record: HandoffRecord = {
        id: handoff.id,
        createdAt: handoff.createdAt,
        status: 'waiting',
        conversationKey: origin.conversationKey,
        reference: origin.reference,
        locale: origin.locale,
        source: handoff.source,
        summary: handoff.summary,
        links: {},
      };
      // An earlier case of this conversation that is still open is superseded by the new one.
      const earlier = await store.openFor(origin.conversationKey);
      if (earlier) await store.transition(earlier.id, ['waiting', 'active'], 'ended', { endedBy: 'person' });
      await store.create(record);
      const results = await Promise.allSettled(targets.map((target) => target.deliver(handoff)));
      let links = {};
      results.forEach((result, index) => {
        if (result.status === 'rejected') {
          log.error({ err: result.reason, target: targets[index]?.name, caseId: handoff.id }, 'hand-off delivery failed');
        } else if (result.value) {
          links = { ...links, ...result.value };
        }
      });
      const accepted = results.some((result) => result.status === 'fulfilled');
      const twoWay = Object.keys(links).length > 0;
      if (twoWay) await store.setLinks(record.id, links);
      const live = accepted && (twoWay || inbox);
      // Nobody can answer this case here: it is not left open in the inbox.
      if (!live) await store.transition(record.id, ['waiting'], 'ended');
      log.info({ caseId: handoff.id, accepted, live }, 'case handed over');
      return { accepted, live };
    },
    async fromPerson(conversationKey, text, name) {
      const record = await store.openFor(conversationKey);
      if (!record) return false;
      const words = text.slice(0, MAX_RELAY_CHARS);
      await store.append(record.id, { at: at(), from: 'person', ...(name ? { name } : {}), text: words });
      await relay(record, { kind: 'person', ...(name ? { name } : {}), text: words });
      return true;
    },
    async fromAgent(record, message) {
      if (!(await dedupe.firstSeen(`handoff/agent/${message.via}/${encodeURIComponent(message.messageId)}`, dedupeTtlMs))) {
        return 'duplicate';
      }
      if (record.status === 'ended') return 'closed';
      if (isEndCommand(message.text)) return (await close(record, 'agent', message.name)) ? 'ended' : 'closed';
      const name = message.name?.trim().slice(0, 80) || undefined;
      if (!(await store.transition(record.id, ['waiting', 'active'], 'active', name ? { agentName: name } : {}))) return 'closed';
      const text = message.text.slice(0, MAX_RELAY_CHARS);
      await store.append(record.id, { at: at(), from: 'agent', ...(name ? { name } : {}), text });
      await person()?.say(record, { ...(name ? { name } : {}), text });
      // Words written in the inbox also show under the post, so agents in Slack or Teams see the whole case.
      if (message.via === 'inbox') await relay(record, { kind: 'agent', ...(name ? { name } : {}), text });
      return 'delivered';
    },
    async endByPerson(conversationKey) {
      const record = await store.openFor(conversationKey);
      return record ? close(record, 'person') : false;
    },
    endByAgent: (record, name) => close(record, 'agent', name),
  };
}
