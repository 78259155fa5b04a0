import { RateLimiterMemory } from 'rate-limiter-flexible';
import { createMemoryProbeCache } from '../../src/probe/probe-cache';
import { cacheKey, createProber, withProbeClient, type ProberOptions } from '../../src/probe/prober';
import { createStaticResolver } from '../../src/probe/resolver';
import type { ProbeResult } from '../../src/contracts';
import { closedPort, createHttpServer, createHungServer, type LoopbackServer } from '../helpers/loopback-servers';

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

  it('rate-limits outbound probes per target host', async () => {
    const prober = createLoopbackProber({
      perHostLimiter: new RateLimiterMemory({ points: 2, duration: 60 }),
      ttls: { upMs: 0, downMs: 0, refusedMs: 0 },
    });
    const verdicts: ProbeResult['verdict'][] = [];
    for (const path of ['a', 'b', 'c']) verdicts.push((await prober.probe(`${up.url}${path}`)).verdict);
    expect(verdicts).toEqual(['up', 'up', 'blocked']);
    expect(prober.stats().rateLimited).toBe(1);
  });

  it("answers with the host's latest result once the host's probe budget is spent", async () => {
    const prober = createLoopbackProber({ perHostLimiter: new RateLimiterMemory({ points: 1, duration: 60 }) });
    const first = await prober.probe(`${badGateway.url}cart`);
    const other = await prober.probe(`${badGateway.url}checkout`);
    expect(other).toMatchObject({ verdict: 'down', url: `${badGateway.url}checkout`, checkedAt: first.checkedAt });
    expect(other.evidence).toContainEqual({ kind: 'note', code: 'host-result', detail: `${badGateway.url}cart` });
  });

  it('rate-limits each person but not the people who share a cached answer', async () => {
    const prober = createLoopbackProber({ perRequesterLimiter: new RateLimiterMemory({ points: 1, duration: 60 }) });
    expect((await prober.probe(`${up.url}one`, { requester: 'alice' })).verdict).toBe('up');
    const limited = await prober.probe(`${up.url}two`, { requester: 'alice' });
    expect(limited.verdict).toBe('blocked');
    expect(limited.evidence).toContainEqual({ kind: 'refused', reason: 'rate-limited' });
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

  it('answers busy rather than queueing past the budget when every slot is taken', async () => {
    const prober = createLoopbackProber({ maxConcurrent: 1, timeoutMs: 100, ttls: { upMs: 0, downMs: 0, refusedMs: 0 } });
    const [first, second] = await Promise.all([prober.probe(`${slow.url}x`), prober.probe(`${slow.url}y`)]);
    expect(first?.verdict).toBe('timeout');
    expect(second?.evidence).toContainEqual({ kind: 'refused', reason: 'busy' });
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
