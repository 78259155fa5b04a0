import { RateLimiterMemory } from 'rate-limiter-flexible';
import { createMemoryProbeCache } from '../../src/probe/probe-cache';
import {
  cacheKey,
  createOperatorProber,
  createProber,
  DEFAULT_PER_HOST_CONCURRENCY,
  withProbeClient,
  type ProberOptions,
} from '../../src/probe/prober';
import { createStaticResolver } from '../../src/probe/resolver';
import { isProbeLimit, isRuleRefusal, PROBE_NOTES, type ProbeResult } from '../../src/contracts';
import { publicView } from '../../src/probe/public-view';
import {
  closedPort,
  createCountingSite,
  createHttpServer,
  createHungServer,
  createTlsServer,
  localhostCert,
  type LoopbackServer,
} from '../helpers/loopback-servers';

const LOOPBACK = ['127.0.0.0/8'];

function createLoopbackProber(options: ProberOptions = {}) {
  return createProber({
    allowCidrs: LOOPBACK,
    timeoutMs: 2000,
    recheckDelayMs: 20,
    perHostLimiter: new RateLimiterMemory({ points: 1000, duration: 10 }),
    ...options,
  });
}

describe('createProber against loopback sites', () => {
  let up: LoopbackServer;
  let badGateway: LoopbackServer;
  let flapping: LoopbackServer;
  let slow: LoopbackServer;
  let badGatewayHits = 0;
  let flappingHits = 0;

  beforeAll(async () => {
    up = await createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<p>all good, even if this page mentions 502 Bad Gateway</p>');
    });
    badGateway = await createHttpServer((_req, res) => {
      badGatewayHits += 1;
      res.writeHead(502, { server: 'nginx', 'content-type': 'text/html' });
      res.end(
        '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>',
      );
    });
    flapping = await createHttpServer((_req, res) => {
      flappingHits += 1;
      res.writeHead(flappingHits % 2 === 1 ? 502 : 200);
      res.end('x');
    });
    slow = await createHttpServer((_req, res) => {
      setTimeout(() => {
        res.writeHead(502, { server: 'nginx' });
        res.end('slow 502');
      }, 150);
    });
  });
  afterAll(async () => {
    await Promise.all([up.close(), badGateway.close(), flapping.close(), slow.close()]);
  });

  it('calls a 200 page up with troubleshoot advice, whatever its text says', async () => {
    const result = await createLoopbackProber().probe(up.url);
    expect(result).toMatchObject({ verdict: 'up', advice: 'troubleshoot', httpStatus: 200 });
    expect(result.producer).toBeUndefined();
    expect(Number.isNaN(Date.parse(result.checkedAt))).toBe(false);
    expect(result.timings.totalMs).toBeGreaterThan(0);
  });

  it('confirms a 502 with a re-check and names nginx', async () => {
    badGatewayHits = 0;
    const result = await createLoopbackProber().probe(badGateway.url);
    expect(result).toMatchObject({ verdict: 'down', advice: 'wait', httpStatus: 502, producer: 'nginx' });
    expect(badGatewayHits).toBe(2);
    expect(result.evidence).toContainEqual({ kind: 'recheck', status: 502, verdict: 'down' });
  });

  it('calls a site that fails then answers degraded', async () => {
    flappingHits = 0;
    const result = await createLoopbackProber().probe(flapping.url);
    expect(result).toMatchObject({ verdict: 'degraded', advice: 'admin_check', httpStatus: 502 });
  });

  it('judges a refused connection down at once', async () => {
    const closed = await closedPort();
    const result = await createLoopbackProber().probe(closed.url);
    await closed.close();
    expect(result).toMatchObject({ verdict: 'down', advice: 'wait' });
    expect(result.httpStatus).toBeUndefined();
    expect(result.evidence).toContainEqual({ kind: 'note', code: 'connect_error', detail: 'ECONNREFUSED' });
  });

  it('judges a hung server timeout at the budget', async () => {
    const hung = await createHungServer();
    const started = performance.now();
    const result = await createLoopbackProber({ timeoutMs: 400 }).probe(hung.url);
    const elapsed = performance.now() - started;
    await hung.close();
    expect(result.verdict).toBe('timeout');
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(400 * 1.25 + 100);
  });

  it('blocks loopback without an allowlist, and reads the same as a refused site', async () => {
    const result = await createProber({ timeoutMs: 1000 }).probe(up.url);
    expect(result).toMatchObject({ verdict: 'blocked', advice: 'wait' });
    expect(result.evidence).toContainEqual({ kind: 'refused', reason: 'address' });
  });

  it('refuses unusable targets without any network work', async () => {
    const prober = createLoopbackProber();
    expect((await prober.probe('ftp://example.com/')).verdict).toBe('invalid');
    expect((await prober.probe('not a url at all ::')).verdict).toBe('invalid');
    expect((await prober.probe('https://user:secret@example.com/')).verdict).toBe('blocked');
    expect(prober.stats().outbound).toBe(0);
  });

  it('coalesces simultaneous probes of one URL into one outbound probe and caches the result', async () => {
    badGatewayHits = 0;
    const prober = createLoopbackProber();
    const results = await Promise.all(Array.from({ length: 50 }, () => prober.probe(badGateway.url)));
    expect(new Set(results.map((r) => r.checkedAt)).size).toBe(1);
    expect(prober.stats().outbound).toBe(1);
    expect(prober.stats().joined).toBe(49);
    const later = await prober.probe(badGateway.url);
    expect(later.checkedAt).toBe(results[0]?.checkedAt);
    expect(prober.stats().cacheHits).toBe(1);
    expect(badGatewayHits).toBe(2); // one probe and its re-check
  });

  it('keeps down results for a shorter time than up results', async () => {
    let clock = 1_000_000;
    const now = () => clock;
    const prober = createLoopbackProber({ now, cache: createMemoryProbeCache({ now }) });
    const first = await prober.probe(badGateway.url);
    clock += 16_000; // past the 15 s for a failing site
    const second = await prober.probe(badGateway.url);
    expect(second.checkedAt).not.toBe(first.checkedAt);
    const upFirst = await prober.probe(up.url);
    clock += 16_000; // well within the 60 s for a working site
    expect((await prober.probe(up.url)).checkedAt).toBe(upFirst.checkedAt);
  });

  it('says rate_limited, never blocked, when the host budget is spent and waiting would not fit', async () => {
    const prober = createLoopbackProber({
      perHostLimiter: new RateLimiterMemory({ points: 2, duration: 60 }),
      ttls: { upMs: 0, downMs: 0, refusedMs: 0 },
    });
    const results: ProbeResult[] = [];
    for (const path of ['a', 'b', 'c']) results.push(await prober.probe(`${up.url}${path}`));
    expect(results.map((r) => r.verdict)).toEqual(['up', 'up', 'rate_limited']);
    const limited = results[2] as ProbeResult;
    expect(limited).toMatchObject({ url: `${up.url}c`, advice: 'wait', evidence: [{ kind: 'refused', reason: 'rate-limited' }] });
    // The window is a minute: the answer says so rather than "a few seconds".
    expect(limited.retryAfterMs).toBeGreaterThan(50_000);
    expect(limited.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(isProbeLimit(limited)).toBe(true);
    expect(isRuleRefusal(limited)).toBe(false);
    expect(prober.stats().rateLimited).toBe(1);
  });

  it("waits for the host's budget when it frees up within half the probe's budget, and checks the page itself", async () => {
    const seen: string[] = [];
    const site = await createHttpServer((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(200);
      res.end('ok');
    });
    try {
      const prober = createLoopbackProber({ timeoutMs: 4000, perHostLimiter: new RateLimiterMemory({ points: 1, duration: 1 }) });
      const first = await prober.probe(`${site.url}cart`);
      const second = await prober.probe(`${site.url}checkout`);
      expect(first.verdict).toBe('up');
      expect(second).toMatchObject({ verdict: 'up', url: `${site.url}checkout` });
      expect(second.evidence.some((e) => e.kind === 'note' && e.code === PROBE_NOTES.hostResult)).toBe(false);
      expect(seen).toEqual(['/cart', '/checkout']);
      expect(prober.stats().rateLimited).toBe(0);
    } finally {
      await site.close();
    }
  });

  it("lends the host's latest answer, naming the page and when it was checked, when waiting would not fit", async () => {
    const prober = createLoopbackProber({ perHostLimiter: new RateLimiterMemory({ points: 1, duration: 60 }) });
    const first = await prober.probe(`${badGateway.url}cart`);
    const other = await prober.probe(`${badGateway.url}checkout`);
    expect(other).toMatchObject({ verdict: 'down', url: `${badGateway.url}checkout`, checkedAt: first.checkedAt });
    expect(other.evidence).toContainEqual({ kind: 'note', code: 'host-result', detail: `${badGateway.url}cart` });
    // The view the chat receives keeps the page (origin and path) and the time.
    const view = publicView(other);
    expect(view).toMatchObject({ verdict: 'down', url: `${badGateway.url}checkout`, checkedAt: first.checkedAt });
    expect(view.evidence).toContainEqual({ kind: 'note', code: 'host-result', detail: `${badGateway.url}cart` });
  });

  it('rate-limits each person but not the people who share a cached answer', async () => {
    const prober = createLoopbackProber({ perRequesterLimiter: new RateLimiterMemory({ points: 1, duration: 60 }) });
    expect((await prober.probe(`${up.url}one`, { requester: 'alice' })).verdict).toBe('up');
    const limited = await prober.probe(`${up.url}two`, { requester: 'alice' });
    expect(limited).toMatchObject({ verdict: 'rate_limited', advice: 'wait' });
    expect(limited.evidence).toEqual([{ kind: 'refused', reason: 'rate-limited' }]);
    expect((await prober.probe(`${up.url}one`, { requester: 'alice' })).verdict).toBe('up'); // cached: free
    expect((await prober.probe(`${up.url}two`, { requester: 'bob' })).verdict).toBe('up');
  });

  it('rate-limits one client address over every person behind it', async () => {
    const prober = createLoopbackProber({
      perRequesterLimiter: new RateLimiterMemory({ points: 5, duration: 60 }),
      perClientLimiter: new RateLimiterMemory({ points: 2, duration: 60 }),
    });
    // A new person id per page, as web chat hands out one per token: only the address stays the same.
    expect((await prober.probe(`${up.url}c1`, { requester: 'p1', client: 'addr-a' })).verdict).toBe('up');
    expect((await prober.probe(`${up.url}c2`, { requester: 'p2', client: 'addr-a' })).verdict).toBe('up');
    const limited = await prober.probe(`${up.url}c3`, { requester: 'p3', client: 'addr-a' });
    expect(limited.evidence).toContainEqual({ kind: 'refused', reason: 'rate-limited' });
    expect((await prober.probe(`${up.url}c1`, { requester: 'p4', client: 'addr-a' })).verdict).toBe('up'); // cached: free
    expect((await prober.probe(`${up.url}c3`, { requester: 'p3', client: 'addr-b' })).verdict).toBe('up');
    expect(prober.stats()).toMatchObject({ outbound: 3, rateLimited: 1 });
  });

  it('charges the client of the surrounding withProbeClient scope, across awaits', async () => {
    const prober = createLoopbackProber({ perClientLimiter: new RateLimiterMemory({ points: 1, duration: 60 }) });
    const asClient = (path: string) =>
      withProbeClient('addr-c', async () => {
        await new Promise((resolve) => setImmediate(resolve));
        return prober.probe(`${up.url}${path}`, { requester: `someone-${path}` });
      });
    expect((await asClient('s1')).verdict).toBe('up');
    expect((await asClient('s2')).evidence).toContainEqual({ kind: 'refused', reason: 'rate-limited' });
    // Outside any scope (the watcher, the CLI) only the person's and the host's limits apply.
    expect((await prober.probe(`${up.url}s2`, { requester: 'someone-s2' })).verdict).toBe('up');
    expect((await withProbeClient(undefined, () => prober.probe(`${up.url}s3`))).verdict).toBe('up');
  });

  it('answers rate_limited (busy) rather than queueing past the budget when every slot is taken', async () => {
    const prober = createLoopbackProber({ maxConcurrent: 1, timeoutMs: 100, ttls: { upMs: 0, downMs: 0, refusedMs: 0 } });
    const [first, second] = await Promise.all([prober.probe(`${slow.url}x`), prober.probe(`${slow.url}y`)]);
    expect(first?.verdict).toBe('timeout');
    // Every slot taken is our own limit too: the same verdict, and a slot frees up within a probe's budget.
    expect(second).toMatchObject({ verdict: 'rate_limited', advice: 'wait', retryAfterMs: 100 });
    expect(second?.evidence).toEqual([{ kind: 'refused', reason: 'busy' }]);
  });

  it('resolves names through the injected resolver and refuses a name that points inside', async () => {
    const resolver = createStaticResolver({ 'intranet.example': ['10.1.2.3'], 'site.example': ['127.0.0.1'] });
    const prober = createLoopbackProber({ resolver });
    expect((await prober.probe('http://intranet.example/')).verdict).toBe('blocked');
    const port = new URL(up.url).port;
    expect((await prober.probe(`http://site.example:${port}/`)).verdict).toBe('up');
  });

  it('shares results per origin and path, not per query string', () => {
    expect(cacheKey(new URL('https://Example.com/a?x=1#f'))).toBe(cacheKey(new URL('https://example.com/a?y=2')));
    expect(cacheKey(new URL('https://example.com/a'))).not.toBe(cacheKey(new URL('https://example.com/b')));
  });
});

describe('a host typed without a scheme', () => {
  let plain: LoopbackServer;
  let secure: LoopbackServer;
  beforeAll(async () => {
    plain = await createHttpServer((_req, res) => {
      res.writeHead(200);
      res.end('plain http');
    });
    secure = await createTlsServer((_req, res) => {
      res.writeHead(200);
      res.end('over tls');
    }, localhostCert());
  });
  afterAll(async () => {
    await Promise.all([plain.close(), secure.close()]);
  });

  const note = (result: ProbeResult, code: string) =>
    result.evidence.find((e): e is Extract<ProbeResult['evidence'][number], { kind: 'note' }> => e.kind === 'note' && e.code === code);

  it('is tried over https, then over http when https got no HTTP answer; the result names the URL that answered', async () => {
    const result = await createLoopbackProber().probe(`127.0.0.1:${plain.port}/shop`);
    expect(result).toMatchObject({ verdict: 'up', httpStatus: 200, url: `http://127.0.0.1:${plain.port}/shop` });
    // A plain-HTTP port answers a TLS hello with garbage: a handshake error, not a certificate verdict.
    expect(note(result, PROBE_NOTES.httpsFailed)?.detail).toMatch(/SSL|TLS|EPROTO|ECONNRESET/);
    expect(result.evidence[0]).toMatchObject({ kind: 'note', code: PROBE_NOTES.httpsFailed });
  });

  it('stays on https when https answered, even with a certificate the probe does not trust', async () => {
    const result = await createLoopbackProber().probe(`127.0.0.1:${secure.port}/`);
    expect(result).toMatchObject({ verdict: 'tls_error', httpStatus: 200, url: `https://127.0.0.1:${secure.port}/` });
    expect(note(result, PROBE_NOTES.httpsFailed)).toBeUndefined();
    expect(secure.connections()).toBeGreaterThan(0);
  });

  it('is not retried over http when the person typed https:// themselves', async () => {
    const before = plain.connections();
    const result = await createLoopbackProber().probe(`https://127.0.0.1:${plain.port}/`);
    expect(result).toMatchObject({ verdict: 'tls_error', url: `https://127.0.0.1:${plain.port}/` });
    expect(result.httpStatus).toBeUndefined();
    expect(note(result, PROBE_NOTES.httpsFailed)).toBeUndefined();
    expect(plain.connections() - before).toBe(1);
  });

  it('falls back when the caller says the https:// was added, not typed (the chat)', async () => {
    const result = await createLoopbackProber().probe(`https://127.0.0.1:${plain.port}/`, { schemeTyped: false });
    expect(result).toMatchObject({ verdict: 'up', url: `http://127.0.0.1:${plain.port}/` });
  });

  it('keeps the https answer, noting that http failed too, when neither answered', async () => {
    const closed = await closedPort();
    const result = await createLoopbackProber().probe(`127.0.0.1:${closed.port}`);
    expect(result).toMatchObject({ verdict: 'down', url: `https://127.0.0.1:${closed.port}/` });
    expect(note(result, PROBE_NOTES.httpFailed)?.detail).toBe('ECONNREFUSED');
    // Still reads as a refused connection in the public view, like any refused site.
    expect(publicView(result)).toMatchObject({
      verdict: 'down',
      evidence: [{ kind: 'note', code: 'connect_error', detail: 'ECONNREFUSED' }],
    });
  });

  it('never falls back for a target the address rules refuse', async () => {
    const before = plain.connections();
    const result = await createProber({ timeoutMs: 1000 }).probe(`127.0.0.1:${plain.port}`);
    expect(result.verdict).toBe('blocked');
    expect(plain.connections()).toBe(before);
  });

  it('is cached apart from the same URL typed with https://', async () => {
    const prober = createLoopbackProber();
    expect((await prober.probe(`127.0.0.1:${plain.port}/c`)).verdict).toBe('up');
    expect((await prober.probe(`https://127.0.0.1:${plain.port}/c`)).verdict).toBe('tls_error');
    expect((await prober.probe(`127.0.0.1:${plain.port}/c`)).url).toBe(`http://127.0.0.1:${plain.port}/c`);
    expect(prober.stats().cacheHits).toBe(1);
  });
});

describe('createOperatorProber (the CLI and the admin API)', () => {
  it('answers every page of one host with its own result, at most N at once, none rate-limited', async () => {
    const site = await createCountingSite(20);
    try {
      const prober = createOperatorProber({ allowCidrs: LOOPBACK, timeoutMs: 2000 });
      const urls = Array.from({ length: 60 }, (_, i) => `${site.server.url}page-${i}`);
      const results = await Promise.all(urls.map((url) => prober.probe(url)));
      expect(results.map((r) => r.url)).toEqual(urls);
      expect(results.every((r) => r.verdict === 'up')).toBe(true);
      expect(results.some((r) => r.evidence.some((e) => e.kind === 'note' && e.code === PROBE_NOTES.hostResult))).toBe(false);
      expect(new Set(site.paths).size).toBe(60);
      expect(site.peak()).toBeLessThanOrEqual(DEFAULT_PER_HOST_CONCURRENCY);
      expect(site.peak()).toBeGreaterThan(1);
      expect(prober.stats()).toMatchObject({ outbound: 60, rateLimited: 0 });
    } finally {
      await site.server.close();
    }
  });

  it('follows its per-host setting, and lets different hosts run side by side', async () => {
    const site = await createCountingSite(20);
    try {
      const resolver = createStaticResolver({ 'a.test': ['127.0.0.1'], 'b.test': ['127.0.0.1'] });
      const one = createOperatorProber({ allowCidrs: LOOPBACK, perHostConcurrency: 1, resolver });
      await Promise.all(Array.from({ length: 6 }, (_, i) => one.probe(`http://a.test:${site.server.port}/x${i}`)));
      expect(site.peak()).toBe(1);
      await Promise.all(
        ['a.test', 'b.test'].flatMap((host) => Array.from({ length: 4 }, (_, i) => one.probe(`http://${host}:${site.server.port}/y${i}`))),
      );
      expect(site.peak()).toBe(2);
    } finally {
      await site.server.close();
    }
  });

  it('starts each probe’s budget when it leaves the queue, so a long batch does not time out', async () => {
    const site = await createCountingSite(60);
    try {
      // Ten pages one at a time take ~600 ms: far past a 300 ms budget counted from the start of the batch.
      const prober = createOperatorProber({ allowCidrs: LOOPBACK, timeoutMs: 300, perHostConcurrency: 1 });
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => prober.probe(`${site.server.url}q${i}`)));
      expect(results.map((r) => r.verdict)).toEqual(Array(10).fill('up'));
    } finally {
      await site.server.close();
    }
  });

  it('keeps the address rules, the URL rules and the http fallback of the public prober', async () => {
    const site = await createCountingSite(0);
    try {
      expect((await createOperatorProber().probe(site.server.url)).verdict).toBe('blocked');
      const prober = createOperatorProber({ allowCidrs: LOOPBACK });
      expect((await prober.probe('ftp://example.com/')).verdict).toBe('invalid');
      expect(await prober.probe(`127.0.0.1:${site.server.port}/bare`)).toMatchObject({
        verdict: 'up',
        url: `http://127.0.0.1:${site.server.port}/bare`,
      });
    } finally {
      await site.server.close();
    }
  });

  it('refuses a per-host setting that is not a positive whole number', () => {
    expect(() => createOperatorProber({ perHostConcurrency: 0 })).toThrow(RangeError);
    expect(() => createOperatorProber({ perHostConcurrency: 1.5 })).toThrow(RangeError);
  });
});
