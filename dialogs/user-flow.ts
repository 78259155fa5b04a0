/**
 * The visitor's states (under `user`): the verdict, the troubleshooting steps from `user-steps.ts`, the
 * re-check after steps that may coincide with an outage, and the short paths (Windows Update, 502.1).
 */
import { probeInputOf } from './context';
import { to } from './states';
import { feedbackAnswers, say, supportSetup, waiting } from './support.setup';
import { USER_STEPS, userStepState, type UserStep } from './user-steps';

function stepState(step: UserStep) {
  const state = userStepState(step.id);
  const record = (answer: 'yes' | 'no' | 'skip') => ({ type: 'recordStep', params: { step: step.id, answer } }) as const;
  // Only a real "no" re-checks: a skipped step changed nothing on the person's side.
  const onNo = step.recheckAfter ? to('user.recheck') : to('user.advance');
  return supportSetup.createStateConfig({
    description: `Visitor step "${step.id}": did it help?${step.recheckAfter ? ' A "no" probes the site again.' : ''}`,
    entry: { type: 'sayStep', params: { step: step.id } },
    on: {
      ...waiting(`user.${state}`),
      'intent.yes': { target: to('user.fixed'), actions: record('yes') },
      'intent.no': { target: onNo, actions: record('no') },
      'intent.skip': { target: to('user.advance'), actions: record('skip') },
      'intent.back': { guard: 'hasTriedSteps', target: to('user.advance'), actions: 'forgetLastStep' },
    },
  });
}

const STEP_PREFIX = 'step.';
const browserSteps = USER_STEPS.filter((s) => userStepState(s.id).startsWith(STEP_PREFIX));
const contactSteps = USER_STEPS.filter((s) => !userStepState(s.id).startsWith(STEP_PREFIX));

/** Visitor states, composed under `user` in the root machine. */
export const userFlow = supportSetup.createStateConfig({
  description: 'The visitor flow: the verdict, then the steps that apply, one at a time.',
  initial: 'route',
  states: {
    route: {
      description: 'Transient: branches on the probe that just finished (or the one kept when switching back to visitor).',
      always: [
        { guard: 'hasIncident', target: to('user.incident') },
        { guard: 'isProbeLimited', target: to('user.limited') },
        { guard: 'isUnreachable', target: to('user.unreachable') },
        { guard: 'isDownForEveryone', target: to('user.down') },
        { guard: 'isInvalid', target: to('askUrl'), actions: say('askUrlInvalid') },
        { target: to('user.advance'), actions: [say('upIntro'), 'markRoleOffered'] },
      ],
    },
    advance: {
      description: 'Transient: goes to the first step that applies and was not tried yet, or to "come back later".',
      always: [
        ...USER_STEPS.map(
          (s) => ({ guard: { type: 'isNextStep', params: { step: s.id } }, target: to(`user.${userStepState(s.id)}`) }) as const,
        ),
        { target: to('user.later') },
      ],
    },
    step: {
      description: 'The steps done in the browser or on the device.',
      initial: 'reload',
      states: Object.fromEntries(browserSteps.map((s) => [userStepState(s.id).slice(STEP_PREFIX.length), stepState(s)])),
    },
    ...Object.fromEntries(contactSteps.map((s) => [userStepState(s.id), stepState(s)])),
    recheck: {
      description: 'Probes the site again after a step that may have coincided with an outage.',
      tags: ['busy'],
      entry: say('recheckChecking'),
      invoke: {
        src: 'probeSite',
        input: ({ context }) => probeInputOf(context),
        onDone: {
          target: to('user.afterRecheck'),
          actions: [{ type: 'storeProbe', params: ({ event }) => ({ result: event.output }) }, say('hostResult')],
        },
        onError: { target: to('user.advance'), actions: say('recheckFailed') },
      },
      on: { 'turn.timeout': to('user.stillChecking') },
    },
    afterRecheck: {
      description: 'Transient: a site that went down meanwhile ends the steps; otherwise they go on.',
      always: [
        { guard: 'hasIncident', target: to('user.incident') },
        { guard: 'isProbeLimited', target: to('user.limited') },
        { guard: 'isUnreachable', target: to('user.unreachable') },
        { guard: 'isDownForEveryone', target: to('user.down'), actions: say('recheckNowDown') },
        { target: to('user.advance'), actions: say('recheckStillUp') },
      ],
    },
    down: {
      description: "The site fails for everyone: says who is likely at fault; nothing on the visitor's side will help.",
      entry: [say('down'), 'markRoleOffered'],
      on: waiting('user.down'),
    },
    incident: {
      description: 'The help desk declared an incident on the site: its title, message and ETA first, advice wait, whatever the probe saw.',
      entry: [say('incident'), 'markRoleOffered'],
      on: waiting('user.incident'),
    },
    waiting: {
      description: 'The watch service watches the site and will say when it is back.',
      entry: [{ type: 'noteOutcome', params: { outcome: 'waited' } }, say('watchConfirmed')],
      on: waiting('user.waiting'),
    },
    unreachable: {
      description: 'The probe could not connect (or was not allowed to): steps are offered only if the visitor wants them.',
      entry: [say('unreachable'), 'markRoleOffered'],
      on: { ...waiting('user.unreachable'), 'intent.yes': to('user.advance') },
    },
    later: {
      description: 'Every step was tried: come back later, or ask a person; asks once whether this helped.',
      entry: [{ type: 'noteOutcome', params: { outcome: 'abandoned' } }, say('later')],
      on: { ...waiting('user.later'), ...feedbackAnswers('user.later') },
    },
    fixed: {
      description: 'A step helped; asks once whether this helped.',
      entry: [{ type: 'noteOutcome', params: { outcome: 'fixed' } }, say('fixed')],
      on: {
        ...waiting('user.fixed'),
        ...feedbackAnswers('user.fixed'),
        'intent.yes': [feedbackAnswers('user.fixed')['intent.yes'], { actions: say('welcome') }],
      },
    },
    windowsUpdate: {
      description: "Windows Update error 0x80244021: Microsoft's servers or the network in between, not a site.",
      entry: say('windowsUpdate'),
      on: {
        ...waiting('user.windowsUpdate'),
        'intent.yes': to('user.fixed'),
        'intent.no': { actions: say('windowsUpdateStuck') },
        'intent.skip': { actions: say('windowsUpdateStuck') },
      },
    },
    gatewayTimeout: {
      description: 'IIS 502.1 (a CGI timeout) for a visitor: gateway-timeout advice instead of the 502 steps.',
      entry: [say('gatewayTimeout'), 'markRoleOffered'],
      on: waiting('user.gatewayTimeout'),
    },
    stillChecking: {
      description: 'The turn ended before the probe did.',
      entry: say('stillChecking'),
      on: waiting('user.stillChecking'),
    },
    checkFailed: { description: 'The probe itself failed.', entry: say('probeFailed'), on: waiting('user.checkFailed') },
    limited: {
      description: "The probe's own limits refused the check; nothing is known about the site.",
      entry: say('probeLimited'),
      on: waiting('user.limited'),
    },
  },
});
