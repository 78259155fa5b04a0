/**
 * What a person at the help desk receives when the bot hands a case over: the evidence bundle, built
 * once and delivered to every configured target (webhook, Slack channel, Teams channel).
 */
import { randomUUID } from 'node:crypto';
import type { HandoffSummary, ProbeSummary } from '../../../dialogs/types';
import { withoutCredentials } from '../../probe/public-view';

/** One handed-over case (the webhook's JSON body). */
export interface HandoffCase {
  /** Stable id receivers can de-duplicate on. */
  id: string;
  createdAt: string;
  source: { channelId: string; conversationId: string; userName?: string };
  summary: HandoffSummary;
}

/** Builds the case every target receives; its probe evidence is the public digest only (see `publicSummary`). */
export function createHandoffCase(summary: HandoffSummary, source: HandoffCase['source'], now: () => number = Date.now): HandoffCase {
  return { id: randomUUID(), createdAt: new Date(now()).toISOString(), source, summary: publicSummary(summary) };
}

/**
 * The summary as it may leave the process. The machine builds it from the public view of each probe
 * (src/probe/public-view.ts), so a target our rules refused already reads as a refused connection; this
 * exit copies only the digest's known fields, so nothing added to a conversation later (or kept in an
 * old snapshot) rides along, and drops credentials typed into the site's URL.
 */
export function publicSummary(summary: HandoffSummary): HandoffSummary {
  return {
    ...summary,
    ...(summary.url !== undefined ? { url: withoutCredentials(summary.url) } : {}),
    probes: summary.probes.map(publicProbeSummary),
  };
}

function publicProbeSummary(probe: ProbeSummary): ProbeSummary {
  return {
    checkedAt: probe.checkedAt,
    verdict: probe.verdict,
    advice: probe.advice,
    ...(probe.httpStatus !== undefined ? { httpStatus: probe.httpStatus } : {}),
    ...(probe.producer !== undefined ? { producer: probe.producer } : {}),
    requestIds: [...probe.requestIds],
  };
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
    const parts = [
      probe.verdict,
      probe.httpStatus !== undefined ? `HTTP ${probe.httpStatus}` : undefined,
      probe.producer,
      ...probe.requestIds,
    ];
    lines.push({ label: `Check ${probe.checkedAt}`, value: parts.filter(Boolean).join(', ') });
  }
  if (s.stepsTried.length > 0) {
    lines.push({ label: 'Steps tried', value: s.stepsTried.map((step) => `${step.step}: ${step.answer}`).join('; ') });
  }
  if (s.causes.length > 0) lines.push({ label: 'Causes in pasted logs', value: s.causes.join(', ') });
  if (s.lastMessages.length > 0) lines.push({ label: 'Their words', value: s.lastMessages.join(' | ') });
  return lines;
}
