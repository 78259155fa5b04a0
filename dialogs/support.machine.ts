/**
 * The root support machine: greeting -> what failed -> probe -> visitor (`user.*`) or administrator
 * (`admin.*`) flow, with commands that work anywhere. Pure: replies, hand-offs and watch requests leave
 * only as emitted events; the probe and DNS lookup are actors provided by name.
 */
import type { AnyActorRef, AnyMachineSnapshot, StateValue } from 'xstate';
import { adminFlow } from './admin-flow';
import { createInitialContext, toSupportInput } from './context';
import { say, supportSetup, waiting } from './support.setup';
import { userFlow } from './user-flow';

/** Bump when states or context change shape; the runner discards (or migrates) older snapshots. */
export const SNAPSHOT_VERSION = 1;

/** The support conversation. Provide `probeSite` and `lookupDns` with `supportMachine.provide({ actors })`. */
export const supportMachine = supportSetup.createMachine({
  id: 'support',
  context: ({ input }) => createInitialContext(toSupportInput(input)),
  initial: 'greeting',
  on: {
    // `route` raises the message's meaning as internal events, which the active state or these handlers take.
    'user.message': { actions: ['route', 'noteMessage', 'warnSubmitting'] },
    'client.info': { actions: 'noteClientInfo' },
    'input.language': { actions: ['setLocale', say('languageChanged')] },
    'input.url': [
      { guard: 'isVisitorTimeoutVariant', target: '.user.gatewayTimeout', actions: 'setSite' },
      { target: '.probing', actions: 'setSite' },
    ],
    'input.variant': [
      { guard: 'isWindowsUpdate', target: '.user.windowsUpdate', actions: 'setVariant' },
      { guard: 'isVisitorTimeoutVariant', target: '.user.gatewayTimeout', actions: 'setVariant' },
      { target: '.askUrl', actions: ['setVariant', say('variantAck')] },
    ],
    'input.findings': [
      // Explain first, then ask which site: the explanation is what they came for.
      { guard: 'findingsNeedUrl', target: '.askUrl', actions: ['storeFindings', 'sayFindings'] },
      { guard: 'findingsFromServer', target: '.admin.logs', actions: ['storeFindings', 'sayFindings'] },
      { actions: ['storeFindings', 'sayFindings'] },
    ],
    'intent.restart': { target: '.greeting', actions: ['resetContext', say('hello')] },
    'intent.human': { target: '.handoff', actions: 'requestHandoff' },
    'intent.stop': { target: '.ended' },
    'intent.admin': [
      { guard: 'hasProbe', target: '.admin', actions: 'becomeAdmin' },
      { guard: 'hasUrl', target: '.probing', actions: 'becomeAdmin' },
      { target: '.askUrl', actions: 'becomeAdmin' },
    ],
    'intent.visitor': [
      { guard: 'hasProbe', target: '.user', actions: 'becomeVisitor' },
      { guard: 'hasUrl', target: '.probing', actions: 'becomeVisitor' },
      { target: '.askUrl', actions: 'becomeVisitor' },
    ],
    'intent.watch': [{ guard: 'hasUrl', target: '.user.waiting', actions: 'requestWatch' }, { target: '.askUrl' }],
    'intent.recheck': [{ guard: 'hasUrl', target: '.probing' }, { target: '.askUrl' }],
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
      on: {
        ...waiting('greeting'),
        'conversation.start': { actions: say('hello') },
        // Anything that is not a URL or a known error here is a description of the problem: ask which site.
        'input.unknown': { target: 'askUrl' },
      },
    },
    askUrl: { entry: say('askUrl'), on: waiting('askUrl') },
    probing: {
      tags: ['busy'],
      entry: say('checking'),
      invoke: {
        src: 'probeSite',
        input: ({ context }) => ({ url: context.url ?? '', ...(context.requester ? { requester: context.requester } : {}) }),
        onDone: [
          { guard: 'isAdmin', target: 'admin', actions: { type: 'storeProbe', params: ({ event }) => ({ result: event.output }) } },
          { target: 'user', actions: { type: 'storeProbe', params: ({ event }) => ({ result: event.output }) } },
        ],
        onError: [{ guard: 'isAdmin', target: 'admin.checkFailed' }, { target: 'user.checkFailed' }],
      },
      on: {
        'turn.timeout': [{ guard: 'isAdmin', target: 'admin.stillChecking' }, { target: 'user.stillChecking' }],
        'input.unknown': { actions: say('checking') },
      },
    },
    user: userFlow,
    admin: adminFlow,
    handoff: {
      entry: say('handoffSent'),
      // Asking again must not open a second ticket.
      on: { ...waiting('handoff'), 'intent.human': { actions: { type: 'reprompt', params: { path: 'handoff' } } } },
    },
    ended: {
      entry: say('goodbye'),
      on: {
        // Any new message starts over, and is then handled as the first message of a new conversation.
        'user.message': { target: 'greeting', actions: ['resetContext', 'replayMessage'] },
        'conversation.start': { target: 'greeting', actions: ['resetContext', say('hello')] },
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
  return Object.values(children).every((child) => !child || child.getSnapshot().status !== 'active');
}
