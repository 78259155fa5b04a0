/**
 * Every state of the support machine by its dotted path: what `stateToPath` reports, what
 * `channelData.gatewayDoctor.state` carries, what the prompts table is keyed by and what transitions
 * target. Targets are built with `to(path)`, so a state name with a typo is a compile error; the list
 * itself is checked against the machine's definition by test/dialogs/machine-definition.test.ts.
 */
import { ADMIN_STEP_IDS } from './admin-steps';
import { USER_STEP_IDS, userStepState } from './user-steps';

/** The root machine's id: absolute targets read `#support.<path>`. */
export const SUPPORT_MACHINE_ID = 'support';

/** The states directly under the root. */
export const ROOT_STATES = [
  'greeting',
  'askUrl',
  'probing',
  'user',
  'admin',
  'handoff',
  'handoffLive',
  'handoffUnavailable',
  'ended',
] as const;

/** The visitor's states under `user`; `step` holds the browser steps, the contact steps sit beside it. */
export const USER_STATES = [
  'route',
  'advance',
  'step',
  ...USER_STEP_IDS.map(userStepState),
  'recheck',
  'afterRecheck',
  'down',
  'incident',
  'waiting',
  'unreachable',
  'later',
  'fixed',
  'windowsUpdate',
  'gatewayTimeout',
  'stillChecking',
  'checkFailed',
  'limited',
] as const;

/** The administrator's states under `admin`: the overview, one per check (`dns` looks up first), the end. */
export const ADMIN_STATES = ['overview', ...ADMIN_STEP_IDS, 'dnsLookup', 'done', 'checkFailed', 'stillChecking'] as const;

/** Every state path of the support machine, parents included (`user`, `user.step`). */
export const STATE_PATHS = [
  ...ROOT_STATES,
  ...USER_STATES.map((state) => `user.${state}` as const),
  ...ADMIN_STATES.map((state) => `admin.${state}` as const),
] as const;

/** A state of the support machine by dotted path, e.g. `user.step.hardRefresh`, `admin.logs`, `greeting`. */
export type StatePath = (typeof STATE_PATHS)[number];

/** The absolute transition target of a state: `to('user.fixed')` is `#support.user.fixed`. */
export function to<P extends StatePath>(path: P): `#${typeof SUPPORT_MACHINE_ID}.${P}` {
  return `#${SUPPORT_MACHINE_ID}.${path}`;
}
