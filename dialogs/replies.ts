/**
 * Reply builders: context (and, for a few, the event's payload) in, neutral replies out. Every key here
 * has an English string in locales/en/translation.json; the choices of each waiting state live in
 * `PROMPTS` so the entry reply, "help" and a re-prompt always offer the same buttons.
 */
import {
  isCauseId,
  MAX_LINE_CHARS,
  MAX_PASTE_LINES,
  MAX_SCANNED_CHARS,
  type Finding,
  type LocaleId,
  type Truncation,
} from '../src/contracts';
import type { SupportContext } from './context';
import { displayTime, requestIdsOf } from './context';
import { faultOf, PRODUCER_NAMES } from './producers';
import { USER_STEP_IDS } from './user-steps';
import type { Choice, Fact, Intent, Reply, VariantId } from './types';

/** A button; its label defaults to `choice.<intent>`. */
export function choice(intent: Intent, labelKey = `choice.${intent}`): Choice {
  return { intent, labelKey };
}

const DID_IT_HELP: readonly Choice[] = [choice('yes'), choice('no'), choice('skip')];
const ADMIN_NEXT: readonly Choice[] = [choice('yes', 'choice.foundIt'), choice('no', 'choice.next'), choice('skip')];

export interface Prompt {
  /** The re-prompt for input the state does not understand; `reprompt.choose` when omitted. */
  reprompt?: string;
  choices: (ctx: SupportContext) => Choice[];
}

const fixed = (choices: readonly Choice[]) => (): Choice[] => [...choices];
/** "Tell me when it's back" only makes sense once there is a site to watch. */
const watchIfUrl = (ctx: SupportContext): Choice[] => (ctx.url ? [choice('watch')] : []);

const stepPrompts = Object.fromEntries(
  USER_STEP_IDS.filter((id) => id !== 'contactSite' && id !== 'contactIsp').map((id) => [`user.step.${id}`, { choices: fixed(DID_IT_HELP) }]),
) as Record<string, Prompt>;

/** The choices of every state that waits for the person, keyed by its dotted path. */
export const PROMPTS: Readonly<Record<string, Prompt>> = {
  greeting: { reprompt: 'askUrl.reprompt', choices: () => [] },
  askUrl: { reprompt: 'askUrl.reprompt', choices: () => [] },
  'user.down': { choices: (ctx) => [...watchIfUrl(ctx), choice('recheck'), choice('human'), choice('stop')] },
  'user.waiting': { choices: fixed([choice('recheck'), choice('restart'), choice('stop')]) },
  'user.unreachable': { choices: fixed([choice('yes', 'choice.tryStepsAnyway'), choice('recheck'), choice('human')]) },
  ...stepPrompts,
  'user.contactSite': { choices: fixed(DID_IT_HELP) },
  'user.contactIsp': { choices: fixed(DID_IT_HELP) },
  'user.later': { choices: (ctx) => [...watchIfUrl(ctx), choice('human'), choice('restart'), choice('stop')] },
  'user.fixed': { choices: fixed([choice('restart'), choice('stop')]) },
  'user.windowsUpdate': { choices: fixed([choice('yes'), choice('no'), choice('human')]) },
  'user.gatewayTimeout': {
    choices: (ctx) => [...(ctx.url ? [choice('recheck')] : []), ...watchIfUrl(ctx), choice('human'), choice('stop')],
  },
  'user.stillChecking': { choices: fixed([choice('recheck'), choice('stop')]) },
  'user.checkFailed': { choices: fixed([choice('recheck'), choice('human'), choice('restart')]) },
  'admin.overview': { choices: fixed([choice('no', 'choice.startChecks'), choice('yes', 'choice.foundIt'), choice('recheck')]) },
  'admin.maintenance': { choices: fixed(ADMIN_NEXT) },
  'admin.dns': { choices: fixed([...ADMIN_NEXT, choice('recheck', 'choice.lookAgain')]) },
  'admin.logs': { reprompt: 'admin.logs.reprompt', choices: fixed(ADMIN_NEXT) },
  'admin.firewall': { choices: fixed(ADMIN_NEXT) },
  'admin.app': { choices: fixed(ADMIN_NEXT) },
  'admin.host': { choices: fixed([choice('yes', 'choice.foundIt'), choice('no', 'choice.finish')]) },
  'admin.done': { choices: fixed([choice('restart'), choice('human'), choice('stop')]) },
  'admin.checkFailed': { choices: fixed([choice('recheck'), choice('no', 'choice.next')]) },
  'admin.stillChecking': { choices: fixed([choice('recheck'), choice('no', 'choice.next')]) },
  handoff: { reprompt: 'handoff.pending', choices: fixed([choice('restart'), choice('stop')]) },
};

/** The choices of one waiting state (none for an unknown path). */
export function choicesFor(path: string, ctx: SupportContext): Choice[] {
  return PROMPTS[path]?.choices(ctx) ?? [];
}

/** Adds "I run this site" to the first verdict the person sees, while nobody said who they are. */
export function withRoleOffer(ctx: SupportContext, choices: Choice[]): Choice[] {
  return ctx.role === undefined && !ctx.roleOffered ? [...choices, choice('admin')] : choices;
}

/** Puts the choices on the last reply of a group, which is where the person answers. */
export function withChoices(replies: Omit<Reply, 'choices'>[], choices: Choice[]): Reply[] {
  return replies.map((r, i) => (i === replies.length - 1 && choices.length > 0 ? { ...r, choices } : { ...r }));
}

const evidenceFacts = (ctx: SupportContext): Fact[] => {
  const p = ctx.probe;
  if (!p) return [];
  const facts: Fact[] = [{ labelKey: 'fact.checkedAt', value: displayTime(p.checkedAt) }];
  if (p.httpStatus !== undefined) facts.push({ labelKey: 'fact.status', value: String(p.httpStatus) });
  for (const id of requestIdsOf(p)) facts.push({ labelKey: 'fact.requestId', value: id });
  return facts;
};

type Builder = (ctx: SupportContext) => Reply[];

/** i18next splits keys on '.', so the dot in `iis-502.1` becomes '_' in the key. */
export function variantKey(variant: VariantId): string {
  return `variant.${variant.replace(/\./g, '_')}`;
}

/** Replies that depend on the context only, by name (the `say` action's parameter). */
export const REPLIES = {
  hello: () => [{ key: 'greeting.hello' }],
  askUrl: (ctx) => [{ key: ctx.role === 'admin' ? 'askUrl.admin' : 'askUrl.visitor' }],
  askUrlInvalid: (ctx) => [{ key: 'askUrl.invalid', vars: { url: ctx.url ?? '' } }],
  variantAck: (ctx) => (ctx.variant ? [{ key: variantKey(ctx.variant) }] : []),
  checking: (ctx) => [{ key: 'probing.checking', vars: { host: ctx.host ?? '-' } }],
  stillChecking: (ctx) => [
    { key: 'probing.stillChecking', vars: { host: ctx.host ?? '-' }, choices: choicesFor(ctx.role === 'admin' ? 'admin.stillChecking' : 'user.stillChecking', ctx) },
  ],
  probeLimited: (ctx) => [
    { key: 'error.probeLimited', choices: choicesFor(ctx.role === 'admin' ? 'admin.checkFailed' : 'user.checkFailed', ctx) },
  ],
  probeFailed: (ctx) => [
    { key: 'error.probeFailed', vars: { host: ctx.host ?? '-' }, choices: choicesFor(ctx.role === 'admin' ? 'admin.checkFailed' : 'user.checkFailed', ctx) },
  ],
  upIntro: (ctx) => {
    const slow = ctx.probe?.verdict === 'degraded';
    return [
      {
        key: slow ? 'user.upSlow' : 'user.up',
        vars: { host: ctx.host ?? '-' },
        ...(withRoleOffer(ctx, []).length > 0 ? { choices: withRoleOffer(ctx, []) } : {}),
      },
    ];
  },
  down: (ctx) => {
    const p = ctx.probe;
    if (!p) return [];
    const { fault, producer } = faultOf(p, ctx.pastedProducer);
    return [
      {
        key: `user.down.${fault}`,
        vars: { host: ctx.host ?? '-', producer: producer ? PRODUCER_NAMES[producer] : '-' },
        facts: evidenceFacts(ctx),
        choices: withRoleOffer(ctx, choicesFor('user.down', ctx)),
      },
    ];
  },
  unreachable: (ctx) => [
    { key: 'user.unreachable', vars: { host: ctx.host ?? '-' }, choices: withRoleOffer(ctx, choicesFor('user.unreachable', ctx)) },
  ],
  recheckChecking: (ctx) => [{ key: 'recheck.checking', vars: { host: ctx.host ?? '-' } }],
  recheckNowDown: () => [{ key: 'recheck.nowDown' }],
  recheckStillUp: () => [{ key: 'recheck.stillUp' }],
  recheckFailed: () => [{ key: 'error.recheckFailed' }],
  watchConfirmed: (ctx) => [{ key: 'watch.confirmed', vars: { host: ctx.host ?? '-' }, choices: choicesFor('user.waiting', ctx) }],
  fixed: (ctx) => [{ key: 'user.fixed', choices: choicesFor('user.fixed', ctx) }],
  later: (ctx) => [{ key: 'user.later', choices: choicesFor('user.later', ctx) }],
  windowsUpdate: (ctx) => [{ key: 'user.windowsUpdate', choices: choicesFor('user.windowsUpdate', ctx) }],
  windowsUpdateStuck: () => [{ key: 'user.windowsUpdateStuck', choices: [choice('human'), choice('restart'), choice('stop')] }],
  gatewayTimeout: (ctx) => [
    { key: ctx.host ? 'user.gatewayTimeout.site' : 'user.gatewayTimeout.noSite', vars: { host: ctx.host ?? '-' }, choices: withRoleOffer(ctx, choicesFor('user.gatewayTimeout', ctx)) },
  ],
  submittingWarning: () => [{ key: 'submitting.warning' }],
  languageChanged: () => [{ key: 'language.changed' }],
  welcome: () => [{ key: 'common.welcome' }],
  genericHelp: () => [{ key: 'help.body' }],
  genericReprompt: () => [{ key: 'reprompt.generic' }],
  handoffSent: (ctx) => [{ key: 'handoff.sent', choices: choicesFor('handoff', ctx) }],
  goodbye: () => [{ key: 'ended.goodbye' }],
  adminDone: (ctx) => [{ key: 'admin.done', choices: choicesFor('admin.done', ctx) }],
  adminDnsLooking: (ctx) => [{ key: 'admin.dns.looking', vars: { host: ctx.host ?? '-' } }],
  adminDnsFailed: (ctx) => [{ key: 'error.dnsFailed', vars: { host: ctx.host ?? '-' }, choices: choicesFor('admin.dns', ctx) }],
  adminDnsSlow: (ctx) => [{ key: 'admin.dns.slow', vars: { host: ctx.host ?? '-' }, choices: choicesFor('admin.dns', ctx) }],
  adminLogsExplained: (ctx) => [{ key: 'admin.logs.explained', choices: choicesFor('admin.logs', ctx) }],
} satisfies Record<string, Builder>;

export type ReplyName = keyof typeof REPLIES;

/** "Help": what the bot can do, then the current state's choices again. */
export function helpReply(path: string, ctx: SupportContext): Reply[] {
  const choices = choicesFor(path, ctx);
  return [{ key: 'help.body', ...(choices.length > 0 ? { choices } : {}) }];
}

/** Input the current state did not understand: say so and offer its choices again. */
export function repromptReply(path: string, ctx: SupportContext): Reply[] {
  const choices = choicesFor(path, ctx);
  return [{ key: PROMPTS[path]?.reprompt ?? 'reprompt.choose', ...(choices.length > 0 ? { choices } : {}) }];
}

/**
 * One reply per pasted finding: the cause sentence for log lines, who produced it for pages and headers;
 * then, when only part of the paste was read, a note saying how much (the caps a chat paste is read with).
 */
export function findingReplies(findings: readonly Finding[], truncated?: Truncation, locale: LocaleId = 'en'): Reply[] {
  const out: Reply[] = [{ key: 'findings.intro' }];
  for (const f of findings) {
    const facts: Fact[] = [];
    if (f.line !== undefined) facts.push({ labelKey: 'fact.line', value: String(f.line) });
    if (f.producer) facts.push({ labelKey: 'fact.producer', value: PRODUCER_NAMES[f.producer] });
    const key = isCauseId(f.cause) ? `cause.${f.cause}` : `finding.${f.cause}.${f.producer ? 'known' : 'unknown'}`;
    out.push({
      key,
      ...(f.producer ? { vars: { producer: PRODUCER_NAMES[f.producer] } } : {}),
      ...(facts.length > 0 ? { facts } : {}),
    });
  }
  if (truncated) {
    // Numbers are written the reader's way ("20,000", "20.000", "20 000").
    const number = (n: number): string => new Intl.NumberFormat(locale).format(n);
    const vars = { lines: number(MAX_PASTE_LINES), chars: number(MAX_SCANNED_CHARS), lineChars: number(MAX_LINE_CHARS) };
    out.push({ key: 'findings.truncated', vars });
  }
  return out;
}
