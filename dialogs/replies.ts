/**
 * Reply builders: context (and, for a few, the event's payload) in, neutral replies out. Every key here
 * is a `TranslationKey`, so the compiler checks it against locales/en/translation.json; the choices of
 * each waiting state live in `PROMPTS`, keyed by its state path, so the entry reply, "help", a re-prompt
 * and the watch service's notice always offer the same buttons.
 */
import {
  isCauseId,
  MAX_LINE_CHARS,
  MAX_PASTE_LINES,
  MAX_SCANNED_CHARS,
  type Finding,
  type IncidentNotice,
  type LocaleId,
  type Truncation,
} from '../src/contracts';
import type { SupportContext } from './context';
import {
  canOfferHandoff,
  canOfferWatch,
  crowdOf,
  displayTime,
  feedbackOpen,
  isHandoffAccepted,
  lentFrom,
  probeLimitKey,
  requestIdsOf,
} from './context';
import { faultOf, PRODUCER_NAMES } from './producers';
import { contactSiteDraft, hostDraft } from './drafts';
import type { StatePath } from './states';
import type { KeyedChoice, KeyedFact, KeyedLine, KeyedReply, TranslationKey } from './translation-keys';
import type { Intent, VariantId } from './types';
import { USER_STEP_IDS, userStepState, type UserStepState } from './user-steps';

/** A button; its label defaults to `choice.<intent>`. */
export function choice(intent: Intent, labelKey: TranslationKey = `choice.${intent}`): KeyedChoice {
  return { intent, labelKey };
}

const DID_IT_HELP: readonly KeyedChoice[] = [choice('yes'), choice('no'), choice('skip')];
const ADMIN_NEXT: readonly KeyedChoice[] = [choice('yes', 'choice.foundIt'), choice('no', 'choice.next'), choice('skip')];
/** While the watch service watches the site: offered on entering `user.waiting` and with the "it's back" notice. */
const WHILE_WATCHING: readonly KeyedChoice[] = [choice('recheck'), choice('restart'), choice('stop')];
/** "Did this help?", offered once at the end of a visitor's conversation (fixed, handed off, gave up). */
const FEEDBACK: readonly KeyedChoice[] = [choice('yes', 'crowd.feedback.yes'), choice('no', 'crowd.feedback.no')];
/** The feedback buttons while the question is open, none once answered. */
const feedbackIfOpen = (ctx: SupportContext): KeyedChoice[] => (feedbackOpen(ctx) ? [...FEEDBACK] : []);
/** Windows Update still fails after the usual fixes: a person, or a fresh start. */
const WINDOWS_UPDATE_STUCK: readonly KeyedChoice[] = [choice('human'), choice('restart'), choice('stop')];

export interface Prompt {
  /** The re-prompt for input the state does not understand; `reprompt.choose` when omitted. */
  reprompt?: TranslationKey | ((ctx: SupportContext) => TranslationKey);
  choices: (ctx: SupportContext) => KeyedChoice[];
}

const fixed = (choices: readonly KeyedChoice[]) => (): KeyedChoice[] => [...choices];
/** "Tell me when it's back" is offered for a site that is not answering (and `choicesFor` drops it when no watch can be kept). */
const watchIfUrl = (ctx: SupportContext): KeyedChoice[] => (ctx.url ? [choice('watch')] : []);
/** "Check again" needs a site to check. */
const recheckIfUrl = (ctx: SupportContext): KeyedChoice[] => (ctx.url ? [choice('recheck')] : []);

/**
 * Buttons for what this conversation can really do: no "talk to a person" without a help desk that takes
 * cases, no "tell me when it's back" without a watch that can be kept (or with nothing to wait for). Every
 * list of choices the machine offers passes through here, so no state has to remember the rule.
 */
export function available(ctx: SupportContext, choices: readonly KeyedChoice[]): KeyedChoice[] {
  return choices.filter((c) => (c.intent !== 'human' || canOfferHandoff(ctx)) && (c.intent !== 'watch' || canOfferWatch(ctx)));
}

/** A table with one entry per key (Object.fromEntries would lose the key type). */
export function tableOf<K extends string, V>(keys: readonly K[], entryFor: (key: K) => V): Record<K, V> {
  const table = {} as Record<K, V>;
  for (const key of keys) table[key] = entryFor(key);
  return table;
}

/** Every visitor step asks whether it helped. */
const stepPrompts = tableOf(
  USER_STEP_IDS.map((id): `user.${UserStepState}` => `user.${userStepState(id)}`),
  (): Prompt => ({ choices: fixed(DID_IT_HELP) }),
);

/** The choices of every state that waits for the person, keyed by its state path. */
export const PROMPTS = {
  greeting: { reprompt: 'askUrl.reprompt', choices: () => [] },
  askUrl: { reprompt: 'askUrl.reprompt', choices: () => [] },
  'user.down': { choices: (ctx) => [...watchIfUrl(ctx), choice('recheck'), choice('human'), choice('stop')] },
  'user.incident': { choices: (ctx) => [...watchIfUrl(ctx), choice('recheck'), choice('human'), choice('stop')] },
  'user.waiting': { choices: fixed(WHILE_WATCHING) },
  'user.unreachable': { choices: fixed([choice('yes', 'choice.tryStepsAnyway'), choice('recheck'), choice('human')]) },
  ...stepPrompts,
  'user.later': { choices: (ctx) => [...feedbackIfOpen(ctx), ...watchIfUrl(ctx), choice('human'), choice('restart'), choice('stop')] },
  'user.fixed': { choices: (ctx) => [...feedbackIfOpen(ctx), choice('restart'), choice('stop')] },
  'user.windowsUpdate': { choices: fixed([choice('yes'), choice('no'), choice('human')]) },
  'user.gatewayTimeout': {
    choices: (ctx) => [...recheckIfUrl(ctx), ...watchIfUrl(ctx), choice('human'), choice('stop')],
  },
  'user.stillChecking': { choices: fixed([choice('recheck'), choice('stop')]) },
  'user.checkFailed': { choices: fixed([choice('recheck'), choice('human'), choice('restart')]) },
  'user.limited': { choices: fixed([choice('recheck'), choice('human'), choice('restart')]) },
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
  handoff: {
    // Until the bot reports the hand-off's fate, nobody can be said to have the details.
    reprompt: (ctx) => (isHandoffAccepted(ctx) ? 'handoff.pending' : 'handoff.requesting'),
    choices: (ctx) => [...(isHandoffAccepted(ctx) ? feedbackIfOpen(ctx) : []), choice('restart'), choice('stop')],
  },
  handoffUnavailable: {
    reprompt: 'handoff.unavailableReprompt',
    choices: (ctx) => [...watchIfUrl(ctx), ...recheckIfUrl(ctx), choice('restart'), choice('stop')],
  },
} satisfies Partial<Record<StatePath, Prompt>>;

/** A state that waits for the person and has a prompt: the key of its choices in `PROMPTS`. */
export type PromptPath = keyof typeof PROMPTS;

/** Every state with a prompt. */
export const PROMPT_PATHS = Object.keys(PROMPTS) as PromptPath[];

/** The state a conversation waits in while the watch service watches its site. */
export const WATCHING_STATE = 'user.waiting' satisfies PromptPath;

/** The choices of one waiting state (none for a path the table lacks, which only an untyped caller can pass). */
export function choicesFor(path: PromptPath, ctx: SupportContext): KeyedChoice[] {
  const prompt: Prompt | undefined = PROMPTS[path];
  return available(ctx, prompt?.choices(ctx) ?? []);
}

/** The key a waiting state re-prompts with. */
export function repromptKey(path: PromptPath, ctx: SupportContext): TranslationKey {
  const prompt: Prompt | undefined = PROMPTS[path];
  const reprompt = prompt?.reprompt ?? 'reprompt.choose';
  return typeof reprompt === 'function' ? reprompt(ctx) : reprompt;
}

/** Adds "I run this site" to the first verdict the person sees, while nobody said who they are. */
export function withRoleOffer(ctx: SupportContext, choices: KeyedChoice[]): KeyedChoice[] {
  return ctx.role === undefined && !ctx.roleOffered ? [...choices, choice('admin')] : choices;
}

/** Puts the choices on the last reply of a group, which is where the person answers. */
export function withChoices(replies: KeyedLine[], choices: KeyedChoice[]): KeyedReply[] {
  return replies.map((r, i) => (i === replies.length - 1 && choices.length > 0 ? { ...r, choices } : { ...r }));
}

const evidenceFacts = (ctx: SupportContext): KeyedFact[] => {
  const p = ctx.probe;
  if (!p) return [];
  const facts: KeyedFact[] = [{ labelKey: 'fact.checkedAt', value: displayTime(p.checkedAt) }];
  if (p.httpStatus !== undefined) facts.push({ labelKey: 'fact.status', value: String(p.httpStatus) });
  for (const id of requestIdsOf(p)) facts.push({ labelKey: 'fact.requestId', value: id });
  return facts;
};

type Builder = (ctx: SupportContext) => KeyedReply[];

/** `iis-502.1` -> `iis-502_1`, at the type level too. */
type Underscored<S extends string> = S extends `${infer Head}.${infer Tail}` ? `${Head}_${Underscored<Tail>}` : S;

/** i18next splits keys on '.', so the dot in `iis-502.1` becomes '_' in the key. */
export function variantKey<V extends VariantId>(variant: V): `variant.${Underscored<V>}` {
  // replace() is typed as returning string; the type above spells out what it returns.
  return `variant.${variant.replace(/\./g, '_') as Underscored<V>}`;
}

/** Replies that depend on the context only, by name (the `say` action's parameter). */
export const REPLIES = {
  hello: () => [{ key: 'greeting.hello' }],
  askUrl: (ctx) => [{ key: ctx.role === 'admin' ? 'askUrl.admin' : 'askUrl.visitor' }],
  askUrlInvalid: (ctx) => [{ key: 'askUrl.invalid', vars: { url: ctx.url ?? '' } }],
  variantAck: (ctx) => (ctx.variant ? [{ key: variantKey(ctx.variant) }] : []),
  checking: (ctx) => [{ key: 'probing.checking', vars: { host: ctx.host ?? '-' } }],
  stillChecking: (ctx) => [
    {
      key: 'probing.stillChecking',
      vars: { host: ctx.host ?? '-' },
      choices: choicesFor(ctx.role === 'admin' ? 'admin.stillChecking' : 'user.stillChecking', ctx),
    },
  ],
  probeLimited: (ctx) => [
    { key: probeLimitKey(ctx.probe), choices: choicesFor(ctx.role === 'admin' ? 'admin.checkFailed' : 'user.limited', ctx) },
  ],
  /** Before the verdict, when the answer is another page's of the same host: which page, checked when. */
  hostResult: (ctx) => {
    const lent = lentFrom(ctx.probe);
    const crowd = crowdOf(ctx.probe);
    const replies: KeyedReply[] = [];
    if (lent && ctx.probe) {
      replies.push({ key: 'probing.hostResult', vars: { host: ctx.host ?? '-', page: lent.page, time: displayTime(ctx.probe.checkedAt) } });
    }
    // Many people asking at once is evidence in itself: an outage seen by others, or a local problem many share.
    if (crowd?.crowded) {
      replies.push({ key: 'crowd.reports', vars: { count: crowd.reports, host: ctx.host ?? '-', minutes: crowd.windowMinutes } });
    }
    return replies;
  },
  probeFailed: (ctx) => [
    {
      key: 'error.probeFailed',
      vars: { host: ctx.host ?? '-' },
      choices: choicesFor(ctx.role === 'admin' ? 'admin.checkFailed' : 'user.checkFailed', ctx),
    },
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
        // The sentences that name a producer are the ones whose fault rule found one.
        vars: { host: ctx.host ?? '', ...(producer ? { producer: PRODUCER_NAMES[producer] } : {}) },
        facts: evidenceFacts(ctx),
        choices: withRoleOffer(ctx, choicesFor('user.down', ctx)),
      },
    ];
  },
  incident: (ctx) => {
    const incident = ctx.probe?.incident;
    if (!incident) return [];
    return [
      {
        ...incidentLine(ctx.host ?? '-', incident),
        facts: evidenceFacts(ctx),
        choices: withRoleOffer(ctx, choicesFor('user.incident', ctx)),
      },
    ];
  },
  /** For the person who runs the site: the help desk's incident, then the live probe as usual. */
  incidentForAdmin: (ctx) => (ctx.probe?.incident ? [incidentLine(ctx.host ?? '-', ctx.probe.incident)] : []),
  /** What the provider's own status page reports, quoted as given, before the verdict. */
  providerNotices: (ctx) =>
    (ctx.probe?.providerNotices ?? []).map(
      (notice): KeyedLine =>
        notice.since
          ? { key: 'incident.provider.since', vars: { provider: notice.provider, title: notice.title, since: displayTime(notice.since) } }
          : { key: 'incident.provider.open', vars: { provider: notice.provider, title: notice.title } },
    ),
  unreachable: (ctx) => [
    { key: 'user.unreachable', vars: { host: ctx.host ?? '-' }, choices: withRoleOffer(ctx, choicesFor('user.unreachable', ctx)) },
  ],
  recheckChecking: (ctx) => [{ key: 'recheck.checking', vars: { host: ctx.host ?? '-' } }],
  recheckNowDown: () => [{ key: 'recheck.nowDown' }],
  recheckStillUp: () => [{ key: 'recheck.stillUp' }],
  recheckFailed: () => [{ key: 'error.recheckFailed' }],
  watchConfirmed: (ctx) => [{ key: 'watch.confirmed', vars: { host: ctx.host ?? '-' }, choices: choicesFor(WATCHING_STATE, ctx) }],
  fixed: (ctx) => withChoices([{ key: 'user.fixed' }, ...feedbackAsk(ctx)], choicesFor('user.fixed', ctx)),
  later: (ctx) => withChoices([{ key: 'user.later' }, ...feedbackAsk(ctx)], choicesFor('user.later', ctx)),
  windowsUpdate: (ctx) => [{ key: 'user.windowsUpdate', choices: choicesFor('user.windowsUpdate', ctx) }],
  windowsUpdateStuck: (ctx) => [{ key: 'user.windowsUpdateStuck', choices: available(ctx, WINDOWS_UPDATE_STUCK) }],
  gatewayTimeout: (ctx) => [
    ctx.host
      ? { key: 'user.gatewayTimeout.site', vars: { host: ctx.host }, choices: withRoleOffer(ctx, choicesFor('user.gatewayTimeout', ctx)) }
      : { key: 'user.gatewayTimeout.noSite', choices: withRoleOffer(ctx, choicesFor('user.gatewayTimeout', ctx)) },
  ],
  submittingWarning: () => [{ key: 'submitting.warning' }],
  languageChanged: () => [{ key: 'language.changed' }],
  welcome: () => [{ key: 'common.welcome' }],
  genericHelp: (ctx) => [{ key: helpKey(ctx) }],
  genericReprompt: () => [{ key: 'reprompt.generic' }],
  handoffSent: (ctx) => withChoices([{ key: 'handoff.sent' }, ...feedbackAsk(ctx)], choicesFor('handoff', ctx)),
  handoffUnavailable: (ctx) => withChoices(handoffUnavailableLines(ctx), choicesFor('handoffUnavailable', ctx)),
  handoffLive: () => [{ key: 'handoffDesk.connected', choices: [{ intent: 'stop', labelKey: 'handoffDesk.endChoice' }] }],
  handoffEndedByPerson: () => [{ key: 'handoffDesk.endedByPerson' }],
  handoffEndedByAgent: () => [{ key: 'handoffDesk.endedByAgent' }],
  watchAlreadyUp: (ctx) => [{ key: 'watch.alreadyUp', vars: { host: ctx.host ?? '' } }],
  goodbye: () => [{ key: 'ended.goodbye' }],
  adminDone: (ctx) => [{ key: 'admin.done', choices: choicesFor('admin.done', ctx) }],
  adminDnsLooking: (ctx) => [{ key: 'admin.dns.looking', vars: { host: ctx.host ?? '-' } }],
  adminDnsFailed: (ctx) => [{ key: 'error.dnsFailed', vars: { host: ctx.host ?? '-' }, choices: choicesFor('admin.dns', ctx) }],
  adminDnsSlow: (ctx) => [{ key: 'admin.dns.slow', vars: { host: ctx.host ?? '-' }, choices: choicesFor('admin.dns', ctx) }],
  adminDnsNotApplicable: (ctx) => [{ key: 'admin.dns.notApplicable', vars: { host: ctx.host ?? '' } }],
  adminLogsExplained: (ctx) => [{ key: 'admin.logs.explained', choices: choicesFor('admin.logs', ctx) }],
} satisfies Record<string, Builder>;

export type ReplyName = keyof typeof REPLIES;

/** "Did this help?" as its own line, while the question is open. */
function feedbackAsk(ctx: SupportContext): KeyedLine[] {
  return feedbackOpen(ctx) ? [{ key: 'crowd.feedback.ask' }] : [];
}

/** What the bot can do; "talk to a person" is mentioned only where a help desk may take the case. */
function helpKey(ctx: SupportContext): TranslationKey {
  return canOfferHandoff(ctx) ? 'help.body' : 'help.bodyNoPerson';
}

/**
 * No help desk took the case: say so, and hand over what exists instead. With a checked site that is a
 * ready-to-send message (to the site's team for a visitor, to the hosting provider for the person who runs
 * the site), shown right there; without one, only the way back to checking a site.
 */
function handoffUnavailableLines(ctx: SupportContext): KeyedLine[] {
  // HANDOFF_CONTACT_URL: no help desk takes cases here, but people can be reached there; the draft says what to send.
  if (ctx.contactUrl) {
    const url = ctx.contactUrl;
    if (!ctx.url || !ctx.probe) return [{ key: 'handoffDesk.contact.noSite', vars: { url } }];
    return [{ key: 'handoffDesk.contact.withDraft', vars: { url }, draft: ctx.role === 'admin' ? hostDraft(ctx) : contactSiteDraft(ctx) }];
  }
  if (!ctx.url || !ctx.probe) return [{ key: 'handoff.unavailable.noSite' }];
  return ctx.role === 'admin'
    ? [{ key: 'handoff.unavailable.hostDraft', draft: hostDraft(ctx) }]
    : [{ key: 'handoff.unavailable.siteDraft', vars: { host: ctx.host ?? '' }, draft: contactSiteDraft(ctx) }];
}

/** The incident's sentence: maintenance or incident, with or without an ETA. */
function incidentLine(host: string, incident: IncidentNotice): KeyedLine {
  const kind = incident.maintenance ? 'maintenance' : 'open';
  const vars = { host, title: incident.title, message: incident.message };
  return incident.etaMinutes !== undefined
    ? { key: `incident.notice.${kind}Eta`, vars: { ...vars, eta: incident.etaMinutes } }
    : { key: `incident.notice.${kind}`, vars };
}

/** "Help": what the bot can do, then the current state's choices again. */
export function helpReply(path: PromptPath, ctx: SupportContext): KeyedReply[] {
  const choices = choicesFor(path, ctx);
  return [{ key: helpKey(ctx), ...(choices.length > 0 ? { choices } : {}) }];
}

/** Input the current state did not understand: say so and offer its choices again. */
export function repromptReply(path: PromptPath, ctx: SupportContext): KeyedReply[] {
  return noticeReply(repromptKey(path, ctx), path, ctx);
}

/** One sentence said in a waiting state, with that state's choices (a re-prompt, a watch that could not be kept). */
export function noticeReply(key: TranslationKey, path: PromptPath, ctx: SupportContext, vars?: Record<string, string>): KeyedReply[] {
  const choices = choicesFor(path, ctx);
  return [{ key, ...(vars ? { vars } : {}), ...(choices.length > 0 ? { choices } : {}) }];
}

/**
 * One reply per pasted finding: the cause sentence for log lines, who produced it for pages and headers;
 * then, when only part of the paste was read, a note saying how much (the caps a chat paste is read with).
 */
export function findingReplies(findings: readonly Finding[], truncated?: Truncation, locale: LocaleId = 'en'): KeyedReply[] {
  const out: KeyedReply[] = [{ key: 'findings.intro' }];
  for (const f of findings) {
    const facts: KeyedFact[] = [];
    if (f.line !== undefined) facts.push({ labelKey: 'fact.line', value: String(f.line) });
    if (f.producer) facts.push({ labelKey: 'fact.producer', value: PRODUCER_NAMES[f.producer] });
    // The explain tables' own sentence, the one `npm run explain` prints: it names the setting, the code or
    // the log field (proxy_buffer_size, listen.owner, ARR 12002, HAProxy SH--) that the general cause cannot.
    const detail = detailOf(f.summary);
    if (detail) facts.push({ labelKey: 'fact.detail', value: detail });
    const key: TranslationKey = isCauseId(f.cause) ? `cause.${f.cause}` : `finding.${f.cause}.${f.producer ? 'known' : 'unknown'}`;
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

/** Longest explain sentence quoted in the chat (the tables' sentences are far shorter; pasted fields can stretch one). */
export const MAX_DETAIL_CHARS = 600;

function detailOf(summary: string | undefined): string | undefined {
  const text = summary?.trim();
  if (!text) return undefined;
  if (text.length <= MAX_DETAIL_CHARS) return text;
  // Never cut between the two halves of a surrogate pair (a pasted field may hold any character).
  const cut = text.slice(0, MAX_DETAIL_CHARS - 1);
  return `${/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
}

/** What the watch service found: the site is back (at `checkedAt`), or it stopped watching after `hours`. */
export type WatchOutcome = { kind: 'back'; checkedAt: string } | { kind: 'gave-up'; hours: number };

/**
 * The watch service's proactive notice. The conversation still waits in `WATCHING_STATE`, so "it's back"
 * offers that state's choices; "I stopped watching" offers none.
 */
export function watchNoticeReply(host: string, outcome: WatchOutcome): KeyedReply {
  return outcome.kind === 'back'
    ? { key: 'watch.back', vars: { host, time: `${outcome.checkedAt.slice(11, 16)} UTC` }, choices: [...WHILE_WATCHING] }
    : { key: 'watch.gaveUp', vars: { host, hours: outcome.hours } };
}
