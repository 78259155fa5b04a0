/**
 * The contract between the status page's server side and its browser script: the configuration the server writes
 * into the page (`<script type="application/json" id="status-config">`) and the rows the script reads from
 * `GET /api/status`. Types only, importing nothing, so that the browser's type-check (./tsconfig.json) and the
 * server's share it.
 */

/** Colour family of a shown verdict (`tone-<name>` in status.css). */
export type StatusTone = 'ok' | 'warn' | 'bad' | 'neutral';

/** What the browser script needs from the server to re-render the board in the page's language. */
export interface StatusClientConfig {
  /** The page's language. */
  locale: string;
  /** Every language the board speaks (a Teams locale outside these is ignored). */
  locales: readonly string[];
  /** The language came from `?lang=`, so Teams' language must not override it. */
  languageChosen: boolean;
  /** Where the rows come from: `/api/status` with the board's row limit. */
  apiUrl: string;
  /** The Teams JavaScript SDK, loaded only inside a frame or a pop-out window. */
  teamsJsUrl: string;
  refreshMs: number;
  /** How long to wait for Teams to answer `app.initialize()` before staying a plain page. */
  teamsInitTimeoutMs: number;
  /** Columns of the "recently checked" table, for the full-width empty row. */
  recentColumns: number;
  /** The admin API's base path (`/api/admin`), called with the signed-in staff's bearer token. */
  adminApiUrl: string;
  /** The agent inbox, linked for signed-in staff. */
  inboxUrl: string;
  /** The `strings` key an empty board shows. */
  emptyKey: string;
  /** How each verdict is shown (a verdict the page does not show has no entry). */
  displayVerdicts: Readonly<Record<string, string>>;
  tones: Readonly<Record<string, StatusTone>>;
  /** Display names of the producers the probe recognises. */
  producerNames: Readonly<Record<string, string>>;
  /** The page's `status` strings, by key, with `{{name}}` placeholders. */
  strings: Readonly<Record<string, string>>;
}

/** One row of `GET /api/status` as the browser script reads it (the public view of a recent check). */
export interface StatusApiCheck {
  host: string;
  verdict: string;
  httpStatus?: number;
  producer?: string;
  checkedAt: string;
  asks: number;
  /** 24 hours in buckets, oldest first. */
  history?: readonly StatusApiHistoryPoint[];
  crowd?: number;
  providerIncident?: { provider: string; title: string; since: string };
}

/** One bucket of a host's history: the worst verdict in it and the mean total time. */
export interface StatusApiHistoryPoint {
  at: string;
  verdict: string;
  totalMs: number;
}

/** An open incident as `/api/status` lists it (brief G). */
export interface StatusApiIncident {
  id: string;
  host: string;
  title: string;
  message: string;
  etaMinutes?: number;
  startsAt?: string;
  endsAt?: string;
  severity?: string;
  createdAt: string;
  updates?: readonly { at: string; message: string }[];
}

/** The body of `GET /api/status`; `incidents` is absent where incidents do not exist. */
export interface StatusApiAnswer {
  checks?: readonly StatusApiCheck[];
  incidents?: readonly StatusApiIncident[];
}

/** The body of `GET /api/admin/analytics` (brief H1). */
export interface AnalyticsAnswer {
  from?: string;
  to?: string;
  conversations?: {
    byVerdict?: Readonly<Record<string, number>>;
    byProducer?: Readonly<Record<string, number>>;
    byOutcome?: Readonly<Record<string, number>>;
    fixedBy?: Readonly<Record<string, number>>;
  };
  timeToAnswerMs?: { p50?: number; p90?: number };
}
