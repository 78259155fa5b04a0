/**
 * The one bot every channel runs: a thin translator from Bot Framework activities to the channel-neutral
 * turn runner and back. Teams, web chat (Direct Line), Slack, the Emulator and the terminal all land here.
 */
import { createHash } from 'node:crypto';
import { ActivityTypes, TeamsActivityHandler, TurnContext, type Activity, type ChannelAccount } from 'botbuilder';
import type { i18n as I18n } from 'i18next';
import { INTENTS, type HandoffSummary, type Intent, type LocaleId, type SupportEvent } from '../../../dialogs/types';
import { resolveLocale, translatorFor } from '../../core/i18n';
import type { TurnResult, TurnRunner } from '../../core/turn-runner';
import { detectClient, understand } from '../../core/understanding';
import type { Logger } from '../../observability/logger';
import type { Metrics } from '../../observability/metrics';
import { conversationKey } from '../../storage/storage-keys';
import { renderReplyActivity } from '../render/activity';

/** The event a web page sends when the widget opens, so steps can be tailored without asking. */
export const CLIENT_INFO_EVENT = 'gatewayDoctor/clientInfo';

/** Something that takes a case over from the bot (Teams channel, Slack channel, webhook). */
export interface HandoffSink {
  handoff(summary: HandoffSummary, origin: { channelId: string; conversationId: string; userName?: string }): Promise<void>;
}

/** Someone who wants to hear when a site is back (the watch service). */
export interface WatchSink {
  watch(url: string, reference: Partial<Activity>, locale: LocaleId): Promise<void>;
}

export interface GatewayDoctorBotOptions {
  runner: TurnRunner;
  i18n: I18n;
  logger: Logger;
  metrics?: Metrics;
  defaultLocale?: LocaleId;
  handoff?: HandoffSink;
  watch?: WatchSink;
}

/** Longest user text the bot reads; longer pastes are cut (understanding caps it again for matching). */
const MAX_TEXT = 100_000;

export class GatewayDoctorBot extends TeamsActivityHandler {
  constructor(private readonly options: GatewayDoctorBotOptions) {
    super();

    this.onMessage(async (context, next) => {
      const event = this.messageEvent(context);
      if (event) await this.turn(context, [event]);
      await next();
    });

    this.onMembersAdded(async (context, next) => {
      const botId = context.activity.recipient?.id;
      const humans = (context.activity.membersAdded ?? []).filter((member: ChannelAccount) => member.id !== botId);
      if (humans.length > 0) await this.turn(context, [{ type: 'conversation.start' }]);
      await next();
    });

    this.onEvent(async (context, next) => {
      if (context.activity.name === CLIENT_INFO_EVENT) {
        const value = (context.activity.value ?? {}) as { userAgent?: unknown; language?: unknown };
        const client = typeof value.userAgent === 'string' ? detectClient(value.userAgent.slice(0, 1000)) : {};
        const locale = typeof value.language === 'string' ? resolveLocale(value.language, this.defaultLocale) : undefined;
        await this.turn(context, [{ type: 'client.info', ...client, ...(locale ? { locale } : {}) }], { silentUnlessReplies: true });
      }
      await next();
    });
  }

  private get defaultLocale(): LocaleId {
    return this.options.defaultLocale ?? 'en';
  }

  /** A message becomes one event: a button's intent, or what understanding makes of the words. */
  private messageEvent(context: TurnContext): SupportEvent | undefined {
    const activity = context.activity;
    const intent = buttonIntent(activity.value);
    const rawText = typeof activity.text === 'string' ? activity.text : '';
    const text = (activity.channelId === 'msteams' ? TurnContext.removeRecipientMention(activity) ?? rawText : rawText).slice(0, MAX_TEXT);
    if (intent) return { type: 'user.message', text: text.slice(0, 300), intents: [intent] };
    if (text.trim() === '') return undefined;
    return understand(text, { locale: resolveLocale(activity.locale, this.defaultLocale) });
  }

  private async turn(context: TurnContext, events: SupportEvent[], { silentUnlessReplies = false } = {}): Promise<void> {
    const { runner, i18n, logger, metrics } = this.options;
    const activity = context.activity;
    const channelId = activity.channelId ?? 'unknown';
    const conversationId = activity.conversation?.id;
    if (!conversationId) return;
    let result: TurnResult;
    try {
      result = await runner.run({
        key: conversationKey(channelId, conversationId),
        activityId: activity.id,
        events,
        locale: resolveLocale(activity.locale, this.defaultLocale),
        requester: requesterId(channelId, activity.from?.id),
        onBusy: async () => {
          await context.sendActivity({ type: ActivityTypes.Typing });
        },
      });
    } catch (err) {
      metrics?.turns.inc({ channel: channelId, outcome: 'error' });
      logger.error({ err, channelId }, 'turn failed');
      const t = translatorFor(i18n, resolveLocale(activity.locale, this.defaultLocale));
      await context.sendActivity({
        type: ActivityTypes.Message,
        text: t('system.error'),
        channelData: { gatewayDoctor: { state: 'error' } },
      });
      return;
    }
    if (result.duplicate) {
      metrics?.turns.inc({ channel: channelId, outcome: 'duplicate' });
      return;
    }
    metrics?.turns.inc({ channel: channelId, outcome: 'ok' });
    if (silentUnlessReplies && result.replies.length === 0) return;

    const t = translatorFor(i18n, result.locale);
    const replies = result.restarted ? [{ key: 'system.restarted' }, ...result.replies] : result.replies;
    const outgoing = replies.map((reply) => renderReplyActivity(reply, t, { channelId, status: result.status, locale: result.locale }));
    if (outgoing.length > 0) await context.sendActivities(outgoing);

    for (const summary of result.handoffs) {
      await this.options.handoff
        ?.handoff(summary, { channelId, conversationId, userName: activity.from?.name })
        .catch((err: unknown) => logger.error({ err }, 'hand-off failed'));
    }
    for (const watch of result.watches) {
      await this.options.watch
        ?.watch(watch.url, TurnContext.getConversationReference(activity), result.locale)
        .catch((err: unknown) => logger.error({ err }, 'watch request failed'));
    }
  }
}

/** The intent a card button or suggested action carries, if it is one we know. */
export function buttonIntent(value: unknown): Intent | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const inner = (value as { gatewayDoctor?: { intent?: unknown } }).gatewayDoctor;
  const intent = inner?.intent;
  return typeof intent === 'string' && (INTENTS as readonly string[]).includes(intent) ? (intent as Intent) : undefined;
}

/** An opaque, stable id for rate limits: never the raw user id. */
export function requesterId(channelId: string, userId: string | undefined): string | undefined {
  if (!userId) return undefined;
  return createHash('sha256').update(`${channelId}\u0000${userId}`).digest('base64url').slice(0, 22);
}
