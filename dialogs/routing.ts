/**
 * One user message -> the internal events the machine reacts to, in order. Deciding priority here, in
 * one pure function, keeps the states simple: a state handles `intent.yes` and never has to wonder whether
 * the same message also carried a new URL or a request for a person.
 */
import { isCauseId, type Finding, type LocaleId, type Truncation } from '../src/contracts';
import type { SupportContext } from './context';
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
}

export interface LanguageInput {
  type: 'input.language';
  locale: LocaleId;
}

export interface UnknownInput {
  type: 'input.unknown';
}

/** Events the machine raises to itself while handling one `user.message`. */
export type InternalEvent = IntentEvent | UrlInput | VariantInput | FindingsInput | LanguageInput | UnknownInput;

/** Everything the support machine reacts to. */
export type MachineEvent = SupportEvent | InternalEvent;

/** Commands that end whatever else the message said. */
const COMMANDS: readonly Intent[] = ['restart', 'stop', 'human'];
/** Answers a state can take, most specific first. */
const ANSWERS: readonly Intent[] = ['yes', 'no', 'skip', 'back', 'watch', 'recheck', 'help', 'thanks', 'greeting'];

/** Classifies one message against what the conversation already knows. */
export function classify(ctx: SupportContext, ev: UserMessageEvent): InternalEvent[] {
  const out: InternalEvent[] = [];
  const has = (i: Intent): boolean => ev.intents.includes(i);
  if (ev.language && ev.language !== ctx.locale) out.push({ type: 'input.language', locale: ev.language });

  const command = COMMANDS.find(has);
  if (command) return [...out, { type: `intent.${command}` }];

  const newUrl = ev.url !== undefined && ev.url !== ctx.url ? ev.url : undefined;
  const roleSaid = has('admin') ? 'admin' : has('visitor') ? 'visitor' : undefined;
  const findings = ev.findings ?? [];
  if (findings.length > 0) {
    out.push({
      type: 'input.findings',
      findings,
      serverLogs: findings.some((f) => isCauseId(f.cause)),
      urlFollows: newUrl !== undefined,
      ...(ev.findingsTruncated ? { truncated: ev.findingsTruncated } : {}),
    });
  }

  // Windows Update has no site to check, so its variant outranks any URL in the message.
  if (ev.variant === 'windows-update') return [...out, { type: 'input.variant', variant: ev.variant }];

  if (newUrl) {
    out.push({
      type: 'input.url',
      url: newUrl,
      ...(ev.schemeGuessed ? { schemeGuessed: true } : {}),
      ...(ev.variant ? { variant: ev.variant } : {}),
      ...(roleSaid ? { role: roleSaid } : {}),
    });
    return out;
  }
  if (roleSaid) return [...out, { type: `intent.${roleSaid}` }];
  if (ev.variant && !ctx.url) return [...out, { type: 'input.variant', variant: ev.variant }];

  const answer = ANSWERS.find(has);
  if (answer) return [...out, { type: `intent.${answer}` }];
  if (out.length === 0) out.push({ type: 'input.unknown' });
  return out;
}
