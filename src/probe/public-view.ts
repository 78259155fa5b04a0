/**
 * What leaves the process about a probe result. The probe keeps the truth (`ProbeResult`: "blocked by our
 * address rules", the private addresses a name resolved to, why it was refused) for logs, metrics and the
 * admin API (`GET /api/admin/probe`, `GET /api/admin/status`). Anything a stranger can see goes through
 * `publicView` instead, where a target our rules refused reads exactly like a site that refused the
 * connection: same verdict (`down`), same advice (`wait`), same evidence, no addresses, a plausible total
 * time. Otherwise the bot would be an oracle mapping which internal names and addresses exist.
 *
 * Where the view is applied (every exit):
 * - the `probeSite` actor (src/build-core.ts): the machine only ever receives the view, so its context,
 *   the stored snapshots, chat replies, `channelData.gatewayDoctor` and hand-offs never hold the truth;
 * - the machine declares its `probeSite` actor's output as `PublicProbeResult` (src/contracts), so a
 *   probe actor wired to hand over a raw `ProbeResult` does not compile;
 * - the public status rows (`RecentChecks.listPublic`, src/probe/recent-checks.ts): `/api/status`, `/status`;
 * - hand-offs (src/channels/handoff/handoff-case.ts) re-copy only the public digest's fields;
 * - `channelData.gatewayDoctor` (src/channels/render/activity.ts) re-copies only its public fields;
 * - the administrator's DNS step (`publicDnsReport`, wired in the `lookupDns` actor).
 *
 * Our own probe limits (`rate-limited`, `busy`) keep their own verdict, `rate_limited`, with nothing but the
 * limit's name and when to try again: they say nothing about the target, and the person must hear that the
 * check was paused, not that the site refused them. A result lent from another page of the same host
 * (PROBE_NOTES.hostResult) names that page by its origin and path only: no query, no credentials, and no
 * path segment that looks like an id or a token, since it is another person's URL.
 */
import { createHmac, randomBytes } from 'node:crypto';
import {
  isLimitReason,
  isProbeLimit,
  PROBE_NOTES,
  readsAsRefused,
  type DnsReport,
  type Evidence,
  type ProbeResult,
  type PublicEvidence,
  type PublicProbeResult,
} from '../contracts';
import type { AddressPolicy } from './address-policy';
import { hostOf } from '../text/url';

export interface PublicViewOptions {
  /**
   * Milliseconds a concealed rule refusal claims for the connection attempts it never made (see
   * `createRefusalPadding`); without it the view reports the refusal's own, near-zero, total.
   */
  paddingMs?: (result: ProbeResult) => number;
}

/** The one piece of evidence every refused-looking result carries: what the prober notes for ECONNREFUSED. */
const REFUSED_NOTE: PublicEvidence = { kind: 'note', code: 'connect_error', detail: 'ECONNREFUSED' };

/**
 * The public view of one result. Idempotent: the view of a view is the same view (a concealed refusal
 * comes out as a refused connection, which stays one).
 */
export function publicView(result: ProbeResult, { paddingMs }: PublicViewOptions = {}): PublicProbeResult {
  const url = withoutCredentials(result.url);
  if (isProbeLimit(result)) return limitView(result, url);
  if (readsAsRefused(result)) {
    // Nothing that differs between "our rules said no" and "the site said no" survives: no addresses,
    // no per-phase timings (a refusal has no connect time, a rule refusal may have no DNS time), no
    // re-check entry (a rule refusal is never re-checked), no redirect chain that led there.
    const padding = result.verdict === 'blocked' && paddingMs ? paddingMs(result) : 0;
    return {
      url,
      verdict: 'down',
      advice: 'wait',
      timings: { totalMs: round(result.timings.totalMs + padding) },
      evidence: [{ ...REFUSED_NOTE }],
      checkedAt: result.checkedAt,
    };
  }
  const view: PublicProbeResult = {
    url,
    verdict: result.verdict,
    advice: result.advice,
    timings: { ...result.timings },
    evidence: result.evidence.flatMap(publicEvidence),
    checkedAt: result.checkedAt,
  };
  if (result.httpStatus !== undefined) view.httpStatus = result.httpStatus;
  if (result.producer !== undefined) view.producer = result.producer;
  if (result.cause !== undefined) view.cause = result.cause;
  // Region names, verdicts, statuses and times only: what each region saw, never how (no addresses).
  if (result.regions !== undefined) view.regions = result.regions.map((r) => ({ ...r }));
  return view;
}

/**
 * A check our own limits stopped: the limit's name and when to try again, nothing else (there is nothing
 * else to know). Results stored before the `rate_limited` verdict said `blocked`; they come out as it too.
 */
function limitView(result: ProbeResult, url: string): PublicProbeResult {
  const view: PublicProbeResult = {
    url,
    verdict: 'rate_limited',
    advice: 'wait',
    timings: { totalMs: result.timings.totalMs },
    evidence: result.evidence.flatMap((e) =>
      e.kind === 'refused' && isLimitReason(e.reason) ? [{ kind: 'refused', reason: e.reason }] : [],
    ),
    checkedAt: result.checkedAt,
  };
  if (result.retryAfterMs !== undefined) view.retryAfterMs = result.retryAfterMs;
  return view;
}

function publicEvidence(evidence: Evidence): PublicEvidence[] {
  switch (evidence.kind) {
    case 'refused':
      // Only our limits are worth naming; any other refusal here belongs to an `invalid` target and its
      // verdict already says all the person needs.
      return isLimitReason(evidence.reason) ? [{ kind: 'refused', reason: evidence.reason }] : [];
    case 'note': {
      if (evidence.code !== PROBE_NOTES.hostResult) return [{ ...evidence }];
      // Another person's URL on the same host: the page is worth naming, its query and ids are not ours to show.
      const page = sharedPage(evidence.detail);
      return [page === undefined ? { kind: 'note', code: evidence.code } : { kind: 'note', code: evidence.code, detail: page }];
    }
    case 'dns':
      return [{ kind: 'dns', addresses: [...evidence.addresses] }];
    default:
      return [{ ...evidence }];
  }
}

export interface RefusalPaddingOptions {
  /** Secret that makes the padding unpredictable; a fresh random key per process by default. */
  key?: Buffer;
  minMs?: number;
  maxMs?: number;
}

/**
 * How long a concealed rule refusal pretends its connection attempts took: stable per host (asking twice
 * gives a consistent answer, like a real site would) and unpredictable without the key (so nobody can
 * subtract it). The `probeSite` actor also waits that long, so the reply's timing agrees with it. The
 * default ceiling stays under the turn runner's 150 ms typing delay: a padded refusal never shows a
 * typing indicator that a quick real refusal would not.
 */
export function createRefusalPadding({
  key = randomBytes(32),
  minMs = 10,
  maxMs = 80,
}: RefusalPaddingOptions = {}): (result: ProbeResult) => number {
  return (result) => {
    const digest = createHmac('sha256', key)
      .update(hostOf(result.url) ?? result.url)
      .digest();
    return round(minMs + (digest.readUInt32BE(0) / 0x1_0000_0000) * (maxMs - minMs));
  };
}

/**
 * The DNS records shown to an administrator, who is whoever claims to be one. Records are shown only for a
 * name whose every address the probe may reach (the same address policy and PROBE_ALLOW_CIDRS); any other
 * name reads like one that does not resolve, with no addresses, CNAMEs or name servers.
 */
export function publicDnsReport(report: DnsReport, policy: AddressPolicy): DnsReport {
  const addresses = [...report.a, ...report.aaaa];
  if (addresses.length > 0 && addresses.every((address) => policy.isAllowed(address))) {
    return { host: report.host, a: [...report.a], aaaa: [...report.aaaa], cname: [...report.cname], ns: [...report.ns] };
  }
  // A name without addresses keeps its own failure code; a refused one gets the code of a missing name.
  const error = addresses.length === 0 ? (report.error ?? 'ENODATA') : 'ENOTFOUND';
  return { host: report.host, a: [], aaaa: [], cname: [], ns: [], error };
}

/** Longest path shown for a page another person asked about. */
const MAX_SHARED_PATH = 60;

/**
 * Another person's page as it may be shown to someone asking about the same host: origin and path, without
 * query, fragment or credentials; a path segment that looks like an id or a token (six digits, or long with
 * a digit, or very long) becomes "...", and a long path is cut. Idempotent.
 */
export function sharedPage(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  const path = parsed.pathname
    .split('/')
    .map((segment) => (looksLikeSecret(decoded(segment)) ? '...' : segment))
    .join('/');
  const shown = path.length > MAX_SHARED_PATH ? `${path.slice(0, MAX_SHARED_PATH)}...` : path;
  return `${parsed.protocol}//${parsed.host}${shown}`;
}

/** A path segment as typed (percent escapes undone), to judge what it says rather than how it is encoded. */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function looksLikeSecret(segment: string): boolean {
  const digits = segment.replace(/\D/g, '').length;
  return digits >= 6 || (segment.length >= 20 && digits > 0) || segment.length > 48;
}

/** `https://user:secret@host/` -> `https://host/`: credentials typed into a URL never travel on. */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.href;
  } catch {
    return url;
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
