/**
 * The root support machine: greeting -> what failed -> probe -> visitor (`user.*`) or administrator
 * (`admin.*`) flow, with commands that work anywhere. Pure: replies, hand-offs and watch requests leave
 * only as emitted events; the probe and DNS lookup are actors provided by name.
 */
import { not, type AnyActorRef, type AnyMachineSnapshot, type StateValue } from 'xstate';
import { adminFlow } from './admin-flow';
import { createInitialContext, probeInputOf, toSupportInput } from './context';
import { WATCHING_STATE } from './replies';
import { SUPPORT_MACHINE_ID, to } from './states';
import { explainFindings, feedbackAnswers, messageParams, say, siteParams, supportSetup, waiting } from './support.setup';
import { userFlow } from './user-flow';

/** Bump when states or context change shape; the runner discards (or migrates) older snapshots. */
export const SNAPSHOT_VERSION = 1;

/** The support conversation. Provide `probeSite` and `lookupDns` with `supportMachine.provide({ actors })`. */
export const supportMachine = supportSetup.createMachine({
  id: SUPPORT_MACHINE_ID,
  description: 'One support conversation about an HTTP 502: commands here work in every state.',
  context: ({ input }) => createInitialContext(toSupportInput(input)),
  initial: 'greeting',
  on: {
    // `route` raises the message's meaning as internal events, which the active state or these handlers take.
    'user.message': {
      actions: [{ type: 'route', params: messageParams }, { type: 'noteMessage', params: messageParams }, 'warnSubmitting'],
    },
    capabilities: {
      actions: {
        type: 'noteCapabilities',
        params: ({ event }) => ({ handoff: event.handoff, watch: event.watch, contactUrl: event.contactUrl }),
      },
    },
    'client.info': {
      actions: { type: 'noteClientInfo', params: ({ event }) => ({ browser: event.browser, os: event.os, locale: event.locale }) },
    },
    'input.language': {
      actions: [
        { type: 'setLocale', params: ({ event }) => ({ locale: event.locale, ...(event.asked ? { asked: true } : {}) }) },
        say('languageChanged'),
      ],
    },
    'input.url': [
      {
        guard: { type: 'isVisitorTimeoutVariant', params: ({ event }) => ({ variant: event.variant, role: event.role }) },
        target: to('user.gatewayTimeout'),
        actions: { type: 'setSite', params: ({ event }) => siteParams(event) },
      },
      {
        target: to('probing'),
        actions: { type: 'setSite', params: ({ event }) => siteParams(event) },
      },
    ],
    'input.variant': [
      {
        guard: { type: 'isWindowsUpdate', params: ({ event }) => ({ variant: event.variant }) },
        target: to('user.windowsUpdate'),
        actions: { type: 'setVariant', params: ({ event }) => ({ variant: event.variant }) },
      },
      {
        guard: { type: 'isVisitorTimeoutVariant', params: ({ event }) => ({ variant: event.variant }) },
        target: to('user.gatewayTimeout'),
        actions: { type: 'setVariant', params: ({ event }) => ({ variant: event.variant }) },
      },
      {
        target: to('askUrl'),
        actions: [{ type: 'setVariant', params: ({ event }) => ({ variant: event.variant }) }, say('variantAck')],
      },
    ],
    'input.findings': [
      // Explain first, then ask which site: the explanation is what they came for.
      {
        guard: { type: 'findingsNeedUrl', params: ({ event }) => ({ urlFollows: event.urlFollows }) },
        target: to('askUrl'),
        actions: explainFindings,
      },
      {
        guard: { type: 'findingsFromServer', params: ({ event }) => ({ serverLogs: event.serverLogs, urlFollows: event.urlFollows }) },
        target: to('admin.logs'),
        actions: explainFindings,
      },
      { actions: explainFindings },
    ],
    'intent.restart': { target: to('greeting'), actions: ['resetContext', say('hello')] },
    'intent.human': { target: to('handoff'), actions: 'requestHandoff' },
    'intent.stop': { target: to('ended') },
    'intent.admin': [
      { guard: 'hasProbe', target: to('admin'), actions: 'becomeAdmin' },
      { guard: 'hasUrl', target: to('probing'), actions: 'becomeAdmin' },
      { target: to('askUrl'), actions: 'becomeAdmin' },
    ],
    'intent.visitor': [
      { guard: 'hasProbe', target: to('user'), actions: 'becomeVisitor' },
      { guard: 'hasUrl', target: to('probing'), actions: 'becomeVisitor' },
      { target: to('askUrl'), actions: 'becomeVisitor' },
    ],
    // Nothing is promised until the watch service has stored the watch (`watch.result`).
    'intent.watch': [
      { guard: not('hasUrl'), target: to('askUrl') },
      {
        guard: 'siteAnswers',
        actions: { type: 'announce', params: ({ context }) => ({ key: 'watch.alreadyUp', vars: { host: context.host ?? '' } }) },
      },
      { actions: 'requestWatch' },
    ],
    'watch.result': [
      {
        guard: { type: 'isWatchStored', params: ({ event }) => ({ accepted: event.accepted, url: event.url }) },
        target: to(WATCHING_STATE),
        actions: { type: 'noteWatchResult', params: ({ event }) => ({ accepted: event.accepted }) },
      },
      {
        guard: { type: 'isWatchRefused', params: ({ event }) => ({ accepted: event.accepted, url: event.url }) },
        actions: [
          { type: 'noteWatchResult', params: ({ event }) => ({ accepted: event.accepted }) },
          { type: 'announce', params: ({ context }) => ({ key: 'watch.failed', vars: { host: context.host ?? '' } }) },
        ],
      },
      // A result about a site the conversation has since left changes nothing here.
    ],
    // The hand-off's fate arriving after the person moved on: remembered, not announced.
    'handoff.result': { actions: { type: 'noteHandoffResult', params: ({ event }) => ({ accepted: event.accepted }) } },
    // A notice raised while no waiting state is active (a busy or transient one) is said without choices.
    notice: { actions: { type: 'sayNotice', params: ({ event }) => ({ key: event.key, vars: event.vars }) } },
    'intent.recheck': [{ guard: 'hasUrl', target: to('probing') }, { target: to('askUrl') }],
    'intent.help': { actions: say('genericHelp') },
    'intent.thanks': { actions: say('welcome') },
    'intent.greeting': { actions: say('hello') },
    'intent.yes': { actions: 'notUnderstood' },
    'intent.no': { actions: 'notUnderstood' },
    'intent.skip': { actions: 'notUnderstood' },
    'intent.back': { actions: 'notUnderstood' },
    'input.unknown': { actions: say('genericReprompt') },
  },
  states: {
    greeting: {
      description: 'Greets the person and waits for what failed: a URL, an error text or pasted logs.',
      on: {
        ...waiting('greeting'),
        'conversation.start': { actions: say('hello') },
        // Anything that is not a URL or a known error here is a description of the problem: ask which site.
        'input.unknown': { target: to('askUrl') },
      },
    },
    askUrl: { description: 'Asks which site shows the error.', entry: say('askUrl'), on: waiting('askUrl') },
    probing: {
      description: 'Probes the site; the turn may end first (turn.timeout), and the result still arrives later.',
      tags: ['busy'],
      entry: say('checking'),
      invoke: {
        src: 'probeSite',
        input: ({ context }) => probeInputOf(context),
        onDone: [
          {
            guard: 'isAdmin',
            target: to('admin'),
            actions: [
              { type: 'storeProbe', params: ({ event }) => ({ result: event.output }) },
              'signalChecked',
              say('hostResult'),
              say('incidentForAdmin'),
              say('providerNotices'),
            ],
          },
          {
            target: to('user'),
            actions: [
              { type: 'storeProbe', params: ({ event }) => ({ result: event.output }) },
              'signalChecked',
              say('hostResult'),
              say('providerNotices'),
            ],
          },
        ],
        onError: [{ guard: 'isAdmin', target: to('admin.checkFailed') }, { target: to('user.checkFailed') }],
      },
      on: {
        'turn.timeout': [{ guard: 'isAdmin', target: to('admin.stillChecking') }, { target: to('user.stillChecking') }],
        'input.unknown': { actions: say('checking') },
      },
    },
    user: userFlow,
    admin: adminFlow,
    handoff: {
      description: 'A person was asked to take the case; once a help desk took it, the bot waits. Nothing is said before the bot knows.',
      on: {
        ...waiting('handoff'),
        ...feedbackAnswers('handoff'),
        // Asking again must not open a second ticket.
        'intent.human': { actions: { type: 'reprompt', params: { path: 'handoff' } } },
        'handoff.result': [
          {
            guard: { type: 'isLive', params: ({ event }) => ({ accepted: event.accepted, live: event.live }) },
            target: to('handoffLive'),
            actions: [{ type: 'noteHandoffResult', params: ({ event }) => ({ accepted: event.accepted }) }, say('handoffLive')],
          },
          {
            guard: { type: 'isAccepted', params: ({ event }) => ({ accepted: event.accepted }) },
            actions: [
              { type: 'noteHandoffResult', params: ({ event }) => ({ accepted: event.accepted }) },
              { type: 'noteOutcome', params: { outcome: 'handed_off' } },
              say('handoffSent'),
            ],
          },
          {
            target: to('handoffUnavailable'),
            actions: { type: 'noteHandoffResult', params: ({ event }) => ({ accepted: event.accepted }) },
          },
        ],
      },
    },
    handoffLive: {
      description:
        'A person at the help desk has the case and answers here: the bot stays quiet (the bot relays the words) except for end and start over.',
      on: {
        'user.message': [
          {
            guard: { type: 'hasIntent', params: ({ event }) => ({ intents: event.intents, intent: 'restart' }) },
            target: to('greeting'),
            actions: ['resetContext', say('hello')],
          },
          {
            guard: { type: 'hasIntent', params: ({ event }) => ({ intents: event.intents, intent: 'stop' }) },
            target: to('greeting'),
            actions: say('handoffEndedByPerson'),
          },
          // Everything else is for the agent: remembered in the transcript, relayed by the bot, not answered.
          { actions: { type: 'noteMessage', params: messageParams } },
        ],
        'handoff.end': { target: to('greeting'), actions: say('handoffEndedByAgent') },
        // The help desk is already on it: a greeting or a late result changes nothing.
        'conversation.start': {},
        'handoff.result': {},
      },
    },
    handoffUnavailable: {
      description: 'No help desk took the case: says so, and offers what exists instead (a message to send on, a re-check, a watch).',
      entry: say('handoffUnavailable'),
      on: waiting('handoffUnavailable'),
    },
    ended: {
      description: 'Said goodbye; the next message starts a new conversation.',
      entry: [{ type: 'noteOutcome', params: { outcome: 'abandoned' } }, say('goodbye')],
      on: {
        // Any new message starts over, and is then handled as the first message of a new conversation.
        'user.message': { target: to('greeting'), actions: ['resetContext', { type: 'replayMessage', params: messageParams }] },
        'conversation.start': { target: to('greeting'), actions: ['resetContext', say('hello')] },
      },
    },
  },
});

/** The dotted path of the deepest active state, e.g. `user.step.hardRefresh`, `admin.logs`, `probing`. */
export function stateToPath(value: StateValue): string {
  if (typeof value === 'string') return value;
  const [key, child] = Object.entries(value)[0] ?? [];
  if (key === undefined) return '';
  const rest = child === undefined ? '' : stateToPath(child);
  return rest ? `${key}.${rest}` : key;
}

/** True when no invoked actor is running, so the snapshot may be persisted. */
export function isSettled(snapshot: AnyMachineSnapshot): boolean {
  if (snapshot.hasTag('busy')) return false;
  const children = snapshot.children as Record<string, AnyActorRef | undefined>;
  return Object.values(children).every((child) => child?.getSnapshot().status !== 'active');
}
