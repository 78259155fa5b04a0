/**
 * What a person at the help desk receives when the bot hands a case over: the evidence bundle, built
 * once and delivered to every configured target (webhook, Slack channel, Teams channel).
 */
import { randomUUID } from 'node:crypto';
import type { HandoffSummary } from '../../../dialogs/types';

/** One handed-over case (the webhook's JSON body). */
export interface HandoffCase {
  /** Stable id receivers can de-duplicate on. */
  id: string;
  createdAt: string;
  source: { channelId: string; conversationId: string; userName?: string };
  summary: HandoffSummary;
}

export function createHandoffCase(
  summary: HandoffSummary,
  source: HandoffCase['source'],
  now: () => number = Date.now,
): HandoffCase {
  return { id: randomUUID(), createdAt: new Date(now()).toISOString(), source, summary };
}

/** The case as plain lines (English, for staff): used by the Slack and Teams targets. */
export function caseLines(handoff: HandoffCase): { label: string; value: string }[] {
  const s = handoff.summary;
  const lines: { label: string; value: string }[] = [
    { label: 'Case', value: handoff.id },
    { label: 'From', value: `${handoff.source.userName ?? 'unknown'} on ${handoff.source.channelId}` },
    { label: 'Site', value: s.url ?? 'not given' },
    { label: 'Role', value: s.role ?? 'unknown' },
    { label: 'Language', value: s.locale },
  ];
  if (s.variant) lines.push({ label: 'Error shown', value: s.variant });
  if (s.browser || s.os) lines.push({ label: 'Browser / OS', value: `${s.browser ?? '?'} / ${s.os ?? '?'}` });
  for (const probe of s.probes) {
    const parts = [probe.verdict, probe.httpStatus !== undefined ? `HTTP ${probe.httpStatus}` : undefined, probe.producer, ...probe.requestIds];
    lines.push({ label: `Check ${probe.checkedAt}`, value: parts.filter(Boolean).join(', ') });
  }
  if (s.stepsTried.length > 0) {
    lines.push({ label: 'Steps tried', value: s.stepsTried.map((step) => `${step.step}: ${step.answer}`).join('; ') });
  }
  if (s.causes.length > 0) lines.push({ label: 'Causes in pasted logs', value: s.causes.join(', ') });
  if (s.lastMessages.length > 0) lines.push({ label: 'Their words', value: s.lastMessages.join(' | ') });
  return lines;
}
