import type http from 'node:http';
import type { TLSSocket } from 'node:tls';
import { createAddressPolicy } from '../../src/probe/address-policy';
import { createStaticResolver, createSystemResolver, type Resolver } from '../../src/probe/resolver';
import { safeFetch, type FetchOutcome, type SafeFetchOptions } from '../../src/probe/safe-fetch';
import type { Evidence } from '../../src/contracts';
import { checkTarget } from '../../src/probe/url-policy';
import {
  closedPort,
  createHttpServer,
  createHungServer,
  createRawServer,
  createTlsServer,
  localhostCert,
  type LoopbackServer,
} from '../helpers/loopback-servers';

const USER_AGENT = 'GatewayDoctorTest/1.0 (+https://example.invalid/probe)';
const loopbackPolicy = createAddressPolicy({ allowCidrs: ['127.0.0.0/8', '::1/128'] });
const onlyV4Loopback = createAddressPolicy({ allowCidrs: ['127.0.0.0/8'] });

/** Runs a typed target through checkTarget and safeFetch the way the probe does. */
function withTarget(input: string, overrides: Partial<SafeFetchOptions> = {}): Promise<FetchOutcome> {
  const checked = checkTarget(input);
  if (!checked.ok) throw new Error(`test target ${input} refused by checkTarget: ${checked.reason}`);
  return safeFetch(checked.url, {
    policy: loopbackPolicy,
    resolver: createSystemResolver(),
    timeoutMs: 5000,
    userAgent: USER_AGENT,
    ...overrides,
  });
}

function kinds(evidence: Evidence[]): string[] {
  return evidence.map((item) => item.kind);
}

function ofKind<K extends Evidence['kind']>(evidence: Evidence[], kind: K): Extract<Evidence, { kind: K }>[] {
  return evidence.filter((item): item is Extract<Evidence, { kind: K }> => item.kind === kind);
}

/** A resolver that counts its calls and answers from a list, one answer per call. */
function fakeChangingResolver(answers: string[][]): Resolver & { calls: () => number } {
  let calls = 0;
  return {
    calls: () => calls,
    async resolve(): Promise<string[]> {
      const answer = answers[Math.min(calls, answers.length - 1)] ?? [];
      calls += 1;
      return answer;
    },
  };
}

describe('safeFetch against loopback servers', () => {
  const servers: LoopbackServer[] = [];
  const track = (server: LoopbackServer): LoopbackServer => {
    servers.push(server);
    return server;
  };
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  describe('plain HTTP', () => {
    let seen: http.IncomingHttpHeaders[] = [];
    let methods: string[] = [];
    let server: LoopbackServer;

    beforeAll(async () => {
      server = track(
        await createHttpServer((req, res) => {
          seen.push(req.headers);
          methods.push(req.method ?? '');
          if (req.url === '/broken') {
            res.writeHead(502, 'Bad Gateway', [
              ['Server', 'nginx/1.25.3'],
              ['Content-Type', 'text/html'],
              ['X-Cache', 'MISS from edge-1'],
              ['X-Cache', 'MISS from edge-2'],
              ['X-Request-Id', 'abc-123'],
            ]);
            res.end(
              '<html><head><title>502 Bad Gateway</title></head><body>' +
                '<center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>',
            );
            return;
          }
          res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Set-Cookie': 'session=abc' });
          res.end('<!doctype html><title>Up</title><p>Everything is fine. Ünïcödé survives.</p>');
        }),
      );
    });
    beforeEach(() => {
      seen = [];
      methods = [];
    });

    it('fetches a 200 page with status, headers, body, evidence and timings', async () => {
      const outcome = await withTarget(server.url);

      expect(outcome.kind).toBe('response');
      expect(outcome.status).toBe(200);
      expect(outcome.statusText).toBe('OK');
      expect(outcome.finalUrl).toBe(server.url);
      expect(outcome.headers?.['content-type']).toBe('text/html; charset=utf-8');
      expect(outcome.body).toBe('<!doctype html><title>Up</title><p>Everything is fine. Ünïcödé survives.</p>');
      expect(outcome.bodyTruncated).toBe(false);
      expect(outcome.addresses).toEqual(['127.0.0.1']);
      expect(outcome.tls).toBeUndefined();
      expect(outcome.errorCode).toBeUndefined();
      expect(kinds(outcome.evidence)).toEqual(['dns', 'connect', 'http']);
      expect(outcome.evidence[1]).toEqual({ kind: 'connect', address: '127.0.0.1', port: server.port, ok: true });
      expect(outcome.evidence[2]).toEqual({ kind: 'http', url: server.url, status: 200, statusText: 'OK' });
      expect(outcome.timings.dnsMs).toBe(0);
      expect(outcome.timings.connectMs).toEqual(expect.any(Number));
      expect(outcome.timings.ttfbMs).toEqual(expect.any(Number));
      expect(outcome.timings.tlsMs).toBeUndefined();
      expect(outcome.timings.totalMs).toBeGreaterThanOrEqual(outcome.timings.ttfbMs ?? Infinity);
      expect(JSON.parse(JSON.stringify(outcome))).toEqual(outcome);
    });

    it('sends an honest, minimal GET', async () => {
      await withTarget(`${server.url}path?q=1`, { userAgent: USER_AGENT });

      expect(methods).toEqual(['GET']);
      expect(seen[0]).toEqual({
        host: `127.0.0.1:${server.port}`,
        'user-agent': USER_AGENT,
        accept: 'text/html,*/*;q=0.8',
        'accept-encoding': 'identity',
        connection: 'close',
      });
    });

    it('captures a 502 page with every header, repeated ones joined', async () => {
      const outcome = await withTarget(`${server.url}broken`);

      expect(outcome.kind).toBe('response');
      expect(outcome.status).toBe(502);
      expect(outcome.statusText).toBe('Bad Gateway');
      expect(outcome.headers).toMatchObject({
        server: 'nginx/1.25.3',
        'x-cache': 'MISS from edge-1, MISS from edge-2',
        'x-request-id': 'abc-123',
      });
      expect(outcome.body).toContain('<center>nginx</center>');
      expect(ofKind(outcome.evidence, 'http')).toEqual([
        { kind: 'http', url: `${server.url}broken`, status: 502, statusText: 'Bad Gateway', server: 'nginx/1.25.3' },
      ]);
    });

    it('connects to the address it checked, never to a second DNS answer', async () => {
      const resolver = fakeChangingResolver([['127.0.0.1'], ['10.0.0.1']]);
      const outcome = await withTarget(`http://rebind.test:${server.port}/`, { resolver, policy: onlyV4Loopback });

      expect(outcome.kind).toBe('response');
      expect(outcome.status).toBe(200);
      expect(resolver.calls()).toBe(1);
      expect(seen[0]?.host).toBe(`rebind.test:${server.port}`);
    });

    it('tries the next checked address when one refuses', async () => {
      const resolver = createStaticResolver({ 'multi.test': ['127.0.0.2', '127.0.0.1'] });
      const outcome = await withTarget(`http://multi.test:${server.port}/`, { resolver, policy: onlyV4Loopback });

      expect(outcome.kind).toBe('response');
      expect(outcome.addresses).toEqual(['127.0.0.2', '127.0.0.1']);
      expect(ofKind(outcome.evidence, 'connect')).toEqual([
        { kind: 'connect', address: '127.0.0.2', port: server.port, ok: false, code: 'ECONNREFUSED' },
        { kind: 'connect', address: '127.0.0.1', port: server.port, ok: true },
      ]);
    });

    it('resolves localhost through the system resolver when the policy allows loopback', async () => {
      const outcome = await withTarget(`http://localhost:${server.port}/`);

      expect(outcome.kind).toBe('response');
      expect(outcome.addresses).toContain('127.0.0.1');
      expect(seen[0]?.host).toBe(`localhost:${server.port}`);
    });

    it('stops when the caller aborts, cleaning up', async () => {
      const controller = new AbortController();
      controller.abort();
      const outcome = await withTarget(server.url, { signal: controller.signal });

      expect(outcome.kind).toBe('timeout');
      expect(outcome.errorCode).toBe('ABORT_ERR');
      expect(outcome.evidence).toContainEqual({ kind: 'note', code: 'aborted', detail: 'dns' });
    });
  });

  describe('what the address policy refuses never gets a connection', () => {
    let server: LoopbackServer;
    beforeAll(async () => {
      server = track(await createHttpServer((_req, res) => res.end('should never be seen')));
    });

    it.each([
      ['http://127.0.0.1:PORT/'],
      ['http://2130706433:PORT/'],
      ['http://0x7f000001:PORT/'],
      ['http://0177.0.0.1:PORT/'],
      ['http://127.1:PORT/'],
      ['http://[::ffff:127.0.0.1]:PORT/'],
      ['http://[0:0:0:0:0:ffff:7f00:1]:PORT/'],
      ['http://[::1]:PORT/'],
      ['http://localhost:PORT/'],
    ])('default policy refuses %s', async (template) => {
      const outcome = await withTarget(template.replace('PORT', String(server.port)), {
        policy: createAddressPolicy(),
      });

      expect(outcome.kind).toBe('refused');
      expect(outcome.refusal).toBe('address');
      expect(outcome.evidence).toEqual([]);
      expect(server.connections()).toBe(0);
    });

    it('refuses a host when any one of its addresses is private', async () => {
      const resolver = createStaticResolver({ 'mixed.test': ['127.0.0.1', '10.0.0.1'] });
      const outcome = await withTarget(`http://mixed.test:${server.port}/`, { resolver, policy: onlyV4Loopback });

      expect(outcome.kind).toBe('refused');
      expect(outcome.refusal).toBe('address');
      expect(outcome.addresses).toEqual(['127.0.0.1', '10.0.0.1']);
      expect(ofKind(outcome.evidence, 'connect')).toEqual([]);
      expect(server.connections()).toBe(0);
    });

    it('refuses a public + private mix under the default policy', async () => {
      const resolver = createStaticResolver({ 'split.test': ['93.184.215.14', '192.168.1.10'] });
      const outcome = await withTarget('https://split.test/', { resolver, policy: createAddressPolicy() });

      expect(outcome.kind).toBe('refused');
      expect(outcome.refusal).toBe('address');
    });

    it('reports a DNS failure with the resolver code', async () => {
      const outcome = await withTarget('http://nowhere.test/', { resolver: createStaticResolver({}) });

      expect(outcome.kind).toBe('dns_error');
      expect(outcome.errorCode).toBe('ENOTFOUND');
      expect(outcome.timings.dnsMs).toEqual(expect.any(Number));
      expect(ofKind(outcome.evidence, 'connect')).toEqual([]);
    });

    it('judges a URL that never went through checkTarget as well', async () => {
      const outcome = await safeFetch(new URL('ftp://127.0.0.1/'), {
        policy: loopbackPolicy,
        resolver: createSystemResolver(),
        timeoutMs: 1000,
        userAgent: USER_AGENT,
      });

      expect(outcome).toMatchObject({ kind: 'refused', refusal: 'scheme', finalUrl: 'ftp://127.0.0.1/' });
    });
  });

  describe('failures that must come back fast or at the budget', () => {
    it('judges a hung server at the time budget, not later', async () => {
      const hung = track(await createHungServer());
      const outcome = await withTarget(hung.url, { timeoutMs: 300 });

      expect(outcome.kind).toBe('timeout');
      expect(outcome.errorCode).toBeUndefined();
      expect(outcome.timings.totalMs).toBeGreaterThanOrEqual(299);
      expect(outcome.timings.totalMs).toBeLessThan(600);
      expect(ofKind(outcome.evidence, 'connect')).toEqual([{ kind: 'connect', address: '127.0.0.1', port: hung.port, ok: true }]);
      expect(outcome.evidence).toContainEqual({ kind: 'note', code: 'timeout', detail: 'response' });
      expect(hung.connections()).toBe(1);
    });

    it('judges a resolver that never answers at the time budget', async () => {
      const silent = { resolve: () => new Promise<string[]>(() => undefined) };
      const outcome = await withTarget('http://slow-dns.test/', { resolver: silent, timeoutMs: 200 });

      expect(outcome.kind).toBe('timeout');
      expect(outcome.evidence).toEqual([{ kind: 'note', code: 'timeout', detail: 'dns' }]);
      expect(outcome.timings.totalMs).toBeGreaterThanOrEqual(199);
    });

    it('keeps the status when the body stalls past the budget', async () => {
      const stalling = track(
        await createHttpServer((_req, res) => {
          res.writeHead(502, { 'Content-Length': '1000' });
          res.write('partial');
        }),
      );
      const outcome = await withTarget(stalling.url, { timeoutMs: 300 });

      expect(outcome.kind).toBe('timeout');
      expect(outcome.status).toBe(502);
      expect(outcome.evidence).toContainEqual({ kind: 'note', code: 'timeout', detail: 'body' });
    });

    it('reports a closed port as ECONNREFUSED, without retrying', async () => {
      const closed = await closedPort();
      const outcome = await withTarget(closed.url, { timeoutMs: 10_000 });

      expect(outcome.kind).toBe('connect_error');
      expect(outcome.errorCode).toBe('ECONNREFUSED');
      expect(ofKind(outcome.evidence, 'connect')).toEqual([
        { kind: 'connect', address: '127.0.0.1', port: closed.port, ok: false, code: 'ECONNREFUSED' },
      ]);
      // Sanity bound only: a refusal is answered by the kernel at once, so anything near the budget is a retry.
      expect(outcome.timings.totalMs).toBeLessThan(1000);
    });

    it('reports bytes that are not HTTP as an HPE_* parser error', async () => {
      const garbage = track(await createRawServer((socket) => socket.write('SSH-2.0-OpenSSH_9.6\r\n')));
      const outcome = await withTarget(garbage.url);

      expect(outcome.kind).toBe('connect_error');
      expect(outcome.errorCode).toMatch(/^HPE_/);
      expect(outcome.status).toBeUndefined();
    });

    it('reports headers beyond the size cap as HPE_HEADER_OVERFLOW', async () => {
      const huge = track(
        await createRawServer((socket) => {
          socket.write(`HTTP/1.1 502 Bad Gateway\r\nX-Padding: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
        }),
      );
      const outcome = await withTarget(huge.url);

      expect(outcome.kind).toBe('connect_error');
      expect(outcome.errorCode).toBe('HPE_HEADER_OVERFLOW');
    });

    it('reports a connection closed before any response as ECONNRESET', async () => {
      const hangUp = track(await createRawServer((socket) => socket.end()));
      const outcome = await withTarget(hangUp.url);

      expect(outcome.kind).toBe('connect_error');
      expect(outcome.errorCode).toBe('ECONNRESET');
    });
  });

  describe('TLS', () => {
    let servernames: Array<string | false | null> = [];
    let tlsServer: LoopbackServer;
    beforeAll(async () => {
      tlsServer = track(
        await createTlsServer((req, res) => {
          servernames.push((req.socket as TLSSocket).servername);
          res.writeHead(502, { Server: 'cloudflare', 'Content-Type': 'text/html' });
          res.end('<title>502 behind a self-signed certificate</title>');
        }, localhostCert()),
      );
    });
    beforeEach(() => {
      servernames = [];
    });

    it('reports a self-signed certificate as tls_error and still captures the response', async () => {
      const outcome = await withTarget(`https://127.0.0.1:${tlsServer.port}/`);

      expect(outcome.kind).toBe('tls_error');
      expect(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN']).toContain(outcome.errorCode);
      expect(outcome.status).toBe(502);
      expect(outcome.headers?.server).toBe('cloudflare');
      expect(outcome.body).toBe('<title>502 behind a self-signed certificate</title>');
      expect(outcome.tls).toMatchObject({
        authorized: false,
        code: outcome.errorCode,
        subject: 'CN=localhost',
        issuer: 'CN=localhost',
        hostnameMatch: true,
      });
      expect(new Date(outcome.tls?.validTo ?? '').toISOString()).toBe(outcome.tls?.validTo);
      // The fixture is valid for 20 years; more than 10 left proves the date was read, not defaulted.
      expect(outcome.tls?.daysToExpiry).toBeGreaterThan(3650);
      expect(kinds(outcome.evidence)).toEqual(['dns', 'connect', 'tls', 'http']);
      expect(ofKind(outcome.evidence, 'tls')[0]).toMatchObject({
        ok: false,
        code: outcome.errorCode,
        hostnameMatch: true,
      });
      expect(outcome.timings.tlsMs).toEqual(expect.any(Number));
      expect(servernames).toEqual([false]);
    });

    it('sends the host name as SNI and checks the certificate against it', async () => {
      const resolver = createStaticResolver({ localhost: ['127.0.0.1'], 'wrong.test': ['127.0.0.1'] });

      const right = await withTarget(`https://localhost:${tlsServer.port}/`, { resolver });
      const wrong = await withTarget(`https://wrong.test:${tlsServer.port}/`, { resolver });

      expect(right.tls?.hostnameMatch).toBe(true);
      expect(wrong.tls?.hostnameMatch).toBe(false);
      expect(wrong.kind).toBe('tls_error');
      expect(servernames).toEqual(['localhost', 'wrong.test']);
    });

    it('does not follow a redirect served behind a rejected certificate', async () => {
      const redirecting = track(
        await createTlsServer((_req, res) => {
          res.writeHead(302, { Location: 'http://127.0.0.1:1/' });
          res.end();
        }, localhostCert()),
      );
      const outcome = await withTarget(redirecting.url);

      expect(outcome.kind).toBe('tls_error');
      expect(outcome.status).toBe(302);
      expect(ofKind(outcome.evidence, 'redirect')).toEqual([]);
    });

    it('reports a failed handshake (plain HTTP on the port) as tls_error', async () => {
      const plain = track(await createHttpServer((_req, res) => res.end('not TLS')));
      const outcome = await withTarget(`https://127.0.0.1:${plain.port}/`);

      expect(outcome.kind).toBe('tls_error');
      expect(outcome.errorCode).toEqual(expect.any(String));
      expect(outcome.tls).toMatchObject({ authorized: false, code: outcome.errorCode });
      expect(outcome.status).toBeUndefined();
    });
  });

  describe('redirects', () => {
    let requests: string[] = [];
    let cookies: Array<string | undefined> = [];
    let server: LoopbackServer;
    let other: LoopbackServer;

    beforeAll(async () => {
      other = track(await createHttpServer((_req, res) => res.end('other server')));
      server = track(
        await createHttpServer((req, res) => {
          requests.push(`${req.method} ${req.url}`);
          cookies.push(req.headers.cookie);
          const loop = /^\/loop\/(\d+)$/.exec(req.url ?? '');
          const redirect = (status: number, location: string): void => {
            res.writeHead(status, { Location: location });
            res.end(`see ${location}`);
          };
          if (loop) return redirect(302, `/loop/${Number(loop[1]) + 1}`);
          switch (req.url) {
            case '/start':
              res.setHeader('Set-Cookie', 'session=from-start');
              return redirect(302, 'middle');
            case '/middle':
              return redirect(301, `http://127.0.0.1:${server.port}/end`);
            case '/end':
              return void res.end('arrived');
            case '/to-private':
              return redirect(302, 'http://10.0.0.1/');
            case '/to-metadata':
              return redirect(307, 'http://169.254.169.254/latest/meta-data');
            case '/to-internal-name':
              return redirect(302, `http://internal.test:${server.port}/end`);
            case '/to-other-host':
              return redirect(303, `http://other.test:${other.port}/`);
            case '/to-ftp':
              return redirect(302, 'ftp://127.0.0.1/');
            case '/to-credentials':
              return redirect(302, `http://admin:hunter2@127.0.0.1:${server.port}/end`);
            case '/to-garbage':
              return redirect(302, 'http://[::1');
            case '/no-location':
              res.writeHead(302);
              return void res.end('nowhere to go');
            default:
              res.writeHead(404);
              return void res.end();
          }
        }),
      );
    });
    beforeEach(() => {
      requests = [];
      cookies = [];
    });

    const resolver = (): Resolver => createStaticResolver({ 'internal.test': ['10.9.8.7'], 'other.test': ['127.0.0.1'] });

    it('follows a two-hop chain, relative and absolute, recording every hop', async () => {
      const outcome = await withTarget(`${server.url}start`, { policy: onlyV4Loopback, resolver: resolver() });

      expect(outcome.kind).toBe('response');
      expect(outcome.status).toBe(200);
      expect(outcome.body).toBe('arrived');
      expect(outcome.finalUrl).toBe(`${server.url}end`);
      expect(requests).toEqual(['GET /start', 'GET /middle', 'GET /end']);
      expect(cookies).toEqual([undefined, undefined, undefined]);
      expect(ofKind(outcome.evidence, 'redirect')).toEqual([
        { kind: 'redirect', from: `${server.url}start`, to: `${server.url}middle`, status: 302 },
        { kind: 'redirect', from: `${server.url}middle`, to: `${server.url}end`, status: 301 },
      ]);
      expect(kinds(outcome.evidence)).toEqual([
        ...['dns', 'connect', 'http', 'redirect'],
        ...['dns', 'connect', 'http', 'redirect'],
        ...['dns', 'connect', 'http'],
      ]);
    });

    it('re-resolves and re-checks a redirect to another host', async () => {
      const outcome = await withTarget(`${server.url}to-other-host`, { policy: onlyV4Loopback, resolver: resolver() });

      expect(outcome.kind).toBe('response');
      expect(outcome.body).toBe('other server');
      expect(outcome.finalUrl).toBe(`http://other.test:${other.port}/`);
      expect(ofKind(outcome.evidence, 'dns')).toHaveLength(2);
    });

    it.each([
      ['/to-private', 'http://10.0.0.1/'],
      ['/to-metadata', 'http://169.254.169.254/latest/meta-data'],
      ['/to-internal-name', 'http://internal.test:PORT/end'],
    ])('refuses the hop from %s to %s without connecting', async (path, target) => {
      const outcome = await withTarget(`${server.url}${path.slice(1)}`, {
        policy: onlyV4Loopback,
        resolver: resolver(),
      });

      expect(outcome.kind).toBe('refused');
      expect(outcome.refusal).toBe('address');
      expect(outcome.finalUrl).toBe(target.replace('PORT', String(server.port)));
      expect(ofKind(outcome.evidence, 'connect')).toEqual([{ kind: 'connect', address: '127.0.0.1', port: server.port, ok: true }]);
      expect(outcome.evidence.at(-1)).toMatchObject({ kind: 'redirect', to: outcome.finalUrl });
      expect(outcome.status).toBeUndefined();
    });

    it.each([
      ['/to-ftp', 'refused', 'scheme'],
      ['/to-credentials', 'refused', 'credentials'],
      ['/to-garbage', 'invalid', 'malformed'],
    ])('re-runs the URL rules on the hop from %s', async (path, kind, refusal) => {
      const outcome = await withTarget(`${server.url}${path.slice(1)}`, { policy: onlyV4Loopback });

      expect(outcome.kind).toBe(kind);
      expect(outcome.refusal).toBe(refusal);
      expect(requests).toEqual([`GET ${path}`]);
    });

    it('stops after maxRedirects and reports the last 3xx', async () => {
      const outcome = await withTarget(`${server.url}loop/0`, { policy: onlyV4Loopback, maxRedirects: 3 });

      expect(outcome.kind).toBe('response');
      expect(outcome.status).toBe(302);
      expect(outcome.finalUrl).toBe(`${server.url}loop/3`);
      expect(requests).toEqual(['GET /loop/0', 'GET /loop/1', 'GET /loop/2', 'GET /loop/3']);
      expect(ofKind(outcome.evidence, 'redirect')).toHaveLength(3);
      expect(outcome.evidence.at(-1)).toEqual({ kind: 'note', code: 'too-many-redirects', detail: '3' });
    });

    it('follows five redirects by default', async () => {
      const outcome = await withTarget(`${server.url}loop/0`, { policy: onlyV4Loopback });

      expect(outcome.finalUrl).toBe(`${server.url}loop/5`);
      expect(requests).toHaveLength(6);
    });

    it('treats a 3xx without Location as the final response', async () => {
      const outcome = await withTarget(`${server.url}no-location`, { policy: onlyV4Loopback });

      expect(outcome.kind).toBe('response');
      expect(outcome.status).toBe(302);
      expect(outcome.body).toBe('nowhere to go');
    });
  });

  describe('body cap', () => {
    const HUNDRED_MB = 100 * 1024 * 1024;

    it('reads at most 64 KiB of a 100 MB body, then hangs up', async () => {
      let serverSaw: Promise<{ sent: number; finished: boolean }> = Promise.resolve({ sent: 0, finished: false });
      const big = track(
        await createHttpServer((_req, res) => {
          serverSaw = new Promise((resolve) => {
            const chunk = Buffer.alloc(64 * 1024, 'a');
            let sent = 0;
            const pump = (): void => {
              while (sent < HUNDRED_MB) {
                sent += chunk.length;
                if (!res.write(chunk)) return void res.once('drain', pump);
              }
              res.end();
            };
            res.on('close', () => resolve({ sent, finished: res.writableFinished }));
            res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': String(HUNDRED_MB) });
            pump();
          });
        }),
      );

      const outcome = await withTarget(big.url);
      const saw = await serverSaw;

      expect(outcome.kind).toBe('response');
      expect(outcome.bodyTruncated).toBe(true);
      expect(Buffer.byteLength(outcome.body ?? '')).toBe(65_536);
      expect(saw.finished).toBe(false);
      expect(saw.sent).toBeLessThan(HUNDRED_MB / 4);
    });

    it('honours a smaller maxBodyBytes, and a body of exactly that size is not truncated', async () => {
      const sized = track(await createHttpServer((req, res) => res.end('x'.repeat(req.url === '/exact' ? 1000 : 5000))));

      const cut = await withTarget(sized.url, { maxBodyBytes: 1000 });
      const exact = await withTarget(`${sized.url}exact`, { maxBodyBytes: 1000 });

      expect(cut.body).toHaveLength(1000);
      expect(cut.bodyTruncated).toBe(true);
      expect(exact.body).toHaveLength(1000);
      expect(exact.bodyTruncated).toBe(false);
    });
  });
});
