/**
 * The probe's vocabulary. Everything outside `src/probe/` (the CLI, the machines, the channels, the status
 * board) speaks in these types; the JSON shape of `ProbeResult` is a public interface (`npm run probe --
 * --json`, `GET /api/admin/probe`).
 */
import type { CauseId } from './causes';

/**
 * Every conclusion the probe can reach about a URL. `blocked`: our address rules refused the target (and
 * nothing else); `rate_limited`: one of our own limits (per host, per person, per client, every probe slot
 * busy) stopped the check, so nothing is known about the site.
 */
export const VERDICTS = ['up', 'down', 'degraded', 'dns_error', 'tls_error', 'timeout', 'blocked', 'rate_limited', 'invalid'] as const;

/** What the probe concluded about a URL. */
export type Verdict = (typeof VERDICTS)[number];

/** Every next step the probe can advise. */
export const ADVICES = ['troubleshoot', 'wait', 'contact_site', 'admin_check'] as const;

/** What the person should do next. */
export type Advice = (typeof ADVICES)[number];

/** The layers the fingerprint table can name. */
export type ProducerId =
  | 'cloudflare'
  | 'nginx'
  | 'aws-alb'
  | 'cloudfront'
  | 'iis'
  | 'aspnetcore'
  | 'azure-app-service'
  | 'azure-app-gateway'
  | 'envoy'
  | 'haproxy'
  | 'apache'
  | 'varnish'
  | 'google'
  | 'vercel'
  | 'netlify'
  | 'heroku'
  | 'fastly'
  | 'akamai'
  | 'kong'
  | 'caddy'
  | 'azure-front-door'
  | 'gcp-lb'
  | 'ingress-nginx'
  | 'cloud-run'
  | 'fly'
  | 'render'
  | 'railway';

/** Where in the request path a producer sits. */
export type Layer = 'cdn' | 'load-balancer' | 'reverse-proxy' | 'app-server' | 'platform';

/** Who has to act when this producer reports a 502. */
export type Actor = 'site' | 'provider' | 'visitor';

/** Why a target was refused by our own rules (shown to operators and logs, never detailed to users). */
export type RefusalReason = 'scheme' | 'credentials' | 'address' | 'port' | 'rate-limited' | 'busy' | 'malformed';

/** One fact the probe observed, kept small and JSON-friendly. */
export type Evidence =
  | { kind: 'dns'; addresses: string[] }
  | { kind: 'connect'; address: string; port: number; ok: boolean; code?: string }
  | {
      kind: 'tls';
      ok: boolean;
      code?: string;
      subject?: string;
      issuer?: string;
      validTo?: string;
      daysToExpiry?: number;
      hostnameMatch?: boolean;
    }
  | { kind: 'http'; url: string; status: number; statusText?: string; server?: string }
  | { kind: 'redirect'; from: string; to: string; status: number }
  | { kind: 'request-id'; name: string; value: string }
  | { kind: 'producer'; producer: ProducerId; layer: Layer; actor: Actor; branded?: boolean; detail?: string }
  | { kind: 'sub-status'; code: string; cause?: CauseId }
  | { kind: 'recheck'; status?: number; verdict: Verdict }
  | { kind: 'refused'; reason: RefusalReason }
  | { kind: 'note'; code: string; detail?: string }
  /**
   * Crowd reports (added by the bot, never by the probe): `reports` distinct people asked about this host in
   * the last `windowMinutes`; `crowded` once that reaches the deployment's CROWD_THRESHOLD.
   */
  | { kind: 'crowd'; reports: number; windowMinutes: number; crowded: boolean };

/**
 * Notes the prober itself adds (evidence `{ kind: 'note', code }`), read by the public view, the machines
 * and the CLI. `hostResult`: the host's probe budget was spent, so the answer is the one another page of the
 * same host gave (`detail`: that page; `checkedAt` is when it was checked). `httpsFailed`: a host typed
 * without a scheme failed over https before any HTTP answer and was tried over http (`detail`: the code).
 * `httpFailed`: that http attempt failed too, so the result is the https one (`detail`: the code).
 */
export const PROBE_NOTES = { hostResult: 'host-result', httpsFailed: 'https-failed', httpFailed: 'http-failed' } as const;

/** How long each phase of a probe took. */
export interface Timings {
  dnsMs?: number;
  connectMs?: number;
  tlsMs?: number;
  ttfbMs?: number;
  totalMs: number;
}

/** The probe's answer: the truth, for logs, metrics and the admin API (strangers see `PublicProbeResult`). */
export interface ProbeResult {
  url: string;
  verdict: Verdict;
  advice: Advice;
  httpStatus?: number;
  producer?: ProducerId;
  cause?: CauseId;
  timings: Timings;
  evidence: Evidence[];
  /** ISO 8601. */
  checkedAt: string;
  /** For `rate_limited`: how long until the limit that was hit lets a check through, when known. */
  retryAfterMs?: number;
  /**
   * What each region saw of the same URL within the probe budget: the bot's own look first (region `local`),
   * then every probe worker that answered in time. Absent when no worker was live or none answered in time.
   * When some regions see the site failing and others do not, the verdict is `degraded` with advice
   * `admin_check` (docs/operations.md, Regions).
   */
  regions?: RegionResult[];
}

/** One region's look at a URL, as a probe worker there reported it. */
export interface RegionResult {
  /** The worker's region name (`--region`), e.g. `eu`. */
  region: string;
  verdict: Verdict;
  httpStatus?: number;
  totalMs: number;
}

/** One explained item from pasted text (`npm run explain`, a paste in the chat). */
export interface Finding {
  /** 1-based line number in the pasted text, when the finding came from one line. */
  line?: number;
  producer?: ProducerId;
  cause: CauseId | 'error-page' | 'header-dump' | 'status-502' | 'sub-status';
  summary: string;
}
