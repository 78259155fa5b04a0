/**
 * Where hand-offs go. Each target implements one small interface; the service fans a case out to all
 * configured targets and reports whether at least one took it, so the bot never claims a hand-off that
 * nobody received.
 */
import { createHmac } from 'node:crypto';
import type { ConversationReference, CloudAdapter } from 'botbuilder';
import { ActivityTypes, CardFactory } from 'botbuilder';
import type { Logger } from '../../observability/logger';
import type { HandoffSink } from '../bot/gateway-doctor-bot';
import { escapeMrkdwn } from '../render/block-kit';
import { escapeMarkdown } from '../render/adaptive-card';
import { caseLines, createHandoffCase, type HandoffCase } from './handoff-case';
import type { HandoffLinks } from './handoff-store';

/** A line of a live case posted where the help desk sees it: the person's words, an agent's (from the inbox), or its end. */
export interface RelayLine {
  kind: 'person' | 'agent' | 'closed';
  name?: string;
  text: string;
}

export interface HandoffTarget {
  readonly name: string;
  /** Posts the case; a two-way target resolves to where it was posted (agents answer there). */
  deliver(handoff: HandoffCase): Promise<HandoffLinks | undefined>;
  /** Posts a line of a live case under its post (two-way targets only). */
  relay?(links: HandoffLinks, line: RelayLine): Promise<void>;
}

/** How a relayed line reads for staff (English, like the case's post). */
export function relayText(line: RelayLine): string {
  if (line.kind === 'closed') return `Case closed${line.name ? ` by ${line.name}` : ''}. ${line.text}`.trim();
  const who = line.kind === 'person' ? `${line.name || 'The person'} (via Gateway Doctor)` : `${line.name || 'Help desk'} (inbox)`;
  return `${who}: ${line.text}`;
}

/** Header names of the signed webhook (documented in the README for receivers). */
export const SIGNATURE_HEADER = 'x-gateway-doctor-signature';
export const TIMESTAMP_HEADER = 'x-gateway-doctor-timestamp';

/** `v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`, the same scheme Slack uses, so receivers know it. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface WebhookTargetOptions {
  url: string;
  /** Without a secret the body is sent unsigned (and the composition root warns at start-up). */
  secret?: string;
  timeoutMs?: number;
  now?: () => number;
}

/** POSTs the case as JSON to a ticketing system or any HTTP receiver. */
export function createWebhookTarget({ url, secret, timeoutMs = 5000, now = Date.now }: WebhookTargetOptions): HandoffTarget {
  return {
    name: 'webhook',
    async deliver(handoff) {
      const body = JSON.stringify(handoff);
      const timestamp = String(Math.floor(now() / 1000));
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'GatewayDoctor-Handoff/0.1',
        [TIMESTAMP_HEADER]: timestamp,
      };
      if (secret) headers[SIGNATURE_HEADER] = signWebhook(secret, timestamp, body);
      const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) throw new Error(`hand-off webhook answered ${res.status}`);
      return undefined;
    },
  };
}

export interface SlackTargetOptions {
  channel: string;
  token: string;
  apiUrl?: string;
}

/** Posts the case into a Slack channel the help desk watches. */
export function createSlackTarget({ channel, token, apiUrl }: SlackTargetOptions): HandoffTarget {
  // Loaded only when a Slack hand-off channel is configured: the server's start-up skips the Web API client otherwise.
  const { WebClient } = require('@slack/web-api') as typeof import('@slack/web-api');
  const client = new WebClient(token, { ...(apiUrl ? { slackApiUrl: apiUrl } : {}), retryConfig: { retries: 1 } });
  return {
    name: 'slack',
    async deliver(handoff) {
      const lines = caseLines(handoff);
      const fields = lines
        .slice(0, 10)
        .map((line) => ({ type: 'mrkdwn' as const, text: `*${escapeMrkdwn(line.label)}*\n${escapeMrkdwn(line.value).slice(0, 1900)}` }));
      const rest = lines
        .slice(10)
        .map((line) => `*${escapeMrkdwn(line.label)}*: ${escapeMrkdwn(line.value)}`)
        .join('\n')
        .slice(0, 2900);
      const posted = await client.chat.postMessage({
        channel,
        text: `New hand-off from Gateway Doctor: ${escapeMrkdwn(handoff.summary.url ?? 'no site given')}`,
        unfurl_links: false,
        unfurl_media: false,
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: 'Gateway Doctor hand-off' } },
          { type: 'section', fields },
          ...(rest ? [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: rest } }] : []),
          {
            type: 'context',
            elements: [
              { type: 'mrkdwn', text: 'Reply in this thread to answer the person in their own chat; reply `end` to close the case.' },
            ],
          },
        ],
      });
      return posted.ts ? { slack: { channel: posted.channel ?? channel, ts: posted.ts } } : undefined;
    },
    async relay(links, line) {
      if (!links.slack) return;
      await client.chat.postMessage({
        channel: links.slack.channel,
        thread_ts: links.slack.ts,
        text: escapeMrkdwn(relayText(line)).slice(0, 3900),
        unfurl_links: false,
        unfurl_media: false,
      });
    },
  };
}

export interface TeamsTargetOptions {
  adapter: CloudAdapter;
  appId: string;
  /** The channel's conversation id (19:...@thread.tacv2). */
  channelId: string;
  serviceUrl: string;
  tenantId?: string;
}

/** Posts the case as an Adaptive Card into a Teams channel, proactively. */
export function createTeamsTarget({ adapter, appId, channelId, serviceUrl, tenantId }: TeamsTargetOptions): HandoffTarget {
  const reference: Partial<ConversationReference> = {
    channelId: 'msteams',
    serviceUrl,
    conversation: { id: channelId, isGroup: true, conversationType: 'channel', name: 'hand-off', ...(tenantId ? { tenantId } : {}) },
    bot: { id: appId, name: 'Gateway Doctor' },
  };
  return {
    name: 'teams',
    async deliver(handoff) {
      const card = CardFactory.adaptiveCard({
        type: 'AdaptiveCard',
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
        version: '1.5',
        body: [
          { type: 'TextBlock', text: 'Gateway Doctor hand-off', weight: 'Bolder', size: 'Medium', wrap: true },
          { type: 'FactSet', facts: caseLines(handoff).map((line) => ({ title: line.label, value: escapeMarkdown(line.value) })) },
          {
            type: 'TextBlock',
            text: 'Reply to this post to answer the person in their own chat; reply "end" to close the case.',
            wrap: true,
            isSubtle: true,
          },
        ],
      });
      let postedId: string | undefined;
      await adapter.continueConversationAsync(appId, reference, async (context) => {
        const posted = await context.sendActivity({ type: ActivityTypes.Message, attachments: [card], summary: `Hand-off ${handoff.id}` });
        postedId = posted?.id;
      });
      // Replies to a channel post arrive on the reply chain's conversation id: `<channel>;messageid=<post id>`.
      return postedId ? { teams: { conversationId: `${channelId};messageid=${postedId}`, serviceUrl } } : undefined;
    },
    async relay(links, line) {
      if (!links.teams) return;
      const chain = {
        ...reference,
        serviceUrl: links.teams.serviceUrl,
        conversation: { ...reference.conversation, id: links.teams.conversationId },
      };
      await adapter.continueConversationAsync(appId, chain as Partial<ConversationReference>, async (context) => {
        await context.sendActivity({ type: ActivityTypes.Message, text: relayText(line), textFormat: 'plain' });
      });
    },
  };
}

/** Fans a case out to every target; true when at least one delivered it. */
export function createHandoffService(
  targets: HandoffTarget[],
  logger: Logger,
  now: () => number = Date.now,
): HandoffSink & { targets: readonly HandoffTarget[] } {
  return {
    targets,
    async handoff(summary, origin) {
      if (targets.length === 0) return false;
      const handoff = createHandoffCase(summary, origin, now);
      const results = await Promise.allSettled(targets.map((target) => target.deliver(handoff)));
      results.forEach((result, index) => {
        if (result.status === 'rejected')
          logger.error({ err: result.reason, target: targets[index]?.name, caseId: handoff.id }, 'hand-off delivery failed');
      });
      const delivered = results.some((result) => result.status === 'fulfilled');
      if (delivered) logger.info({ caseId: handoff.id }, 'case handed over');
      return delivered;
    },
  };
}
