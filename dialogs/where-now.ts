/**
 * "Where are we now", per waiting state: the question the state asked when it was entered, said again with
 * its choices. A press on an earlier card's button gets this (after a sentence saying the card is old),
 * so the person sees the question the buttons now answer instead of "Sorry, I didn't catch that".
 */
import { adminStep, overviewReplies, type AdminStepId } from './admin-steps';
import type { SupportContext } from './context';
import { choicesFor, REPLIES, repromptKey, tableOf, withChoices, type PromptPath } from './replies';
import type { KeyedLine, KeyedReply } from './translation-keys';
import { USER_STEP_IDS, userStep, userStepState, type UserStepState } from './user-steps';

type Lines = (ctx: SupportContext) => KeyedLine[];

/** A reply builder's sentences without its buttons: the buttons are the state's, put on by `whereNowReplies`. */
const sentences =
  (build: (ctx: SupportContext) => KeyedReply[]): Lines =>
  (ctx) =>
    build(ctx).map(({ choices: _choices, ...line }) => line);

const adminQuestion =
  (id: AdminStepId): Lines =>
  (ctx) =>
    adminStep(id).reply?.(ctx) ?? [];

const stepQuestions = tableOf(
  USER_STEP_IDS.map((id): `user.${UserStepState}` => `user.${userStepState(id)}`),
  (path): Lines => {
    const id = USER_STEP_IDS.find((step) => `user.${userStepState(step)}` === path);
    return (ctx) => (id ? [userStep(id).reply(ctx)] : []);
  },
);

/** Every waiting state's question; the compiler insists on one per state in `PROMPTS`. */
const WHERE_NOW = {
  greeting: sentences(REPLIES.askUrl),
  askUrl: sentences(REPLIES.askUrl),
  'user.down': sentences(REPLIES.down),
  'user.incident': sentences(REPLIES.incident),
  'user.waiting': sentences(REPLIES.watchConfirmed),
  'user.unreachable': sentences(REPLIES.unreachable),
  ...stepQuestions,
  'user.later': sentences(REPLIES.later),
  'user.fixed': sentences(REPLIES.fixed),
  'user.windowsUpdate': sentences(REPLIES.windowsUpdate),
  'user.gatewayTimeout': sentences(REPLIES.gatewayTimeout),
  'user.stillChecking': sentences(REPLIES.stillChecking),
  'user.checkFailed': sentences(REPLIES.probeFailed),
  'user.limited': sentences(REPLIES.probeLimited),
  'admin.overview': overviewReplies,
  'admin.maintenance': adminQuestion('maintenance'),
  // The lookup's records are not kept, so the step's own question stands for it.
  'admin.dns': () => [{ key: 'admin.dns.propagation' }],
  'admin.logs': adminQuestion('logs'),
  'admin.firewall': adminQuestion('firewall'),
  'admin.app': adminQuestion('app'),
  'admin.host': adminQuestion('host'),
  'admin.done': sentences(REPLIES.adminDone),
  'admin.checkFailed': sentences(REPLIES.probeFailed),
  'admin.stillChecking': sentences(REPLIES.stillChecking),
  handoff: (ctx) => [{ key: repromptKey('handoff', ctx) }],
  handoffUnavailable: sentences(REPLIES.handoffUnavailable),
} satisfies Record<PromptPath, Lines>;

/** The current state's question again, its choices on the last line. */
export function whereNowReplies(path: PromptPath, ctx: SupportContext): KeyedReply[] {
  const lines: KeyedLine[] = WHERE_NOW[path](ctx);
  return withChoices(lines.length > 0 ? lines : [{ key: 'reprompt.choose' }], choicesFor(path, ctx));
}
