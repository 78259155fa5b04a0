/**
 * Reading a result's `regions` (what each region saw): which observers saw the site fail. Shared by the
 * probe, which combines the regions' answers, and the machines, which tell administrators about them.
 */
import type { ProbeResult, Verdict } from './probe-result';

/** The name the bot's own look goes by among the regions. */
export const LOCAL_REGION = 'local';

const FAILING: ReadonlySet<Verdict> = new Set<Verdict>(['down', 'timeout', 'dns_error', 'tls_error']);

/** True when an observer saw the site fail (a 5xx `degraded` counts: the site answered with an error). */
export function seesFailure(verdict: Verdict, httpStatus?: number): boolean {
  return FAILING.has(verdict) || (verdict === 'degraded' && (httpStatus ?? 0) >= 500);
}

/** The regions (`local` included) that saw the site fail, when only some did; empty when all or none did. */
export function downInSome(result: ProbeResult): string[] {
  const regions = result.regions ?? [];
  const failing = regions.filter((r) => seesFailure(r.verdict, r.httpStatus)).map((r) => r.region);
  return failing.length === 0 || failing.length === regions.length ? [] : failing;
}
