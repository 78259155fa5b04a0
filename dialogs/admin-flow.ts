/**
 * The administrator's states (under `admin`): the probe overview first, then the checks from
 * `admin-steps.ts`, each answered with "found it" (yes), "next" (no) or skip.
 */
import { ADMIN_STEPS, type AdminStep, type AdminStepId } from './admin-steps';
import { to, type StatePath } from './states';
import { explainFindings, say, supportSetup, waiting } from './support.setup';

/** Where "next" leads from each step: the following step's entry state, then `done`. */
function nextOf(index: number): StatePath {
  const next = ADMIN_STEPS[index + 1];
  return next ? `admin.${next.enter}` : 'admin.done';
}

const indexOf = (id: AdminStepId): number => ADMIN_STEPS.findIndex((s) => s.id === id);

type StepRecordAction = { type: 'recordStep'; params: { step: string; answer: 'yes' | 'no' | 'skip' } };

/**
 * Moving on to `next`: the DNS lookup is only for names, so a site reached by its IP address skips it, with
 * a sentence saying why (otherwise the lookup would report a failure that is not one).
 */
function moveOn(next: StatePath, record?: StepRecordAction) {
  const recorded = record ? [record] : [];
  if (next !== 'admin.dnsLookup') return [{ target: to(next), actions: recorded }];
  return [
    { guard: 'hostIsAddress' as const, target: to(nextOf(indexOf('dns'))), actions: [...recorded, say('adminDnsNotApplicable')] },
    { target: to(next), actions: recorded },
  ];
}

function answers(stepId: AdminStepId | 'overview', next: StatePath) {
  const record = (answer: 'yes' | 'no' | 'skip') => ({ type: 'recordStep', params: { step: `admin.${stepId}`, answer } }) as const;
  return {
    'intent.yes': { target: to('admin.done'), actions: record('yes') },
    'intent.no': moveOn(next, record('no')),
    'intent.skip': moveOn(next, record('skip')),
  } as const;
}

function stepState(step: AdminStep, index: number) {
  return supportSetup.createStateConfig({
    description: `Administrator check "${step.id}": found it, or next.`,
    ...(step.reply ? { entry: { type: 'sayAdminStep', params: { step: step.id } } as const } : {}),
    on: { ...waiting(`admin.${step.id}`), ...answers(step.id, nextOf(index)) },
  });
}

/** `dns` and `logs` take extra input (a lookup, pasted lines), so they are written out below. */
const SPECIAL: readonly AdminStepId[] = ['dns', 'logs'];
const steps = Object.fromEntries(
  ADMIN_STEPS.map((s, i) => [s.id, s, i] as const)
    .filter(([id]) => !SPECIAL.includes(id))
    .map(([id, s, i]) => [id, stepState(s, i)]),
);
const FIRST_CHECK: StatePath = ADMIN_STEPS[0] ? `admin.${ADMIN_STEPS[0].enter}` : 'admin.done';

/** Administrator states, composed under `admin` in the root machine. */
export const adminFlow = supportSetup.createStateConfig({
  description: 'The administrator flow: what the probe saw, then the checks in order until one finds the cause.',
  initial: 'overview',
  states: {
    overview: {
      description: 'What the probe saw, with timings, producer, cause and certificate expiry.',
      entry: 'sayOverview',
      on: { ...waiting('admin.overview'), ...answers('overview', FIRST_CHECK) },
    },
    ...steps,
    logs: {
      description: 'Administrator check "logs": where the server keeps the log that explains a 502; pasted lines are explained here.',
      entry: { type: 'sayAdminStep', params: { step: 'logs' } },
      on: {
        ...waiting('admin.logs'),
        ...answers('logs', nextOf(indexOf('logs'))),
        'input.findings': { actions: [...explainFindings, say('adminLogsExplained')] },
      },
    },
    dnsLookup: {
      description: 'Looks the site\'s DNS records up for the "dns" check.',
      tags: ['busy'],
      entry: say('adminDnsLooking'),
      invoke: {
        src: 'lookupDns',
        input: ({ context }) => ({ host: context.host ?? '' }),
        onDone: { target: to('admin.dns'), actions: { type: 'sayDnsReport', params: ({ event }) => ({ report: event.output }) } },
        onError: { target: to('admin.dns'), actions: say('adminDnsFailed') },
      },
      on: { 'turn.timeout': { target: to('admin.dns'), actions: say('adminDnsSlow') } },
    },
    dns: {
      description: 'Administrator check "dns": the records now, against what the probe resolved.',
      on: {
        ...waiting('admin.dns'),
        ...answers('dns', nextOf(indexOf('dns'))),
        'intent.recheck': to('admin.dnsLookup'),
      },
    },
    done: { description: 'The checks are over (or one found the cause).', entry: say('adminDone'), on: waiting('admin.done') },
    checkFailed: {
      description: 'The probe itself failed; the checks can still start.',
      entry: say('probeFailed'),
      on: { ...waiting('admin.checkFailed'), 'intent.no': moveOn(FIRST_CHECK), 'intent.skip': moveOn(FIRST_CHECK) },
    },
    stillChecking: {
      description: 'The turn ended before the probe did; the checks can start meanwhile.',
      entry: say('stillChecking'),
      on: { ...waiting('admin.stillChecking'), 'intent.no': moveOn(FIRST_CHECK), 'intent.skip': moveOn(FIRST_CHECK) },
    },
  },
});
