/**
 * The ready-to-send messages (to the site's team, the internet provider, the hosting provider) as data:
 * each quotes the evidence it needs as one line per fact, and a fact nobody knows is left out rather than
 * written as "-" (a provider reading "Request IDs: -" learns nothing and wonders what is missing).
 */
import { isCauseId } from '../src/contracts';
import type { SupportContext } from './context';
import { displayTime, requestIdsOf } from './context';
import { PRODUCER_NAMES } from './producers';
import type { KeyedDraft, KeyedDraftLine } from './translation-keys';
import { isUserStepId } from './user-step-ids';

/** The facts a draft can quote, each on its own line. */
export const DRAFT_FIELDS = ['checkedAt', 'status', 'producer', 'requestIds', 'steps', 'timings', 'causes'] as const;
export type DraftField = (typeof DRAFT_FIELDS)[number];

/** How each fact becomes a line, or nothing when it is not known. */
const FIELD_LINES: Readonly<Record<DraftField, (ctx: SupportContext) => KeyedDraftLine | undefined>> = {
  checkedAt: ({ probe }) => (probe ? { key: 'draftLine.checkedAt', vars: { time: displayTime(probe.checkedAt) } } : undefined),
  status: ({ probe }) => {
    if (!probe) return undefined;
    const terms = { verdict: [`verdict.${probe.verdict}` as const] };
    return probe.httpStatus !== undefined
      ? { key: 'draftLine.status', vars: { status: probe.httpStatus }, terms }
      : { key: 'draftLine.verdict', terms };
  },
  producer: ({ probe, pastedProducer }) => {
    const producer = probe?.producer ?? pastedProducer;
    return producer ? { key: 'draftLine.producer', vars: { producer: PRODUCER_NAMES[producer] } } : undefined;
  },
  requestIds: ({ probe }) => {
    const ids = requestIdsOf(probe);
    return ids.length > 0 ? { key: 'draftLine.requestIds', vars: { requestIds: ids.join(', ') } } : undefined;
  },
  steps: ({ stepsTried }) => {
    // Skipped steps were not tried; administrator checks are not the visitor's to report.
    const tried = stepsTried.filter((s) => s.answer !== 'skip').flatMap((s) => (isUserStepId(s.step) ? [s.step] : []));
    return tried.length > 0 ? { key: 'draftLine.steps', terms: { steps: tried.map((id) => `stepName.${id}` as const) } } : undefined;
  },
  timings: ({ probe }): KeyedDraftLine | undefined => {
    if (!probe) return undefined;
    const { ttfbMs, totalMs } = probe.timings;
    return ttfbMs !== undefined ? { key: 'draftLine.timings', vars: { ttfbMs, totalMs } } : { key: 'draftLine.total', vars: { totalMs } };
  },
  causes: ({ cause, findings }) => {
    const named = [...(cause ? [cause] : []), ...findings.map((f) => f.cause)].filter(isCauseId);
    const causes = named.filter((c, i) => named.indexOf(c) === i);
    return causes.length > 0 ? { key: 'draftLine.causes', terms: { causes: causes.map((c) => `cause.${c}` as const) } } : undefined;
  },
};

/** The known facts among `fields`, one line each, in the order given. */
export function evidenceLines(ctx: SupportContext, fields: readonly DraftField[]): KeyedDraftLine[] {
  return fields.flatMap((field) => FIELD_LINES[field](ctx) ?? []);
}

/** The address the drafts talk about: the site named, or the one the probe checked. */
const urlOf = (ctx: SupportContext): string => ctx.url ?? ctx.probe?.url ?? '';

/** A visitor's message to the site's team. */
export function contactSiteDraft(ctx: SupportContext): KeyedDraft {
  return {
    key: 'draft.contactSite',
    vars: { url: urlOf(ctx) },
    lines: { evidence: evidenceLines(ctx, ['checkedAt', 'status', 'producer', 'requestIds', 'steps']) },
  };
}

/** A visitor's message to their internet provider (the site works for everyone else). */
export function contactIspDraft(ctx: SupportContext): KeyedDraft {
  return {
    key: 'draft.contactIsp',
    vars: { url: urlOf(ctx) },
    lines: { evidence: evidenceLines(ctx, ['checkedAt', 'status', 'requestIds', 'steps']) },
  };
}

/** The message the person who runs the site sends their hosting provider. */
export function hostDraft(ctx: SupportContext): KeyedDraft {
  return {
    key: 'draft.host',
    vars: { url: urlOf(ctx) },
    lines: { evidence: evidenceLines(ctx, ['checkedAt', 'status', 'producer', 'requestIds', 'timings', 'causes']) },
  };
}
