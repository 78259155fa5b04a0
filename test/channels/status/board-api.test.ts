/**
 * The board's data over the whole app (createTestApp): `/api/status` carries each host's 24-hour history, is
 * revalidated with an ETag (304 while nothing changed, a new tag once a new check landed), uPlot is served from
 * this server, and hostile requests to the new routes get plain answers while `/healthz` keeps answering.
 */
import { readFileSync } from 'node:fs';
import type { RunningApp } from '../../../src/index';
import { expectHealthy, rawRequest, statusOf } from '../../helpers/attack';
import { createTestApp } from '../../helpers/create-test-app';
import { createHttpServer, type LoopbackServer } from '../../helpers/loopback-servers';

const TOKEN = 'board-test-token-0123456789';

interface StatusBody {
  checks: { host: string; verdict: string; history: { at: string; verdict: string; totalMs: number }[] }[];
}

describe('the board API in the running app', () => {
  let app: RunningApp;
  let site: LoopbackServer;
  let failing = true;

  beforeAll(async () => {
    site = await createHttpServer((_req, res) => {
      res.writeHead(failing ? 502 : 200, { 'Content-Type': 'text/html', Server: 'nginx' });
      res.end(failing ? '<html><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></html>' : '<p>ok</p>');
    });
    app = await createTestApp({ STATUS_HOSTS: 'localhost', ADMIN_API_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await app?.close();
    await site?.close();
  });

  /** One real check of the loopback site, through the operator's probe (which records what it finds). */
  async function checkSite(): Promise<void> {
    const url = `http://localhost:${site.port}/`;
    const res = await fetch(`${app.url}/api/admin/probe?url=${encodeURIComponent(url)}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
  }

  it('lists each host with its 24-hour history in buckets', async () => {
    await checkSite();
    const res = await fetch(`${app.url}/api/status`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = (await res.json()) as StatusBody;
    expect(body.checks).toEqual([
      expect.objectContaining({
        host: `localhost:${site.port}`,
        verdict: 'down',
        history: [{ at: expect.stringMatching(/:(00|15|30|45):00\.000Z$/), verdict: 'down', totalMs: expect.any(Number) }],
      }),
    ]);
  });

  it('answers a poll with 304 while nothing changed, and with the new check once one landed', async () => {
    const first = await fetch(`${app.url}/api/status`);
    const tag = first.headers.get('etag');
    expect(tag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get('cache-control')).toBe('no-cache');

    const unchanged = await fetch(`${app.url}/api/status`, { headers: { 'If-None-Match': tag ?? '' } });
    expect(unchanged.status).toBe(304);
    expect(await unchanged.text()).toBe('');
    const weak = await fetch(`${app.url}/api/status`, { headers: { 'If-None-Match': `"other", W/${tag}` } });
    expect(weak.status).toBe(304);

    failing = false;
    await checkSite();
    const changed = await fetch(`${app.url}/api/status`, { headers: { 'If-None-Match': tag ?? '' } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(tag);
    const body = (await changed.json()) as StatusBody;
    expect(body.checks[0]?.verdict).toBe('up');
    // Both checks fall into the same quarter-hour (or two neighbours): the worst verdict of a bucket stays.
    expect(body.checks[0]?.history.map((point) => point.verdict)).toContain('down');
  });

  it('serves uPlot and its stylesheet from this server, and the page loads them from there', async () => {
    const script = await fetch(`${app.url}/status/assets/uPlot.iife.min.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe(readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'));
    const styles = await fetch(`${app.url}/status/assets/uPlot.min.css`);
    expect(styles.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await styles.text()).toContain('.uplot');

    const page = await fetch(`${app.url}/status`);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    const html = await page.text();
    expect(html).toContain('<script src="/status/assets/uPlot.iife.min.js" defer></script>');
    expect(html).toContain('<link rel="stylesheet" href="/status/assets/uPlot.min.css">');
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[^"']*\.(js|css)/);
  });

  it('gives staff a sign-in form that never puts the token in a URL, and leaves incidents and analytics hidden', async () => {
    const html = await (await fetch(`${app.url}/status`)).text();
    const input = /<input id="board-token"[^>]*>/.exec(html)?.[0] ?? '';
    expect(input).toContain('type="password"');
    expect(input).not.toContain('name=');
    expect(html).toContain('<section id="incidents" aria-labelledby="incidents-heading" hidden>');
    expect(html).toContain('<section id="analytics" aria-labelledby="analytics-heading" hidden>');
    expect(html).toContain('<a href="/status/inbox" id="board-inbox" hidden>');
    expect(html).toContain('aria-live="polite"');
  });

  it('answers hostile requests plainly and stays healthy', async () => {
    const polls = [
      { 'If-None-Match': 'x'.repeat(8000) },
      { 'If-None-Match': ','.repeat(4000) },
      { 'If-None-Match': '*' },
      { 'If-None-Match': '"\u0000"' },
    ];
    for (const headers of polls) {
      const res = await fetch(`${app.url}/api/status`, { headers: headers as Record<string, string> }).catch(() => undefined);
      if (res) expect([200, 304, 400]).toContain(res.status);
    }
    for (const query of ['limit=abc', 'limit=-5', 'limit=1e309', 'limit[]=1&limit[]=2', `limit=${'9'.repeat(5000)}`]) {
      const res = await fetch(`${app.url}/api/status?${query}`);
      expect(res.status).toBe(200);
      expect(Array.isArray(((await res.json()) as StatusBody).checks)).toBe(true);
    }
    for (const path of ['/status/assets/..%2f..%2fpackage.json', '/status/assets/uPlot.iife.min.js%00.css', '/status/assets/']) {
      const res = await fetch(`${app.url}${path}`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: string }).error).toBe('not_found');
    }
    const posted = await fetch(`${app.url}/status/assets/uPlot.min.css`, { method: 'POST', body: '{' });
    expect(posted.status).toBe(405);
    const huge = await rawRequest(app.port, `GET /api/status HTTP/1.1\r\nHost: x\r\nIf-None-Match: ${'"a",'.repeat(30_000)}\r\n\r\n`);
    expect([0, 431]).toContain(statusOf(huge));
    await expectHealthy(app.url);
  });
});
