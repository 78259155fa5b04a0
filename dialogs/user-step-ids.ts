/**
 * The visitor steps' ids and where their states sit, apart from the step table (user-steps.ts) so the
 * ready-to-send messages (drafts.ts), which the table's contact steps show, can name the steps tried.
 */

/** Steps done in the browser or on the device; their states sit under `user.step`. */
const BROWSER_STEP_IDS = [
  'reload',
  'hardRefresh',
  'restartBrowser',
  'clearCache',
  'clearCookies',
  'privateWindow',
  'otherBrowser',
  'restartComputer',
  'restartNetwork',
  'changeDns',
] as const;
/** Steps that hand the person a message to send on; each is a state of its own under `user`. */
const CONTACT_STEP_IDS = ['contactSite', 'contactIsp'] as const;

export const USER_STEP_IDS = [...BROWSER_STEP_IDS, ...CONTACT_STEP_IDS] as const;
export type UserStepId = (typeof USER_STEP_IDS)[number];
export type ContactStepId = (typeof CONTACT_STEP_IDS)[number];

/** The state under `user` that asks a step: `step.reload`, ..., `contactSite`. */
export type UserStepState = `step.${(typeof BROWSER_STEP_IDS)[number]}` | ContactStepId;

const isContactStep = (id: UserStepId): id is ContactStepId => (CONTACT_STEP_IDS as readonly UserStepId[]).includes(id);

/** Where a step's state sits under `user` (one rule, so the table does not repeat it per row). */
export function userStepState(id: UserStepId): UserStepState {
  return isContactStep(id) ? id : `step.${id}`;
}

/** True for the id of a visitor step (administrator steps are recorded as `admin.<id>`). */
export function isUserStepId(step: string): step is UserStepId {
  return (USER_STEP_IDS as readonly string[]).includes(step);
}
