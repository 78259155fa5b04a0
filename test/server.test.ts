import { bearerMatches } from '../src/server';
import { createRecentChecks } from '../src/probe/recent-checks';
import { createHttpServer, type LoopbackServer } from './helpers/loopback-servers';
import { createTestServer, type TestServer } from './helpers/create-test-server';

describe('HTTP server edge rules', () => {
  let app: TestServer;
  let site: LoopbackServer;

  beforeAll(async () => {
    site = await createHttpServer((_req, res) => {
      res.writeHead(502, { server: 'nginx' });
      res.end('<h1>502 Bad Gateway</h1><hr><center>nginx</center>');
    });
    app = await createTestServer({ adminApiToken: 'let-me-in', recentChecks: createRecentChecks({ statusHosts: ['shop.example'] }) });
  });
  afterAll(async () => {
    await app.close();
    await site.close();
  });

  it('answers health and readiness', async () => {
    const health = await fetch(`${app.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
  });

  it('reports not ready when the readiness check fails', async () => {
    const failing = await createTestServer({
      ready: async () => {
        throw new Error('storage down');
      },
    });
    const res = await fetch(`${failing.url}/readyz`);
    await failing.close();
    expect(res.status).toBe(503);
  });

  it('exposes Prometheus metrics', async () => {
    await fetch(`${app.url}/healthz`);
    const res = await fetch(`${app.url}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('gateway_doctor_http_requests_total');
  });

  it('keeps the admin API behind a bearer token', async () => {
    const target = encodeURIComponent(site.url);
    expect((await fetch(`${app.url}/api/admin/probe?url=${target}`)).status).toBe(401);
    const wrong = await fetch(`${app.url}/api/admin/probe?url=${target}`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const res = await fetch(`${app.url}/api/admin/probe?url=${target}`, { headers: { authorization: 'Bearer let-me-in' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ verdict: 'down', advice: 'wait', httpStatus: 502, producer: 'nginx' });
  });

  it("is the operator's tool: every page of one host gets its own answer, a bare host is tried over http too", async () => {
    const urls = Array.from({ length: 12 }, (_, i) => `${site.url}p${i}`);
    const auth = { headers: { authorization: 'Bearer let-me-in' } };
    const answers = await Promise.all(urls.map((url) => fetch(`${app.url}/api/admin/probe?url=${encodeURIComponent(url)}`, auth)));
    const results = (await Promise.all(answers.map((a) => a.json()))) as { url: string; verdict: string; evidence: { code?: string }[] }[];
    expect(results.map((r) => [r.url, r.verdict])).toEqual(urls.map((url) => [url, 'down']));
    // Checked, not lent from another page (the public bot's per-host budget is 6 in 10 s).
    expect(results.flatMap((r) => r.evidence).filter((e) => e.code === 'host-result')).toEqual([]);
    const bare = await fetch(`${app.url}/api/admin/probe?url=${encodeURIComponent(`127.0.0.1:${site.port}/x`)}`, auth);
    expect(await bare.json()).toMatchObject({
      url: `http://127.0.0.1:${site.port}/x`,
      verdict: 'down',
      evidence: expect.arrayContaining([expect.objectContaining({ kind: 'note', code: 'https-failed' })]),
    });
    const health = performance.now();
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    expect(performance.now() - health).toBeLessThan(500);
  });

  it('turns the admin API off without a token', async () => {
    const open = await createTestServer();
    const res = await fetch(`${open.url}/api/admin/probe?url=x`, { headers: { authorization: 'Bearer ' } });
    await open.close();
    expect(res.status).toBe(404);
  });

  it('explains pasted text through the admin API', async () => {
    const res = await fetch(`${app.url}/api/admin/explain`, {
      method: 'POST',
      headers: { authorization: 'Bearer let-me-in', 'content-type': 'application/json' },
      body: JSON.stringify({
        text: '2026/11/21 10:00:00 [error] 1#0: *2 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 1.2.3.4',
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { findings: { cause: string }[] };
    expect(body.findings[0]?.cause).toBe('upstream-timeout');
  });

  it('says when the admin API read only part of a long paste', async () => {
    const line =
      '2026/11/21 10:00:00 [error] 1#0: *2 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 1.2.3.4';
    const res = await fetch(`${app.url}/api/admin/explain`, {
      method: 'POST',
      headers: { authorization: 'Bearer let-me-in', 'content-type': 'text/plain' },
      body: `${line}\n`.repeat(1500),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { findings: unknown[]; truncated?: { chars?: number; lines?: number } };
    expect(body.findings.length).toBeGreaterThan(0);
    expect(body.truncated).toBeDefined();
    const short = await fetch(`${app.url}/api/admin/explain`, {
      method: 'POST',
      headers: { authorization: 'Bearer let-me-in', 'content-type': 'text/plain' },
      body: line,
    });
    expect(((await short.json()) as { truncated?: unknown }).truncated).toBeUndefined();
  });

  it('lists the configured hosts on /api/status and every host, truthfully, on /api/admin/status', async () => {
    const checkedAt = '2026-11-21T10:00:00.000Z';
    app.deps.recentChecks.record({
      url: 'https://shop.example/',
      verdict: 'down',
      advice: 'wait',
      httpStatus: 502,
      producer: 'cloudflare',
      timings: { totalMs: 12 },
      evidence: [],
      checkedAt,
    });
    app.deps.recentChecks.record({
      url: 'http://intranet.example/',
      verdict: 'blocked',
      advice: 'wait',
      timings: { totalMs: 0 },
      evidence: [{ kind: 'refused', reason: 'address' }],
      checkedAt,
    });
    const res = await fetch(`${app.url}/api/status`);
    const body = (await res.json()) as { checks: { host: string; verdict: string }[] };
    expect(body.checks).toEqual([expect.objectContaining({ host: 'shop.example', verdict: 'down', producer: 'cloudflare' })]);

    expect((await fetch(`${app.url}/api/admin/status`)).status).toBe(401);
    const admin = await fetch(`${app.url}/api/admin/status`, { headers: { authorization: 'Bearer let-me-in' } });
    expect(admin.status).toBe(200);
    const all = (await admin.json()) as { checks: { host: string; verdict: string }[] };
    expect(all.checks.map((check) => [check.host, check.verdict])).toEqual([
      ['intranet.example', 'blocked'],
      ['shop.example', 'down'],
    ]);
  });

  it('answers invalid JSON with 400 and an oversized body with 413, without a stack trace', async () => {
    const bad = await fetch(`${app.url}/api/admin/explain`, {
      method: 'POST',
      headers: { authorization: 'Bearer let-me-in', 'content-type': 'application/json' },
      body: '{"text": ',
    });
    expect(bad.status).toBe(400);
    const badText = await bad.text();
    expect(badText).not.toMatch(/at \w+ \(|node_modules/);
    const huge = await fetch(`${app.url}/api/admin/explain`, {
      method: 'POST',
      headers: { authorization: 'Bearer let-me-in', 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x'.repeat(400 * 1024) }),
    });
    expect(huge.status).toBe(413);
    expect(await huge.text()).not.toMatch(/at \w+ \(|node_modules/);
  });

  it('compares bearer tokens exactly', () => {
    expect(bearerMatches('Bearer abc', 'abc')).toBe(true);
    expect(bearerMatches('Bearer abcd', 'abc')).toBe(false);
    expect(bearerMatches('Basic abc', 'abc')).toBe(false);
    expect(bearerMatches(undefined, 'abc')).toBe(false);
  });
});
