/**
 * The bot's own look at a URL combined with what the regions saw. The verdict list is a stable contract
 * (DESIGN, section 5), so no verdict is added: when every observer agrees, the local verdict stands; when
 * some see the site failing and others see it answer, the site is "down in some regions" and the verdict is
 * `degraded` with advice `admin_check` (the same pair as a site that failed and then answered: it answers
 * for some and not for others, and its team has to look). `regions` says which region saw what.
 */
import { LOCAL_REGION, seesFailure, type ProbeResult, type RegionResult, type Verdict } from '../../contracts';
import { toRegionResult } from './regional-jobs';

/** Verdicts that say something about the site (not about our own rules or limits). */
const JUDGED: ReadonlySet<Verdict> = new Set<Verdict>(['up', 'degraded', 'down', 'timeout', 'dns_error', 'tls_error']);

/**
 * The local result with the regions' answers folded in (unchanged when no region answered). `regions` lists
 * the bot's own look first, as `local`, so it says what every observer saw before any verdict was combined.
 */
export function combineRegions(local: ProbeResult, answers: readonly RegionResult[]): ProbeResult {
  // A target our own rules or limits stopped is not the regions' business: no region result is shown.
  if (!JUDGED.has(local.verdict)) return local;
  const remote = answers.filter((r) => JUDGED.has(r.verdict) && r.region !== LOCAL_REGION);
  if (remote.length === 0) return local;
  const own: RegionResult = toRegionResult(LOCAL_REGION, local);
  const regions = [own, ...remote.map((r) => ({ ...r }))];
  const failing = regions.filter((r) => seesFailure(r.verdict, r.httpStatus)).length;
  const combined: ProbeResult = { ...local, regions };
  if (failing === 0 || failing === regions.length) return combined;
  return { ...combined, verdict: 'degraded', advice: 'admin_check' };
}
