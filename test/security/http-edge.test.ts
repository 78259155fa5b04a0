/**
 * The HTTP edge under attack, against the whole app on loopback: compressed and multipart bodies, wrong
 * and missing content types, lying lengths, malformed request lines and paths, slow clients; security
 * headers on every kind of answer; /metrics behind METRICS_TOKEN. Each attack ends with /healthz answering.
 */
import { readdirSync } from 'node:fs';
import os from 'node:os';
import { gzipSync, deflateSync } from 'node:zlib';
import type { RunningApp } from '../../src/index';
import { expectHealthy, rawRequest, statusOf } from '../helpers/attack';
import { createActivity, createTestApp } from '../helpers/create-test-app';

const ADMIN = { authorization: 'Bearer let-me-in' };
const STACK = /at \w+ \(|node_modules|\.ts:\d+/;

describe('the HTTP edge', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await createTestApp({ ADMIN_API_TOKEN: 'let-me-in', METRICS_TOKEN: 'scrape-me' });
  });
  afterAll(async () => {
    await app.close();
  });

  const post = (path: string, body: string | Buffer, headers: Record<string, string>) =>
    fetch(`${app.url}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) });

  describe('bodies', () => {
    it('refuses a gzip bomb with 415 before inflating it, and stays small', async () => {
      // 200 MB of zeros compresses to about 200 KB: under the byte limit, far over it once inflated.
      const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024), { level: 9 });
      expect(bomb.length).toBeLessThan(256 * 1024);
      const before = process.memoryUsage().rss;
      const res = await post('/api/admin/explain', bomb, { ...ADMIN, 'content-type': 'application/json', 'content-encoding': 'gzip' });
      expect(res.status).toBe(415);
      expect(await res.json()).toMatchObject({ error: 'unsupported_encoding' });
      expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
      await expectHealthy(app.url);
    });

    it.each([
      ['deflate', deflateSync(Buffer.from('{"type":"message"}'))],
      ['br', Buffer.from('x')],
      ['gzip, identity', gzipSync(Buffer.from('{}'))],
    ])('refuses Content-Encoding %s on every POST route', async (encoding, body) => {
      for (const path of ['/api/messages', '/api/webchat/token', '/v3/directline/conversations', '/api/slack/events']) {
        const res = await post(path, body, { 'content-type': 'application/json', 'content-encoding': encoding });
        expect([415, 404]).toContain(res.status); // Slack's routes are off (404) without their secrets
        if (path !== '/api/slack/events') expect(res.status).toBe(415);
      }
      await expectHealthy(app.url);
    });

    it('accepts an explicit identity encoding', async () => {
      const res = await post('/api/admin/explain', JSON.stringify({ text: 'hello' }), {
        ...ADMIN,
        'content-type': 'application/json',
        'content-encoding': 'identity',
      });
      expect(res.status).toBe(200);
    });

    it('never parses multipart: 415, and nothing lands in the temp folder', async () => {
      const before = new Set(readdirSync(os.tmpdir()));
      const form = new FormData();
      form.append('file', new Blob([Buffer.alloc(100 * 1024, 65)]), 'upload.bin');
      form.append('text', 'hello');
      for (const path of ['/api/messages', '/api/admin/explain', '/api/webchat/token', '/v3/directline/conversations']) {
        const res = await fetch(`${app.url}${path}`, { method: 'POST', headers: ADMIN, body: form });
        expect(res.status).toBe(415);
        expect(await res.text()).not.toMatch(STACK);
      }
      const added = readdirSync(os.tmpdir()).filter((name) => !before.has(name) && /upload|upload_|^[0-9a-f]{32}$/.test(name));
      expect(added).toEqual([]);
      await expectHealthy(app.url);
    });

    it('accepts only the content types a route needs', async () => {
      const activity = JSON.stringify(createActivity({ text: 'hi' }));
      expect((await post('/api/messages', activity, { 'content-type': 'text/plain' })).status).toBe(415);
      expect((await post('/api/messages', activity, { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
      expect((await post('/api/messages', activity, { 'content-type': 'application/json; charset=utf-8' })).status).toBe(200);
      expect((await post('/api/messages', activity, { 'content-type': 'application/json;;;===' })).status).toBe(415);
      // The admin explain route takes pasted text as text/plain too.
      const text = await post('/api/admin/explain', 'upstream prematurely closed connection', { ...ADMIN, 'content-type': 'text/plain' });
      expect(text.status).toBe(200);
      await expectHealthy(app.url);
    });

    it('refuses a body without a content type, but takes an empty one', async () => {
      const untyped = await rawRequest(
        app.port,
        'POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
      );
      expect(statusOf(untyped)).toBe(415);
      const empty = await fetch(`${app.url}/api/webchat/token`, { method: 'POST' });
      expect(empty.status).toBe(200);
    });

    it('answers a body over the limit with 413, whether it says its length or streams it', async () => {
      const big = JSON.stringify({ text: 'x'.repeat(300 * 1024) });
      const declared = await post('/api/admin/explain', big, { ...ADMIN, 'content-type': 'application/json' });
      expect(declared.status).toBe(413);
      const chunked = await fetch(`${app.url}/api/admin/explain`, {
        method: 'POST',
        headers: { ...ADMIN, 'content-type': 'application/json' },
        body: new ReadableStream({
          start(controller) {
            for (let i = 0; i < 40; i += 1) controller.enqueue(new TextEncoder().encode('x'.repeat(10 * 1024)));
            controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
      expect(chunked.status).toBe(413);
      await expectHealthy(app.url);
    });

    it('answers a lying or broken Content-Length plainly', async () => {
      const lying = await rawRequest(
        app.port,
        'POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 9999999999\r\nConnection: close\r\n\r\n{}',
      );
      expect([400, 413]).toContain(statusOf(lying));
      const short = await rawRequest(
        app.port,
        'POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"type":',
        800,
      );
      // The client stopped sending: nothing is answered until it gives up, and the server is unharmed.
      expect(short).not.toMatch(STACK);
      await expectHealthy(app.url);
    });

    it('answers broken JSON with 400 and no stack', async () => {
      for (const body of ['{"type": ', '\u0000\u0001', '[', '"just a string"', 'null', '{"type": "message", "text": 1e999999}']) {
        const res = await post('/api/messages', body, { 'content-type': 'application/json' });
        expect(res.status).toBe(400);
        expect(await res.text()).not.toMatch(STACK);
      }
      await expectHealthy(app.url);
    });
  });

  describe('request lines, paths and headers', () => {
    it.each([
      'GET /%E0%A4%A HTTP/1.1',
      'GET /v3/directline/conversations/%E0%A4%A/activities HTTP/1.1',
      'GET //v3//directline HTTP/1.1',
      'GET /v3/directline/conversations/%/activities HTTP/1.1',
      'GET /status?lang=%ZZ&lang=x HTTP/1.1',
      'GET /api/status?limit=%FF%FE HTTP/1.1',
      'GET /../../../etc/passwd HTTP/1.1',
      `GET /${'a/'.repeat(2000).slice(0, 4000)}x HTTP/1.1`,
      'GET http://evil.example/ HTTP/1.1',
      'GET * HTTP/1.1',
      'BREW /healthz HTTP/1.1',
      'GET /healthz HTTP/9.9',
      'GET /healthz',
    ])('survives the request line %#', async (line) => {
      const answer = await rawRequest(app.port, `${line}\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
      const status = statusOf(answer);
      expect(status === 0 || (status >= 200 && status < 500)).toBe(true);
      expect(answer).not.toMatch(STACK);
      await expectHealthy(app.url);
    });

    it.each([
      'Host: \r\nHost: twice',
      `X-Long: ${'a'.repeat(20_000)}`,
      'Content-Type: \u00ff\u00fe',
      'Transfer-Encoding: chunked\r\nContent-Length: 5',
      'Authorization: Bearer \u0000',
      'Origin: null',
    ])('survives a hostile header (%#)', async (header) => {
      const answer = await rawRequest(
        app.port,
        `POST /api/webchat/token HTTP/1.1\r\nHost: localhost\r\n${header}\r\nConnection: close\r\n\r\n`,
      );
      expect(answer).not.toMatch(STACK);
      await expectHealthy(app.url);
    });

    it('does not let a slow client hold the server: others are answered meanwhile', async () => {
      const slow = rawRequest(
        app.port,
        'POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
        1500,
      );
      await expectHealthy(app.url);
      await slow;
      await expectHealthy(app.url);
    });
  });

  describe('headers on answers', () => {
    it('puts a strict policy on JSON answers', async () => {
      const res = await fetch(`${app.url}/healthz`);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    });

    it('gives every HTML page its own CSP, nosniff and a referrer policy', async () => {
      for (const path of ['/', '/status', '/embed/frame']) {
        const res = await fetch(`${app.url}${path}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toContain('text/html');
        const csp = res.headers.get('content-security-policy') ?? '';
        expect(csp).toContain("script-src 'self'");
        expect(csp).toContain('frame-ancestors');
        expect(csp).not.toContain("'unsafe-eval'");
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      }
    });

    it('never lets a token be cached', async () => {
      const res = await fetch(`${app.url}/api/webchat/token`, { method: 'POST' });
      expect(res.headers.get('cache-control')).toBe('no-store');
      const { token } = (await res.json()) as { token: string };
      for (const path of ['/v3/directline/tokens/refresh', '/v3/directline/conversations']) {
        const again = await fetch(`${app.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
        expect(again.headers.get('cache-control')).toBe('no-store');
      }
    });
  });

  describe('/metrics behind METRICS_TOKEN', () => {
    it('asks for the token, and serves Prometheus text with it', async () => {
      expect((await fetch(`${app.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${app.url}/metrics`, { headers: { authorization: 'Bearer wrong-token' } })).status).toBe(401);
      const ok = await fetch(`${app.url}/metrics`, { headers: { authorization: 'Bearer scrape-me' } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('# HELP');
    });

    it('stays open without a token configured', async () => {
      const open = await createTestApp();
      try {
        expect((await fetch(`${open.url}/metrics`)).status).toBe(200);
      } finally {
        await open.close();
      }
    });
  });
});
