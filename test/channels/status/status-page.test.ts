import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import vm from 'node:vm';
import i18next from 'i18next';
import type { Server } from 'restify';
import { LOCALES, type ProbeResult } from '../../../src/contracts';
import { escapeHtml } from '../../../src/text/html';
import {
  analyticsSection,
  createStatusRoutes,
  historySummary,
  incidentsSection,
  localeFromAcceptLanguage,
  recentChecksSection,
  supportedLocale,
} from '../../../src/channels/status/status-page';
import { createLogger } from '../../../src/observability/logger';
import { createMetrics } from '../../../src/observability/metrics';
import { createProber } from '../../../src/probe/prober';
import { createRecentChecks, type RecentCheck, type RecentChecks } from '../../../src/probe/recent-checks';
import { createServer, type RouteSpec } from '../../../src/server';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const LOCALES_DIR = path.resolve(__dirname, '../../../locales');
const ASSETS_DIR = path.resolve(__dirname, '../../../src/channels/status/assets');

function fakeProbeResult(overrides: Partial<ProbeResult> & Pick<ProbeResult, 'url' | 'verdict'>): ProbeResult {
  return { advice: 'wait', timings: { totalMs: 12 }, evidence: [], checkedAt: new Date(NOW - 120_000).toISOString(), ...overrides };
}

/** An i18next instance without resources: every string comes out as its key, so tests read keys. */
function createKeyI18n() {
  const instance = i18next.createInstance();
  void instance.init({ resources: {}, lng: 'en', ns: ['status'], initAsync: false, interpolation: { escapeValue: false } });
  return instance;
}

/** A RecentChecks that lists whatever rows the test gives it (hosts the URL parser would never produce). */
function fakeRecentChecks(rows: RecentCheck[]): RecentChecks {
  const list = (limit = 50) => rows.slice(0, limit);
  return { record: () => undefined, list, listPublic: list, hasListedHosts: () => true };
}

async function withServer(routes: RouteSpec[], recentChecks: RecentChecks): Promise<{ server: Server; base: string }> {
  const server = createServer({
    logger: createLogger('silent'),
    metrics: createMetrics({ defaults: false }),
    prober: createProber(),
    recentChecks,
    routes,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, base: `http://127.0.0.1:${port}` };
}

function configOf(html: string): Record<string, unknown> {
  const match = /<script type="application\/json" id="status-config">([^<]*)<\/script>/.exec(html);
  if (!match?.[1]) throw new Error('no status config in the page');
  return JSON.parse(match[1]) as Record<string, unknown>;
}

describe('status board over HTTP', () => {
  const recentChecks = createRecentChecks({ statusHosts: ['shop.example', 'www.blog.example', '10.0.0.5:8080'] });
  recentChecks.record(fakeProbeResult({ url: 'https://shop.example/cart', verdict: 'down', httpStatus: 502, producer: 'cloudflare' }));
  recentChecks.record(fakeProbeResult({ url: 'https://blog.example/', verdict: 'up', httpStatus: 200 }));
  recentChecks.record(fakeProbeResult({ url: 'https://unlisted.example/secret?token=abc', verdict: 'up', httpStatus: 200 }));
  recentChecks.record(
    fakeProbeResult({ url: 'http://10.0.0.5:8080/', verdict: 'blocked', evidence: [{ kind: 'refused', reason: 'address' }] }),
  );
  recentChecks.record(fakeProbeResult({ url: 'https://shop.example/', verdict: 'down', httpStatus: 502, producer: 'cloudflare' }));
  let server: Server;
  let base: string;

  beforeAll(async () => {
    ({ server, base } = await withServer(createStatusRoutes({ recentChecks, i18n: createKeyI18n(), now: () => NOW }), recentChecks));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('serves an HTML page listing the hosts newest first, with verdict, producer, time and asks', async () => {
    const response = await fetch(`${base}/status`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    const hosts = [...html.matchAll(/<th scope="row" class="host">([^<]*)<\/th>/g)].map((match) => match[1]);
    expect(hosts).toEqual(['shop.example', '10.0.0.5:8080', 'blog.example']);

    const shopRow = /<tr><th scope="row" class="host">shop\.example<\/th>.*?<\/tr>/.exec(html)?.[0] ?? '';
    expect(shopRow).toContain('<span class="verdict tone-bad">verdict.down</span>');
    expect(shopRow).toContain('<span class="http-status">httpStatus</span>');
    expect(shopRow).toContain('<td>Cloudflare</td>');
    expect(shopRow).toContain('<time datetime="2025-03-01T11:58:00.000Z"');
    expect(shopRow).toContain('>2 minutes ago</time>');
    expect(shopRow).toContain('<td class="number">2</td>');
  });

  it('lists only the hosts the help desk configured, on the page and in /api/status', async () => {
    const html = await (await fetch(`${base}/status`)).text();
    expect(html).not.toContain('unlisted.example');
    const body = (await (await fetch(`${base}/api/status`)).json()) as { checks: RecentCheck[] };
    expect(body.checks.map((check) => check.host)).toEqual(['shop.example', '10.0.0.5:8080', 'blog.example']);
    expect(JSON.stringify(body)).not.toContain('unlisted.example');
  });

  it('says what the board is: the sites the help desk follows', async () => {
    const html = await (await fetch(`${base}/status`)).text();
    expect(html).toContain('<p>page.introListed</p>');
  });

  it('shows a host refused by our own rules exactly like a down one', async () => {
    const html = await (await fetch(`${base}/status`)).text();
    const blockedRow = /<tr><th scope="row" class="host">10\.0\.0\.5:8080<\/th>.*?<\/tr>/.exec(html)?.[0] ?? '';
    expect(blockedRow).toContain('<span class="verdict tone-bad">verdict.down</span>');
    const table = /<tbody[^>]*>[\s\S]*<\/tbody>/.exec(html)?.[0] ?? '';
    expect(table).toContain('10.0.0.5:8080');
    expect(table).not.toContain('blocked');
  });

  it('uses accessible table markup: caption, column headers and a row header per host', async () => {
    const html = await (await fetch(`${base}/status`)).text();
    expect(html).toContain('<caption>recent.caption</caption>');
    expect([...html.matchAll(/<th scope="col" class="col-\w+">([^<]*)<\/th>/g)].map((match) => match[1])).toEqual([
      'columns.host',
      'columns.verdict',
      'board.columns.history',
      'columns.producer',
      'board.columns.crowd',
      'board.columns.provider',
      'columns.checkedAt',
      'columns.asks',
    ]);
    expect(html).toContain('<section id="recent" aria-labelledby="recent-heading">');
    expect(html).toContain('<span id="status-updated" role="status">');
  });

  it('may be framed by Teams and runs only its own scripts', async () => {
    const response = await fetch(`${base}/status`);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toMatch(/frame-ancestors [^;]*https:\/\/teams\.microsoft\.com/);
    expect(csp).toMatch(/frame-ancestors [^;]*https:\/\/\*\.cloud\.microsoft/);
    const html = await response.text();
    expect(html).not.toMatch(/<script>(?!<)/);
    expect(html).toContain('<script src="/assets/status.js" defer></script>');
  });

  it('gives the browser its configuration: strings for every shown verdict and the refresh period', async () => {
    const config = configOf(await (await fetch(`${base}/status`)).text());
    expect(config).toMatchObject({ locale: 'en', refreshMs: 15_000, apiUrl: '/api/status?limit=50', teamsJsUrl: '/assets/teams-js.js' });
    expect(Object.keys(config.strings as object)).toEqual(
      expect.arrayContaining(['verdict.up', 'verdict.down', 'verdict.timeout', 'recent.noneListed', 'recent.emptyListed', 'refreshFailed']),
    );
    expect(config.strings).not.toHaveProperty('verdict.blocked');
    expect((config.displayVerdicts as Record<string, string>).blocked).toBe('down');
  });

  it('answers /api/status with the checks as JSON', async () => {
    const response = await fetch(`${base}/api/status?limit=2`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { checks: RecentCheck[] };
    expect(body.checks).toHaveLength(2);
    expect(body.checks[0]).toEqual({
      host: 'shop.example',
      url: 'https://shop.example/',
      verdict: 'down',
      advice: 'wait',
      httpStatus: 502,
      producer: 'cloudflare',
      checkedAt: '2025-03-01T11:58:00.000Z',
      asks: 2,
      history: [],
    });
    expect(body.checks[1]).toEqual({
      host: '10.0.0.5:8080',
      url: 'http://10.0.0.5:8080/',
      verdict: 'down',
      advice: 'wait',
      checkedAt: '2025-03-01T11:58:00.000Z',
      asks: 1,
      history: [],
    });
  });

  it('serves the Teams JavaScript SDK bundle', async () => {
    const response = await fetch(`${base}/assets/teams-js.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const body = await response.text();
    const installed = readFileSync(require.resolve('@microsoft/teams-js'), 'utf8');
    expect(body.length).toBeGreaterThan(100_000);
    expect(installed.startsWith(body.slice(0, 1000))).toBe(true);
    expect(body).toContain('microsoftTeams');
    expect(body).not.toContain('sourceMappingURL');
  });

  it('serves a page script that parses and a stylesheet with the three Teams themes', async () => {
    const script = await (await fetch(`${base}/assets/status.js`)).text();
    expect(() => new vm.Script(script)).not.toThrow();
    expect(script).toContain('registerOnThemeChangeHandler');
    const css = await fetch(`${base}/assets/status.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const styles = await css.text();
    expect(styles).toContain(':root[data-theme="dark"]');
    expect(styles).toContain(':root[data-theme="contrast"]');
  });

  it('serves the script and stylesheet from assets/ as cacheable files, the script transpiled to plain JavaScript', async () => {
    for (const asset of ['/assets/status.js', '/assets/status.css']) {
      const response = await fetch(`${base}${asset}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=300');
      expect(Number(response.headers.get('content-length'))).toBe(Buffer.byteLength(await response.text()));
    }
    const styles = await (await fetch(`${base}/assets/status.css`)).text();
    expect(styles).toBe(readFileSync(path.join(ASSETS_DIR, 'status.css'), 'utf8'));
    const script = await (await fetch(`${base}/assets/status.js`)).text();
    // One strict script: the TypeScript's type imports and declarations are gone, nothing is left to load.
    expect(script.startsWith('"use strict";')).toBe(true);
    expect(script).not.toMatch(/^\s*(?:import|export)\b/m);
    expect(script).not.toMatch(/\binterface\s+\w+\s*\{/);
    expect(readFileSync(path.join(ASSETS_DIR, 'status-client.ts'), 'utf8')).toContain('registerOnThemeChangeHandler');
  });
});

describe('status board languages', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const recentChecks = createRecentChecks({ statusHosts: ['shop.example'] });
    recentChecks.record(fakeProbeResult({ url: 'https://shop.example/', verdict: 'up', httpStatus: 200 }));
    ({ server, base } = await withServer(createStatusRoutes({ recentChecks, now: () => NOW }), recentChecks));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each([
    ['?lang=es', undefined, 'es'],
    ['?lang=pt', undefined, 'pt-BR'],
    ['?lang=zz', 'ja-JP,ja;q=0.9', 'ja'],
    ['', 'fr-CA, en;q=0.5', 'fr'],
    ['', 'xx, de;q=0.4, en;q=0.3', 'de'],
    ['', undefined, 'en'],
  ])('picks the language from %s / Accept-Language %s: %s', async (query, acceptLanguage, expected) => {
    const response = await fetch(`${base}/status${query}`, acceptLanguage ? { headers: { 'Accept-Language': acceptLanguage } } : {});
    expect(response.headers.get('content-language')).toBe(expected);
    const html = await response.text();
    expect(html).toContain(`<html lang="${expected}">`);
    const strings = JSON.parse(readFileSync(path.join(LOCALES_DIR, expected, 'status.json'), 'utf8')) as {
      page: { heading: string };
      verdict: { up: string };
    };
    expect(html).toContain(`<h1>${escapeHtml(strings.page.heading)}</h1>`);
    expect(html).toContain(`>${escapeHtml(strings.verdict.up)}</span>`);
  });

  it('remembers that the language was chosen, so Teams will not override it', async () => {
    expect(configOf(await (await fetch(`${base}/status?lang=de`)).text()).languageChosen).toBe(true);
    expect(configOf(await (await fetch(`${base}/status`)).text()).languageChosen).toBe(false);
  });
});

describe('status board rendering', () => {
  const t = (key: string) => key;

  it('escapes every value it writes, whatever a row holds', async () => {
    const evil: RecentCheck = {
      host: '<img src=x onerror=alert(1)>',
      url: 'https://x.example/',
      verdict: 'up',
      advice: 'troubleshoot',
      checkedAt: new Date(NOW).toISOString(),
      asks: 1,
    };
    const { server, base } = await withServer(
      createStatusRoutes({ recentChecks: fakeRecentChecks([evil]), i18n: createKeyI18n(), now: () => NOW }),
      fakeRecentChecks([]),
    );
    try {
      const html = await (await fetch(`${base}/status`)).text();
      expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
      expect(html).not.toContain('<img');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('says so in one full-width row when nothing is listed, or nothing listed was checked yet', () => {
    expect(recentChecksSection([], t, 'en', NOW).html).toContain('<td class="empty" colspan="8">recent.noneListed</td>');
    expect(recentChecksSection([], t, 'en', NOW, 'recent.emptyListed').html).toContain(
      '<td class="empty" colspan="8">recent.emptyListed</td>',
    );
  });

  it('names an unknown producer as unknown', () => {
    const row: RecentCheck = {
      host: 'a.example',
      url: 'https://a.example/',
      verdict: 'timeout',
      advice: 'wait',
      checkedAt: 'not a date',
      asks: 3,
    };
    const html = recentChecksSection([row], t, 'en', NOW).html;
    expect(html).toContain('<td class="unknown">producer.unknown</td>');
    expect(html).toContain('<span class="verdict tone-bad">verdict.timeout</span>');
    expect(html).toContain('<td></td>');
  });
});

describe("the board's new columns and parts, rendered on the server", () => {
  /** Shows the key and its variables, so the test reads what was asked for. */
  const tv = (key: string, vars?: Record<string, unknown>) => (vars ? `${key} ${JSON.stringify(vars)}` : key);
  const row: RecentCheck = {
    host: 'shop.example',
    url: 'https://shop.example/',
    verdict: 'up',
    advice: 'troubleshoot',
    checkedAt: new Date(NOW).toISOString(),
    asks: 1,
    crowd: 7,
    providerIncident: { provider: 'cloudflare', title: 'Elevated 5xx <in> Paris', since: '2025-03-01T11:00:00Z' },
    history: [
      { at: '2025-03-01T11:15:00.000Z', verdict: 'up', totalMs: 80 },
      { at: '2025-03-01T11:30:00.000Z', verdict: 'blocked', totalMs: 300 },
      { at: '2025-03-01T11:45:00.000Z', verdict: 'degraded', totalMs: 900 },
    ],
  };

  it('words the sparkline as text: quarter-hours with problems (a refused target counts as down) and the median time', () => {
    expect(historySummary(row.history ?? [], tv)).toBe('board.history.summary {"problems":2,"slots":3,"ms":300}');
    expect(historySummary([], tv)).toBe('board.history.empty');
  });

  it('shows the crowd count and the provider incident, escaped, or "none" when a feature does not supply them', () => {
    const html = recentChecksSection([row], tv, 'en', NOW).html;
    expect(html).toContain('<td class="number">7</td>');
    expect(html).toContain(
      'board.provider {&#34;provider&#34;:&#34;Cloudflare&#34;,&#34;title&#34;:&#34;Elevated 5xx &#60;in&#62; Paris&#34;',
    );
    expect(html).toContain('<div class="spark" aria-hidden="true"></div><span class="spark-text">board.history.summary');
    const bare = recentChecksSection([{ ...row, crowd: undefined, providerIncident: undefined, history: undefined }], tv, 'en', NOW).html;
    expect(bare.match(/<td class="unknown">board\.none<\/td>/g)).toHaveLength(2);
    expect(bare).toContain('<span class="spark-text">board.history.empty</span>');
  });

  it('renders incidents and analytics hidden until the browser knows they apply, and the declare form without names', () => {
    const incidents = incidentsSection(tv);
    expect(incidents).toMatchObject({ id: 'incidents', heading: 'board.incidents.heading', hidden: true });
    expect(incidents.html).toContain('<form id="board-declare" class="declare" hidden>');
    expect(incidents.html).not.toContain('name=');
    for (const id of ['declare-host', 'declare-title', 'declare-message', 'declare-eta']) {
      expect(incidents.html).toContain(`<label for="${id}">`);
    }
    expect(analyticsSection(tv)).toMatchObject({ id: 'analytics', hidden: true });
  });
});

describe('status locale helpers', () => {
  it('maps tags to the languages we speak, or to nothing', () => {
    expect(supportedLocale('pt-PT')).toBe('pt-BR');
    expect(supportedLocale('ES_mx')).toBe('es');
    expect(supportedLocale('zh-CN')).toBeUndefined();
    expect(supportedLocale('')).toBeUndefined();
  });

  it('ranks Accept-Language by q-value and ignores q=0', () => {
    expect(localeFromAcceptLanguage('fr;q=0.2, ja;q=0.8', 'en')).toBe('ja');
    expect(localeFromAcceptLanguage('de;q=0, es', 'en')).toBe('es');
    expect(localeFromAcceptLanguage('*', 'fr')).toBe('fr');
    expect(localeFromAcceptLanguage(undefined, 'de')).toBe('de');
  });

  it('has the same non-empty status strings in every language', () => {
    const flatten = (node: unknown, prefix = '', into: Record<string, unknown> = {}): Record<string, unknown> => {
      for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
        if (value && typeof value === 'object') flatten(value, `${prefix}${key}.`, into);
        else into[`${prefix}${key}`] = value;
      }
      return into;
    };
    const read = (locale: string) => flatten(JSON.parse(readFileSync(path.join(LOCALES_DIR, locale, 'status.json'), 'utf8')));
    const english = read('en');
    for (const locale of LOCALES) {
      const strings = read(locale);
      expect({ locale, keys: Object.keys(strings).sort() }).toEqual({ locale, keys: Object.keys(english).sort() });
      for (const [key, value] of Object.entries(strings)) {
        expect({ locale, key, ok: typeof value === 'string' && value.trim() !== '' }).toEqual({ locale, key, ok: true });
        const placeholders = (text: unknown) =>
          String(text)
            .match(/\{\{\w+\}\}/g)
            ?.sort() ?? [];
        expect({ locale, key, placeholders: placeholders(value) }).toEqual({ locale, key, placeholders: placeholders(english[key]) });
      }
    }
  });
});
