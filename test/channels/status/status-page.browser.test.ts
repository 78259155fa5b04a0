/**
 * The status board in headless Chromium: the page script refreshes the rows from /api/status, writes
 * hosts as text, and inside a frame (where it tries Teams) still works when no Teams host answers.
 */
import { launchChromium } from '../../helpers/browser';
import type { AddressInfo } from 'node:net';
import type { Request, Response, Server } from 'restify';
import type { Browser, Frame, Page } from 'playwright-core';
import { createStatusRoutes } from '../../../src/channels/status/status-page';
import { createLogger } from '../../../src/observability/logger';
import { createMetrics } from '../../../src/observability/metrics';
import { createProber } from '../../../src/probe/prober';
import type { RecentCheck, RecentChecks } from '../../../src/probe/recent-checks';
import { createServer } from '../../../src/server';

/** A RecentChecks whose rows the test edits between refreshes. */
function fakeRecentChecks(rows: RecentCheck[]): RecentChecks {
  const list = (limit = 50) => rows.slice(0, limit);
  return { record: () => undefined, list, listPublic: list, hasListedHosts: () => true };
}

function fakeRow(host: string, overrides: Partial<RecentCheck> = {}): RecentCheck {
  return {
    host,
    url: `https://${host}/`,
    verdict: 'up',
    advice: 'troubleshoot',
    checkedAt: new Date().toISOString(),
    asks: 1,
    ...overrides,
  };
}

function hostsIn(target: Page | Frame): Promise<string[]> {
  return target.$$eval('tbody[data-section-rows="recent"] th[scope="row"]', (cells) => cells.map((cell) => cell.textContent ?? ''));
}

describe('status board in a browser', () => {
  const rows: RecentCheck[] = [fakeRow('first.example', { verdict: 'down', httpStatus: 502, producer: 'nginx' })];
  let server: Server;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    const frameRoute = {
      method: 'get' as const,
      path: '/test/frame',
      name: 'test.frame',
      handler: async (_req: Request, res: Response) => {
        // Every answer of the server defaults to a CSP without frames; this stand-in host page needs one.
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': "frame-src 'self'" });
        res.end('<!doctype html><title>host</title><iframe id="tab" src="/status?lang=de" width="800" height="600"></iframe>');
      },
    };
    const recentChecks = fakeRecentChecks(rows);
    server = createServer({
      logger: createLogger('silent'),
      metrics: createMetrics({ defaults: false }),
      prober: createProber(),
      recentChecks,
      routes: [...createStatusRoutes({ recentChecks, refreshMs: 250, teamsInitTimeoutMs: 300 }), frameRoute],
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('renders new rows from /api/status without a reload, as text', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${base}/status`);
      expect(await hostsIn(page)).toEqual(['first.example']);

      rows.unshift(fakeRow('<img src=x onerror="window.hacked=1">'));
      await page.waitForFunction(() => document.querySelectorAll('tbody[data-section-rows="recent"] tr').length === 2);
      expect(await hostsIn(page)).toEqual(['<img src=x onerror="window.hacked=1">', 'first.example']);
      expect(await page.$$('tbody img')).toHaveLength(0);
      expect(await page.evaluate(() => (window as unknown as { hacked?: number }).hacked)).toBeUndefined();

      const downRow = page.locator('tbody tr', { hasText: 'first.example' });
      expect(await downRow.locator('.verdict').getAttribute('class')).toBe('verdict tone-bad');
      expect(await downRow.locator('td').nth(2).textContent()).toBe('nginx');
      expect((await page.locator('#status-updated').getAttribute('class')) ?? '').not.toContain('stale');
      // Outside any frame the Teams SDK is never loaded and the page follows the system theme.
      expect(await page.getAttribute('html', 'data-host')).toBe('web');
      expect(await page.$$('script[src="/assets/teams-js.js"]')).toHaveLength(0);
      expect(await page.evaluate(() => document.documentElement.getAttribute('data-theme'))).toBeNull();
    } finally {
      rows.splice(0, rows.length - 1);
      await page.close();
    }
  });

  it('inside a frame, tries Teams, gives up quietly and keeps refreshing in the chosen language', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${base}/test/frame`);
      const frame = await (await page.waitForSelector('#tab')).contentFrame();
      if (!frame) throw new Error('the status frame did not load');
      await frame.waitForSelector('script[src="/assets/teams-js.js"]', { state: 'attached' });
      expect(await frame.evaluate(() => document.documentElement.lang)).toBe('de');

      rows.unshift(fakeRow('second.example', { verdict: 'timeout' }));
      await frame.waitForFunction(() => document.querySelectorAll('tbody[data-section-rows="recent"] tr').length === 2);
      expect(await hostsIn(frame)).toEqual(['second.example', 'first.example']);
      expect(await frame.locator('tbody tr', { hasText: 'second.example' }).locator('.verdict').textContent()).toBe('Antwortet nicht');

      // No Teams host answers in this frame: the page settles as a plain web page, on the same URL.
      await frame.waitForSelector('html[data-host="web"]', { state: 'attached' });
      expect(frame.url()).toBe(`${base}/status?lang=de`);
    } finally {
      rows.splice(0, rows.length - 1);
      await page.close();
    }
  });
});
