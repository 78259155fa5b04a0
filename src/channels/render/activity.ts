/**
 * Picks the rendering for a channel: Block Kit for Slack, plain numbered text for the terminal, an Adaptive
 * Card for everything that shows cards (Teams, web chat, the Emulator). Every message carries
 * `channelData.gatewayDoctor` so clients and tests never have to parse prose.
 */
import { ActivityTypes, type Activity } from 'botbuilder';
import type { Reply } from '../../../dialogs/types';
import { renderAdaptiveCard } from './adaptive-card';
import { renderBlockKit } from './block-kit';
import { plainReplyText, renderPlainText } from './plain-text';
import type { GatewayDoctorChannelData, Translate } from '../../contracts';
import { actionValue } from './types';

export interface RenderTarget {
  channelId: string;
  status: GatewayDoctorChannelData;
  locale: string;
}

/** Channels that get plain text only. */
const PLAIN_TEXT_CHANNELS = new Set(['console']);
/** Channels whose cards offer a draft as an email (web chat; its client adds the Copy button). */
const DRAFT_EMAIL_CHANNELS = new Set(['webchat', 'directline']);

/**
 * `channelData.gatewayDoctor` as it leaves the process: only its documented fields. The verdict and advice
 * come from the conversation's public view of the probe (src/probe/public-view.ts), where a target our
 * rules refused already reads like a refused connection; copying field by field keeps anything else a
 * caller might attach to the status object from reaching clients.
 */
export function publicChannelData(status: GatewayDoctorChannelData): GatewayDoctorChannelData {
  return {
    state: status.state,
    ...(status.verdict !== undefined ? { verdict: status.verdict } : {}),
    ...(status.advice !== undefined ? { advice: status.advice } : {}),
    ...(status.producer !== undefined ? { producer: status.producer } : {}),
    ...(status.cause !== undefined ? { cause: status.cause } : {}),
    ...(status.reports !== undefined ? { reports: status.reports } : {}),
    ...(status.incident !== undefined ? { incident: { id: status.incident.id, title: status.incident.title } } : {}),
  };
}

/** One neutral reply -> one outgoing message activity for the given channel. */
export function renderReplyActivity(reply: Reply, t: Translate, target: RenderTarget): Partial<Activity> {
  const channelData: Record<string, unknown> = { gatewayDoctor: publicChannelData(target.status) };
  if (target.channelId === 'slack') {
    const { text, blocks } = renderBlockKit(reply, t, { state: target.status.state });
    return { type: ActivityTypes.Message, text, locale: target.locale, channelData: { ...channelData, slack: { blocks } } };
  }
  const plain = renderPlainText(reply, t);
  if (PLAIN_TEXT_CHANNELS.has(target.channelId)) {
    // The numbered list is in the text; the actions let the terminal map "2" or a label back to an intent.
    const actions = (reply.choices ?? []).map((choice) => ({
      type: 'messageBack',
      title: t(choice.labelKey),
      value: actionValue(choice.intent, target.status.state),
    }));
    return {
      type: ActivityTypes.Message,
      text: plain,
      locale: target.locale,
      channelData,
      ...(actions.length > 0 ? { suggestedActions: { to: [], actions } } : {}),
    };
  }
  const rich = (reply.choices?.length ?? 0) > 0 || (reply.facts?.length ?? 0) > 0 || reply.draft !== undefined;
  if (!rich) {
    return { type: ActivityTypes.Message, text: plain, textFormat: 'plain', locale: target.locale, channelData };
  }
  return {
    type: ActivityTypes.Message,
    // The card carries the whole reply; `summary` is what notifications and screen readers announce first.
    summary: plainReplyText(reply, t).slice(0, 200),
    attachments: [
      renderAdaptiveCard(reply, t, {
        locale: target.locale,
        state: target.status.state,
        draftEmail: DRAFT_EMAIL_CHANNELS.has(target.channelId),
      }),
    ],
    locale: target.locale,
    channelData,
  };
}
