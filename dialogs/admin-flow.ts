/**
 * The administrator's states (under `admin`): the probe overview first, then the checks from
 * `admin-steps.ts`, each answered with "found it" (yes), "next" (no) or skip.
 */
import { ADMIN_STEPS, type AdminStep } from './admin-steps';
import { say, supportSetup, waiting } from './support.setup';

const ADMIN = '#support.admin';

/** Where "next" leads from each step: the following step's entry state, then `done`. */
function nextOf(index: number): string {
  const next = ADMIN_STEPS[index + 1];
  return next ? `${ADMIN}.${next.enter}` : `${ADMIN}.done`;
}

function answers(stepId: string, next: string) {
  const record = (answer: 'yes' | 'no' | 'skip') => ({ type: 'recordStep', params: { step: `admin.${stepId}`, answer } }) as const;
  return {
    'intent.yes': { target: `${ADMIN}.done`, actions: record('yes') },
    'intent.no': { target: next, actions: record('no') },
    'intent.skip': { target: next, actions: record('skip') },
  } as const;
}

function stepState(step: AdminStep, index: number) {
  return supportSetup.createStateConfig({
    ...(step.reply ? { entry: { type: 'sayAdminStep', params: { step: step.id } } as const } : {}),
    on: { ...waiting(`admin.${step.id}`), ...answers(step.id, nextOf(index)) },
  });
}

/** `dns` and `logs` take extra input (a lookup, pasted lines), so they are written out below. */
const SPECIAL: readonly string[] = ['dns', 'logs'];
const steps = Object.fromEntries(
  ADMIN_STEPS.map((s, i) => [s.id, s, i] as const)
    .filter(([id]) => !SPECIAL.includes(id))
    .map(([id, s, i]) => [id, stepState(s, i)]),
);
const indexOf = (id: string): number => ADMIN_STEPS.findIndex((s) => s.id === id);
const FIRST_CHECK = `${ADMIN}.${ADMIN_STEPS[0]?.enter ?? 'done'}`;

/** Administrator states, composed under `admin` in the root machine. */
export const adminFlow = supportSetup.createStateConfig({
  initial: 'overview',
  states: {
    overview: { entry: 'sayOverview', on: { ...waiting('admin.overview'), ...answers('overview', FIRST_CHECK) } },
    ...steps,
    logs: {
      entry: { type: 'sayAdminStep', params: { step: 'logs' } },
      on: {
        ...waiting('admin.logs'),
        ...answers('logs', nextOf(indexOf('logs'))),
        'input.findings': { actions: ['storeFindings', 'sayFindings', say('adminLogsExplained')] },
      },
    },
    dnsLookup: {
      tags: ['busy'],
      entry: say('adminDnsLooking'),
      invoke: {
        src: 'lookupDns',
        input: ({ context }) => ({ host: context.host ?? '' }),
        onDone: { target: 'dns', actions: { type: 'sayDnsReport', params: ({ event }) => ({ report: event.output }) } },
        onError: { target: 'dns', actions: say('adminDnsFailed') },
      },
      on: { 'turn.timeout': { target: 'dns', actions: say('adminDnsSlow') } },
    },
    dns: {
      on: {
        ...waiting('admin.dns'),
        ...answers('dns', nextOf(indexOf('dns'))),
        'intent.recheck': 'dnsLookup',
      },
    },
    done: { entry: say('adminDone'), on: waiting('admin.done') },
    checkFailed: { entry: say('probeFailed'), on: { ...waiting('admin.checkFailed'), 'intent.no': FIRST_CHECK, 'intent.skip': FIRST_CHECK } },
    stillChecking: { entry: say('stillChecking'), on: { ...waiting('admin.stillChecking'), 'intent.no': FIRST_CHECK, 'intent.skip': FIRST_CHECK } },
  },
});
