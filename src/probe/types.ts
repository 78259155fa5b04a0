/**
 * The probe's public vocabulary. Everything outside `src/probe/` (the CLI, the bot, the status board)
 * speaks in these types; the JSON shape of `ProbeResult` is part of the interface contract (DESIGN.md §5).
 */

/** What the probe concluded about a URL. */
export type Verdict =
  | 'up'
  | 'down'
  | 'degraded'
  | 'dns_error'
  | 'tls_error'
  | 'timeout'
  | 'blocked'
  | 'invalid';

/** What the person should do next. */
export type Advice = 'troubleshoot' | 'wait' | 'contact_site' | 'admin_check';

export const VERDICTS: readonly Verdict[] = [
  'up',
  'down',
  'degraded',
  'dns_error',
  'tls_error',
  'timeout',
  'blocked',
  'invalid',
];
export const ADVICES: readonly Advice[] = ['troubleshoot', 'wait', 'contact_site', 'admin_check'];

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
  | 'heroku';

/** Where in the request path a producer sits. */
export type Layer = 'cdn' | 'load-balancer' | 'reverse-proxy' | 'app-server' | 'platform';

/** Who has to act when this producer reports a 502. */
export type Actor = 'site' | 'provider' | 'visitor';

/** Causes the `explain` tables can name (log lines, error pages, sub-statuses). */
export type CauseId =
  | 'upstream-refused'
  | 'upstream-reset'
  | 'upstream-timeout'
  | 'header-too-big'
  | 'no-live-upstreams'
  | 'socket-permission'
  | 'socket-missing'
  | 'upstream-dns'
  | 'upstream-tls'
  | 'upstream-overloaded'
  | 'app-crash'
  | 'upstream-protocol';

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
  | { kind: 'note'; code: string; detail?: string };

/** Why a target was refused by our own rules (shown to operators and logs, never detailed to users). */
export type RefusalReason =
  | 'scheme'
  | 'credentials'
  | 'address'
  | 'port'
  | 'rate-limited'
  | 'busy'
  | 'malformed';

export interface Timings {
  dnsMs?: number;
  connectMs?: number;
  tlsMs?: number;
  ttfbMs?: number;
  totalMs: number;
}

/** The probe's answer (DESIGN.md §5 "Probe JSON"). */
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
}

/** One explained item from pasted text (`npm run explain`). */
export interface Finding {
  /** 1-based line number in the pasted text, when the finding came from one line. */
  line?: number;
  producer?: ProducerId;
  cause: CauseId | 'error-page' | 'header-dump' | 'status-502' | 'sub-status';
  summary: string;
}
