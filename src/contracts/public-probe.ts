/**
 * The shape of a probe result fit to leave the process, and the predicates that read it. The function that
 * makes one (`publicView`) stays in `src/probe/public-view.ts`: only the probe's side builds views; the
 * conversation receives them, typed so that a raw `ProbeResult` does not compile where a view is due.
 */
import type { IncidentNotice, ProviderNotice } from './incident';
import type { Evidence, ProbeResult, RefusalReason } from './probe-result';

/** Refusals that are about our own capacity, not about the target: shown as they are. */
export type LimitReason = Extract<RefusalReason, 'rate-limited' | 'busy'>;

const LIMIT_REASONS: ReadonlySet<RefusalReason> = new Set<RefusalReason>(['rate-limited', 'busy']);

/** Evidence a stranger may see: no refusal other than our own limits. */
export type PublicEvidence = Exclude<Evidence, { kind: 'refused' }> | { kind: 'refused'; reason: LimitReason };

/**
 * A probe result fit to leave the process. Assignable to `ProbeResult` (everything that reads results
 * reads views too); a raw `ProbeResult` is not assignable to it, so the compiler finds missed exits.
 */
export interface PublicProbeResult extends Omit<ProbeResult, 'evidence'> {
  evidence: PublicEvidence[];
  /**
   * The help desk's open incident (or maintenance window) on the host, attached by the conversation's probe
   * actor: it outranks the probe (the advice is then `wait`, whatever the probe saw).
   */
  incident?: IncidentNotice;
  /** Open incidents or maintenance the producer's (or the SaaS host's) public status feed reports. */
  providerNotices?: ProviderNotice[];
}

/** True for the refusal reasons that are our own limits. */
export function isLimitReason(reason: RefusalReason): reason is LimitReason {
  return LIMIT_REASONS.has(reason);
}

/**
 * The probe's own limits stopped the check (per person, per client, per host, or no free slot): the
 * `rate_limited` verdict. Results stored before that verdict existed said `blocked` with a limit's refusal
 * (conversation snapshots keep their last probe), and still read as a limit rather than as a refusal.
 */
export function isProbeLimit(result: ProbeResult): boolean {
  if (result.verdict === 'rate_limited') return true;
  return result.verdict === 'blocked' && result.evidence.some((e) => e.kind === 'refused' && isLimitReason(e.reason));
}

/** Our rules refused the target (address, port, credentials on a redirect hop...), not our capacity. */
export function isRuleRefusal(result: ProbeResult): boolean {
  return result.verdict === 'blocked' && !isProbeLimit(result);
}

/**
 * True for every result the public view shows as "the site refused the connection": rule refusals and
 * real refused connections alike, so both take the same path through the conversation.
 */
export function readsAsRefused(result: ProbeResult): boolean {
  if (isProbeLimit(result)) return false;
  if (result.verdict === 'blocked') return true;
  return result.verdict === 'down' && refusedConnection(result.evidence);
}

/** The connection was refused: the prober's note, or (hand-made results) only refused connects. */
function refusedConnection(evidence: readonly Evidence[]): boolean {
  if (evidence.some((e) => e.kind === 'note' && e.code === 'connect_error' && e.detail === 'ECONNREFUSED')) return true;
  const connects = evidence.filter((e): e is Extract<Evidence, { kind: 'connect' }> => e.kind === 'connect');
  return connects.some((c) => !c.ok && c.code === 'ECONNREFUSED') && !connects.some((c) => c.ok);
}
