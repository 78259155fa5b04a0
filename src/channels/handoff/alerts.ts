/**
 * The help desk hears it first: when a crowd forms around a host (CROWD_THRESHOLD people in 15 minutes) or a
 * watched host is down, one alert per host per hour goes to the help desk's channels (the same webhook,
 * Slack channel and Teams channel as hand-offs). The hour is claimed in storage before anything is posted,
 * so with Redis the whole fleet sends one alert, not one per instance.
 *
 * An alert carries evidence, never a person: the site's origin (no path or query, which may hold someone's
 * ids), the crowd count, the verdict (per region when known), the producer and a provider incident if known.
 */
import { randomUUID } from 'node:crypto';
import { WebClient } from '@slack/web-api';
import { ActivityTypes, CardFactory, type CloudAdapter, type ConversationReference } from 'botbuilder';
import type { ProducerId, ProbeResult, Verdict } from '../../contracts';
import type { Logger } from '../../observability/logger';
import type { Metrics } from '../../observability/metrics';
import { escapeMarkdown } from '../render/adaptive-card';
import { escapeMrkdwn } from '../render/block-kit';
import { SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from './handoff-targets';

/** Why the help desk is alerted. */
export type AlertReason = 'crowd' | 'watched-down';

/** A provider's own incident about the outage, when one is known (e.g. from a status feed). */
export interface ProviderIncident {
  provider?: string;
  title?: string;
  url?: string;
}

/** What the help desk receives (the webhook's `alert` field). Every evidence field may be absent. */
export interface HelpDeskAlert {
  /** Stable id receivers can de-duplicate on. */
  id: string;
  type: 'gateway-doctor.alert';
  reason: AlertReason;
  host: string;
  /** The site's origin only: `https://shop.example`. */
  site: string;
  raisedAt: string;
  /** Distinct people who asked about the host in the crowd window. */
  reports?: number;
  windowMinutes?: number;
  verdict?: Verdict;
  httpStatus?: number;
  /** Verdict per probe region, when probes ran from several. */
  regions?: Record<string, Verdict>;
  producer?: ProducerId;
  incident?: ProviderIncident;
  checkedAt?: string;
}

/** What raises an alert: the host, why, and whatever evidence is at hand. */
export interface AlertInput {
  reason: AlertReason;
  url: string;
  reports?: number;
  windowMinutes?: number;
  result?: ProbeResult;
  regions?: Record<string, Verdict>;
  incident?: ProviderIncident;
}

/** One place alerts go (a sibling of `HandoffTarget`). */
export interface AlertTarget {
  readonly name: string;
  alert(alert: HelpDeskAlert): Promise<void>;
}

/** What became of one alert. */
export type AlertResult = 'sent' | 'claimed' | 'failed' | 'no_target' | 'invalid';

export interface AlertServiceOptions {
  targets: readonly AlertTarget[];
  /** Claims `key` for `ttlMs`: true for exactly one caller across the fleet (ActivityDedupe.firstSeen). */
  claim: (key: string, ttlMs: number) => Promise<boolean>;
  logger: Logger;
  metrics?: Metrics;
  /** One alert per host per this long. */
  periodMs?: number;
  now?: () => number;
}

export interface AlertService {
  readonly targets: readonly AlertTarget[];
  raise(input: AlertInput): Promise<AlertResult>;
}

/** An hour: the brief's "one alert per host per hour". */
export const ALERT_PERIOD_MS = 3_600_000;

/** Builds the alert service on its targets and the fleet-wide claim. */
export function createAlertService({
  targets,
  claim,
  logger,
  metrics,
  periodMs = ALERT_PERIOD_MS,
  now = Date.now,
}: AlertServiceOptions): AlertService {
  return {
    targets,
    async raise(input) {
      const count = (result: AlertResult): AlertResult => {
        metrics?.alerts.inc({ reason: input.reason, result });
        return result;
      };
      if (targets.length === 0) return count('no_target');
      const alert = createAlert(input, now);
      if (!alert) return count('invalid');
      // The claim comes first: a second instance (or a second reason) in the same hour stays silent.
      if (!(await claim(`alert#${alert.host}`, periodMs))) return count('claimed');
      const results = await Promise.allSettled(targets.map((target) => target.alert(alert)));
      results.forEach((result, index) => {
        if (result.status === 'rejected')
          logger.error({ err: result.reason, target: targets[index]?.name, host: alert.host }, 'alert delivery failed');
      });
      const sent = results.some((result) => result.status === 'fulfilled');
      if (sent) logger.info({ host: alert.host, reason: alert.reason, alertId: alert.id }, 'help desk alerted');
      return count(sent ? 'sent' : 'failed');
    },
  };
}

/** The alert for an input, or undefined when the URL has no host. */
export function createAlert(input: AlertInput, now: () => number = Date.now): HelpDeskAlert | undefined {
  let origin: URL;
  try {
    origin = new URL(input.result?.url ?? input.url);
  } catch {
    return undefined;
  }
  if (!origin.hostname) return undefined;
  const result = input.result;
  return {
    id: randomUUID(),
    type: 'gateway-doctor.alert',
    reason: input.reason,
    host: origin.hostname.toLowerCase(),
    site: origin.origin,
    raisedAt: new Date(now()).toISOString(),
    ...(input.reports !== undefined ? { reports: input.reports } : {}),
    ...(input.windowMinutes !== undefined ? { windowMinutes: input.windowMinutes } : {}),
    ...(result ? { verdict: result.verdict, checkedAt: result.checkedAt } : {}),
    ...(result?.httpStatus !== undefined ? { httpStatus: result.httpStatus } : {}),
    ...(result?.producer ? { producer: result.producer } : {}),
    ...(input.regions && Object.keys(input.regions).length > 0 ? { regions: { ...input.regions } } : {}),
    ...(input.incident ? { incident: { ...input.incident } } : {}),
  };
}

/** The alert as plain lines (English, for staff), only the fields that are known. */
export function alertLines(alert: HelpDeskAlert): { label: string; value: string }[] {
  const lines = [
    { label: 'Why', value: alert.reason === 'crowd' ? 'Many people are asking about this site' : 'A watched site is down' },
    { label: 'Site', value: alert.site },
  ];
  if (alert.reports !== undefined) lines.push({ label: `People asking (${alert.windowMinutes ?? 15} min)`, value: String(alert.reports) });
  if (alert.verdict)
    lines.push({ label: 'Verdict', value: alert.httpStatus !== undefined ? `${alert.verdict} (HTTP ${alert.httpStatus})` : alert.verdict });
  if (alert.regions) {
    lines.push({
      label: 'Per region',
      value: Object.entries(alert.regions)
        .map(([region, verdict]) => `${region}: ${verdict}`)
        .join(', '),
    });
  }
  if (alert.producer) lines.push({ label: 'Producer', value: alert.producer });
  if (alert.incident) {
    const incident = [alert.incident.provider, alert.incident.title, alert.incident.url].filter(Boolean).join(' - ');
    if (incident) lines.push({ label: 'Provider incident', value: incident });
  }
  if (alert.checkedAt) lines.push({ label: 'Checked at', value: alert.checkedAt });
  return lines;
}

export interface WebhookAlertTargetOptions {
  url: string;
  secret?: string;
  timeoutMs?: number;
  now?: () => number;
}

/** POSTs `{ type: "gateway-doctor.alert", ... }` to the hand-off webhook, signed like a hand-off. */
export function createWebhookAlertTarget({ url, secret, timeoutMs = 5000, now = Date.now }: WebhookAlertTargetOptions): AlertTarget {
  return {
    name: 'webhook',
    async alert(alert) {
      const body = JSON.stringify(alert);
      const timestamp = String(Math.floor(now() / 1000));
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'GatewayDoctor-Alert/0.1',
        [TIMESTAMP_HEADER]: timestamp,
      };
      if (secret) headers[SIGNATURE_HEADER] = signWebhook(secret, timestamp, body);
      const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) throw new Error(`alert webhook answered ${res.status}`);
    },
  };
}

/** Posts the alert into the help desk's Slack channel. */
export function createSlackAlertTarget({ channel, token, apiUrl }: { channel: string; token: string; apiUrl?: string }): AlertTarget {
  const client = new WebClient(token, { ...(apiUrl ? { slackApiUrl: apiUrl } : {}), retryConfig: { retries: 1 } });
  return {
    name: 'slack',
    async alert(alert) {
      const fields = alertLines(alert).map((line) => ({
        type: 'mrkdwn' as const,
        text: `*${escapeMrkdwn(line.label)}*\n${escapeMrkdwn(line.value).slice(0, 1900)}`,
      }));
      await client.chat.postMessage({
        channel,
        text: `Gateway Doctor alert: ${escapeMrkdwn(alert.host)}`,
        unfurl_links: false,
        unfurl_media: false,
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: `Gateway Doctor alert: ${alert.host}`.slice(0, 150) } },
          { type: 'section', fields: fields.slice(0, 10) },
        ],
      });
    },
  };
}

/** Posts the alert as an Adaptive Card into the help desk's Teams channel, proactively. */
export function createTeamsAlertTarget({
  adapter,
  appId,
  channelId,
  serviceUrl,
  tenantId,
}: {
  adapter: CloudAdapter;
  appId: string;
  channelId: string;
  serviceUrl: string;
  tenantId?: string;
}): AlertTarget {
  const reference: Partial<ConversationReference> = {
    channelId: 'msteams',
    serviceUrl,
    conversation: { id: channelId, isGroup: true, conversationType: 'channel', name: 'alerts', ...(tenantId ? { tenantId } : {}) },
    bot: { id: appId, name: 'Gateway Doctor' },
  };
  return {
    name: 'teams',
    async alert(alert) {
      const card = CardFactory.adaptiveCard({
        type: 'AdaptiveCard',
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
        version: '1.5',
        body: [
          { type: 'TextBlock', text: `Gateway Doctor alert: ${escapeMarkdown(alert.host)}`, weight: 'Bolder', size: 'Medium', wrap: true },
          { type: 'FactSet', facts: alertLines(alert).map((line) => ({ title: line.label, value: escapeMarkdown(line.value) })) },
        ],
      });
      await adapter.continueConversationAsync(appId, reference, async (context) => {
        await context.sendActivity({ type: ActivityTypes.Message, attachments: [card], summary: `Alert ${alert.host}` });
      });
    },
  };
}
