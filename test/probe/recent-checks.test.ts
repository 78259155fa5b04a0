import { createRecentChecks, HISTORY_BUCKET_MS } from '../../src/probe/recent-checks';
import type { ProbeResult } from '../../src/contracts';

function result(url: string, overrides: Partial<ProbeResult> = {}): ProbeResult {
  return {
    url,
    verdict: 'up',
    advice: 'troubleshoot',
    httpStatus: 200,
    timings: { totalMs: 5 },
    evidence: [],
    checkedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

function publicHosts(statusHosts: string[], urls: string[]): string[] {
  const checks = createRecentChecks({ statusHosts });
  for (const url of urls) checks.record(result(url));
  return checks.listPublic().map((row) => row.host);
}

describe('createRecentChecks: what the public board lists', () => {
  it('lists nothing without STATUS_HOSTS, and says so', () => {
    const checks = createRecentChecks();
    checks.record(result('https://shop.example/'));
    expect(checks.listPublic()).toEqual([]);
    expect(checks.hasListedHosts()).toBe(false);
    expect(checks.list().map((row) => row.host)).toEqual(['shop.example']);
  });

  it('matches a configured host with and without www. and on any port', () => {
    const urls = [
      'https://shop.example/',
      'https://www.shop.example/',
      'http://shop.example:8080/',
      'https://shop.example.evil.test/',
      'https://notshop.example/',
    ];
    expect(publicHosts(['shop.example'], urls)).toEqual(['shop.example:8080', 'www.shop.example', 'shop.example']);
    expect(publicHosts(['WWW.Shop.Example.'], urls)).toEqual(['shop.example:8080', 'www.shop.example', 'shop.example']);
  });

  it('matches only the configured port when one is given (80 and 443 are the URL without a port)', () => {
    const urls = ['https://shop.example/', 'http://shop.example:8080/', 'http://shop.example:9090/'];
    expect(publicHosts(['shop.example:8080'], urls)).toEqual(['shop.example:8080']);
    expect(publicHosts(['shop.example:443'], urls)).toEqual(['shop.example']);
  });

  it('accepts IPv6 literals and pasted URLs, and ignores entries that are not hosts', () => {
    expect(publicHosts(['[2001:db8::1]:8443'], ['https://[2001:db8::1]:8443/', 'https://[2001:db8::1]/'])).toEqual(['[2001:db8::1]:8443']);
    expect(publicHosts(['https://status.example/path'], ['https://status.example/'])).toEqual(['status.example']);
    expect(publicHosts(['', 'a b', 'x:y:z'], ['https://a/'])).toEqual([]);
  });

  it('lists a host with an open incident too (the seam incidents will use)', () => {
    let open: string[] = [];
    const checks = createRecentChecks({ openIncidentHosts: () => open });
    checks.record(result('https://shop.example/'));
    expect(checks.listPublic()).toEqual([]);
    open = ['shop.example'];
    expect(checks.listPublic().map((row) => row.host)).toEqual(['shop.example']);
    expect(checks.hasListedHosts()).toBe(true);
  });

  it('lists a host enough people reported too (the seam crowd reports use)', () => {
    let reported: string[] = [];
    const checks = createRecentChecks({ statusHosts: ['shop.example'], crowdReportedHosts: () => reported });
    checks.record(result('https://blog.example/'));
    expect(checks.listPublic().map((row) => row.host)).toEqual([]);
    reported = ['www.blog.example'];
    expect(checks.listPublic().map((row) => row.host)).toEqual(['blog.example']);
  });

  it('shows listed rows through the public view with the URL cut to its origin; the admin list keeps the truth', () => {
    const checks = createRecentChecks({ statusHosts: ['intranet.example'] });
    const refused = {
      verdict: 'blocked',
      advice: 'wait',
      httpStatus: undefined,
      evidence: [{ kind: 'refused', reason: 'credentials' }],
    } as const;
    checks.record(result('http://user:pw@intranet.example/private?token=abc', { ...refused, evidence: [...refused.evidence] }));
    expect(checks.listPublic()).toEqual([
      {
        host: 'intranet.example',
        url: 'http://intranet.example/',
        verdict: 'down',
        advice: 'wait',
        checkedAt: '2026-01-01T00:00:00.000Z',
        asks: 1,
        history: [],
      },
    ]);
    expect(checks.list()[0]).toMatchObject({ verdict: 'blocked', url: 'http://user:pw@intranet.example/private?token=abc' });
  });

  it('does not let a check our own limits stopped replace what the site last said', () => {
    const checks = createRecentChecks({ statusHosts: ['shop.example'] });
    checks.record(result('https://shop.example/', { verdict: 'down', advice: 'wait', httpStatus: 502 }));
    const limited = result('https://shop.example/', { verdict: 'rate_limited', advice: 'wait', httpStatus: undefined });
    checks.record({ ...limited, evidence: [{ kind: 'refused', reason: 'rate-limited' }] });
    checks.record({ ...limited, evidence: [{ kind: 'refused', reason: 'busy' }], retryAfterMs: 4000 });
    // Stored before rate_limited existed: a limit said `blocked` then.
    checks.record({ ...limited, verdict: 'blocked', evidence: [{ kind: 'refused', reason: 'rate-limited' }] });
    expect(checks.listPublic()).toEqual([expect.objectContaining({ verdict: 'down', httpStatus: 502, asks: 1 })]);
    expect(checks.list()).toEqual([expect.objectContaining({ verdict: 'down', asks: 1 })]);
  });

  it('does not record an answer lent from another page of the host as a new check of this one', () => {
    const checks = createRecentChecks({ statusHosts: ['shop.example'] });
    checks.record(result('https://shop.example/cart', { verdict: 'down', advice: 'wait', httpStatus: 502 }));
    checks.record(
      result('https://shop.example/checkout', {
        verdict: 'down',
        advice: 'wait',
        httpStatus: 502,
        evidence: [{ kind: 'note', code: 'host-result', detail: 'https://shop.example/cart' }],
      }),
    );
    expect(checks.list()).toEqual([expect.objectContaining({ url: 'https://shop.example/cart', asks: 1 })]);
  });

  it('stays bounded', () => {
    const checks = createRecentChecks({ maxHosts: 3, statusHosts: ['a.example', 'b.example', 'c.example', 'd.example'] });
    for (const host of ['a', 'b', 'c', 'd']) checks.record(result(`https://${host}.example/`));
    expect(checks.list().map((row) => row.host)).toEqual(['d.example', 'c.example', 'b.example']);
    expect(checks.listPublic(2).map((row) => row.host)).toEqual(['d.example', 'c.example']);
  });
});

describe('createRecentChecks: the 24-hour history the board draws', () => {
  const START = Date.parse('2026-01-01T00:00:00.000Z');
  const at = (ms: number) => new Date(START + ms).toISOString();

  it('buckets checks by 15 minutes, oldest first, with the worst verdict and the mean time of each bucket', () => {
    const checks = createRecentChecks({ statusHosts: ['shop.example'], now: () => START + 3 * HISTORY_BUCKET_MS });
    checks.record(result('https://shop.example/', { checkedAt: at(60_000), timings: { totalMs: 100 } }));
    checks.record(
      result('https://shop.example/', {
        checkedAt: at(120_000),
        verdict: 'down',
        advice: 'wait',
        httpStatus: 502,
        timings: { totalMs: 300 },
      }),
    );
    checks.record(result('https://shop.example/', { checkedAt: at(180_000), timings: { totalMs: 200 } }));
    checks.record(result('https://shop.example/', { checkedAt: at(HISTORY_BUCKET_MS + 5), timings: { totalMs: 50 } }));
    expect(checks.listPublic()[0]?.history).toEqual([
      { at: at(0), verdict: 'down', totalMs: 200 },
      { at: at(HISTORY_BUCKET_MS), verdict: 'up', totalMs: 50 },
    ]);
  });

  it('keeps the public view: a target our rules refused reads as down in the history too', () => {
    const checks = createRecentChecks({ statusHosts: ['intranet.example'], now: () => START });
    checks.record(
      result('http://intranet.example/', {
        verdict: 'blocked',
        advice: 'wait',
        httpStatus: undefined,
        evidence: [{ kind: 'refused', reason: 'address' }],
      }),
    );
    expect(checks.listPublic()[0]?.history).toEqual([{ at: at(0), verdict: 'down', totalMs: 5 }]);
  });

  it('forgets what is older than 24 hours and keeps at most 96 buckets per host', () => {
    let now = START;
    const checks = createRecentChecks({ statusHosts: ['shop.example'], now: () => now });
    for (let i = 0; i < 200; i++) checks.record(result('https://shop.example/', { checkedAt: at(i * HISTORY_BUCKET_MS) }));
    now = START + 199 * HISTORY_BUCKET_MS;
    const history = checks.listPublic()[0]?.history ?? [];
    expect(history).toHaveLength(96);
    expect(history[0]?.at).toBe(at(104 * HISTORY_BUCKET_MS));
    now += 12 * 60 * 60_000;
    expect(checks.listPublic()[0]?.history).toHaveLength(48);
  });

  it('survives a check with an unreadable time by filing it under now', () => {
    const checks = createRecentChecks({ statusHosts: ['shop.example'], now: () => START });
    checks.record(result('https://shop.example/', { checkedAt: 'not a date', timings: { totalMs: Number.NaN } }));
    expect(checks.listPublic()[0]?.history).toEqual([{ at: at(0), verdict: 'up', totalMs: 0 }]);
  });
});
