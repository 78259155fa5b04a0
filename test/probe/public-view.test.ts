import { RateLimiterMemory } from 'rate-limiter-flexible';
import { createAddressPolicy } from '../../src/probe/address-policy';
import { DEFAULT_TTLS, ttlFor } from '../../src/probe/probe-cache';
import { createProber } from '../../src/probe/prober';
import { createRefusalPadding, publicDnsReport, publicView, sharedPage, withoutCredentials } from '../../src/probe/public-view';
import { createStaticResolver } from '../../src/probe/resolver';
import { isProbeLimit, isRuleRefusal, readsAsRefused, type ProbeResult, type PublicProbeResult } from '../../src/contracts';
import { closedPort, createHttpServer, type LoopbackServer } from '../helpers/loopback-servers';

/** Names that resolve inside: the prober refuses them before any connection, so no packet leaves loopback. */
const RESOLVER = createStaticResolver({
  localhost: ['127.0.0.1'],
  'intranet.test': ['10.0.0.7'],
  'metadata.test': ['169.254.169.254'],
  'mixed.test': ['127.0.0.1', '10.0.0.7'],
});

/** The JSON shape of a value: every key path and the type at it, values left out. */
function shapeOf(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return [`${path}:array`, ...value.flatMap((item, index) => shapeOf(item, `${path}[${index}]`))];
  if (value !== null && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .sort(([a], [b]) => a.localeCompare(b))
      .flatMap(([key, item]) => shapeOf(item, `${path}.${key}`));
  }
  return [`${path}:${typeof value}`];
}

/** What may differ between two views of one kind of answer: when it was checked and how long it took. */
function comparable(view: PublicProbeResult): Omit<PublicProbeResult, 'checkedAt' | 'timings'> {
  const { checkedAt: _checkedAt, timings: _timings, ...rest } = view;
  return rest;
}

describe('publicView against real probes', () => {
  let closed: LoopbackServer;
  let badGateway: LoopbackServer;
  const allowing = () =>
    createProber({
      allowCidrs: ['127.0.0.0/8'],
      resolver: RESOLVER,
      timeoutMs: 1500,
      perHostLimiter: new RateLimiterMemory({ points: 100, duration: 10 }),
    });
  const strict = () => createProber({ resolver: RESOLVER, timeoutMs: 1500 });

  beforeAll(async () => {
    closed = await closedPort();
    badGateway = await createHttpServer((_req, res) => {
      res.writeHead(502, { server: 'nginx' });
      res.end('<h1>502 Bad Gateway</h1><hr><center>nginx</center>');
    });
  });
  afterAll(async () => {
    await badGateway.close();
  });

  it('shows a URL our rules refused exactly like the same URL refusing the connection', async () => {
    const refused = await allowing().probe(closed.url);
    const blocked = await strict().probe(closed.url);
    expect(refused.verdict).toBe('down');
    expect(blocked.verdict).toBe('blocked');
    expect(isRuleRefusal(blocked)).toBe(true);

    const a = publicView(blocked, { paddingMs: createRefusalPadding() });
    const b = publicView(refused);
    expect(comparable(a)).toEqual(comparable(b));
    expect(shapeOf(a)).toEqual(shapeOf(b));
    expect(a).toMatchObject({
      verdict: 'down',
      advice: 'wait',
      evidence: [{ kind: 'note', code: 'connect_error', detail: 'ECONNREFUSED' }],
    });
    expect(Object.keys(a.timings)).toEqual(['totalMs']);
  });

  it.each([
    ['a name resolving to a private address', 'http://intranet.test/'],
    ['the cloud metadata service by name', 'http://metadata.test/latest/meta-data/'],
    ['the cloud metadata service by address', 'http://169.254.169.254/latest/meta-data/'],
    ['a name with one private address among public ones', 'http://mixed.test/'],
    ['credentials in the URL', 'https://user:secret@example.com/'],
  ])('leaves nothing of %s in the public JSON', async (_name, url) => {
    const truth = await strict().probe(url);
    expect(truth.verdict).toBe('blocked');
    const view = publicView(truth);
    // The URL is what the person typed (minus credentials); everything else must be free of the truth.
    const { url: shownUrl, ...rest } = view;
    expect(shownUrl).not.toContain('secret');
    expect(JSON.stringify(rest)).not.toMatch(/blocked|refused|address|10\.0\.0\.7|169\.254|127\.0\.0\.1|secret/);
    expect(shapeOf(view)).toEqual(shapeOf(publicView(await allowing().probe(closed.url))));
  });

  it('keeps what a working or failing public site said', async () => {
    const truth = await allowing().probe(badGateway.url);
    const view = publicView(truth);
    expect(readsAsRefused(truth)).toBe(false);
    expect(view).toEqual({ ...truth, evidence: truth.evidence, timings: truth.timings });
    expect(view.evidence).not.toBe(truth.evidence);
  });
});

describe('publicView rules', () => {
  const base: ProbeResult = {
    url: 'https://shop.example/',
    verdict: 'up',
    advice: 'troubleshoot',
    timings: { dnsMs: 1, connectMs: 2, totalMs: 10 },
    evidence: [],
    checkedAt: '2026-01-01T00:00:00.000Z',
  };

  it('keeps our own limits as rate_limited: the person must hear that the check was paused, and when to try again', () => {
    for (const reason of ['rate-limited', 'busy'] as const) {
      const limited: ProbeResult = {
        ...base,
        verdict: 'rate_limited',
        advice: 'wait',
        evidence: [{ kind: 'refused', reason }],
        retryAfterMs: 1200,
      };
      expect(isRuleRefusal(limited)).toBe(false);
      expect(readsAsRefused(limited)).toBe(false);
      expect(publicView(limited)).toEqual({
        url: base.url,
        verdict: 'rate_limited',
        advice: 'wait',
        timings: { totalMs: 10 },
        evidence: [{ kind: 'refused', reason }],
        checkedAt: base.checkedAt,
        retryAfterMs: 1200,
      });
    }
  });

  it('never lets a limited result carry facts about the target, nor read as blocked', () => {
    const crafted: ProbeResult = {
      ...base,
      verdict: 'rate_limited',
      advice: 'troubleshoot',
      httpStatus: 502,
      producer: 'nginx',
      evidence: [
        { kind: 'dns', addresses: ['10.1.2.3'] },
        { kind: 'refused', reason: 'address' },
        { kind: 'refused', reason: 'rate-limited' },
      ],
    };
    const view = publicView(crafted);
    expect(view).toMatchObject({ verdict: 'rate_limited', advice: 'wait', evidence: [{ kind: 'refused', reason: 'rate-limited' }] });
    expect(JSON.stringify(view)).not.toMatch(/10\.1\.2\.3|address|nginx|502|dnsMs/);
    expect(publicView(view)).toEqual(view);
  });

  it('reads a result stored before rate_limited existed (blocked by a limit) as rate_limited', () => {
    const legacy: ProbeResult = { ...base, verdict: 'blocked', advice: 'wait', evidence: [{ kind: 'refused', reason: 'busy' }] };
    expect(isProbeLimit(legacy)).toBe(true);
    expect(isRuleRefusal(legacy)).toBe(false);
    expect(publicView(legacy)).toMatchObject({ verdict: 'rate_limited', evidence: [{ kind: 'refused', reason: 'busy' }] });
  });

  it('is idempotent', () => {
    const blocked: ProbeResult = { ...base, verdict: 'blocked', advice: 'wait', evidence: [{ kind: 'refused', reason: 'address' }] };
    const once = publicView(blocked, { paddingMs: () => 25 });
    expect(publicView(once)).toEqual(once);
    expect(publicView(once, { paddingMs: () => 25 })).toEqual(once);
    expect(once.timings.totalMs).toBe(35);
  });

  it('conceals a refused redirect hop together with the chain that led there', () => {
    const redirected: ProbeResult = {
      ...base,
      verdict: 'blocked',
      advice: 'wait',
      evidence: [
        { kind: 'dns', addresses: ['203.0.113.10'] },
        { kind: 'http', url: 'https://shop.example/', status: 302, server: 'nginx' },
        { kind: 'redirect', from: 'https://shop.example/', to: 'http://10.1.2.3/admin', status: 302 },
        { kind: 'refused', reason: 'address' },
      ],
    };
    expect(JSON.stringify(publicView(redirected))).not.toContain('10.1.2.3');
  });

  it("names the page a shared host result came from, without its query, ids or credentials, nor the asker's credentials", () => {
    const shared: ProbeResult = {
      ...base,
      url: 'https://u:p@shop.example/',
      evidence: [{ kind: 'note', code: 'host-result', detail: 'https://v:q@shop.example/account?token=abc#top' }],
    };
    const view = publicView(shared);
    expect(view.url).toBe('https://shop.example/');
    expect(view.evidence).toEqual([{ kind: 'note', code: 'host-result', detail: 'https://shop.example/account' }]);
    expect(publicView(view)).toEqual(view);
    expect(withoutCredentials('not a url')).toBe('not a url');
  });

  it.each([
    ['https://shop.example/reset/8f14e45fceea167a5a36dedd4bea2543/confirm', 'https://shop.example/reset/.../confirm'],
    ['https://shop.example/orders/20260112/invoice', 'https://shop.example/orders/.../invoice'],
    ['https://shop.example/u/3f2504e0-4f89-11d3-9a0c-0305e82c3301', 'https://shop.example/u/...'],
    ['https://shop.example/products/blue-widget', 'https://shop.example/products/blue-widget'],
    ['https://shop.example/商品/靴', 'https://shop.example/%E5%95%86%E5%93%81/%E9%9D%B4'],
    [`https://shop.example/${'a/'.repeat(40)}`, `https://shop.example/${'a/'.repeat(40).slice(0, 59)}...`],
    ['javascript:alert(1)', undefined],
    ['not a url', undefined],
    [undefined, undefined],
  ])('shows another person’s page %s as %s', (page, shown) => {
    expect(sharedPage(page)).toBe(shown);
    if (shown !== undefined) expect(sharedPage(shown)).toBe(shown);
  });

  it('does not call a site refused when another of its addresses answered', () => {
    const oneOfTwo: ProbeResult = {
      ...base,
      evidence: [
        { kind: 'connect', address: '203.0.113.10', port: 443, ok: false, code: 'ECONNREFUSED' },
        { kind: 'connect', address: '203.0.113.11', port: 443, ok: true },
      ],
    };
    expect(readsAsRefused(oneOfTwo)).toBe(false);
    expect(readsAsRefused({ ...oneOfTwo, verdict: 'down' })).toBe(false);
  });
});

describe('the age of a cached answer', () => {
  it('is the same for a target our rules refused and a refused connection', () => {
    expect(ttlFor('blocked')).toBe(ttlFor('down'));
    expect(ttlFor('blocked', { ...DEFAULT_TTLS, downMs: 1234 })).toBe(1234);
  });
});

describe('createRefusalPadding', () => {
  const result = (url: string): ProbeResult => ({
    url,
    verdict: 'blocked',
    advice: 'wait',
    timings: { totalMs: 0 },
    evidence: [],
    checkedAt: '',
  });

  it('is stable per host, within its range, and depends on the key', () => {
    const pad = createRefusalPadding({ key: Buffer.alloc(32, 1), minMs: 10, maxMs: 80 });
    const hosts = Array.from({ length: 50 }, (_, i) => `http://host-${i}.test/`);
    for (const host of hosts) {
      expect(pad(result(host))).toBeGreaterThanOrEqual(10);
      expect(pad(result(host))).toBeLessThanOrEqual(80);
      expect(pad(result(`${host}other/path`))).toBe(pad(result(host)));
    }
    const other = createRefusalPadding({ key: Buffer.alloc(32, 2), minMs: 10, maxMs: 80 });
    expect(hosts.some((host) => other(result(host)) !== pad(result(host)))).toBe(true);
    expect(new Set(hosts.map((host) => pad(result(host)))).size).toBeGreaterThan(10);
  });
});

describe('publicDnsReport', () => {
  const policy = createAddressPolicy();
  const report = (a: string[], aaaa: string[] = []) => ({
    host: 'shop.example',
    a,
    aaaa,
    cname: ['edge.cdn.example'],
    ns: ['ns1.dns.example'],
  });

  it('shows the records of a name whose every address the probe may reach', () => {
    expect(publicDnsReport(report(['8.8.8.8'], ['2001:4860:4860::8888']), policy)).toEqual(report(['8.8.8.8'], ['2001:4860:4860::8888']));
  });

  it.each([
    ['a private address', ['10.0.0.7'], []],
    ['the metadata service', ['169.254.169.254'], []],
    ['loopback', ['127.0.0.1'], []],
    ['a public address next to a private one', ['8.8.8.8', '192.168.1.4'], []],
    ['a unique-local IPv6 address', [], ['fd00::1']],
    ['an IPv4-mapped private address', [], ['::ffff:10.0.0.7']],
  ])('reads like a name that does not resolve for %s', (_name, a, aaaa) => {
    expect(publicDnsReport(report(a, aaaa), policy)).toEqual({
      host: 'shop.example',
      a: [],
      aaaa: [],
      cname: [],
      ns: [],
      error: 'ENOTFOUND',
    });
  });

  it('follows PROBE_ALLOW_CIDRS like the probe does', () => {
    const intranet = createAddressPolicy({ allowCidrs: ['10.0.0.0/8'] });
    expect(publicDnsReport(report(['10.0.0.7']), intranet).a).toEqual(['10.0.0.7']);
  });

  it('keeps the failure of a name without addresses, and shows no CNAME for it', () => {
    expect(publicDnsReport({ host: 'x.example', a: [], aaaa: [], cname: [], ns: ['ns1.example'], error: 'ESERVFAIL' }, policy)).toEqual({
      host: 'x.example',
      a: [],
      aaaa: [],
      cname: [],
      ns: [],
      error: 'ESERVFAIL',
    });
    expect(publicDnsReport({ host: 'x.example', a: [], aaaa: [], cname: ['inside.corp'], ns: [] }, policy).error).toBe('ENODATA');
  });
});
