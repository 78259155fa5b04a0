import { createRecentChecks } from '../../src/probe/recent-checks';
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
