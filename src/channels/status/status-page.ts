/**
 * The status board (`GET /status`, also the Teams "Status" tab): open incidents first, then the hosts the help
 * desk listed (STATUS_HOSTS) and what the probe last said about them, as the public view tells it, with a
 * 24-hour sparkline, crowd reports and provider incidents per host; rendered on the server (works without
 * script) and refreshed in the browser from `GET /api/status` (polled with its ETag). Hosts strangers ask about
 * are not published here (`GET /api/admin/status` lists them). Help desk staff sign in with the admin token in
 * the browser to declare and resolve incidents and to see analytics (docs/board.md). Inside Teams it follows
 * Teams' theme and language; elsewhere it is a plain page. The page's markup, stylesheet and browser script are
 * files in assets/ (status-page.html, status.css, status-client.ts), loaded by status-assets.ts; uPlot is served
 * from the installed package.
 */
import { PRODUCER_NAMES } from '../../../dialogs/producers';
import { readFileSync } from 'node:fs';
import type { Request, Response } from 'restify';
import type { i18n as I18n } from 'i18next';
import { LOCALES, type LocaleId, type Translate, type Verdict } from '../../contracts';
import { createI18n, resolveLocale, translatorFor } from '../../core/i18n';
import type { HistoryPoint, ProviderIncident, RecentCheck, RecentChecks } from '../../probe/recent-checks';
import type { RouteSpec } from '../../server';
import type { StatusClientConfig, StatusTone } from './assets/status-client-config';
import { escapeHtml } from '../../text/html';
import { jsonForScript, parseHtmlTemplate, type HtmlTemplate } from './html-template';
import { readStatusAsset, statusClientScript } from './status-assets';

export const STATUS_PATH = '/status';
export const STATUS_SCRIPT_PATH = '/assets/status.js';
export const STATUS_STYLES_PATH = '/assets/status.css';
export const TEAMS_JS_PATH = '/assets/teams-js.js';
/** uPlot, served from this server (never a CDN: the page's CSP allows scripts from 'self' only). */
export const UPLOT_SCRIPT_PATH = '/status/assets/uPlot.iife.min.js';
export const UPLOT_STYLES_PATH = '/status/assets/uPlot.min.css';
/** Where the agent inbox (another feature) will live; the board links to it for signed-in staff. */
export const INBOX_PATH = '/status/inbox';

/** How many rows the board shows, and how often the browser refreshes them. */
const ROW_LIMIT = 50;
const REFRESH_MS = 15_000;
/** Outside Teams, `app.initialize()` may never settle; the page gives up on it after this long. */
const TEAMS_INIT_TIMEOUT_MS = 5_000;

export interface StatusRoutesDeps {
  recentChecks: RecentChecks;
  /** The process's i18next instance (with the `status` namespace); built from `locales/` when absent. */
  i18n?: I18n;
  defaultLocale?: LocaleId;
  /** Clock for relative times (tests pin it). */
  now?: () => number;
  /** The Teams JavaScript SDK's browser bundle; defaults to the installed @microsoft/teams-js UMD file. */
  teamsJsFile?: string;
  /** How often the browser refreshes the rows (default 30 s; browser tests shorten it). */
  refreshMs?: number;
  /** How long the browser waits for Teams to answer `app.initialize()` before staying a plain page. */
  teamsInitTimeoutMs?: number;
}

/**
 * How a verdict is shown. Rows arrive through the public view, where a target our rules refused already
 * reads as `down`, so a row that still carries `blocked` (a hand-made RecentChecks) reads as `down` too
 * rather than as a new word. The board never records a check our own limits stopped (`rate_limited`);
 * should one reach it anyway, it says "not checked just now", never anything about the site.
 */
export const DISPLAY_VERDICTS: Record<Verdict, Exclude<Verdict, 'blocked'>> = {
  up: 'up',
  down: 'down',
  degraded: 'degraded',
  dns_error: 'dns_error',
  tls_error: 'tls_error',
  timeout: 'timeout',
  blocked: 'down',
  rate_limited: 'rate_limited',
  invalid: 'invalid',
};

/** Colour family per shown verdict; the verdict's words always carry the meaning as well. */
const TONES: Record<Exclude<Verdict, 'blocked'>, StatusTone> = {
  up: 'ok',
  degraded: 'warn',
  dns_error: 'warn',
  tls_error: 'warn',
  down: 'bad',
  timeout: 'bad',
  rate_limited: 'neutral',
  invalid: 'neutral',
};

/** What an empty board says: nothing listed at all, or listed sites not checked yet. */
const EMPTY_KEYS = { noneListed: 'recent.noneListed', notChecked: 'recent.emptyListed' } as const;

/** Every `status` string the browser needs, sent with the page so it can re-render in the same language. */
const CLIENT_KEYS = [
  EMPTY_KEYS.noneListed,
  EMPTY_KEYS.notChecked,
  'producer.unknown',
  'httpStatus',
  'updated',
  'refreshFailed',
  ...Object.keys(TONES).map((verdict) => `verdict.${verdict}`),
  'board.none',
  'board.provider',
  'board.changed',
  'board.signIn.failed',
  'board.incidents.none',
  'board.incidents.host',
  'board.incidents.since',
  'board.incidents.eta',
  'board.incidents.window',
  'board.incidents.updates',
  'board.incidents.resolve',
  'board.incidents.resolveLabel',
  'board.incidents.declared',
  'board.incidents.resolvedNow',
  'board.incidents.failed',
  'board.incidents.severity.minor',
  'board.incidents.severity.major',
  'board.incidents.severity.critical',
  'board.history.summary',
  'board.history.empty',
  'board.history.latency',
  'board.history.problem',
  'board.analytics.count',
  'board.analytics.byOutcome',
  'board.analytics.byVerdict',
  'board.analytics.byProducer',
  'board.analytics.fixedBy',
  'board.analytics.timeToAnswer',
  'board.analytics.p50',
  'board.analytics.p90',
  'board.analytics.ms',
  'board.analytics.empty',
  'board.analytics.outcome.fixed',
  'board.analytics.outcome.waited',
  'board.analytics.outcome.handed_off',
  'board.analytics.outcome.abandoned',
];

/** The hosts table's columns and the `status` key of each heading, in order. */
const RECENT_COLUMNS = [
  ['host', 'columns.host'],
  ['verdict', 'columns.verdict'],
  ['history', 'board.columns.history'],
  ['producer', 'columns.producer'],
  ['crowd', 'board.columns.crowd'],
  ['provider', 'board.columns.provider'],
  ['checkedAt', 'columns.checkedAt'],
  ['asks', 'columns.asks'],
] as const;

// Teams, Outlook and the Microsoft 365 app host tabs in frames from these origins (Teams tab requirements).
const FRAME_ANCESTORS = [
  "'self'",
  'https://teams.microsoft.com',
  'https://*.teams.microsoft.com',
  'https://*.cloud.microsoft',
  'https://*.microsoft365.com',
  'https://*.office.com',
  'https://outlook.office.com',
  'https://outlook.office365.com',
];
const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  `frame-ancestors ${FRAME_ANCESTORS.join(' ')}`,
].join('; ');

/** A block of the board: a heading and the HTML under it. The board is a list of these. */
export interface StatusSection {
  id: string;
  heading: string;
  html: string;
  /** Shown by the browser script once it knows the section applies (its data exists, staff signed in). */
  hidden?: boolean;
}

export interface StatusPageModel {
  locale: LocaleId;
  /** Translator for the `status` namespace (keys without the `status:` prefix). */
  t: Translate;
  sections: StatusSection[];
  now: number;
  /** The language came from `?lang=`, so Teams' language must not override it. */
  languageChosen: boolean;
  /** What the board says when it has no rows (`recent.noneListed` or `recent.emptyListed`). */
  emptyKey?: string;
  refreshMs?: number;
  teamsInitTimeoutMs?: number;
}

/** The placeholders of assets/status-page.html and how each is filled. */
const PAGE_SLOTS = {
  lang: 'text',
  title: 'text',
  stylesUrl: 'text',
  heading: 'text',
  intro: 'text',
  autoRefresh: 'text',
  updated: 'text',
  uplotStylesUrl: 'text',
  uplotScriptUrl: 'text',
  staff: 'markup',
  sections: 'markup',
  config: 'markup',
  scriptUrl: 'text',
} as const;

let pageTemplate: HtmlTemplate<keyof typeof PAGE_SLOTS> | undefined;

/** assets/status-page.html, parsed once and checked against PAGE_SLOTS. */
function statusPageTemplate(): HtmlTemplate<keyof typeof PAGE_SLOTS> {
  pageTemplate ??= parseHtmlTemplate(readStatusAsset('status-page.html'), PAGE_SLOTS, 'status-page.html');
  return pageTemplate;
}

/** The routes of the status board and its assets, for `createServer({ routes })`. */
export function createStatusRoutes(deps: StatusRoutesDeps): RouteSpec[] {
  const i18n = deps.i18n ?? createI18n({ fallbackLocale: deps.defaultLocale ?? 'en' });
  const now = deps.now ?? Date.now;
  const defaultLocale = deps.defaultLocale ?? 'en';
  // Read, parsed and transpiled now, so that a broken asset stops the server at start, not on a request.
  statusPageTemplate();
  const script = statusClientScript();
  const styles = readStatusAsset('status.css');
  let teamsJs: Buffer | undefined;
  const uplot: { script?: Buffer; styles?: Buffer } = {};

  return [
    {
      method: 'get',
      path: STATUS_PATH,
      name: 'status.page',
      handler: async (req: Request, res: Response) => {
        const query = (req.query ?? {}) as Record<string, unknown>;
        const chosen = typeof query.lang === 'string' ? supportedLocale(query.lang) : undefined;
        const locale = chosen ?? localeFromAcceptLanguage(req.header('accept-language'), defaultLocale);
        const translate = translatorFor(i18n, locale);
        const t: Translate = (key, vars) => translate(`status:${key}`, vars);
        const at = now();
        const emptyKey = deps.recentChecks.hasListedHosts() ? EMPTY_KEYS.notChecked : EMPTY_KEYS.noneListed;
        const html = renderStatusPage({
          locale,
          t,
          now: at,
          languageChosen: chosen !== undefined,
          emptyKey,
          refreshMs: deps.refreshMs ?? REFRESH_MS,
          teamsInitTimeoutMs: deps.teamsInitTimeoutMs ?? TEAMS_INIT_TIMEOUT_MS,
          // The same public rows `/api/status` serves: listed hosts only, through the public view.
          sections: [
            incidentsSection(t),
            recentChecksSection(deps.recentChecks.listPublic(ROW_LIMIT), t, locale, at, emptyKey),
            analyticsSection(t),
          ],
        });
        res.writeHead(200, {
          'Content-Type': 'text/html; charset=utf-8',
          'Content-Language': locale,
          'Content-Security-Policy': PAGE_CSP,
          'Cache-Control': 'no-store',
          Vary: 'Accept-Language',
        });
        res.end(html);
      },
    },
    {
      method: 'get',
      path: STATUS_SCRIPT_PATH,
      name: 'status.script',
      handler: async (_req: Request, res: Response) => {
        sendAsset(res, 'text/javascript; charset=utf-8', script, 300);
      },
    },
    {
      method: 'get',
      path: STATUS_STYLES_PATH,
      name: 'status.styles',
      handler: async (_req: Request, res: Response) => {
        sendAsset(res, 'text/css; charset=utf-8', styles, 300);
      },
    },
    {
      method: 'get',
      path: TEAMS_JS_PATH,
      name: 'status.teamsJs',
      handler: async (_req: Request, res: Response) => {
        teamsJs ??= loadTeamsJs(deps.teamsJsFile);
        sendAsset(res, 'text/javascript; charset=utf-8', teamsJs, 86_400);
      },
    },
    {
      method: 'get',
      path: UPLOT_SCRIPT_PATH,
      name: 'status.uplotScript',
      handler: async (_req: Request, res: Response) => {
        uplot.script ??= loadPackageFile('uplot/dist/uPlot.iife.min.js');
        sendAsset(res, 'text/javascript; charset=utf-8', uplot.script, 86_400);
      },
    },
    {
      method: 'get',
      path: UPLOT_STYLES_PATH,
      name: 'status.uplotStyles',
      handler: async (_req: Request, res: Response) => {
        uplot.styles ??= loadPackageFile('uplot/dist/uPlot.min.css');
        sendAsset(res, 'text/css; charset=utf-8', uplot.styles, 86_400);
      },
    },
  ];
}

/** The whole page from assets/status-page.html: header, one `<section>` per board section, the client's configuration. */
export function renderStatusPage(model: StatusPageModel): string {
  const { t, locale } = model;
  const refreshMs = model.refreshMs ?? REFRESH_MS;
  const config: StatusClientConfig = {
    locale,
    locales: LOCALES,
    languageChosen: model.languageChosen,
    apiUrl: `/api/status?limit=${ROW_LIMIT}`,
    teamsJsUrl: TEAMS_JS_PATH,
    refreshMs,
    teamsInitTimeoutMs: model.teamsInitTimeoutMs ?? TEAMS_INIT_TIMEOUT_MS,
    recentColumns: RECENT_COLUMNS.length,
    adminApiUrl: '/api/admin',
    inboxUrl: INBOX_PATH,
    emptyKey: model.emptyKey ?? EMPTY_KEYS.noneListed,
    displayVerdicts: DISPLAY_VERDICTS,
    tones: TONES,
    producerNames: PRODUCER_NAMES,
    strings: Object.fromEntries(CLIENT_KEYS.map((key) => [key, t(key)])),
  };
  const sections = model.sections
    .map(
      (section) =>
        `<section id="${escapeHtml(section.id)}" aria-labelledby="${escapeHtml(section.id)}-heading"${section.hidden ? ' hidden' : ''}>\n` +
        `<h2 id="${escapeHtml(section.id)}-heading">${escapeHtml(section.heading)}</h2>\n${section.html}\n</section>`,
    )
    .join('\n');
  return statusPageTemplate().render({
    lang: locale,
    title: t('page.title'),
    stylesUrl: STATUS_STYLES_PATH,
    heading: t('page.heading'),
    intro: t('page.introListed'),
    autoRefresh: t('autoRefresh', { seconds: Math.round(refreshMs / 1000) }),
    updated: t('updated', { time: formatTime(model.now, locale) }),
    uplotStylesUrl: UPLOT_STYLES_PATH,
    uplotScriptUrl: UPLOT_SCRIPT_PATH,
    staff: staffControls(t),
    sections,
    config: jsonForScript(config),
    scriptUrl: STATUS_SCRIPT_PATH,
  });
}

/**
 * The "recently checked" table: one row per listed host, newest first, or one row saying why there is
 * none (`emptyKey`: nothing is listed, or no listed site was checked yet).
 */
export function recentChecksSection(
  rows: readonly RecentCheck[],
  t: Translate,
  locale: LocaleId,
  now: number,
  emptyKey: string = EMPTY_KEYS.noneListed,
): StatusSection {
  const head = RECENT_COLUMNS.map(([id, key]) => `<th scope="col" class="col-${id}">${escapeHtml(t(key))}</th>`).join('');
  const body =
    rows.length === 0
      ? `<tr><td class="empty" colspan="${RECENT_COLUMNS.length}">${escapeHtml(t(emptyKey))}</td></tr>`
      : rows.map((row) => recentCheckRow(row, t, locale, now)).join('\n');
  return {
    id: 'recent',
    heading: t('recent.heading'),
    html:
      `<div class="table-wrap">\n<table>\n<caption>${escapeHtml(t('recent.caption'))}</caption>\n` +
      `<thead><tr>${head}</tr></thead>\n<tbody data-section-rows="recent">\n${body}\n</tbody>\n</table>\n</div>`,
  };
}

function recentCheckRow(row: RecentCheck, t: Translate, locale: LocaleId, now: number): string {
  const shown = DISPLAY_VERDICTS[row.verdict] ?? 'invalid';
  const httpStatus =
    row.httpStatus !== undefined ? ` <span class="http-status">${escapeHtml(t('httpStatus', { status: row.httpStatus }))}</span>` : '';
  const producer = row.producer ? PRODUCER_NAMES[row.producer] : undefined;
  const checkedAt = Date.parse(row.checkedAt);
  const time = Number.isNaN(checkedAt)
    ? ''
    : `<time datetime="${escapeHtml(new Date(checkedAt).toISOString())}" title="${escapeHtml(formatDateTime(checkedAt, locale))}">` +
      `${escapeHtml(relativeTime(checkedAt, now, locale))}</time>`;
  const none = `<td class="unknown">${escapeHtml(t('board.none'))}</td>`;
  return [
    '<tr>',
    `<th scope="row" class="host">${escapeHtml(row.host)}</th>`,
    `<td><span class="verdict tone-${TONES[shown]}">${escapeHtml(t(`verdict.${shown}`))}</span>${httpStatus}</td>`,
    `<td class="history"><div class="spark" aria-hidden="true"></div><span class="spark-text">${escapeHtml(historySummary(row.history ?? [], t))}</span></td>`,
    producer ? `<td>${escapeHtml(producer)}</td>` : `<td class="unknown">${escapeHtml(t('producer.unknown'))}</td>`,
    typeof row.crowd === 'number' ? `<td class="number">${escapeHtml(String(row.crowd))}</td>` : none,
    row.providerIncident ? `<td>${escapeHtml(providerText(row.providerIncident, t, locale))}</td>` : none,
    `<td>${time}</td>`,
    `<td class="number">${escapeHtml(String(row.asks))}</td>`,
    '</tr>',
  ].join('');
}

/**
 * The sparkline's text alternative: how many quarter-hours of the last 24 hours had problems, and the median
 * response time (the browser script words it the same way).
 */
export function historySummary(history: readonly HistoryPoint[], t: Translate): string {
  if (history.length === 0) return t('board.history.empty');
  const problems = history.filter((point) => TONES[DISPLAY_VERDICTS[point.verdict] ?? 'invalid'] !== 'ok').length;
  const times = history.map((point) => point.totalMs).sort((a, b) => a - b);
  const ms = times[Math.floor((times.length - 1) / 2)] ?? 0;
  return t('board.history.summary', { problems, slots: history.length, ms });
}

function providerText(incident: ProviderIncident, t: Translate, locale: LocaleId): string {
  const since = Date.parse(incident.since);
  const name = (PRODUCER_NAMES as Readonly<Record<string, string>>)[incident.provider] ?? incident.provider;
  return t('board.provider', { provider: name, title: incident.title, time: Number.isNaN(since) ? '' : formatDateTime(since, locale) });
}

/**
 * Staff sign-in and the help desk's navigation, in the page's header. Hidden until the browser script runs (it
 * does the signing in: the token goes in sessionStorage and the Authorization header, never in a URL); the
 * field has no name, so even a form submitted without the script would send nothing.
 */
function staffControls(t: Translate): string {
  return [
    `<nav aria-label="${escapeHtml(t('board.nav.label'))}" class="board-nav">`,
    `<a href="${STATUS_PATH}" aria-current="page">${escapeHtml(t('board.nav.board'))}</a>`,
    `<a href="${INBOX_PATH}" id="board-inbox" hidden>${escapeHtml(t('board.nav.inbox'))}</a>`,
    '</nav>',
    '<div class="staff" id="board-staff" hidden>',
    '<form id="board-signin" class="signin">',
    `<p class="muted" id="board-signin-hint">${escapeHtml(t('board.signIn.hint'))}</p>`,
    `<label for="board-token">${escapeHtml(t('board.signIn.label'))}</label> `,
    '<input id="board-token" type="password" autocomplete="off" spellcheck="false" required maxlength="512" aria-describedby="board-signin-hint">',
    ` <button type="submit">${escapeHtml(t('board.signIn.submit'))}</button>`,
    ' <span id="board-signin-error" class="error" role="alert"></span>',
    '</form>',
    '<p id="board-signed-in" hidden>',
    `<span>${escapeHtml(t('board.signIn.signedIn'))}</span> <button type="button" id="board-signout">${escapeHtml(t('board.signIn.signOut'))}</button>`,
    '</p>',
    '</div>',
  ].join('\n');
}

/**
 * Open incidents (brief G's data on `/api/status`), filled by the browser script; hidden until the answer
 * carries an `incidents` list, so a server without incidents shows no empty promise. Signed-in staff get the
 * form to declare one.
 */
export function incidentsSection(t: Translate): StatusSection {
  const field = (id: string, key: string, input: string): string =>
    `<p><label for="declare-${id}">${escapeHtml(t(key))}</label><br>${input}</p>`;
  return {
    id: 'incidents',
    heading: t('board.incidents.heading'),
    hidden: true,
    html: [
      `<p class="muted" id="board-incidents-none">${escapeHtml(t('board.incidents.none'))}</p>`,
      '<ul class="incidents" data-incidents></ul>',
      '<form id="board-declare" class="declare" hidden>',
      `<h3>${escapeHtml(t('board.declare.heading'))}</h3>`,
      field('host', 'board.declare.host', '<input id="declare-host" required maxlength="253" autocomplete="off">'),
      field('title', 'board.declare.title', '<input id="declare-title" required maxlength="200" autocomplete="off">'),
      field('message', 'board.declare.message', '<textarea id="declare-message" required maxlength="2000" rows="3"></textarea>'),
      field('eta', 'board.declare.eta', '<input id="declare-eta" type="number" min="1" max="10080" step="1" inputmode="numeric">'),
      `<p><button type="submit">${escapeHtml(t('board.declare.submit'))}</button> <span id="board-declare-error" class="error" role="alert"></span></p>`,
      '</form>',
    ].join('\n'),
  };
}

/** Conversation analytics (brief H1's `/api/admin/analytics`), for signed-in staff only; filled by the browser script. */
export function analyticsSection(t: Translate): StatusSection {
  return { id: 'analytics', heading: t('board.analytics.heading'), hidden: true, html: '<div class="analytics" data-analytics></div>' };
}

/** A language from `?lang=` or a Teams locale, when we speak it. */
export function supportedLocale(tag: string): LocaleId | undefined {
  const language = tag.trim().replace(/_/g, '-').toLowerCase().split('-')[0];
  if (!language) return undefined;
  const known = language === 'pt' || LOCALES.some((locale) => locale.toLowerCase().split('-')[0] === language);
  return known ? resolveLocale(tag) : undefined;
}

/** The best language of an Accept-Language header that we speak (by q-value, then order). */
export function localeFromAcceptLanguage(header: string | undefined, fallback: LocaleId): LocaleId {
  const ranges = (header ?? '')
    .split(',')
    .slice(0, 20)
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((param) => /^\s*q=([0-9.]+)\s*$/.exec(param)?.[1]).find((value) => value !== undefined);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((range) => range.tag !== '' && range.tag !== '*' && range.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const range of ranges) {
    const locale = supportedLocale(range.tag);
    if (locale) return locale;
  }
  return fallback;
}

const RELATIVE_UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
  ['second', 1],
];

/** "3 minutes ago" in the page's language (the browser script uses the same steps). */
export function relativeTime(then: number, now: number, locale: LocaleId): string {
  const seconds = Math.round((then - now) / 1000);
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const [unit, size] = RELATIVE_UNITS.find(([, length]) => Math.abs(seconds) >= length) ?? ['second', 1];
  return format.format(Math.round(seconds / size), unit);
}

function formatDateTime(at: number, locale: LocaleId): string {
  // The server does not know the reader's time zone; UTC, named, until the browser re-renders locally.
  return `${new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(at)} UTC`;
}

function formatTime(at: number, locale: LocaleId): string {
  return `${new Intl.DateTimeFormat(locale, { timeStyle: 'short', timeZone: 'UTC' }).format(at)} UTC`;
}

function sendAsset(res: Response, contentType: string, body: string | Buffer, maxAgeSeconds: number): void {
  res.writeHead(200, {
    'Content-Type': contentType,
    'Cache-Control': `public, max-age=${maxAgeSeconds}`,
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** A file of an installed package (uPlot's browser bundle and stylesheet), read once. */
function loadPackageFile(specifier: string): Buffer {
  return readFileSync(require.resolve(specifier));
}

function loadTeamsJs(file?: string): Buffer {
  // The package's `main` is its minified UMD bundle, which defines `window.microsoftTeams`.
  const source = readFileSync(file ?? require.resolve('@microsoft/teams-js'), 'utf8');
  // Without the map file next to it, the trailing sourceMappingURL only produces a 404 in dev tools.
  return Buffer.from(source.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'), 'utf8');
}
