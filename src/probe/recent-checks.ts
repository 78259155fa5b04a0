/**
 * The hosts checked recently and what the probe last said about each. Bounded, newest first; in memory
 * per instance, or shared by the fleet through Redis (`shared`, src/probe/redis-recent-checks.ts). Each host
 * also keeps a 24-hour history in 15-minute buckets (at most 96 per host, per instance), which the board draws
 * as a sparkline. Two readers: the admin API sees every host with the probe's true verdicts; the public
 * status board (`/api/status`, `/status`) sees only the hosts the help desk listed (STATUS_HOSTS), as the
 * public view tells them, so it can neither publish what strangers asked about nor act as an oracle.
 */
import { publicView } from './public-view';
import { isProbeLimit, PROBE_NOTES, type ProbeResult } from '../contracts';

/** One row of the status board (`GET /api/status`) or of `GET /api/admin/status`. */
export interface RecentCheck {
  host: string;
  url: string;
  verdict: ProbeResult['verdict'];
  advice: ProbeResult['advice'];
  httpStatus?: number;
  producer?: ProbeResult['producer'];
  checkedAt: string;
  /** How many times people asked about this host since the instance started. */
  asks: number;
  /** The last 24 hours in buckets, oldest first (public rows only): what the board's sparkline draws. */
  history?: HistoryPoint[];
  /** Distinct people who reported the host in the crowd window, when crowd reports (another feature) know it. */
  crowd?: number;
  /** An incident the host's provider declared on its own status page, when provider feeds (another feature) know one. */
  providerIncident?: ProviderIncident;
}

/** An incident a provider (Cloudflare, AWS...) published, as the board shows it next to the host. */
export interface ProviderIncident {
  provider: string;
  title: string;
  since: string;
}

/**
 * One bucket of a host's history: when it starts, the worst verdict seen in it (an outage must not hide
 * behind a later good answer) and the mean total time of its checks.
 */
export interface HistoryPoint {
  at: string;
  verdict: ProbeResult['verdict'];
  totalMs: number;
}

/** History buckets: 15 minutes each, 24 hours kept. */
export const HISTORY_BUCKET_MS = 15 * 60_000;
export const HISTORY_SPAN_MS = 24 * 60 * 60_000;
const HISTORY_BUCKETS = HISTORY_SPAN_MS / HISTORY_BUCKET_MS;

/** How bad a verdict is, for "the worst in the bucket" (a refused target reads as down on the board). */
const VERDICT_SEVERITY: Record<ProbeResult['verdict'], number> = {
  up: 0,
  rate_limited: 0,
  invalid: 0,
  degraded: 1,
  dns_error: 2,
  tls_error: 2,
  timeout: 3,
  down: 3,
  blocked: 3,
};

export interface RecentChecks {
  record(result: ProbeResult): void;
  /** Every host checked, with the probe's true verdicts and the URL last asked: the admin API only. */
  list(limit?: number): RecentCheck[];
  /** What the public board shows: listed hosts only, through the public view, URLs cut to the origin. */
  listPublic(limit?: number): RecentCheck[];
  /** False when the board can list nothing at all (no STATUS_HOSTS), so it can say so instead of "none yet". */
  hasListedHosts(): boolean;
  /** Reloads the fleet's rows now (shared only; the readers above stay synchronous and read the last load). */
  refresh?(): Promise<void>;
  /** Stops the background reloads. */
  close?(): void;
}

/** One host's row as the fleet shares it: the truth and the public view (`asks` counted by the store). */
export interface SharedRecentRow {
  host: string;
  truth: RecentCheck;
  shown: RecentCheck;
}

/** Where the fleet keeps its recent checks (Redis); see src/probe/redis-recent-checks.ts. */
export interface SharedRecentRows {
  /** Stores a host's newest row, counts one more ask, drops the oldest hosts past the cap; resolves to the fleet's ask count. */
  push(row: SharedRecentRow): Promise<number | undefined>;
  /** The fleet's rows, newest first; undefined when they cannot be read now (the last load is kept). */
  load(): Promise<SharedRecentRow[] | undefined>;
}

export interface RecentChecksOptions {
  maxHosts?: number;
  /** Hosts the public board may list (STATUS_HOSTS); matched with and without port and `www.`. */
  statusHosts?: readonly string[];
  /**
   * Hosts with an open incident, listed on the public board as well. Incidents do not exist yet: this is
   * the seam they plug into (matched like `statusHosts`).
   */
  openIncidentHosts?: () => readonly string[];
  /**
   * Hosts enough people reported recently (crowd reports, another feature, decide how many is enough), listed
   * on the public board as well: the seam crowd reports plug into (matched like `statusHosts`).
   */
  crowdReportedHosts?: () => readonly string[];
  /** The crowd count of a host (`host` as the rows name it, with port), shown next to it on the board. */
  crowdOf?: (host: string) => number | undefined;
  /** An open incident the host's provider reports on its status page, shown next to it on the board. */
  providerIncidentOf?: (host: string) => ProviderIncident | undefined;
  /** Clock for dropping history older than 24 hours (tests pin it). */
  now?: () => number;
  /** The fleet's shared rows; without it the rows are this instance's only. */
  shared?: SharedRecentRows;
  /** How often the shared rows are reloaded for the synchronous readers. Default 1000 ms. */
  refreshMs?: number;
  /** Told when the shared rows could not be written or read (the instance's own rows are served meanwhile). */
  onSharedError?: (error: Error) => void;
}

interface Bucket {
  start: number;
  verdict: ProbeResult['verdict'];
  totalMs: number;
  checks: number;
}

interface Entry {
  truth: RecentCheck;
  shown: RecentCheck;
}

/** Builds the in-memory record of recent checks. */
export function createRecentChecks({
  maxHosts = 200,
  statusHosts = [],
  openIncidentHosts = () => [],
  crowdReportedHosts = () => [],
  crowdOf = () => undefined,
  providerIncidentOf = () => undefined,
  now = Date.now,
  shared,
  refreshMs = 1000,
  onSharedError,
}: RecentChecksOptions = {}): RecentChecks {
  let rows = new Map<string, Entry>();
  // The public view's verdicts per host, oldest bucket first: this instance's own, kept across fleet reloads.
  const histories = new Map<string, Bucket[]>();
  const failed = (error: unknown): void => onSharedError?.(error instanceof Error ? error : new Error(String(error)));
  const refresh = async (): Promise<void> => {
    if (!shared) return;
    try {
      const loaded = await shared.load();
      if (!loaded) return;
      // Stored oldest last: the map's insertion order is oldest first.
      rows = new Map([...loaded].reverse().map((row) => [row.host, { truth: row.truth, shown: row.shown }]));
    } catch (error) {
      failed(error);
    }
  };
  // The board and the admin API read synchronously: the fleet's rows are reloaded in the background.
  const timer = shared ? setInterval(() => void refresh(), refreshMs) : undefined;
  timer?.unref();
  const configured = statusHosts.map(parseHost).filter((host): host is HostName => host !== undefined);
  const listed = (host: string): boolean => {
    const row = parseHost(host);
    if (!row) return false;
    const dynamic = [...openIncidentHosts(), ...crowdReportedHosts()].map(parseHost);
    return [...configured, ...dynamic].some((entry) => entry !== undefined && hostMatches(entry, row));
  };
  const newestFirst = (): Entry[] => [...rows.values()].reverse();

  return {
    record(result) {
      let url: URL;
      try {
        url = new URL(result.url);
      } catch {
        return; // invalid targets have no host worth listing
      }
      // Invalid targets are not sites; a check our own limits stopped (`rate_limited`) says nothing about the
      // site, and an answer lent from another page of the host is not a new check: neither may replace the
      // last real answer.
      if (result.verdict === 'invalid' || isProbeLimit(result) || isLentResult(result)) return;
      const host = url.host;
      const previous = rows.get(host);
      rows.delete(host);
      const asks = (previous?.truth.asks ?? 0) + 1;
      const view = publicView(result);
      const checkedAt = Date.parse(result.checkedAt);
      const history = addToHistory(
        histories.get(host) ?? [],
        Number.isNaN(checkedAt) ? now() : checkedAt,
        view.verdict,
        result.timings.totalMs,
      );
      histories.delete(host);
      histories.set(host, history);
      while (histories.size > maxHosts) {
        const oldest = histories.keys().next();
        if (oldest.done) break;
        histories.delete(oldest.value);
      }
      const entry = {
        truth: rowOf(host, result.url, result, asks),
        shown: rowOf(host, `${url.protocol}//${url.host}/`, view, asks),
      };
      rows.set(host, entry);
      shared?.push({ host, ...entry }).then((fleetAsks) => {
        // The fleet's count replaces this instance's own once the store answered.
        if (fleetAsks !== undefined && rows.get(host) === entry) {
          entry.truth.asks = fleetAsks;
          entry.shown.asks = fleetAsks;
        }
      }, failed);
      while (rows.size > maxHosts) {
        const oldest = rows.keys().next();
        if (oldest.done) break;
        rows.delete(oldest.value);
      }
    },
    list(limit = 50) {
      return newestFirst()
        .slice(0, limit)
        .map((entry) => ({ ...entry.truth }));
    },
    listPublic(limit = 50) {
      return newestFirst()
        .filter((entry) => listed(entry.shown.host))
        .slice(0, limit)
        .map((entry) => {
          const crowd = crowdOf(entry.shown.host);
          const providerIncident = providerIncidentOf(entry.shown.host);
          return {
            ...entry.shown,
            history: historyOf(histories.get(entry.shown.host) ?? [], now()),
            ...(crowd !== undefined ? { crowd } : {}),
            ...(providerIncident ? { providerIncident } : {}),
          };
        });
    },
    hasListedHosts() {
      return configured.length > 0 || openIncidentHosts().length > 0 || crowdReportedHosts().length > 0;
    },
    refresh,
    close() {
      clearInterval(timer);
    },
  };
}

/** The history with one more check in it: into its bucket, or a new bucket; the oldest dropped past 96. */
function addToHistory(history: readonly Bucket[], at: number, verdict: ProbeResult['verdict'], totalMs: number): Bucket[] {
  const start = at - (at % HISTORY_BUCKET_MS);
  const ms = Number.isFinite(totalMs) && totalMs >= 0 ? totalMs : 0;
  const buckets = history.map((bucket) => ({ ...bucket }));
  const same = buckets.find((bucket) => bucket.start === start);
  if (same) {
    if (VERDICT_SEVERITY[verdict] > VERDICT_SEVERITY[same.verdict]) same.verdict = verdict;
    same.totalMs += ms;
    same.checks += 1;
  } else {
    buckets.push({ start, verdict, totalMs: ms, checks: 1 });
    buckets.sort((a, b) => a.start - b.start);
  }
  return buckets.slice(-HISTORY_BUCKETS);
}

/** The buckets of the last 24 hours as the board reads them. */
function historyOf(history: readonly Bucket[], now: number): HistoryPoint[] {
  return history
    .filter((bucket) => bucket.start > now - HISTORY_SPAN_MS)
    .map((bucket) => ({
      at: new Date(bucket.start).toISOString(),
      verdict: bucket.verdict,
      totalMs: Math.round(bucket.totalMs / bucket.checks),
    }));
}

function isLentResult(result: ProbeResult): boolean {
  return result.evidence.some((e) => e.kind === 'note' && e.code === PROBE_NOTES.hostResult);
}

type RowFacts = Pick<ProbeResult, 'verdict' | 'advice' | 'httpStatus' | 'producer' | 'checkedAt'>;

function rowOf(host: string, url: string, result: RowFacts, asks: number): RecentCheck {
  const row: RecentCheck = { host, url, verdict: result.verdict, advice: result.advice, checkedAt: result.checkedAt, asks };
  if (result.httpStatus !== undefined) row.httpStatus = result.httpStatus;
  if (result.producer) row.producer = result.producer;
  return row;
}

/** A host name without `www.` and trailing dot, lower-cased, with its port when one was given. */
interface HostName {
  name: string;
  port?: string;
}

const DEFAULT_PORTS: readonly string[] = ['80', '443'];

/**
 * Parses `example.com`, `www.example.com:8443`, `[2001:db8::1]:443` or, leniently, a URL someone pasted
 * into STATUS_HOSTS. Anything else is not a host and lists nothing.
 */
function parseHost(text: string): HostName | undefined {
  let value = text.trim().toLowerCase();
  if (value.includes('://')) {
    try {
      value = new URL(value).host;
    } catch {
      return undefined;
    }
  }
  const match = /^(\[[0-9a-f:.]+\]|[^:/[\]\s]+)(?::(\d{1,5}))?$/.exec(value);
  if (!match?.[1]) return undefined;
  const name = match[1].replace(/\.$/, '').replace(/^www\./, '');
  if (name === '') return undefined;
  return match[2] ? { name, port: match[2] } : { name };
}

/**
 * A configured host without a port lists the host on every port; with a port, only that port (a URL
 * with no port is on 80 or 443, which is what a configured `:80` or `:443` means).
 */
function hostMatches(configured: HostName, row: HostName): boolean {
  if (configured.name !== row.name) return false;
  if (configured.port === undefined) return true;
  if (row.port === undefined) return DEFAULT_PORTS.includes(configured.port);
  return configured.port === row.port;
}
