/**
 * The support machine's vocabulary: types, the actors it invokes by name, its guards and its actions.
 * Kept apart from the state configs so the user and admin flows can be typed against it
 * (`supportSetup.createStateConfig`) without importing the root machine.
 */
import { assign, enqueueActions, fromPromise, setup } from 'xstate';
import { isCauseId, type DnsReport, type Finding, type PublicProbeResult } from '../src/contracts';
import { adminStep, dnsReplies, overviewReplies, type AdminStepId } from './admin-steps';
import {
  buildHandoffSummary,
  causeOf,
  createInitialContext,
  hostOf,
  isDownForEveryone,
  isUnreachable,
  isProbeLimited,
  LIMITS,
  pushCapped,
  summariseProbe,
  type SupportContext,
} from './context';
import { choicesFor, findingReplies, helpReply, REPLIES, repromptReply, withChoices, type ReplyName } from './replies';
import { classify, type MachineEvent } from './routing';
import type { DnsLookupInput, ProbeInput, Reply, StepRecord, SupportEmitted } from './types';
import { nextUserStep, userStep, type UserStepId } from './user-steps';

/** Placeholder actors: the composition root (and tests) provide real ones with `.provide({ actors })`. */
const notProvided = (name: string) =>
  async (): Promise<never> => {
    throw new Error(`${name} was not provided`);
  };

/** Emits each reply in order through the machine's only exit for text. */
type Enqueue = { emit: (event: SupportEmitted) => void };
function emitAll(enqueue: Enqueue, replies: readonly Reply[]): void {
  for (const reply of replies) enqueue.emit({ type: 'reply', reply });
}

export const supportSetup = setup({
  types: {
    context: {} as SupportContext,
    events: {} as MachineEvent,
    emitted: {} as SupportEmitted,
    tags: {} as 'busy',
  },
  actors: {
    /** Outputs the public view only: an actor handing over a raw `ProbeResult` does not type-check. */
    probeSite: fromPromise<PublicProbeResult, ProbeInput>(notProvided('probeSite')),
    lookupDns: fromPromise<DnsReport, DnsLookupInput>(notProvided('lookupDns')),
  },
  guards: {
    isAdmin: ({ context }) => context.role === 'admin',
    hasUrl: ({ context }) => context.url !== undefined,
    hasProbe: ({ context }) => context.probe !== undefined,
    hasTriedSteps: ({ context }) => context.stepsTried.some((s) => !s.step.startsWith('admin.')),
    isUnreachable: ({ context }) => isUnreachable(context.probe),
    isProbeLimited: ({ context }) => isProbeLimited(context.probe),
    isDownForEveryone: ({ context }) => isDownForEveryone(context.probe),
    isInvalid: ({ context }) => context.probe?.verdict === 'invalid',
    isNextStep: ({ context }, params: { step: UserStepId }) => nextUserStep(context) === params.step,
    /** Windows Update talks to Microsoft, not to a site the person named. */
    isWindowsUpdate: ({ event }) => event.type === 'input.variant' && event.variant === 'windows-update',
    /** IIS 502.1 is a CGI timeout: visitors get the gateway-timeout advice instead of a 502 walkthrough. */
    isVisitorTimeoutVariant: ({ context, event }) =>
      (event.type === 'input.variant' || event.type === 'input.url') &&
      event.variant === 'iis-502.1' &&
      context.role !== 'admin' &&
      !(event.type === 'input.url' && event.role === 'admin'),
    findingsNeedUrl: ({ context, event }) => event.type === 'input.findings' && !event.urlFollows && context.url === undefined,
    findingsFromServer: ({ context, event }) =>
      event.type === 'input.findings' && event.serverLogs && !event.urlFollows && context.probe !== undefined,
  },
  actions: {
    /** Classifies a message into internal events; runs before `noteMessage` so it sees the previous URL. */
    route: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'user.message') return;
      for (const internal of classify(context, event)) enqueue.raise(internal);
    }),
    noteMessage: assign(({ context, event }) => {
      if (event.type !== 'user.message') return {};
      const text = event.text.slice(0, LIMITS.transcriptChars);
      return {
        transcript: text ? pushCapped(context.transcript, [text], LIMITS.transcript) : context.transcript,
        ...(event.browser ? { browser: event.browser } : {}),
        ...(event.os ? { os: event.os } : {}),
        ...(event.submitting ? { submitting: true } : {}),
      };
    }),
    /** Once per conversation: a 502 does not prove a payment failed, so resending could charge twice. */
    warnSubmitting: enqueueActions(({ context, enqueue }) => {
      if (!context.submitting || context.submitWarned) return;
      emitAll(enqueue, REPLIES.submittingWarning());
      enqueue.assign({ submitWarned: true });
    }),
    noteClientInfo: assign(({ context, event }) => {
      if (event.type !== 'client.info') return {};
      return {
        ...(event.browser ? { browser: event.browser } : {}),
        ...(event.os ? { os: event.os } : {}),
        ...(event.locale && !context.localeChosen ? { locale: event.locale } : {}),
      };
    }),
    setLocale: assign(({ event }) => (event.type === 'input.language' ? { locale: event.locale, localeChosen: true } : {})),
    /** A new site: forget everything that described the previous one. */
    setSite: assign(({ context, event }) => {
      if (event.type !== 'input.url') return {};
      const host = hostOf(event.url);
      const sameHost = host !== undefined && host === context.host;
      return {
        url: event.url,
        host,
        probe: undefined,
        ...(event.variant ? { variant: event.variant } : {}),
        ...(event.role ? { role: event.role } : {}),
        stepsTried: sameHost ? context.stepsTried : [],
        cause: sameHost ? context.cause : undefined,
        watchRequested: false,
      };
    }),
    setVariant: assign(({ event }) => (event.type === 'input.variant' ? { variant: event.variant } : {})),
    /** The probe actor's output is typed as the public view, so the truth never reaches the context. */
    storeProbe: assign(({ context }, params: { result: PublicProbeResult }) => {
      const probe = params.result;
      return {
        probe,
        probeHistory: pushCapped(context.probeHistory, [summariseProbe(probe)], LIMITS.probeHistory),
        cause: causeOf(probe) ?? context.cause,
      };
    }),
    markRoleOffered: assign({ roleOffered: true }),
    becomeAdmin: assign({ role: 'admin' as const }),
    becomeVisitor: assign({ role: 'visitor' as const }),
    storeFindings: assign(({ context, event }) => {
      if (event.type !== 'input.findings') return {};
      const notes = event.findings.map((f: Finding) => ({
        cause: f.cause,
        ...(f.producer ? { producer: f.producer } : {}),
        ...(f.line !== undefined ? { line: f.line } : {}),
      }));
      const firstCause = event.findings.map((f) => f.cause).find(isCauseId);
      const pasted = event.findings.find((f) => f.producer)?.producer;
      return {
        findings: pushCapped(context.findings, notes, LIMITS.findings),
        ...(firstCause ? { cause: firstCause } : {}),
        ...(pasted ? { pastedProducer: pasted } : {}),
        ...(event.serverLogs ? { role: 'admin' as const } : {}),
      };
    }),
    recordStep: assign(({ context }, params: StepRecord) => ({
      stepsTried: pushCapped(context.stepsTried, [{ step: params.step, answer: params.answer }], LIMITS.stepsTried),
    })),
    /** "Back": forget the last visitor step so the advance state offers it again. */
    forgetLastStep: assign(({ context }) => {
      const i = context.stepsTried.map((s) => s.step.startsWith('admin.')).lastIndexOf(false);
      return { stepsTried: i < 0 ? context.stepsTried : context.stepsTried.filter((_, j) => j !== i) };
    }),
    resetContext: assign(({ context }) => {
      const fresh = createInitialContext(context.requester ? { requester: context.requester } : {}, {
        locale: context.locale,
        localeChosen: context.localeChosen,
        ...(context.browser ? { browser: context.browser } : {}),
        ...(context.os ? { os: context.os } : {}),
      });
      // assign() merges, so every key the fresh context lacks must be cleared explicitly.
      const cleared = Object.fromEntries(Object.keys(context).map((k) => [k, undefined])) as Partial<SupportContext>;
      return { ...cleared, ...fresh };
    }),
    requestWatch: enqueueActions(({ context, enqueue }) => {
      if (!context.url) return;
      enqueue.emit({ type: 'watch', url: context.url });
      enqueue.assign({ watchRequested: true });
    }),
    requestHandoff: enqueueActions(({ context, enqueue }) => {
      enqueue.emit({ type: 'handoff', summary: buildHandoffSummary(context) });
      enqueue.assign({ handoffRequested: true });
    }),
    say: enqueueActions(({ context, enqueue }, params: { reply: ReplyName }) => {
      emitAll(enqueue, REPLIES[params.reply](context));
    }),
    sayStep: enqueueActions(({ context, enqueue }, params: { step: UserStepId }) => {
      const step = userStep(params.step);
      emitAll(enqueue, withChoices([step.reply(context)], choicesFor(`user.${step.state}`, context)));
    }),
    sayOverview: enqueueActions(({ context, enqueue }) => {
      emitAll(enqueue, withChoices(overviewReplies(context), choicesFor('admin.overview', context)));
    }),
    sayAdminStep: enqueueActions(({ context, enqueue }, params: { step: AdminStepId }) => {
      const reply = adminStep(params.step).reply;
      if (reply) emitAll(enqueue, withChoices(reply(context), choicesFor(`admin.${params.step}`, context)));
    }),
    sayDnsReport: enqueueActions(({ context, enqueue }, params: { report: DnsReport }) => {
      emitAll(enqueue, withChoices(dnsReplies(context, params.report), choicesFor('admin.dns', context)));
    }),
    sayFindings: enqueueActions(({ context, enqueue, event }) => {
      if (event.type === 'input.findings') emitAll(enqueue, findingReplies(event.findings, event.truncated, context.locale));
    }),
    help: enqueueActions(({ context, enqueue }, params: { path: string }) => {
      emitAll(enqueue, helpReply(params.path, context));
    }),
    reprompt: enqueueActions(({ context, enqueue }, params: { path: string }) => {
      emitAll(enqueue, repromptReply(params.path, context));
    }),
    /** After "stop", a new message first resets the conversation, then is handled afresh. */
    replayMessage: enqueueActions(({ event, enqueue }) => {
      if (event.type === 'user.message') enqueue.raise(event);
    }),
    /** An answer no state took becomes "not understood", so the state re-prompts with its own choices. */
    notUnderstood: enqueueActions(({ enqueue }) => {
      enqueue.raise({ type: 'input.unknown' });
    }),
  },
});

/** The `say` action with one reply builder, for state configs. */
export const say = (reply: ReplyName) => ({ type: 'say', params: { reply } }) as const;

/** Help and re-prompt handlers for a state that waits for the person (its path names its choices). */
export function waiting(path: string) {
  return {
    'intent.help': { actions: { type: 'help', params: { path } } },
    'input.unknown': { actions: { type: 'reprompt', params: { path } } },
  } as const;
}
