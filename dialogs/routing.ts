/**
 * One user message -> the internal events the machine reacts to, in order. A reply often carries several
 * signals at once ("yes please, tell me when shop.example.com is back", "I run example.com and it gives
 * 502", "auf Deutsch: nein"); which of them the bot acts on is decided here, in one place, by the
 * precedence table below, so a state handles `intent.yes` and never has to wonder whether the same
 * message also carried a new URL, a role or a request for a person.
 */
import { isCauseId, type CauseId, type Finding, type LocaleId, type Truncation } from '../src/contracts';
import { feedbackOpen, type SupportContext } from './context';
import type { StatePath } from './states';
import type { Intent, SupportEvent, UserMessageEvent, VariantId } from './types';

/** The intents a state may answer itself; anything a state ignores falls back to the root. */
export type IntentEvent = { type: `intent.${Intent}` };

export interface UrlInput {
  type: 'input.url';
  url: string;
  /** The https:// of `url` was added, not typed. */
  schemeGuessed?: boolean;
  variant?: VariantId;
  /** The same message said who they are ("I run example.com"). */
  role?: 'visitor' | 'admin';
  /** The cause a paste in the same message named: it describes this site, so the new site keeps it. */
  cause?: CauseId;
}

export interface VariantInput {
  type: 'input.variant';
  variant: VariantId;
}

export interface FindingsInput {
  type: 'input.findings';
  findings: Finding[];
  /** Server log lines (not just an error page): the person runs the site. */
  serverLogs: boolean;
  /** A URL arrives in the same message, so the flow continues there rather than asking for one. */
  urlFollows: boolean;
  /** Only part of the paste was read (the person is told so under the findings). */
  truncated?: Truncation;
  /** The cause that matters most in the paste (`channelData.gatewayDoctor.cause`): see `mainCause`. */
  cause?: CauseId;
}

export interface LanguageInput {
  type: 'input.language';
  locale: LocaleId;
  /** Asked for by name, not inferred from the words: it then outlasts whatever they type next. */
  asked?: boolean;
}

export interface UnknownInput {
  type: 'input.unknown';
}

/** Events the machine raises to itself while handling one `user.message`. */
export type InternalEvent = IntentEvent | UrlInput | VariantInput | FindingsInput | LanguageInput | UnknownInput;

/** Everything the support machine reacts to. */
export type MachineEvent = SupportEvent | InternalEvent;

/** Whether the conversation is in `path` (or one of its children): lets a rule depend on the question on screen. */
export type StateCheck = (path: StatePath) => boolean;

/** What one message holds, read once, for the rules to look at. */
interface Reading {
  ctx: SupportContext;
  ev: UserMessageEvent;
  isIn: StateCheck;
  has: (intent: Intent) => boolean;
  /** A site the conversation does not know yet (same URL, or the same host named as a request's object, is no news). */
  newUrl?: string;
  /** Who the person says they are, when that is news (the role the conversation already has is not). */
  role?: 'visitor' | 'admin';
}

/**
 * `lead`: raised first, and the rest of the message is still read (a language change, pasted findings).
 * `alone`: raised, and nothing after it in the table is looked at.
 */
type Effect = 'lead' | 'alone';

/** One row of the precedence table: a signal, when the message carries it, and what it becomes. */
interface Rule {
  signal: string;
  effect: Effect;
  /** Why the row sits where it does; the table is the documentation. */
  why: string;
  events: (r: Reading) => InternalEvent[] | undefined;
}

const intentRule = (intent: Intent, why: string, effect: Effect = 'alone'): Rule => ({
  signal: intent,
  effect,
  why,
  events: (r) => (r.has(intent) ? [{ type: `intent.${intent}` }] : undefined),
});

/**
 * Explicit requests: a message that asks for one of these is that request, whatever yes or no stands
 * beside it ("yes please, tell me when it's back" is the watch request; "no, still broken, can you check
 * again?" is a re-check).
 */
export const REQUESTS: readonly Intent[] = ['watch', 'recheck', 'back', 'skip', 'help'];

/**
 * What a bare yes means in a state whose question is an offer rather than a yes/no question: at "down
 * for everyone" the offer on screen is to say when the site is back. `unless`: the question on screen is
 * another one then ("did this help?" at the end of the steps), which the yes answers instead.
 */
export const YES_MEANS: ReadonlyArray<{ state: StatePath; intent: Intent; unless?: (ctx: SupportContext) => boolean }> = [
  { state: 'user.down', intent: 'watch' },
  { state: 'user.incident', intent: 'watch' },
  { state: 'user.later', intent: 'watch', unless: feedbackOpen },
];

/**
 * The precedence of signals, most decisive first. The first `alone` row that matches ends the reading;
 * `lead` rows are raised before it. When nothing matches, the state hears `input.unknown`.
 */
export const PRECEDENCE: readonly Rule[] = [
  {
    signal: 'language',
    effect: 'lead',
    why: 'Asked for, or plainly typed in another language unless one was asked for: answer in it, and still answer what was said.',
    events: ({ ctx, ev }) => {
      if (ev.language !== undefined)
        return ev.language !== ctx.locale ? [{ type: 'input.language', locale: ev.language, asked: true }] : undefined;
      const typed = ev.writtenIn;
      return typed !== undefined && typed !== ctx.locale && !ctx.localeAsked ? [{ type: 'input.language', locale: typed }] : undefined;
    },
  },
  {
    signal: 'findings',
    effect: 'lead',
    why: 'Pasted logs and pages are always explained, first: the explanation is what the person came for.',
    events: ({ ev, newUrl }) => {
      const findings = ev.findings ?? [];
      if (findings.length === 0) return undefined;
      const cause = mainCause(findings);
      return [
        {
          type: 'input.findings',
          findings,
          serverLogs: findings.some((f) => isCauseId(f.cause)),
          urlFollows: newUrl !== undefined,
          ...(ev.findingsTruncated ? { truncated: ev.findingsTruncated } : {}),
          ...(cause ? { cause } : {}),
        },
      ];
    },
  },
  intentRule('restart', 'Starting over discards everything else the message said.'),
  intentRule('stop', 'Ending ("no thanks, that\'s it", "stop notifications") outranks the polite words around it.'),
  intentRule('human', 'Asking for a person is honoured whatever else was said.'),
  {
    signal: 'windows-update',
    effect: 'alone',
    why: 'Windows Update has no site to check, so its variant outranks any URL in the message.',
    events: ({ ev }) => (ev.variant === 'windows-update' ? [{ type: 'input.variant', variant: ev.variant }] : undefined),
  },
  {
    signal: 'url',
    effect: 'alone',
    why: 'A site the conversation does not know yet is checked, with the role and variant the same message gave.',
    events: ({ ev, newUrl, role }) => {
      if (newUrl === undefined) return undefined;
      const cause = mainCause(ev.findings ?? []);
      return [
        {
          type: 'input.url',
          url: newUrl,
          ...(ev.schemeGuessed ? { schemeGuessed: true } : {}),
          ...(ev.variant ? { variant: ev.variant } : {}),
          ...(role ? { role } : {}),
          ...(cause ? { cause } : {}),
        },
      ];
    },
  },
  {
    signal: 'admin',
    effect: 'alone',
    why: '"It\'s my site", "I\'m the developer", "we host it": the administrator flow, from any state.',
    events: ({ role }) => (role === 'admin' ? [{ type: 'intent.admin' }] : undefined),
  },
  {
    signal: 'visitor',
    effect: 'alone',
    why: 'Leaving the administrator flow is news; otherwise "not my site" only colours the request beside it.',
    events: ({ ctx, role }) => (role === 'visitor' && ctx.role === 'admin' ? [{ type: 'intent.visitor' }] : undefined),
  },
  {
    signal: 'variant',
    effect: 'alone',
    why: 'An error text with no site yet: acknowledge it and ask which site (a paste was already explained).',
    events: ({ ctx, ev }) =>
      ev.variant && !ctx.url && !ev.findings?.length ? [{ type: 'input.variant', variant: ev.variant }] : undefined,
  },
  ...REQUESTS.map((intent) => intentRule(intent, 'An explicit request beats a bare yes or no beside it.')),
  {
    signal: 'visitor',
    effect: 'alone',
    why: '"I\'m just visiting" on its own still answers the role question.',
    events: ({ role }) => (role === 'visitor' ? [{ type: 'intent.visitor' }] : undefined),
  },
  {
    signal: 'yes',
    effect: 'alone',
    why: 'A yes answers the question on screen, or accepts the offer on screen (YES_MEANS).',
    events: ({ ctx, has, isIn }) => {
      if (!has('yes')) return undefined;
      const offer = YES_MEANS.find(({ state, unless }) => isIn(state) && !unless?.(ctx));
      return [{ type: `intent.${offer?.intent ?? 'yes'}` }];
    },
  },
  intentRule('no', 'A no answers the question on screen when nothing more specific was said.'),
  {
    signal: 'role-again',
    effect: 'alone',
    why: 'Saying again the role the conversation already has, with nothing else: show that flow again.',
    events: ({ ctx, has }) => (ctx.role === 'admin' && has('admin') ? [{ type: 'intent.admin' }] : undefined),
  },
  intentRule('thanks', 'Thanks, when nothing else was said.'),
  intentRule('greeting', 'A greeting, when nothing else was said.'),
];

/** Classifies one message against what the conversation already knows and the state it is in. */
export function classify(ctx: SupportContext, ev: UserMessageEvent, isIn: StateCheck = () => false): InternalEvent[] {
  const reading = read(ctx, ev, isIn);
  const out: InternalEvent[] = [];
  for (const rule of PRECEDENCE) {
    const events = rule.events(reading);
    if (events === undefined) continue;
    out.push(...events);
    if (rule.effect === 'alone') return out;
  }
  // A language asked for is an answer in itself; one only typed in still leaves the words to be understood.
  if (ev.language === undefined && !out.some((e) => e.type !== 'input.language')) out.push({ type: 'input.unknown' });
  return out;
}

function read(ctx: SupportContext, ev: UserMessageEvent, isIn: StateCheck): Reading {
  const has = (intent: Intent): boolean => ev.intents.includes(intent);
  const said = has('admin') ? 'admin' : has('visitor') ? 'visitor' : undefined;
  const asksSomething = REQUESTS.some(has);
  // "tell me when shop.example.com is back" names the site being talked about as the request's object.
  const sameSite = ev.url !== undefined && (ev.url === ctx.url || (asksSomething && hostOf(ev.url) === hostOf(ctx.url)));
  const newUrl = ev.url !== undefined && !sameSite ? ev.url : undefined;
  // With a new site, the role said travels with it; without one, the role the conversation has is no news.
  const role = newUrl !== undefined || said !== ctx.role ? said : undefined;
  return { ctx, ev, isIn, has, ...(newUrl ? { newUrl } : {}), ...(role ? { role } : {}) };
}

function hostOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

/**
 * The cause that matters most in a paste: the one most lines name (a log repeats what keeps happening);
 * on a tie the earliest. Pages and header dumps name no cause of their own.
 */
export function mainCause(findings: readonly Finding[]): CauseId | undefined {
  const counts = new Map<CauseId, number>();
  for (const { cause } of findings) if (isCauseId(cause)) counts.set(cause, (counts.get(cause) ?? 0) + 1);
  let best: CauseId | undefined;
  for (const [cause, count] of counts) if (best === undefined || count > (counts.get(best) ?? 0)) best = cause;
  return best;
}
