/**
 * The support machine's context: JSON only (docs/architecture.md, Conventions), bounded in size, and the pure helpers that
 * read the probe result kept in it.
 */
import {
  isProbeLimit,
  LOCALES,
  PROBE_NOTES,
  readsAsRefused,
  type CauseId,
  type Evidence,
  type LocaleId,
  type ProbeResult,
  type ProducerId,
  type PublicProbeResult,
} from '../src/contracts';
import type { BrowserId, HandoffSummary, OsId, Outcome, ProbeInput, ProbeSummary, StepRecord, SupportInput, VariantId } from './types';

/** Caps that keep a stored conversation small however long it runs. */
export const LIMITS = {
  probeHistory: 10,
  stepsTried: 30,
  findings: 20,
  transcript: 10,
  transcriptChars: 300,
  handoffMessages: 5,
} as const;

/** One explained item from pasted text, reduced to what later replies and the hand-off need. */
export interface FindingNote {
  cause: string;
  producer?: ProducerId;
  line?: number;
}

export type Role = 'visitor' | 'admin';

export interface SupportContext {
  locale: LocaleId;
  /** The person picked the language themselves; client hints no longer override it. */
  localeChosen: boolean;
  /** They asked for it by name ("English please"): the language their words are in no longer overrides it either. */
  localeAsked?: boolean;
  requester?: string;
  url?: string;
  /** `url`'s https:// was added, not typed; cleared once the site answered over http and `url` became that. */
  schemeGuessed?: boolean;
  host?: string;
  variant?: VariantId;
  browser?: BrowserId;
  os?: OsId;
  role?: Role;
  /** The "I run this site" choice was already offered with a verdict. */
  roleOffered: boolean;
  submitting: boolean;
  submitWarned: boolean;
  /**
   * The last probe of `url`, as its public view (src/probe/public-view.ts): replies, stored snapshots and
   * hand-offs are built from it, so it never holds what our address rules refused. Cleared when the URL
   * changes so no reply describes the wrong site.
   */
  probe?: PublicProbeResult;
  probeHistory: ProbeSummary[];
  stepsTried: StepRecord[];
  findings: FindingNote[];
  /** The producer named by an error page the person pasted (evidence when the probe saw none). */
  pastedProducer?: ProducerId;
  cause?: CauseId;
  transcript: string[];
  watchRequested: boolean;
  handoffRequested: boolean;
  /** What became of the last hand-off asked for (the bot reports it with `handoff.result`). */
  handoffStatus?: HandoffStatus;
  /** What became of the last watch asked for on `url` (the bot reports it with `watch.result`). */
  watchStatus?: WatchStatus;
  /** This deployment has a help desk (`capabilities`); undefined until the bot says. */
  canHandoff?: boolean;
  /** This deployment can watch sites (`capabilities`); undefined until the bot says. */
  canWatch?: boolean;
  /** How the visitor's conversation ended, once it did (counted once for analytics). */
  outcome?: Outcome;
  /** The answer to "did this help?", once given (asked once per conversation). */
  feedback?: 'yes' | 'no';
  /** Where to reach the help desk when no target takes cases (HANDOFF_CONTACT_URL, via `capabilities`). */
  contactUrl?: string;
}

/** The visitor step the person said fixed it (the last one answered "yes"), if any. */
export function fixingStep(ctx: SupportContext): string | undefined {
  return [...ctx.stepsTried].reverse().find((s) => s.answer === 'yes' && !s.step.startsWith('admin.'))?.step;
}

/** "Did this help?" may be asked: the conversation reached an end and the person has not answered yet. */
export function feedbackOpen(ctx: SupportContext): boolean {
  return ctx.outcome !== undefined && ctx.feedback === undefined;
}

/** Distinct people who asked about the site in the crowd window, from the probe's crowd evidence. */
export function crowdOf(probe: ProbeResult | undefined): { reports: number; windowMinutes: number; crowded: boolean } | undefined {
  const crowd = evidenceOf(probe, 'crowd');
  return crowd ? { reports: crowd.reports, windowMinutes: crowd.windowMinutes, crowded: crowd.crowded } : undefined;
}

/** A hand-off: asked for, taken by a help desk, or taken by nobody. */
export type HandoffStatus = 'requested' | 'accepted' | 'unavailable';
/** A watch: asked for, stored by the watch service, or not stored. */
export type WatchStatus = 'requested' | 'accepted' | 'failed';

/**
 * The actor's optional input, checked where it enters: the machine declares no input type so that
 * `createActor(machine)` needs none (XState makes a declared input mandatory).
 */
export function toSupportInput(input: unknown): SupportInput {
  if (typeof input !== 'object' || input === null) return {};
  const { locale, requester } = input as Record<string, unknown>;
  return {
    ...(typeof locale === 'string' && (LOCALES as readonly string[]).includes(locale) ? { locale: locale as LocaleId } : {}),
    ...(typeof requester === 'string' && requester.length > 0 ? { requester: requester.slice(0, 200) } : {}),
  };
}

/** A fresh context; `keep` carries what a restart must not forget (language, browser, OS). */
export function createInitialContext(input: SupportInput = {}, keep: Partial<SupportContext> = {}): SupportContext {
  return {
    locale: keep.locale ?? input.locale ?? 'en',
    localeChosen: keep.localeChosen ?? false,
    ...(keep.localeAsked ? { localeAsked: true } : {}),
    ...((keep.requester ?? input.requester) ? { requester: keep.requester ?? input.requester } : {}),
    ...(keep.browser ? { browser: keep.browser } : {}),
    ...(keep.os ? { os: keep.os } : {}),
    roleOffered: false,
    submitting: false,
    submitWarned: false,
    probeHistory: [],
    stepsTried: [],
    findings: [],
    transcript: [],
    watchRequested: false,
    handoffRequested: false,
  };
}

/** Appends and keeps only the newest `cap` items. */
export function pushCapped<T>(list: readonly T[], items: readonly T[], cap: number): T[] {
  const next = [...list, ...items];
  return next.length > cap ? next.slice(next.length - cap) : next;
}

/** The host name (without the port, unlike `URL.host`) of an absolute URL, or undefined for something that is not one. */
export function hostNameOf(url: string): string | undefined {
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
}

type EvidenceOf<K extends Evidence['kind']> = Extract<Evidence, { kind: K }>;

/** The first piece of evidence of one kind. */
export function evidenceOf<K extends Evidence['kind']>(probe: ProbeResult | undefined, kind: K): EvidenceOf<K> | undefined {
  return probe?.evidence.find((e): e is EvidenceOf<K> => e.kind === kind);
}

/** Every piece of evidence of one kind. */
export function allEvidenceOf<K extends Evidence['kind']>(probe: ProbeResult | undefined, kind: K): EvidenceOf<K>[] {
  return (probe?.evidence ?? []).filter((e): e is EvidenceOf<K> => e.kind === kind);
}

/** Request ids the error carried, as `name: value`, for the person to quote. */
export function requestIdsOf(probe: ProbeResult | undefined): string[] {
  return allEvidenceOf(probe, 'request-id').map((e) => `${e.name}: ${e.value}`);
}

/** The probe digest kept in history and handed to a person. */
export function summariseProbe(probe: ProbeResult): ProbeSummary {
  return {
    checkedAt: probe.checkedAt,
    verdict: probe.verdict,
    advice: probe.advice,
    ...(probe.httpStatus !== undefined ? { httpStatus: probe.httpStatus } : {}),
    ...(probe.producer ? { producer: probe.producer } : {}),
    requestIds: requestIdsOf(probe),
  };
}

/** The cause a probe names directly or through an IIS sub-status. */
export function causeOf(probe: ProbeResult): CauseId | undefined {
  return probe.cause ?? evidenceOf(probe, 'sub-status')?.cause;
}

/** The `probeSite` actor's input for the conversation's site. */
export function probeInputOf(ctx: SupportContext): ProbeInput {
  return {
    url: ctx.url ?? '',
    ...(ctx.schemeGuessed ? { schemeGuessed: true } : {}),
    ...(ctx.requester ? { requester: ctx.requester } : {}),
  };
}

/**
 * The site typed without a scheme answered over http (src/probe/prober.ts): from then on that is its URL,
 * so re-checks, the watch and hand-offs use the address that works.
 */
export function answeredOverHttp(ctx: SupportContext, probe: ProbeResult): boolean {
  return (
    ctx.schemeGuessed === true &&
    ctx.url !== undefined &&
    ctx.url.startsWith('https:') &&
    probe.url === `http:${ctx.url.slice('https:'.length)}`
  );
}

/** Our own probe limits (per person, per host, or every slot busy) stopped the check: say so honestly. */
export function isProbeLimited(probe: ProbeResult | undefined): boolean {
  return probe !== undefined && isProbeLimit(probe);
}

/** Limits that let a check through again within this long are "try again in a few seconds". */
export const FEW_SECONDS_MS = 15_000;

/** What to say when our limits stopped the check: try again in a few seconds, or in a minute. */
export function probeLimitKey(probe: ProbeResult | undefined): 'error.rateLimited' | 'error.probeLimited' {
  const wait = probe?.retryAfterMs;
  return wait === undefined || wait <= FEW_SECONDS_MS ? 'error.rateLimited' : 'error.probeLimited';
}

/**
 * The other page of the same host whose answer was lent because the host's probe budget was spent
 * (PROBE_NOTES.hostResult), or undefined when the probe looked at the page itself.
 */
export function lentFrom(probe: ProbeResult | undefined): { page: string } | undefined {
  const note = probe?.evidence.find((e) => e.kind === 'note' && e.code === PROBE_NOTES.hostResult);
  if (note?.kind !== 'note') return undefined;
  return { page: note.detail ?? hostNameOf(probe?.url ?? '') ?? '-' };
}

/** A host that is an IP address (`203.0.113.7`, `[2001:db8::1]`): it has no DNS records to check. */
export function isIpAddressHost(host: string | undefined): boolean {
  if (!host) return false;
  // URL parsing already normalised every IPv4 spelling (`127.1`, `0x7f.1`) to dotted quads and bracketed IPv6.
  return host.startsWith('[') || /^\d{1,3}(?:\.\d{1,3}){3}$/.test(host);
}

/** A help desk took the case. Snapshots from before `handoffStatus` existed only recorded the request. */
export function isHandoffAccepted(ctx: SupportContext): boolean {
  return ctx.handoffStatus === 'accepted' || (ctx.handoffStatus === undefined && ctx.handoffRequested);
}

/** "Talk to a person" may be offered: a help desk is configured and did not just turn the case down. */
export function canOfferHandoff(ctx: SupportContext): boolean {
  return ctx.canHandoff !== false && ctx.handoffStatus !== 'unavailable';
}

/**
 * The site answers for everyone (up, or slow, or a 4xx) and no incident is open on it: there is nothing to
 * wait for, and a watch would only say at once that it is "back".
 */
export function siteAnswers(probe: PublicProbeResult | undefined): boolean {
  // An open incident means there is something to wait for, whatever the probe saw.
  if (probe?.incident) return false;
  return probe !== undefined && (probe.verdict === 'up' || (probe.verdict === 'degraded' && !isDownForEveryone(probe)));
}

/** "Tell me when it's back" may be offered: a site to watch that is not answering, and a watch service that works. */
export function canOfferWatch(ctx: SupportContext): boolean {
  return ctx.url !== undefined && ctx.canWatch !== false && ctx.watchStatus !== 'failed' && !siteAnswers(ctx.probe);
}

/**
 * Blocked by our own rules, or a connection the site refused. Both must read the same to the person:
 * telling them apart would let anyone map which internal addresses exist (src/probe/public-view.ts).
 */
export function isUnreachable(probe: ProbeResult | undefined): boolean {
  return probe !== undefined && readsAsRefused(probe);
}

/** The site fails for everyone, so fixes on the visitor's side are pointless. */
export function isDownForEveryone(probe: ProbeResult | undefined): boolean {
  if (!probe) return false;
  switch (probe.verdict) {
    case 'down':
    case 'timeout':
    case 'dns_error':
    case 'tls_error':
      return true;
    case 'degraded':
      return (probe.httpStatus ?? 0) >= 500;
    default:
      return false;
  }
}

/** `2024-05-01T10:02:03.000Z` -> `2024-05-01 10:02 UTC`; anything else is shown as given. */
export function displayTime(iso: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(?::\d\d(?:\.\d+)?)?Z$/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}

/** The summary handed to a person when the visitor asks for one. */
export function buildHandoffSummary(ctx: SupportContext): HandoffSummary {
  return {
    ...(ctx.url ? { url: ctx.url } : {}),
    ...(ctx.variant ? { variant: ctx.variant } : {}),
    ...(ctx.role ? { role: ctx.role } : {}),
    ...(ctx.browser ? { browser: ctx.browser } : {}),
    ...(ctx.os ? { os: ctx.os } : {}),
    locale: ctx.locale,
    probes: [...ctx.probeHistory],
    stepsTried: [...ctx.stepsTried],
    causes: ctx.findings.map((f) => f.cause),
    lastMessages: ctx.transcript.slice(-LIMITS.handoffMessages),
  };
}
