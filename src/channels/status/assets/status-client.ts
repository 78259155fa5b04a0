/**
 * The status page's browser script, served at /assets/status.js. It reads its configuration from the page's
 * `#status-config` JSON, re-renders every section whose `<tbody data-section-rows="...">` it has a renderer for,
 * and only ever writes text with `textContent`. Inside Teams it follows Teams' theme and language.
 *
 * It runs in browsers, not in Node: ./tsconfig.json type-checks it with the DOM library and no Node types
 * (`npm test`), and status-assets.ts transpiles it alone to an ES2017 script (at build time, or on first use under tsx). Being
 * transpiled alone, not bundled, it may import types only.
 */
import type { StatusApiAnswer, StatusApiCheck, StatusClientConfig } from './status-client-config';

/** The part of the Teams JavaScript SDK this page uses (its UMD bundle defines `window.microsoftTeams`). */
interface TeamsSdk {
  app: {
    initialize(): Promise<void>;
    getContext(): Promise<{ app?: { theme?: string; locale?: string } } | undefined>;
    registerOnThemeChangeHandler(handler: (theme: string) => void): void;
  };
}

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

start();

function start(): void {
  const configElement = document.getElementById('status-config');
  if (!configElement) return;
  const config = JSON.parse(configElement.textContent || '{}') as StatusClientConfig;
  const root = document.documentElement;
  const t = createTranslate(config.strings);
  const formats = createFormats(config.locale);

  /** Renderers by section id; a new section on the page adds one entry here. */
  const sections: Readonly<Record<string, SectionRenderer>> = {
    recent: (tbody, data, now) => renderRecentChecks(tbody, data, now, config, t, formats),
  };
  const updated = document.getElementById('status-updated');
  const refresh = (): void => {
    if (document.hidden) return;
    fetch(config.apiUrl, { headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' })
      .then((response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return response.json() as Promise<StatusApiAnswer>;
      })
      .then((data) => {
        const now = Date.now();
        const bodies = document.querySelectorAll('[data-section-rows]');
        for (let i = 0; i < bodies.length; i++) {
          const body = bodies[i] as Element;
          const render = sections[body.getAttribute('data-section-rows') ?? ''];
          if (render) render(body, data, now);
        }
        if (updated) {
          updated.textContent = t('updated', { time: formats.time.format(new Date(now)) });
          updated.classList.remove('stale');
        }
      })
      .catch(() => {
        if (updated) {
          updated.textContent = t('refreshFailed');
          updated.classList.add('stale');
        }
      });
  };

  setInterval(refresh, config.refreshMs);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) refresh();
  });
  followTeams(root, config);
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
): void {
  const checks: readonly StatusApiCheck[] = Array.isArray(data.checks) ? data.checks : [];
  clear(tbody);
  if (checks.length === 0) {
    const emptyRow = element('tr');
    const emptyCell = element('td', 'empty', t(config.emptyKey || 'recent.noneListed'));
    emptyCell.colSpan = config.recentColumns;
    emptyRow.appendChild(emptyCell);
    tbody.appendChild(emptyRow);
    return;
  }
  for (const check of checks) tbody.appendChild(recentCheckRow(check, now, config, t, formats));
}

function recentCheckRow(
  check: StatusApiCheck,
  now: number,
  config: StatusClientConfig,
  t: Translate,
  formats: Formats,
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

  const producer = check.producer ? config.producerNames[check.producer] : undefined;
  row.appendChild(element('td', producer ? '' : 'unknown', producer || t('producer.unknown')));

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
