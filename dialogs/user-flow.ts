/**
 * The visitor's states (under `user`): the verdict, the troubleshooting steps from `user-steps.ts`, the
 * re-check after steps that may coincide with an outage, and the short paths (Windows Update, 502.1).
 */
import { USER_STEPS, type UserStep } from './user-steps';
import { say, supportSetup, waiting } from './support.setup';

const USER = '#support.user';

function stepState(step: UserStep) {
  const path = `user.${step.state}`;
  const record = (answer: 'yes' | 'no' | 'skip') => ({ type: 'recordStep', params: { step: step.id, answer } }) as const;
  // Only a real "no" re-checks: a skipped step changed nothing on the person's side.
  const onNo = step.recheckAfter ? `${USER}.recheck` : `${USER}.advance`;
  return supportSetup.createStateConfig({
    entry: { type: 'sayStep', params: { step: step.id } },
    on: {
      ...waiting(path),
      'intent.yes': { target: `${USER}.fixed`, actions: record('yes') },
      'intent.no': { target: onNo, actions: record('no') },
      'intent.skip': { target: `${USER}.advance`, actions: record('skip') },
      'intent.back': { guard: 'hasTriedSteps', target: `${USER}.advance`, actions: 'forgetLastStep' },
    },
  });
}

const browserSteps = USER_STEPS.filter((s) => s.state.startsWith('step.'));
const contactSteps = USER_STEPS.filter((s) => !s.state.startsWith('step.'));

/** Visitor states, composed under `user` in the root machine. */
export const userFlow = supportSetup.createStateConfig({
  initial: 'route',
  states: {
    /** Transient: branch on the probe that just finished (or the one kept when switching back to visitor). */
    route: {
      always: [
        { guard: 'isProbeLimited', target: 'limited' },
        { guard: 'isUnreachable', target: 'unreachable' },
        { guard: 'isDownForEveryone', target: 'down' },
        { guard: 'isInvalid', target: '#support.askUrl', actions: say('askUrlInvalid') },
        { target: 'advance', actions: [say('upIntro'), 'markRoleOffered'] },
      ],
    },
    /** Transient: the first step that applies and was not tried yet. */
    advance: {
      always: [
        ...USER_STEPS.map((s) => ({ guard: { type: 'isNextStep', params: { step: s.id } }, target: s.state }) as const),
        { target: 'later' },
      ],
    },
    step: {
      initial: 'reload',
      states: Object.fromEntries(browserSteps.map((s) => [s.state.slice('step.'.length), stepState(s)])),
    },
    ...Object.fromEntries(contactSteps.map((s) => [s.state, stepState(s)])),
    recheck: {
      tags: ['busy'],
      entry: say('recheckChecking'),
      invoke: {
        src: 'probeSite',
        input: ({ context }) => ({ url: context.url ?? '', ...(context.requester ? { requester: context.requester } : {}) }),
        onDone: { target: 'afterRecheck', actions: { type: 'storeProbe', params: ({ event }) => ({ result: event.output }) } },
        onError: { target: 'advance', actions: say('recheckFailed') },
      },
      on: { 'turn.timeout': 'stillChecking' },
    },
    /** Transient: a site that went down meanwhile ends the steps; otherwise they go on. */
    afterRecheck: {
      always: [
        { guard: 'isProbeLimited', target: 'limited' },
        { guard: 'isUnreachable', target: 'unreachable' },
        { guard: 'isDownForEveryone', target: 'down', actions: say('recheckNowDown') },
        { target: 'advance', actions: say('recheckStillUp') },
      ],
    },
    down: { entry: [say('down'), 'markRoleOffered'], on: waiting('user.down') },
    waiting: { entry: say('watchConfirmed'), on: waiting('user.waiting') },
    unreachable: {
      entry: [say('unreachable'), 'markRoleOffered'],
      on: { ...waiting('user.unreachable'), 'intent.yes': 'advance' },
    },
    later: { entry: say('later'), on: waiting('user.later') },
    fixed: { entry: say('fixed'), on: { ...waiting('user.fixed'), 'intent.yes': { actions: say('welcome') } } },
    windowsUpdate: {
      entry: say('windowsUpdate'),
      on: {
        ...waiting('user.windowsUpdate'),
        'intent.yes': 'fixed',
        'intent.no': { actions: say('windowsUpdateStuck') },
        'intent.skip': { actions: say('windowsUpdateStuck') },
      },
    },
    gatewayTimeout: { entry: [say('gatewayTimeout'), 'markRoleOffered'], on: waiting('user.gatewayTimeout') },
    stillChecking: { entry: say('stillChecking'), on: waiting('user.stillChecking') },
    checkFailed: { entry: say('probeFailed'), on: waiting('user.checkFailed') },
    /** The probe's own limits refused the check; nothing is known about the site. */
    limited: { entry: say('probeLimited'), on: waiting('user.checkFailed') },
  },
});
