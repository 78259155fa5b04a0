/**
 * Turns what the network said into a verdict and a piece of advice. Pure: the probe orchestrator feeds it
 * fetch outcomes, tests feed it hand-made ones.
 */
import type { FetchOutcome } from './safe-fetch';
import type { Advice, Verdict } from '../contracts';

/** How the first attempt's outcome is read before any re-check. */
export interface Judgement {
  verdict: Verdict;
  advice: Advice;
  /** True when one quick second look could change the verdict (a 5xx, a refused or reset connection). */
  recheck: boolean;
}

/** Resolver answers that mean "this name does not exist" rather than "the resolver is having trouble". */
const PERMANENT_DNS_ERRORS = new Set(['ENOTFOUND', 'ENODATA', 'EAI_NONAME', 'EAI_NODATA', 'NXDOMAIN']);

/** A 2xx/3xx answer slower than this share of the budget is reported as degraded. */
export const SLOW_SHARE_OF_BUDGET = 0.6;

/**
 * Judges one fetch outcome. `timeoutMs` is the probe's budget, used to call a slow but working site degraded.
 */
export function judge(outcome: FetchOutcome, timeoutMs: number): Judgement {
  switch (outcome.kind) {
    case 'invalid':
      return { verdict: 'invalid', advice: 'troubleshoot', recheck: false };
    case 'refused':
      // Our own safety rules said no: the only meaning of `blocked` (our own limits are `rate_limited`,
      // decided in prober.ts before any fetch). To the visitor this must read exactly like a site that
      // refused the connection (advice `wait`), so the bot cannot be used to map which private addresses exist.
      return { verdict: 'blocked', advice: 'wait', recheck: false };
    case 'dns_error':
      return PERMANENT_DNS_ERRORS.has(outcome.errorCode ?? '')
        ? { verdict: 'dns_error', advice: 'contact_site', recheck: false }
        : { verdict: 'dns_error', advice: 'wait', recheck: true };
    case 'timeout':
      // The whole budget is spent: a second look would blow it.
      return { verdict: 'timeout', advice: 'wait', recheck: false };
    case 'connect_error':
      return { verdict: 'down', advice: 'wait', recheck: true };
    case 'tls_error':
      // Browsers refuse the page whatever the status, and only the site can renew or fix its certificate.
      return { verdict: 'tls_error', advice: 'contact_site', recheck: false };
    case 'response':
      return judgeStatus(outcome, timeoutMs);
  }
}

function judgeStatus(outcome: FetchOutcome, timeoutMs: number): Judgement {
  const status = outcome.status ?? 0;
  if (status >= 500) return { verdict: 'down', advice: 'wait', recheck: true };
  if (status === 429) return { verdict: 'degraded', advice: 'wait', recheck: false };
  const ttfb = outcome.timings.ttfbMs ?? 0;
  if (status >= 200 && status < 400 && ttfb > timeoutMs * SLOW_SHARE_OF_BUDGET) {
    return { verdict: 'degraded', advice: 'troubleshoot', recheck: false };
  }
  // Any other answer (2xx, 3xx, even 403/404) proves the site's servers are answering: a 502 the person
  // sees comes from somewhere between them and the site, or from their browser's state.
  return { verdict: 'up', advice: 'troubleshoot', recheck: false };
}

/**
 * Combines the first judgement with a quick re-check. A site that failed and then answered is flapping:
 * `degraded`, and the site's team should look; failing twice confirms the first verdict.
 */
export function combine(first: Judgement, second: Judgement | undefined): Omit<Judgement, 'recheck'> {
  if (!second) return { verdict: first.verdict, advice: first.advice };
  const failedFirst = first.verdict === 'down' || first.verdict === 'dns_error';
  if (failedFirst && (second.verdict === 'up' || second.verdict === 'degraded')) {
    return { verdict: 'degraded', advice: 'admin_check' };
  }
  return { verdict: first.verdict, advice: first.advice };
}
