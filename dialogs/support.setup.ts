/**
 * The support machine's vocabulary: types, the actors it invokes by name, its guards and its actions.
 * Kept apart from the state configs so the user and admin flows can be typed against it
 * (`supportSetup.createStateConfig`) without importing the root machine.
 */
import { assign, enqueueActions, fromPromise, setup, stateIn } from 'xstate';
import {
  isCauseId,
  type CauseId,
  type DnsReport,
  type Finding,
  type LocaleId,
  type PublicProbeResult,
  type Truncation,
} from '../src/contracts';
import { adminStep, dnsReplies, overviewReplies, type AdminStepId } from './admin-steps';
import {
  answeredOverHttp,
  buildHandoffSummary,
  causeOf,
  createInitialContext,
  feedbackOpen,
  fixingStep,
  hostNameOf,
  isDownForEveryone,
  isIpAddressHost,
  isUnreachable,
  isProbeLimited,
  LIMITS,
  pushCapped,
  siteAnswers,
  summariseProbe,
  type Role,
  type SupportContext,
} from './context';
import {
  choicesFor,
  findingReplies,
  helpReply,
  noticeReply,
  REPLIES,
  repromptReply,
  withChoices,
  type PromptPath,
  type ReplyName,
} from './replies';
import { classify, type FindingsInput, type MachineEvent, type UrlInput } from './routing';
import { to, type StatePath } from './states';
import type { KeyedReply, TranslationKey } from './translation-keys';
import {
  STATE_BOUND_INTENTS,
  type BrowserId,
  type DnsLookupInput,
  type Intent,
  type OsId,
  type Outcome,
  type ProbeInput,
  type StepRecord,
  type SupportEmitted,
  type UserMessageEvent,
  type VariantId,
} from './types';
import { nextUserStep, userStep, userStepState, type UserStepId } from './user-steps';
import { whereNowReplies } from './where-now';

/** Placeholder actors: the composition root (and tests) provide real ones with `.provide({ actors })`. */
const notProvided = (name: string) => async (): Promise<never> => {
  throw new Error(`${name} was not provided`);
};

/** Sentences said as a notice in whatever state the conversation waits in, with that state's choices. */
export type NoticeKey = Extract<TranslationKey, 'watch.failed' | 'watch.alreadyUp'>;

/** The transitions that take an answer to "did this help?" in a state that asks it (`path` names its choices). */
export function feedbackAnswers(path: PromptPath) {
  return {
    'intent.yes': { guard: 'isFeedbackOpen', actions: { type: 'recordFeedback', params: { helpful: true, path } } },
    'intent.no': { guard: 'isFeedbackOpen', actions: { type: 'recordFeedback', params: { helpful: false, path } } },
  } as const;
}

/**
 * Raised by the machine to itself: say `key` in the current waiting state with its own choices. The root
 * cannot know which state is active, so it raises this and the state's `waiting()` handlers answer it.
 */
export interface NoticeEvent {
  type: 'notice';
  key: NoticeKey;
  vars?: Record<string, string>;
}

/**
 * Emits each reply in order through the machine's only exit for text. Only keyed replies get here, so
 * every key the machine says is checked against locales/en/translation.json by the compiler.
 */
type Enqueue = { emit: (event: SupportEmitted) => void };
function emitAll(enqueue: Enqueue, replies: readonly KeyedReply[]): void {
  for (const reply of replies) enqueue.emit({ type: 'reply', reply });
}

export const supportSetup = setup({
  types: {
    context: {} as SupportContext,
    events: {} as MachineEvent | NoticeEvent,
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
    /** The help desk declared an incident on the site: it outranks whatever the probe saw. */
    hasIncident: ({ context }) => context.probe?.incident !== undefined,
    hasTriedSteps: ({ context }) => context.stepsTried.some((s) => !s.step.startsWith('admin.')),
    isUnreachable: ({ context }) => isUnreachable(context.probe),
    isProbeLimited: ({ context }) => isProbeLimited(context.probe),
    isDownForEveryone: ({ context }) => isDownForEveryone(context.probe),
    isInvalid: ({ context }) => context.probe?.verdict === 'invalid',
    /** A site reached by its IP address has no DNS records to look up. */
    hostIsAddress: ({ context }) => isIpAddressHost(context.host),
    /** The site answers for everyone, so a watch would have nothing to wait for. */
    siteAnswers: ({ context }) => siteAnswers(context.probe),
    /**
     * A press on a card of another state, of a button whose meaning depends on that card's question: it must
     * not answer the question now on screen (a "yes" from step 1 is not a "yes" to step 4).
     */
    isStalePress: (_, params: { pressedIn?: string; intents: readonly Intent[]; here: string }) =>
      params.pressedIn !== undefined && params.pressedIn !== params.here && params.intents.some((i) => STATE_BOUND_INTENTS.includes(i)),
    isAccepted: (_, params: { accepted: boolean }) => params.accepted,
    /** The conversation reached an end and "did this help?" is still unanswered. */
    isFeedbackOpen: ({ context }) => feedbackOpen(context),
    /** A help desk took the case and can answer here (two-way hand-off). */
    isLive: (_, params: { accepted: boolean; live?: boolean }) => params.accepted && params.live === true,
    /** The message carries this intent (typed or pressed). */
    hasIntent: (_, params: { intents: readonly Intent[]; intent: Intent }) => params.intents.includes(params.intent),
    /** The watch service stored the watch for the site this conversation is about now. */
    isWatchStored: ({ context }, params: { accepted: boolean; url: string }) => params.accepted && params.url === context.url,
    /** The watch for the site this conversation is about now could not be stored. */
    isWatchRefused: ({ context }, params: { accepted: boolean; url: string }) => !params.accepted && params.url === context.url,
    isNextStep: ({ context }, params: { step: UserStepId }) => nextUserStep(context) === params.step,
    /** Windows Update talks to Microsoft, not to a site the person named. */
    isWindowsUpdate: (_, params: { variant: VariantId }) => params.variant === 'windows-update',
    /**
     * IIS 502.1 is a CGI timeout: visitors get the gateway-timeout advice instead of a 502 walkthrough.
     * `role` is who the same message said they are ("I run example.com" with a URL).
     */
    isVisitorTimeoutVariant: ({ context }, params: { variant?: VariantId; role?: Role }) =>
      params.variant === 'iis-502.1' && context.role !== 'admin' && params.role !== 'admin',
    /** Pasted findings with no site known yet, and none in the same message. */
    findingsNeedUrl: ({ context }, params: { urlFollows: boolean }) => !params.urlFollows && context.url === undefined,
    /** Server logs about the site already probed: the person runs it, so the admin flow's logs step takes them. */
    findingsFromServer: ({ context }, params: { serverLogs: boolean; urlFollows: boolean }) =>
      params.serverLogs && !params.urlFollows && context.probe !== undefined,
  },
  actions: {
    /** Classifies a message into internal events; runs before `noteMessage` so it sees the previous URL. */
    route: enqueueActions(({ context, enqueue, check }, params: { message: UserMessageEvent }) => {
      // `check` sees the state the message arrived in, also for a message replayed after a reset.
      // stateIn's guard is typed for any guard set, enqueueActions' `check` for none: the same guard either way.
      const isIn = (path: StatePath): boolean => check(stateIn(to(path)) as Parameters<typeof check>[0]);
      for (const internal of classify(context, params.message, isIn)) enqueue.raise(internal);
    }),
    noteMessage: assign(({ context }, params: { message: UserMessageEvent }) => {
      const { message } = params;
      const text = message.text.slice(0, LIMITS.transcriptChars);
      return {
        transcript: text ? pushCapped(context.transcript, [text], LIMITS.transcript) : context.transcript,
        ...(message.browser ? { browser: message.browser } : {}),
        ...(message.os ? { os: message.os } : {}),
        ...(message.submitting ? { submitting: true } : {}),
      };
    }),
    /** Once per conversation: a 502 does not prove a payment failed, so resending could charge twice. */
    warnSubmitting: enqueueActions(({ context, enqueue }) => {
      if (!context.submitting || context.submitWarned) return;
      emitAll(enqueue, REPLIES.submittingWarning());
      enqueue.assign({ submitWarned: true });
    }),
    noteCapabilities: assign((_, params: { handoff: boolean; watch: boolean; contactUrl?: string }) => ({
      canHandoff: params.handoff,
      canWatch: params.watch,
      contactUrl: params.contactUrl,
    })),
    noteClientInfo: assign(({ context }, params: { browser?: BrowserId; os?: OsId; locale?: LocaleId }) => ({
      ...(params.browser ? { browser: params.browser } : {}),
      ...(params.os ? { os: params.os } : {}),
      ...(params.locale && !context.localeChosen ? { locale: params.locale } : {}),
    })),
    setLocale: assign((_, params: { locale: LocaleId; asked?: boolean }) => ({
      locale: params.locale,
      localeChosen: true,
      ...(params.asked ? { localeAsked: true } : {}),
    })),
    /** A new site: forget everything that described the previous one. */
    setSite: assign(({ context }, params: { url: string; schemeGuessed?: boolean; variant?: VariantId; role?: Role; cause?: CauseId }) => {
      const host = hostNameOf(params.url);
      const sameHost = host !== undefined && host === context.host;
      return {
        url: params.url,
        schemeGuessed: params.schemeGuessed === true ? true : undefined,
        host,
        probe: undefined,
        ...(params.variant ? { variant: params.variant } : {}),
        ...(params.role ? { role: params.role } : {}),
        stepsTried: sameHost ? context.stepsTried : [],
        // A log pasted with the new site's URL describes that site: its cause stays.
        cause: params.cause ?? (sameHost ? context.cause : undefined),
        watchRequested: false,
        watchStatus: undefined,
      };
    }),
    setVariant: assign((_, params: { variant: VariantId }) => ({ variant: params.variant })),
    /** The probe actor's output is typed as the public view, so the truth never reaches the context. */
    storeProbe: assign(({ context }, params: { result: PublicProbeResult }) => {
      const probe = params.result;
      return {
        ...(answeredOverHttp(context, probe) ? { url: probe.url, schemeGuessed: undefined } : {}),
        probe,
        probeHistory: pushCapped(context.probeHistory, [summariseProbe(probe)], LIMITS.probeHistory),
        cause: causeOf(probe) ?? context.cause,
      };
    }),
    /** Counts the check for analytics: its verdict and producer, nothing about the site or the person. */
    signalChecked: enqueueActions(({ context, enqueue }) => {
      const probe = context.probe;
      if (!probe) return;
      enqueue.emit({
        type: 'analytics',
        signal: { kind: 'checked', verdict: probe.verdict, ...(probe.producer ? { producer: probe.producer } : {}) },
      });
    }),
    /**
     * How the conversation ended, once: the first end it reaches is the one counted. `abandoned` (a stop) is
     * counted only for a conversation that got as far as a check, so a greeting closed at once is not one.
     */
    noteOutcome: enqueueActions(({ context, enqueue }, params: { outcome: Outcome }) => {
      if (context.outcome !== undefined) return;
      if (params.outcome === 'abandoned' && context.probe === undefined) return;
      const step = params.outcome === 'fixed' ? fixingStep(context) : undefined;
      enqueue.assign({ outcome: params.outcome });
      enqueue.emit({ type: 'analytics', signal: { kind: 'outcome', outcome: params.outcome, ...(step ? { step } : {}) } });
    }),
    /** The answer to "did this help?": counted once, thanked for, then the state's choices without the question. */
    recordFeedback: enqueueActions(({ context, enqueue }, params: { helpful: boolean; path: PromptPath }) => {
      if (!feedbackOpen(context)) return;
      const feedback = params.helpful ? ('yes' as const) : ('no' as const);
      const step = context.outcome === 'fixed' ? fixingStep(context) : undefined;
      enqueue.assign({ feedback });
      enqueue.emit({
        type: 'analytics',
        signal: {
          kind: 'feedback',
          helpful: params.helpful,
          ...(context.outcome ? { outcome: context.outcome } : {}),
          ...(step ? { step } : {}),
        },
      });
      emitAll(enqueue, noticeReply('crowd.feedback.thanks', params.path, { ...context, feedback }));
    }),
    markRoleOffered: assign({ roleOffered: true }),
    becomeAdmin: assign({ role: 'admin' as const }),
    becomeVisitor: assign({ role: 'visitor' as const }),
    /** Keeps what later replies and the hand-off need of pasted findings; server logs mean they run the site. */
    storeFindings: assign(({ context }, params: { findings: Finding[]; serverLogs: boolean; cause?: CauseId }) => {
      const notes = params.findings.map((f: Finding) => ({
        cause: f.cause,
        ...(f.producer ? { producer: f.producer } : {}),
        ...(f.line !== undefined ? { line: f.line } : {}),
      }));
      const firstCause = params.cause ?? params.findings.map((f) => f.cause).find(isCauseId);
      const pasted = params.findings.find((f) => f.producer)?.producer;
      return {
        findings: pushCapped(context.findings, notes, LIMITS.findings),
        ...(firstCause ? { cause: firstCause } : {}),
        ...(pasted ? { pastedProducer: pasted } : {}),
        ...(params.serverLogs ? { role: 'admin' as const } : {}),
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
        ...(context.localeAsked ? { localeAsked: true } : {}),
        ...(context.browser ? { browser: context.browser } : {}),
        ...(context.os ? { os: context.os } : {}),
      });
      // What the deployment can do is not part of the conversation: a fresh start still knows it.
      const deployment = {
        ...(context.canHandoff !== undefined ? { canHandoff: context.canHandoff } : {}),
        ...(context.canWatch !== undefined ? { canWatch: context.canWatch } : {}),
      };
      // assign() merges, so every key the fresh context lacks must be cleared explicitly.
      const cleared = Object.fromEntries(Object.keys(context).map((k) => [k, undefined])) as Partial<SupportContext>;
      return { ...cleared, ...fresh, ...deployment };
    }),
    /** Asks for a watch; what to say waits for `watch.result`, because the watch service may not store it. */
    requestWatch: enqueueActions(({ context, enqueue }) => {
      if (!context.url) return;
      enqueue.emit({ type: 'watch', url: context.url });
      enqueue.assign({ watchRequested: true, watchStatus: 'requested' });
    }),
    noteWatchResult: assign((_, params: { accepted: boolean }) => ({ watchStatus: params.accepted ? 'accepted' : 'failed' }) as const),
    /** Asks for a person; what to say waits for `handoff.result`, because no help desk may take it. */
    requestHandoff: enqueueActions(({ context, enqueue }) => {
      enqueue.emit({ type: 'handoff', summary: buildHandoffSummary(context) });
      enqueue.assign({ handoffRequested: true, handoffStatus: 'requested' });
    }),
    noteHandoffResult: assign(
      (_, params: { accepted: boolean }) => ({ handoffStatus: params.accepted ? 'accepted' : 'unavailable' }) as const,
    ),
    /** Says a notice in whatever waiting state is active (see `NoticeEvent`). */
    announce: enqueueActions(({ enqueue }, params: { key: NoticeKey; vars?: Record<string, string> }) => {
      enqueue.raise({ type: 'notice', key: params.key, ...(params.vars ? { vars: params.vars } : {}) });
    }),
    sayNotice: enqueueActions(({ context, enqueue }, params: { path?: PromptPath; key: NoticeKey; vars?: Record<string, string> }) => {
      emitAll(enqueue, params.path ? noticeReply(params.key, params.path, context, params.vars) : [{ key: params.key, vars: params.vars }]);
    }),
    /** A press on an earlier card: say so, then where the conversation is now, with the current choices. */
    sayWhereNow: enqueueActions(({ context, enqueue }, params: { path: PromptPath }) => {
      emitAll(enqueue, [{ key: 'reprompt.stale' }, ...whereNowReplies(params.path, context)]);
    }),
    say: enqueueActions(({ context, enqueue }, params: { reply: ReplyName }) => {
      emitAll(enqueue, REPLIES[params.reply](context));
    }),
    sayStep: enqueueActions(({ context, enqueue }, params: { step: UserStepId }) => {
      const step = userStep(params.step);
      emitAll(enqueue, withChoices([step.reply(context)], choicesFor(`user.${userStepState(step.id)}`, context)));
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
    sayFindings: enqueueActions(({ context, enqueue }, params: { findings: Finding[]; truncated?: Truncation }) => {
      emitAll(enqueue, findingReplies(params.findings, params.truncated, context.locale));
    }),
    help: enqueueActions(({ context, enqueue }, params: { path: PromptPath }) => {
      emitAll(enqueue, helpReply(params.path, context));
    }),
    reprompt: enqueueActions(({ context, enqueue }, params: { path: PromptPath }) => {
      emitAll(enqueue, repromptReply(params.path, context));
    }),
    /** After "stop", a new message first resets the conversation, then is handled afresh. */
    replayMessage: enqueueActions(({ enqueue }, params: { message: UserMessageEvent }) => {
      enqueue.raise(params.message);
    }),
    /** An answer no state took becomes "not understood", so the state re-prompts with its own choices. */
    notUnderstood: enqueueActions(({ enqueue }) => {
      enqueue.raise({ type: 'input.unknown' });
    }),
  },
});

/** The `say` action with one reply builder, for state configs. */
export const say = (reply: ReplyName) => ({ type: 'say', params: { reply } }) as const;

/**
 * The handlers every state that waits for the person has (its path names its choices): help, a re-prompt,
 * notices raised by the root, and a press on an earlier card's button, which is answered with where the
 * conversation is now instead of being taken as an answer here (the root handles every other message).
 */
export function waiting(path: PromptPath) {
  return {
    'intent.help': { actions: { type: 'help', params: { path } } },
    'input.unknown': { actions: { type: 'reprompt', params: { path } } },
    notice: { actions: { type: 'sayNotice', params: ({ event }: { event: NoticeEvent }) => ({ path, key: event.key, vars: event.vars }) } },
    'user.message': {
      guard: {
        type: 'isStalePress',
        params: ({ event }: { event: UserMessageEvent }) => ({ pressedIn: event.pressedIn, intents: event.intents, here: path }),
      },
      actions: { type: 'sayWhereNow', params: { path } },
    },
  } as const;
}

/** The parameters of the actions that take a whole message (`route`, `noteMessage`, `replayMessage`). */
export const messageParams = ({ event }: { event: UserMessageEvent }) => ({ message: event });

/** The `setSite` action's parameters from an `input.url` event. */
export const siteParams = (event: UrlInput) => ({
  url: event.url,
  schemeGuessed: event.schemeGuessed,
  variant: event.variant,
  role: event.role,
  cause: event.cause,
});

/** `storeFindings` then `sayFindings`, for a transition on `input.findings`: the pasted findings are their parameters. */
export const explainFindings = [
  {
    type: 'storeFindings',
    params: ({ event }: { event: FindingsInput }) => ({ findings: event.findings, serverLogs: event.serverLogs, cause: event.cause }),
  },
  { type: 'sayFindings', params: ({ event }: { event: FindingsInput }) => ({ findings: event.findings, truncated: event.truncated }) },
] as const;
