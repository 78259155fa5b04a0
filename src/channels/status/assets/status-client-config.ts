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
}

/** The body of `GET /api/status`. */
export interface StatusApiAnswer {
  checks?: readonly StatusApiCheck[];
}
