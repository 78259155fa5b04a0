/**
 * The one bot every channel runs: a thin translator from Bot Framework activities to the channel-neutral
 * turn runner and back. Teams, web chat (Direct Line), Slack, the Emulator and the terminal all land here.
 */
import {
  ActivityTypes,
  TeamsActivityHandler,
  TurnContext,
  type Activity,
  type ChannelAccount,
  type ConversationReference,
  type ResourceResponse,
} from 'botbuilder';
import type { i18n as I18n } from 'i18next';
import type { LocaleId, ProbeResult } from '../../contracts';
import { INTENTS, type HandoffSummary, type Intent, type Reply, type SupportEvent } from '../../../dialogs/types';
import { hostNameOf } from '../../../dialogs/context';
import { WATCHING_STATE, watchNoticeReply } from '../../../dialogs/replies';
import type { KeyedReply, TranslationKey } from '../../../dialogs/translation-keys';
import { resolveLocale, translatorFor } from '../../core/i18n';
import type { TurnResult, TurnRunner } from '../../core/turn-runner';
import { detectClient, understand } from '../../core/understanding';
import type { Logger } from '../../observability/logger';
import type { Metrics } from '../../observability/metrics';
import { conversationKey } from '../../storage/storage-keys';
import { renderReplyActivity } from '../render/activity';
import { renderAdaptiveCard } from '../render/adaptive-card';
import type { InFlight } from '../../http/in-flight';
import { escapeMrkdwn, renderBlockKit } from '../render/block-kit';
import type { KnownBlock } from '@slack/web-api';
import { withProbeClient } from '../../probe/prober';
import { isStorageError } from '../../storage/storage-errors';
import { spellsOutScheme } from '../../probe/url-policy';
import { clientAddressOf } from '../turn-client';
import { opaqueId } from '../../text/opaque-id';
import { MemoryStorage } from '../../storage/memory-storage';
import { createCardMemory, type CardMemory, type RememberedCard } from './card-memory';

/** The event a web page sends when the widget opens, so steps can be tailored without asking. */
export const CLIENT_INFO_EVENT = 'gatewayDoctor/clientInfo';

/** Where a case comes from: the conversation, and (for a two-way hand-off) how to reach it again. */
export interface HandoffSinkOrigin {
  channelId: string;
  conversationId: string;
  userName?: string;
  conversationKey?: string;
  reference?: Partial<ConversationReference>;
  locale?: LocaleId;
}

/** Something that takes a case over from the bot (Teams channel, Slack channel, webhook). */
export interface HandoffSink {
  /** True (or `accepted`) when at least one help desk target received the case; `live` when an agent can answer here. */
  handoff(summary: HandoffSummary, origin: HandoffSinkOrigin): Promise<boolean | { accepted: boolean; live: boolean }>;
  /** Whether any help desk target is configured; when omitted, the bot learns it from the first hand-off. */
  available?(): boolean;
}

/** Someone who wants to hear when a site is back (the watch service). */
export interface WatchSink {
  watch(url: string, reference: Partial<Activity>, locale: LocaleId): Promise<void>;
}

/** The live side of a two-way hand-off (src/channels/handoff/handoff-desk.ts). */
export interface LiveHandoffs {
  /** The person wrote while their case is live: relayed to the help desk. */
  fromPerson(conversationKey: string, text: string, name?: string): Promise<boolean>;
  /** The person left the live case ("end", "start over"). */
  endByPerson(conversationKey: string): Promise<boolean>;
  /** True when the activity was an agent's reply to a case (a Teams reply chain) and was handled as such. */
  fromChannelAgent?(context: TurnContext): Promise<boolean>;
}

export interface GatewayDoctorBotOptions {
  runner: TurnRunner;
  i18n: I18n;
  logger: Logger;
  metrics?: Metrics;
  defaultLocale?: LocaleId;
  handoff?: HandoffSink;
  watch?: WatchSink;
  /** Commands handled outside the conversation (the help desk's incident commands); true = handled, the machine never sees it. */
  commands?: { handle(context: TurnContext): Promise<boolean> };
  /** Counts every turn until its replies are sent, so a draining instance can wait for them. */
  inFlight?: InFlight;
  live?: LiveHandoffs;
  /** HANDOFF_CONTACT_URL: offered when no help desk takes cases. */
  contactUrl?: string;
  /**
   * Sent cards, for redrawing the clicked one; the conversation storage, so a click on any instance finds
   * the card. Default: this process's memory.
   */
  cards?: CardMemory;
}

/** The `gatewayDoctor.state` of a message written by a person at the help desk (not a machine state). */
export const AGENT_MESSAGE_STATE = 'handoff.agent';

/** Longest user text the bot reads; longer pastes are cut (understanding caps it again for matching). */
const MAX_TEXT = 100_000;

/** The reply that opens the answer to a press on an earlier card (dialogs/where-now.ts). */
const STALE_PRESS: TranslationKey = 'reprompt.stale';

/** Channels whose messages with buttons are redrawn after a click (Teams cards, Slack messages). */
const UPDATABLE_CHANNELS: readonly string[] = ['msteams', 'slack'];

export class GatewayDoctorBot extends TeamsActivityHandler {
  private readonly cards: CardMemory;

  constructor(private readonly options: GatewayDoctorBotOptions) {
    super();
    this.cards = options.cards ?? createCardMemory(new MemoryStorage());

    this.onMessage(async (context, next) => {
      // An agent answering a case in its Teams reply chain speaks to the person, not to the bot; an
      // administrator's incident command is handled outside the conversation.
      if ((await this.isAgentReply(context)) || (await this.options.commands?.handle(context))) {
        await next();
        return;
      }
      const event = this.messageEvent(context);
      const clicked = buttonIntent(context.activity.value);
      const said = event ? await this.turn(context, [event]) : [];
      // A press on an earlier card was not taken as an answer: its card must not be marked with one.
      if (clicked) await this.markCardAnswered(context, clicked, { taken: said[0]?.key !== STALE_PRESS });
      await next();
    });

    this.onMembersAdded(async (context, next) => {
      // Greet once per conversation update: when a person joins, or when the bot itself is added (a Teams
      // install in a personal chat, a team or a group chat announces the bot as the new member).
      const added = context.activity.membersAdded ?? [];
      if (added.some((member: ChannelAccount) => Boolean(member.id))) await this.turn(context, [{ type: 'conversation.start' }]);
      await next();
    });

    this.onEvent(async (context, next) => {
      if (context.activity.name === CLIENT_INFO_EVENT) {
        const value = (context.activity.value ?? {}) as { userAgent?: unknown; language?: unknown };
        const client = typeof value.userAgent === 'string' ? detectClient(value.userAgent.slice(0, 1000)) : {};
        // The page's language (the locale the widget sends) outranks the browser's: a German help desk page
        // greets and answers in German in an English browser. What the person types outranks both (routing).
        const page = typeof context.activity.locale === 'string' && context.activity.locale !== '' ? context.activity.locale : undefined;
        const hint = page ?? (typeof value.language === 'string' ? value.language : undefined);
        const locale = hint !== undefined ? resolveLocale(hint, this.defaultLocale) : undefined;
        await this.turn(context, [{ type: 'client.info', ...client, ...(locale ? { locale } : {}) }], { silentUnlessReplies: true });
      }
      await next();
    });
  }

  /** Every channel's turns pass here: counted while they run when the instance may drain. */
  override run(context: TurnContext): Promise<void> {
    const { inFlight } = this.options;
    return inFlight ? inFlight.track(super.run(context)) : super.run(context);
  }

  private async isAgentReply(context: TurnContext): Promise<boolean> {
    const check = this.options.live?.fromChannelAgent;
    if (!check) return false;
    try {
      return await check(context);
    } catch (err) {
      this.options.logger.error({ err }, 'could not relay an agent reply');
      return true;
    }
  }

  /** Says an agent's words in the person's conversation, proactively, marked as a person of the help desk. */
  async sayFromAgent(context: TurnContext, message: { name?: string; text: string; locale: LocaleId }): Promise<void> {
    const t = translatorFor(this.options.i18n, message.locale);
    const desk = t('handoffDesk.agentLabel' satisfies TranslationKey);
    // An agent who gave no name is the help desk, in the person's language.
    const label = message.name ? `${message.name} (${desk})` : desk;
    const channelId = context.activity.channelId;
    // Web chat shows `from.name`; Slack and Teams post as the bot, so the words carry the name.
    const text = channelId === 'webchat' || channelId === 'directline' ? message.text : `${label}: ${message.text}`;
    // botbuilder stamps `from` with the bot's account on the way out; only the display name is replaced, after that.
    context.onSendActivities(async (_context, activities, next) => {
      for (const activity of activities) {
        if (activity.from) activity.from = { ...activity.from, name: label };
      }
      return next();
    });
    await context.sendActivity({
      type: ActivityTypes.Message,
      text,
      textFormat: 'plain',
      channelData: { gatewayDoctor: { state: AGENT_MESSAGE_STATE }, agent: { name: message.name ?? desk } },
    });
  }

  /** Runs machine events in a conversation outside a message turn (the agent ended the case), and says the replies. */
  async continueWith(context: TurnContext, events: SupportEvent[]): Promise<void> {
    // A proactive turn carries the id of the person's last message (the stored reference's): it is not that message again.
    await this.turn(context, events, { proactive: true });
  }

  private get defaultLocale(): LocaleId {
    return this.options.defaultLocale ?? 'en';
  }

  /** Sends the "it's back" (or "I stopped watching") message into a conversation, proactively. */
  async notifyWatch(
    context: TurnContext,
    notice: {
      url: string;
      locale: LocaleId;
      // `resolved`: the help desk resolved the site's incident at ISO `at` (no probe involved).
      outcome: { kind: 'back'; result: ProbeResult } | { kind: 'resolved'; at: string } | { kind: 'gave-up'; hours: number };
    },
  ): Promise<void> {
    const t = translatorFor(this.options.i18n, notice.locale);
    // The same host name the conversation used when the person asked to be told.
    const host = hostNameOf(notice.url) ?? notice.url.slice(0, 100);
    const { outcome } = notice;
    // The conversation still waits in the watching state: the notice offers that state's own choices.
    const reply = watchNoticeReply(
      host,
      outcome.kind === 'back'
        ? { kind: 'back', checkedAt: outcome.result.checkedAt }
        : outcome.kind === 'resolved'
          ? { kind: 'back', checkedAt: outcome.at }
          : outcome,
    );
    const status =
      outcome.kind === 'back'
        ? { state: WATCHING_STATE, verdict: outcome.result.verdict, advice: outcome.result.advice }
        : { state: WATCHING_STATE };
    await context.sendActivity(
      renderReplyActivity(reply, t, { channelId: context.activity.channelId ?? 'unknown', status, locale: notice.locale }),
    );
  }

  /**
   * Teams lets a bot replace a card it sent: after a button click the card is redrawn with the answer
   * marked and its buttons gone, so old cards cannot be clicked again and do not pile up. A press the
   * conversation did not take (an earlier card's) retires the card without marking an answer.
   */
  private async markCardAnswered(context: TurnContext, intent: Intent, { taken }: { taken: boolean }): Promise<void> {
    const replyToId = context.activity.replyToId;
    const channelId = context.activity.channelId ?? '';
    const conversationId = context.activity.conversation?.id;
    if (!UPDATABLE_CHANNELS.includes(channelId) || !replyToId || !conversationId) return;
    let remembered: RememberedCard | undefined;
    try {
      remembered = await this.cards.take(channelId, conversationId, replyToId);
    } catch (err) {
      // The answer was already given; only the redraw is lost.
      this.options.logger.warn({ err }, 'could not look up the clicked card');
      return;
    }
    if (!remembered) return;
    const t = translatorFor(this.options.i18n, remembered.locale);
    if (channelId === 'slack') {
      await this.markSlackMessageAnswered(context, replyToId, remembered.reply, t, taken ? intent : undefined);
      return;
    }
    try {
      await context.updateActivity({
        id: replyToId,
        type: ActivityTypes.Message,
        attachments: [
          renderAdaptiveCard(remembered.reply, t, {
            locale: remembered.locale,
            ...(taken ? { answeredIntent: intent } : { retired: true }),
          }),
        ],
      });
    } catch (err) {
      this.options.logger.debug({ err }, 'card could not be updated in place');
    }
  }

  /**
   * Slack: the clicked message is replaced (chat.update on its ts) by the same words without buttons, and
   * the chosen answer under them, so the buttons cannot be clicked twice and the thread reads as a dialogue.
   */
  private async markSlackMessageAnswered(
    context: TurnContext,
    ts: string,
    reply: Reply,
    t: ReturnType<typeof translatorFor>,
    answered: Intent | undefined,
  ): Promise<void> {
    const { choices, ...words } = reply;
    const chosen = answered ? choices?.find((choice) => choice.intent === answered) : undefined;
    const rendered = renderBlockKit(words, t);
    const blocks: KnownBlock[] = [
      ...rendered.blocks,
      ...(chosen
        ? [{ type: 'context' as const, elements: [{ type: 'mrkdwn' as const, text: `✓ ${escapeMrkdwn(t(chosen.labelKey))}` }] }]
        : []),
    ];
    try {
      await context.updateActivity({ id: ts, type: ActivityTypes.Message, text: rendered.text, channelData: { slack: { blocks } } });
    } catch (err) {
      this.options.logger.debug({ err }, 'slack message could not be updated in place');
    }
  }

  private async rememberCards(
    channelId: string,
    conversationId: string,
    sent: ResourceResponse[],
    replies: Reply[],
    locale: LocaleId,
  ): Promise<void> {
    if (!UPDATABLE_CHANNELS.includes(channelId)) return;
    const writes = sent.map(async (response, index) => {
      const reply = replies[index];
      if (!response?.id || !reply?.choices?.length) return;
      await this.cards.remember(channelId, conversationId, response.id, { reply, locale });
    });
    try {
      await Promise.all(writes);
    } catch (err) {
      // The replies are out; a card that is not remembered only keeps its buttons after a click.
      this.options.logger.warn({ err }, 'could not remember a sent card for its redraw');
    }
  }

  /** A message becomes one event: a button's intent (and the state its card belongs to), or what understanding makes of the words. */
  private messageEvent(context: TurnContext): SupportEvent | undefined {
    const activity = context.activity;
    const press = buttonPress(activity.value);
    const rawText = typeof activity.text === 'string' ? activity.text : '';
    const text = (activity.channelId === 'msteams' ? (TurnContext.removeRecipientMention(activity) ?? rawText) : rawText).slice(
      0,
      MAX_TEXT,
    );
    if (press) {
      return {
        type: 'user.message',
        text: text.slice(0, 300),
        intents: [press.intent],
        ...(press.state ? { pressedIn: press.state } : {}),
      };
    }
    if (text.trim() === '') return undefined;
    const event = understand(text, { locale: resolveLocale(activity.locale, this.defaultLocale) });
    // Understanding adds https:// to a bare host ("127.0.0.1:4302"); only then may the probe fall back to http.
    if (event.url !== undefined && !spellsOutScheme(text)) event.schemeGuessed = true;
    return event;
  }

  /** What this deployment can do, told to the machine with every turn so it never offers what is missing. */
  private capabilities(): SupportEvent {
    const { handoff, watch } = this.options;
    return {
      type: 'capabilities',
      handoff: handoff !== undefined && (handoff.available?.() ?? true),
      watch: watch !== undefined,
      ...(this.options.contactUrl ? { contactUrl: this.options.contactUrl } : {}),
    };
  }

  /** Runs one turn and sends its replies; resolves to what was said. */
  private async turn(
    context: TurnContext,
    events: SupportEvent[],
    { silentUnlessReplies = false, proactive = false } = {},
  ): Promise<Reply[]> {
    const { runner, i18n, logger, metrics } = this.options;
    const activity = context.activity;
    const channelId = activity.channelId ?? 'unknown';
    const conversationId = activity.conversation?.id;
    if (!conversationId) return [];
    const run = (turnEvents: SupportEvent[], activityId?: string): Promise<TurnResult> =>
      // Web chat's user id is new with every token, so a person's own limit alone is free to rotate: probes
      // this turn starts are charged to the client's address as well (the channel put it in turnState).
      withProbeClient(clientKeyOf(clientAddressOf(context)), () =>
        runner.run({
          key: conversationKey(channelId, conversationId),
          ...(activityId ? { activityId } : {}),
          events: turnEvents,
          locale: resolveLocale(activity.locale, this.defaultLocale),
          requester: requesterId(channelId, activity.from?.id),
          // With expectReplies everything arrives at once at the end of the turn: a typing indicator
          // would only be noise in the answer.
          onBusy:
            activity.deliveryMode === 'expectReplies'
              ? undefined
              : async () => {
                  await context.sendActivity({ type: ActivityTypes.Typing });
                },
        }),
      );
    let result: TurnResult;
    try {
      result = await run([this.capabilities(), ...events], proactive ? undefined : activity.id);
    } catch (err) {
      // Storage out of reach (Redis down, or this instance closing): nothing was saved, so the person's next
      // message continues where they were; they are told to try again in a moment rather than that it broke.
      const unavailable = isStorageError(err, 'storage_unavailable') || isStorageError(err, 'storage_closed');
      metrics?.turns.inc({ channel: channelId, outcome: unavailable ? 'unavailable' : 'error' });
      if (unavailable) logger.warn({ err, channelId }, 'turn refused: storage unavailable');
      else logger.error({ err, channelId }, 'turn failed');
      const t = translatorFor(i18n, resolveLocale(activity.locale, this.defaultLocale));
      await context.sendActivity({
        type: ActivityTypes.Message,
        text: t((unavailable ? 'fleet.tryAgain' : 'system.error') satisfies TranslationKey),
        channelData: { gatewayDoctor: { state: unavailable ? 'unavailable' : 'error' } },
      });
      return [];
    }
    if (result.duplicate) {
      metrics?.turns.inc({ channel: channelId, outcome: 'duplicate' });
      return [];
    }
    metrics?.turns.inc({ channel: channelId, outcome: 'ok' });
    await this.followLiveHandoff(context, events, result.status.state, conversationKey(channelId, conversationId));
    if (silentUnlessReplies && result.replies.length === 0) return [];

    // Hand-offs and watches go out before anything is said, and what became of them goes back into the
    // machine as a follow-up turn: the machine then says what really happened (a person has the case or
    // nobody does; the site is watched or not), and remembers it for every later turn.
    const outcomes = await this.deliver(result, context, conversationId);
    let replies: Reply[] = result.replies;
    if (outcomes.length > 0) {
      try {
        const followUp = await run(outcomes);
        replies = [...replies, ...followUp.replies];
        result = { ...result, status: followUp.status, locale: followUp.locale };
      } catch (err) {
        logger.error({ err, channelId }, 'could not tell the conversation what became of its hand-off or watch');
        replies = [...replies, { key: 'system.error' } satisfies KeyedReply];
      }
    }

    const t = translatorFor(i18n, result.locale);
    if (result.restarted) replies = [{ key: 'system.restarted' } satisfies KeyedReply, ...replies];
    const outgoing = replies.map((reply) => renderReplyActivity(reply, t, { channelId, status: result.status, locale: result.locale }));
    if (outgoing.length > 0) {
      const sent = await context.sendActivities(outgoing);
      await this.rememberCards(channelId, conversationId, sent, replies, result.locale);
    }
    return replies;
  }

  /**
   * While a case is live the machine stays quiet and the person's words go to the help desk; "end" or
   * "start over" (the machine has left the live state) closes the case. Failures are logged: the turn
   * already happened.
   */
  private async followLiveHandoff(context: TurnContext, events: SupportEvent[], state: string, key: string): Promise<void> {
    const live = this.options.live;
    const message = events.find((event) => event.type === 'user.message');
    if (!live || !message) return;
    try {
      if (state === 'handoffLive') {
        if (message.text.trim() === '') return;
        const relayed = await live.fromPerson(key, message.text, context.activity.from?.name || undefined);
        // The case was closed while the word of it did not reach this conversation (the instance went down
        // mid-way): the person is not left waiting for nobody.
        if (!relayed) await this.turn(context, [{ type: 'handoff.end' }], { proactive: true });
      } else if (message.intents.includes('stop') || message.intents.includes('restart')) {
        await live.endByPerson(key);
      }
    } catch (err) {
      this.options.logger.error({ err }, 'could not follow the live hand-off');
    }
  }

  /** Delivers the turn's hand-offs and watch requests; their outcomes are the events of the follow-up turn. */
  private async deliver(result: TurnResult, context: TurnContext, conversationId: string): Promise<SupportEvent[]> {
    const { logger } = this.options;
    const activity = context.activity;
    const channelId = activity.channelId ?? 'unknown';
    const outcomes: SupportEvent[] = [];
    for (const summary of result.handoffs) {
      const origin: HandoffSinkOrigin = {
        channelId,
        conversationId,
        userName: activity.from?.name,
        conversationKey: conversationKey(channelId, conversationId),
        reference: TurnContext.getConversationReference(activity),
        locale: result.locale,
      };
      const outcome = await (this.options.handoff?.handoff(summary, origin) ?? Promise.resolve(false)).catch((err: unknown) => {
        logger.error({ err }, 'hand-off failed');
        return false;
      });
      const { accepted, live } = typeof outcome === 'boolean' ? { accepted: outcome, live: false } : outcome;
      outcomes.push({ type: 'handoff.result', accepted, ...(live ? { live } : {}) });
    }
    for (const { url } of result.watches) {
      const sink = this.options.watch;
      const accepted = sink
        ? await sink
            .watch(url, TurnContext.getConversationReference(activity), result.locale)
            .then(() => true)
            .catch((err: unknown) => {
              logger.error({ err }, 'watch request failed');
              return false;
            })
        : false;
      outcomes.push({ type: 'watch.result', url, accepted });
    }
    return outcomes;
  }
}

/** Longest state path a button may carry back (the longest real one is under 30 characters). */
const MAX_BUTTON_STATE = 100;

/**
 * What a card button or suggested action carries back: its intent, if it is one we know, and the state path
 * of the card it was on (cards sent before buttons carried it have none, and are taken as current).
 */
export function buttonPress(value: unknown): { intent: Intent; state?: string } | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const inner = (value as { gatewayDoctor?: { intent?: unknown; state?: unknown } }).gatewayDoctor;
  const intent = inner?.intent;
  if (typeof intent !== 'string' || !(INTENTS as readonly string[]).includes(intent)) return undefined;
  const state = inner?.state;
  return {
    intent: intent as Intent,
    ...(typeof state === 'string' && state.length > 0 && state.length <= MAX_BUTTON_STATE ? { state } : {}),
  };
}

/** The intent a card button or suggested action carries, if it is one we know. */
export function buttonIntent(value: unknown): Intent | undefined {
  return buttonPress(value)?.intent;
}

/** An opaque, stable id of a network client for rate limits: never the raw address (limiter keys are kept in memory). */
export function clientKeyOf(address: string | undefined): string | undefined {
  if (!address) return undefined;
  return opaqueId(`client\u0000${address}`);
}

/** An opaque, stable id for rate limits: never the raw user id. */
export function requesterId(channelId: string, userId: string | undefined): string | undefined {
  if (!userId) return undefined;
  return opaqueId(`${channelId}\u0000${userId}`);
}
