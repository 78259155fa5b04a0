/**
 * The status page's browser script, served at /assets/status.js. It reads its configuration from the page's
 * `#status-config` JSON, re-renders every section whose `<tbody data-section-rows="...">` it has a renderer for,
 * and only ever writes text with `textContent`. Inside Teams it follows Teams' theme and language.
 *
 * The board polls `/api/status` (the browser revalidates with the answer's ETag, so an unchanged board costs a
 * 304), draws each host's 24 hours with uPlot (loaded by the page before this script), tells screen readers
 * what changed through a polite live region, and lets help desk staff sign in with the admin token (kept in
 * sessionStorage, sent only as a bearer header) to declare and resolve incidents and to see analytics. Parts
 * whose data the server does not serve (incidents, analytics) stay hidden.
 *
 * It runs in browsers, not in Node: ./tsconfig.json type-checks it with the DOM library and no Node types
 * (`npm test`), and status-assets.ts transpiles it alone to an ES2017 script (at build time, or on first use under tsx). Being
 * transpiled alone, not bundled, it may import types only.
 */
import type {
  AnalyticsAnswer,
  StatusApiAnswer,
  StatusApiCheck,
  StatusApiHistoryPoint,
  StatusApiIncident,
  StatusClientConfig,
} from './status-client-config';

/** The part of the Teams JavaScript SDK this page uses (its UMD bundle defines `window.microsoftTeams`). */
interface TeamsSdk {
  app: {
    initialize(): Promise<void>;
    getContext(): Promise<{ app?: { theme?: string; locale?: string } } | undefined>;
    registerOnThemeChangeHandler(handler: (theme: string) => void): void;
  };
}

/** The part of uPlot (uPlot.iife.min.js defines `window.uPlot`) the sparklines use. */
interface UPlotChart {
  destroy(): void;
}
interface UPlotSeries {
  label?: string;
  stroke?: string;
  fill?: string;
  width?: number;
  spanGaps?: boolean;
  paths?: () => null;
  points?: { show?: boolean; size?: number; fill?: string; stroke?: string };
}
interface UPlotOptions {
  width: number;
  height: number;
  padding: [number, number, number, number];
  legend: { show: boolean };
  cursor: { show: boolean };
  select: { show: boolean; left: number; top: number; width: number; height: number };
  axes: { show: boolean }[];
  scales: { x: { time: boolean; range?: [number, number] } };
  series: UPlotSeries[];
}
type UPlotConstructor = new (options: UPlotOptions, data: (number | null)[][], target: HTMLElement) => UPlotChart;

/** Re-renders one section's rows from an `/api/status` answer. */
type SectionRenderer = (tbody: Element, data: StatusApiAnswer, now: number) => void;

type Translate = (key: string, vars?: Readonly<Record<string, unknown>>) => string;

/** The relative-time steps, largest first (the server renders with the same ones). */
const UNITS: ReadonlyArray<readonly [Intl.RelativeTimeFormatUnit, number]> = [
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

/** The themes Teams reports that status.css styles; any other reads as the default. */
const THEMES: ReadonlySet<string> = new Set(['default', 'dark', 'contrast']);

/** Where the signed-in token lives: this tab only, gone when it closes; never in a URL or a cookie. */
const TOKEN_KEY = 'gatewayDoctor.adminToken';
const DAY_MS = 24 * 60 * 60 * 1000;
const SEVERITIES: ReadonlySet<string> = new Set(['minor', 'major', 'critical']);
const OUTCOMES = ['fixed', 'waited', 'handed_off', 'abandoned'] as const;

start();

function start(): void {
  const configElement = document.getElementById('status-config');
  if (!configElement) return;
  const config = JSON.parse(configElement.textContent || '{}') as StatusClientConfig;
  const root = document.documentElement;
  const t = createTranslate(config.strings);
  const formats = createFormats(config.locale);
  const charts: UPlotChart[] = [];
  let last: StatusApiAnswer | null = null;
  let lastIncidents = '';
  let previousVerdicts: Record<string, string> | null = null;
  const staff = createStaff(config, t, () => {
    lastIncidents = '';
    if (last) renderIncidents(last);
    refreshAnalytics();
  });

  /** Renderers by section id; a new section on the page adds one entry here. */
  const sections: Readonly<Record<string, SectionRenderer>> = {
    recent: (tbody, data, now) => renderRecentChecks(tbody, data, now, config, t, formats, charts),
  };
  const updated = document.getElementById('status-updated');

  const renderIncidents = (data: StatusApiAnswer): void => {
    const section = document.getElementById('incidents');
    if (!section) return;
    if (!Array.isArray(data.incidents)) {
      section.hidden = true;
      return;
    }
    section.hidden = false;
    const declare = document.getElementById('board-declare');
    if (declare) declare.hidden = !staff.token();
    // Re-drawn only when they changed, so a keyboard user on a Resolve button keeps the focus between polls.
    const key = JSON.stringify([data.incidents, Boolean(staff.token())]);
    if (key === lastIncidents) return;
    lastIncidents = key;
    const list = section.querySelector('[data-incidents]');
    const none = document.getElementById('board-incidents-none');
    if (none) none.hidden = data.incidents.length > 0;
    if (list) renderIncidentList(list, data.incidents, staff, t, formats, refresh);
  };

  const announceChanges = (data: StatusApiAnswer): void => {
    const verdicts: Record<string, string> = {};
    for (const check of Array.isArray(data.checks) ? data.checks : []) {
      verdicts[check.host] = config.displayVerdicts[check.verdict] || 'invalid';
    }
    if (previousVerdicts) {
      const before = previousVerdicts;
      const changed = Object.keys(verdicts).filter((host) => before[host] !== undefined && before[host] !== verdicts[host]);
      if (changed.length > 0)
        announce(changed.map((host) => t('board.changed', { host, verdict: t(`verdict.${verdicts[host]}`) })).join(' '));
    }
    previousVerdicts = verdicts;
  };

  const render = (data: StatusApiAnswer): void => {
    const now = Date.now();
    const bodies = document.querySelectorAll('[data-section-rows]');
    for (let i = 0; i < bodies.length; i++) {
      const body = bodies[i] as Element;
      const renderSection = sections[body.getAttribute('data-section-rows') ?? ''];
      if (renderSection) renderSection(body, data, now);
    }
    renderIncidents(data);
  };

  function refresh(): void {
    // `no-cache`: the browser asks with If-None-Match and gets a bodiless 304 while nothing changed.
    fetch(config.apiUrl, { headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-cache' })
      .then((response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return response.json() as Promise<StatusApiAnswer>;
      })
      .then((data) => {
        last = data;
        render(data);
        announceChanges(data);
        if (updated) {
          updated.textContent = t('updated', { time: formats.time.format(new Date()) });
          updated.classList.remove('stale');
        }
      })
      .catch(() => {
        if (updated) {
          updated.textContent = t('refreshFailed');
          updated.classList.add('stale');
        }
      });
  }

  const refreshAnalytics = (): void => {
    const section = document.getElementById('analytics');
    const target = section?.querySelector('[data-analytics]');
    if (!section || !target) return;
    if (!staff.token()) {
      section.hidden = true;
      return;
    }
    const to = new Date();
    const from = new Date(to.getTime() - DAY_MS);
    staff
      .call('GET', `/analytics?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`)
      .then((response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return response.json() as Promise<AnalyticsAnswer>;
      })
      .then((answer) => {
        renderAnalytics(target, answer, config, t);
        section.hidden = false;
      })
      .catch(() => {
        // No analytics on this server (yet), or the token stopped working: the panel stays out of the way.
        section.hidden = true;
      });
  };

  // Theme changes (Teams, or the system's light/dark) recolour the sparklines from the new CSS variables.
  const redraw = (): void => {
    if (last) render(last);
  };
  refresh();
  setInterval(() => {
    if (!document.hidden) refresh();
  }, config.refreshMs);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) refresh();
  });
  if (typeof window.matchMedia === 'function') {
    const scheme = window.matchMedia('(prefers-color-scheme: dark)');
    if (typeof scheme.addEventListener === 'function') scheme.addEventListener('change', redraw);
  }
  wireDeclareForm(staff, t, refresh);
  refreshAnalytics();
  // Whoever sets <html data-theme> (Teams, below), the charts follow.
  if (typeof MutationObserver === 'function')
    new MutationObserver(redraw).observe(root, { attributes: true, attributeFilter: ['data-theme'] });
  followTeams(root, config);
}

/** Announces `text` to screen readers once (the polite live region under the header). */
function announce(text: string): void {
  const region = document.getElementById('board-announcer');
  if (!region) return;
  region.textContent = '';
  // A tick apart, so the same sentence twice is still read twice.
  setTimeout(() => {
    region.textContent = text;
  }, 50);
}

interface Staff {
  /** The signed-in token, or null. */
  token(): string | null;
  /** Calls the admin API with the bearer token; `path` is below `/api/admin`. */
  call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response>;
}

/**
 * The sign-in controls: the token is checked against the admin API before it is kept (sessionStorage: this tab
 * only), sent only in the Authorization header, and forgotten on sign-out or when the API refuses it.
 */
function createStaff(config: StatusClientConfig, t: Translate, changed: () => void): Staff {
  const box = document.getElementById('board-staff');
  const form = document.getElementById('board-signin') as HTMLFormElement | null;
  const input = document.getElementById('board-token') as HTMLInputElement | null;
  const error = document.getElementById('board-signin-error');
  const signedIn = document.getElementById('board-signed-in');
  const signOut = document.getElementById('board-signout');
  const inbox = document.getElementById('board-inbox');
  const storage = sessionStore();
  let token = storage?.getItem(TOKEN_KEY) ?? null;

  const call = (method: 'GET' | 'POST', path: string, body?: unknown, with_ = token): Promise<Response> => {
    const headers: Record<string, string> = { Accept: 'application/json', Authorization: `Bearer ${with_ ?? ''}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(`${config.adminApiUrl}${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then((response) => {
      if (response.status === 401 && with_ === token) setToken(null);
      return response;
    });
  };
  const show = (): void => {
    if (box) box.hidden = false;
    if (form) form.hidden = token !== null;
    if (signedIn) signedIn.hidden = token === null;
    if (inbox) inbox.hidden = token === null;
  };
  const setToken = (value: string | null): void => {
    token = value;
    if (value === null) storage?.removeItem(TOKEN_KEY);
    else storage?.setItem(TOKEN_KEY, value);
    show();
    changed();
  };

  form?.addEventListener('submit', (event) => {
    event.preventDefault();
    const candidate = (input?.value ?? '').trim();
    if (!candidate) return;
    if (error) error.textContent = '';
    call('GET', '/status?limit=1', undefined, candidate)
      .then((response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        if (input) input.value = '';
        setToken(candidate);
        signOut?.focus();
      })
      .catch(() => {
        if (error) error.textContent = t('board.signIn.failed');
        input?.focus();
      });
  });
  signOut?.addEventListener('click', () => {
    setToken(null);
    input?.focus();
  });
  show();
  return { token: () => token, call: (method, path, body) => call(method, path, body) };
}

function sessionStore(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage disabled: signing in lasts until the page reloads
  }
}

/** The open incidents, newest first as the server sends them; staff get a Resolve button on each. */
function renderIncidentList(
  list: Element,
  incidents: readonly StatusApiIncident[],
  staff: Staff,
  t: Translate,
  formats: Formats,
  refresh: () => void,
): void {
  clear(list);
  for (const incident of incidents) {
    if (!incident || typeof incident !== 'object') continue;
    const title = String(incident.title ?? '');
    const item = element('li', `incident${SEVERITIES.has(String(incident.severity)) ? ` severity-${incident.severity}` : ''}`);
    const heading = element('h3', '', title);
    if (SEVERITIES.has(String(incident.severity))) {
      heading.appendChild(document.createTextNode(' '));
      heading.appendChild(element('span', 'severity', t(`board.incidents.severity.${incident.severity}`)));
    }
    item.appendChild(heading);
    item.appendChild(element('p', 'incident-host', t('board.incidents.host', { host: String(incident.host ?? '') })));
    item.appendChild(element('p', '', String(incident.message ?? '')));
    const facts: string[] = [];
    const created = Date.parse(String(incident.createdAt));
    if (!Number.isNaN(created)) facts.push(t('board.incidents.since', { time: formats.dateTime.format(new Date(created)) }));
    if (typeof incident.etaMinutes === 'number') facts.push(t('board.incidents.eta', { minutes: incident.etaMinutes }));
    const starts = Date.parse(String(incident.startsAt));
    const ends = Date.parse(String(incident.endsAt));
    if (!Number.isNaN(starts) && !Number.isNaN(ends)) {
      facts.push(
        t('board.incidents.window', { start: formats.dateTime.format(new Date(starts)), end: formats.dateTime.format(new Date(ends)) }),
      );
    }
    if (facts.length > 0) item.appendChild(element('p', 'muted', facts.join(' · ')));
    const updates = Array.isArray(incident.updates) ? incident.updates : [];
    if (updates.length > 0) {
      const details = element('details');
      details.appendChild(element('summary', '', t('board.incidents.updates')));
      const ul = element('ul');
      for (const update of updates) {
        const li = element('li');
        const at = Date.parse(String(update?.at));
        if (!Number.isNaN(at)) {
          const time = element('time', '', formats.dateTime.format(new Date(at)));
          time.dateTime = new Date(at).toISOString();
          li.appendChild(time);
          li.appendChild(document.createTextNode(' '));
        }
        li.appendChild(document.createTextNode(String(update?.message ?? '')));
        ul.appendChild(li);
      }
      details.appendChild(ul);
      item.appendChild(details);
    }
    if (staff.token()) {
      const button = element('button', 'resolve', t('board.incidents.resolve'));
      button.type = 'button';
      button.setAttribute('aria-label', t('board.incidents.resolveLabel', { title }));
      button.addEventListener('click', () => {
        button.disabled = true;
        staff
          .call('POST', `/incidents/${encodeURIComponent(String(incident.id))}/resolve`, {})
          .then((response) => {
            if (!response.ok) throw new Error(`HTTP ${response.status}`);
            announce(t('board.incidents.resolvedNow', { title }));
            // The button goes with its incident: keep the keyboard user in the section rather than at the page's top.
            const heading = document.getElementById('incidents-heading');
            if (heading) {
              heading.tabIndex = -1;
              heading.focus();
            }
            refresh();
          })
          .catch(() => {
            button.disabled = false;
            announce(t('board.incidents.failed'));
          });
      });
      item.appendChild(button);
    }
    list.appendChild(item);
  }
}

/** Wires the "declare an incident" form (once); it posts to the admin API and refreshes the board. */
function wireDeclareForm(staff: Staff, t: Translate, refresh: () => void): void {
  const form = document.getElementById('board-declare') as HTMLFormElement | null;
  if (!form) return;
  const value = (id: string): string =>
    ((document.getElementById(id) as HTMLInputElement | HTMLTextAreaElement | null)?.value ?? '').trim();
  const error = document.getElementById('board-declare-error');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const title = value('declare-title');
    const body: Record<string, unknown> = { host: value('declare-host'), title, message: value('declare-message') };
    const eta = Number.parseInt(value('declare-eta'), 10);
    if (Number.isFinite(eta) && eta > 0) body.etaMinutes = eta;
    if (error) error.textContent = '';
    staff
      .call('POST', '/incidents', body)
      .then((response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        form.reset();
        announce(t('board.incidents.declared', { title }));
        refresh();
      })
      .catch(() => {
        if (error) error.textContent = t('board.incidents.failed');
      });
  });
}

/** The analytics panel: time to answer, then one small table per breakdown (outcome, verdict, producer, fixing step). */
function renderAnalytics(target: Element, answer: AnalyticsAnswer, config: StatusClientConfig, t: Translate): void {
  clear(target);
  const conversations = answer.conversations ?? {};
  const times = answer.timeToAnswerMs ?? {};
  const dl = element('dl', 'time-to-answer');
  dl.appendChild(element('dt', '', `${t('board.analytics.timeToAnswer')} · ${t('board.analytics.p50')}`));
  dl.appendChild(
    element('dd', '', typeof times.p50 === 'number' ? t('board.analytics.ms', { ms: Math.round(times.p50) }) : t('board.none')),
  );
  dl.appendChild(element('dt', '', `${t('board.analytics.timeToAnswer')} · ${t('board.analytics.p90')}`));
  dl.appendChild(
    element('dd', '', typeof times.p90 === 'number' ? t('board.analytics.ms', { ms: Math.round(times.p90) }) : t('board.none')),
  );
  target.appendChild(dl);
  const outcomes = conversations.byOutcome ?? {};
  const tables: [string, [string, number][]][] = [
    ['board.analytics.byOutcome', OUTCOMES.map((outcome) => [t(`board.analytics.outcome.${outcome}`), Number(outcomes[outcome] ?? 0)])],
    [
      'board.analytics.byVerdict',
      entriesOf(conversations.byVerdict, (verdict) => t(`verdict.${config.displayVerdicts[verdict] || verdict}`)),
    ],
    ['board.analytics.byProducer', entriesOf(conversations.byProducer, (producer) => config.producerNames[producer] || producer)],
    ['board.analytics.fixedBy', entriesOf(conversations.fixedBy, (step) => step)],
  ];
  const grid = element('div', 'analytics-grid');
  for (const [captionKey, rows] of tables) {
    const table = element('table', 'counts');
    table.appendChild(element('caption', '', t(captionKey)));
    const body = element('tbody');
    if (rows.length === 0) {
      const row = element('tr');
      const cell = element('td', 'empty', t('board.analytics.empty'));
      cell.colSpan = 2;
      row.appendChild(cell);
      body.appendChild(row);
    }
    for (const [label, count] of rows) {
      const row = element('tr');
      const head = element('th', '', label);
      head.scope = 'row';
      row.appendChild(head);
      row.appendChild(element('td', 'number', String(count)));
      body.appendChild(row);
    }
    table.appendChild(body);
    grid.appendChild(table);
  }
  target.appendChild(grid);
}

/** A count map's entries, largest first, named for reading; anything not a count is left out. */
function entriesOf(counts: Readonly<Record<string, number>> | undefined, name: (key: string) => string): [string, number][] {
  if (!counts || typeof counts !== 'object') return [];
  return Object.keys(counts)
    .filter((key) => typeof counts[key] === 'number' && Number.isFinite(counts[key]))
    .sort((a, b) => (counts[b] as number) - (counts[a] as number))
    .map((key) => [name(key), counts[key] as number]);
}

/** `t(key, vars)` over the page's strings: `{{name}}` takes `vars[name]`; an unknown key reads as itself. */
function createTranslate(strings: Readonly<Record<string, string>>): Translate {
  return (key, vars) => {
    // biome-ignore lint/suspicious/noPrototypeBuiltins: Object.hasOwn is ES2022; this script targets ES2017 browsers.
    const text = Object.prototype.hasOwnProperty.call(strings, key) ? (strings[key] as string) : key;
    return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_match, name: string) => {
      const value = vars?.[name];
      return value !== undefined && value !== null ? String(value) : '';
    });
  };
}

interface Formats {
  /** "3 minutes ago"; the full date and time where the browser lacks Intl.RelativeTimeFormat. */
  relative(then: number, now: number): string;
  dateTime: Intl.DateTimeFormat;
  time: Intl.DateTimeFormat;
}

/** Times in the page's language and the reader's own time zone. */
function createFormats(locale: string): Formats {
  const relativeFormat = typeof Intl.RelativeTimeFormat === 'function' ? new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }) : null;
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const time = new Intl.DateTimeFormat(locale, { timeStyle: 'short' });
  const relative = (then: number, now: number): string => {
    const seconds = Math.round((then - now) / 1000);
    if (!relativeFormat) return dateTime.format(new Date(then));
    for (const [unit, size] of UNITS) {
      if (Math.abs(seconds) >= size || unit === 'second') return relativeFormat.format(Math.round(seconds / size), unit);
    }
    return '';
  };
  return { relative, dateTime, time };
}

/** The "recently checked" rows, newest first, or one full-width row saying why there is none. */
function renderRecentChecks(
  tbody: Element,
  data: StatusApiAnswer,
  now: number,
  config: StatusClientConfig,
  t: Translate,
  formats: Formats,
  charts: UPlotChart[],
): void {
  const checks: readonly StatusApiCheck[] = Array.isArray(data.checks) ? data.checks : [];
  // uPlot keeps listeners per chart: destroy the old ones before their rows go.
  for (const chart of charts.splice(0, charts.length)) chart.destroy();
  clear(tbody);
  if (checks.length === 0) {
    const emptyRow = element('tr');
    const emptyCell = element('td', 'empty', t(config.emptyKey || 'recent.noneListed'));
    emptyCell.colSpan = config.recentColumns;
    emptyRow.appendChild(emptyCell);
    tbody.appendChild(emptyRow);
    return;
  }
  const colours = chartColours();
  for (const check of checks) tbody.appendChild(recentCheckRow(check, now, config, t, formats, charts, colours));
}

function recentCheckRow(
  check: StatusApiCheck,
  now: number,
  config: StatusClientConfig,
  t: Translate,
  formats: Formats,
  charts: UPlotChart[],
  colours: ChartColours,
): HTMLTableRowElement {
  const row = element('tr');
  const host = element('th', 'host', check.host);
  host.scope = 'row';
  row.appendChild(host);

  const shown = config.displayVerdicts[check.verdict] || 'invalid';
  const verdictCell = element('td');
  verdictCell.appendChild(element('span', `verdict tone-${config.tones[shown] || 'neutral'}`, t(`verdict.${shown}`)));
  if (typeof check.httpStatus === 'number') {
    verdictCell.appendChild(document.createTextNode(' '));
    verdictCell.appendChild(element('span', 'http-status', t('httpStatus', { status: check.httpStatus })));
  }
  row.appendChild(verdictCell);

  const history = Array.isArray(check.history) ? check.history : [];
  const historyCell = element('td', 'history');
  const spark = element('div', 'spark');
  // The chart is a picture of the sentence after it, which is what assistive technology reads.
  spark.setAttribute('aria-hidden', 'true');
  historyCell.appendChild(spark);
  historyCell.appendChild(element('span', 'spark-text', historySummary(history, config, t)));
  row.appendChild(historyCell);
  const chart = drawSparkline(spark, history, config, t, colours);
  if (chart) charts.push(chart);

  const producer = check.producer ? config.producerNames[check.producer] : undefined;
  row.appendChild(element('td', producer ? '' : 'unknown', producer || t('producer.unknown')));
  row.appendChild(
    typeof check.crowd === 'number' ? element('td', 'number', String(check.crowd)) : element('td', 'unknown', t('board.none')),
  );
  const provider = check.providerIncident;
  if (provider && typeof provider === 'object') {
    const since = Date.parse(String(provider.since));
    const name = config.producerNames[provider.provider] || String(provider.provider);
    const time = Number.isNaN(since) ? '' : formats.dateTime.format(new Date(since));
    row.appendChild(element('td', 'provider-incident', t('board.provider', { provider: name, title: String(provider.title), time })));
  } else {
    row.appendChild(element('td', 'unknown', t('board.none')));
  }

  const timeCell = element('td');
  const then = Date.parse(check.checkedAt);
  if (!Number.isNaN(then)) {
    const time = element('time', '', formats.relative(then, now));
    time.dateTime = new Date(then).toISOString();
    time.title = formats.dateTime.format(new Date(then));
    timeCell.appendChild(time);
  }
  row.appendChild(timeCell);
  row.appendChild(element('td', 'number', String(check.asks)));
  return row;
}

/** The sparkline's text alternative, worded as the server words it (status-page.ts `historySummary`). */
function historySummary(history: readonly StatusApiHistoryPoint[], config: StatusClientConfig, t: Translate): string {
  if (history.length === 0) return t('board.history.empty');
  const problems = history.filter((point) => config.tones[config.displayVerdicts[point.verdict] || 'invalid'] !== 'ok').length;
  const times = history.map((point) => Number(point.totalMs) || 0).sort((a, b) => a - b);
  const ms = times[Math.floor((times.length - 1) / 2)] ?? 0;
  return t('board.history.summary', { problems, slots: history.length, ms });
}

interface ChartColours {
  line: string;
  problem: string;
}

/** The sparkline's colours from the current theme's CSS variables, so it follows light, dark and contrast. */
function chartColours(): ChartColours {
  const style = getComputedStyle(document.documentElement);
  return {
    line: style.getPropertyValue('--fg').trim() || '#242424',
    problem: style.getPropertyValue('--bad-fg').trim() || '#b10e1c',
  };
}

/**
 * One host's 24 hours: the response time as a line over the whole day, and a dot on every quarter-hour whose
 * worst verdict was a problem. Nothing is drawn without uPlot or without history; the text says it all anyway.
 */
function drawSparkline(
  target: HTMLElement,
  history: readonly StatusApiHistoryPoint[],
  config: StatusClientConfig,
  t: Translate,
  colours: ChartColours,
): UPlotChart | null {
  const UPlot = (window as Window & { uPlot?: UPlotConstructor }).uPlot;
  if (!UPlot || history.length === 0) return null;
  const points = history
    .map((point) => ({ at: Date.parse(String(point.at)) / 1000, ms: Number(point.totalMs) || 0, verdict: String(point.verdict) }))
    .filter((point) => Number.isFinite(point.at))
    .sort((a, b) => a.at - b.at);
  if (points.length === 0) return null;
  const xs = points.map((point) => point.at);
  const latency = points.map((point) => point.ms);
  const problems = points.map((point) => (config.tones[config.displayVerdicts[point.verdict] || 'invalid'] !== 'ok' ? point.ms : null));
  const end = Date.now() / 1000;
  const options: UPlotOptions = {
    width: 160,
    height: 36,
    // Room for the dots at the edges (the newest quarter-hour sits at the right end).
    padding: [4, 6, 4, 2],
    legend: { show: false },
    cursor: { show: false },
    select: { show: false, left: 0, top: 0, width: 0, height: 0 },
    axes: [{ show: false }, { show: false }],
    scales: { x: { time: true, range: [end - DAY_MS / 1000, end] } },
    series: [
      {},
      { label: t('board.history.latency'), stroke: colours.line, width: 1.5, spanGaps: true, points: { show: points.length === 1 } },
      {
        label: t('board.history.problem'),
        stroke: colours.problem,
        paths: () => null,
        points: { show: true, size: 6, fill: colours.problem, stroke: colours.problem },
      },
    ],
  };
  return new UPlot(options, [xs, latency, problems], target);
}

/** A new element with a class and text (set as text, never parsed as HTML). */
function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string | null): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function clear(node: Node): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}

/**
 * Inside Teams (an iframe, or a pop-out window): follow its theme and language. Anywhere else the SDK is not
 * even loaded; and if Teams never answers, the page simply stays a plain web page. `<html data-host>` says which
 * it turned out to be ("teams" or "web"), for styles and tests.
 */
function followTeams(root: HTMLElement, config: StatusClientConfig): void {
  if (!framed()) {
    root.setAttribute('data-host', 'web');
    return;
  }
  const applyTheme = (theme: string | undefined): void => {
    root.setAttribute('data-theme', theme !== undefined && THEMES.has(theme) ? theme : 'default');
  };
  loadScript(config.teamsJsUrl)
    .then(() => {
      const teams = (window as Window & { microsoftTeams?: TeamsSdk }).microsoftTeams;
      if (!teams) throw new Error('the Teams SDK did not load');
      return withTimeout(teams.app.initialize(), config.teamsInitTimeoutMs)
        .then(() => teams.app.getContext())
        .then((context) => {
          const app = context?.app ?? {};
          root.setAttribute('data-host', 'teams');
          applyTheme(app.theme);
          teams.app.registerOnThemeChangeHandler(applyTheme);
          const locale = supportedLocale(app.locale, config.locales);
          if (locale && locale !== config.locale && !config.languageChosen) {
            const url = new URL(window.location.href);
            url.searchParams.set('lang', locale);
            window.location.replace(url.toString());
          }
        });
    })
    .catch(() => {
      root.setAttribute('data-host', 'web');
    });
}

/** The language of a Teams locale when the board speaks it (any Portuguese reads as pt-BR). */
function supportedLocale(tag: string | undefined, locales: readonly string[]): string | null {
  if (typeof tag !== 'string' || tag === '') return null;
  const wanted = tag.replace(/_/g, '-').toLowerCase();
  const language = wanted.split('-')[0];
  if (language === 'pt') return 'pt-BR';
  for (const locale of locales) {
    if (locale.toLowerCase() === wanted || locale.toLowerCase() === language) return locale;
  }
  return null;
}

/** In a frame or a window another opened: where Teams would host the tab. A cross-origin parent counts. */
function framed(): boolean {
  try {
    return window.parent !== window || Boolean(window.opener);
  } catch {
    return true;
  }
}

function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = () => resolve();
    script.onerror = reject;
    document.head.appendChild(script);
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
