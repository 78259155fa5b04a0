import type { FetchOutcome } from '../../src/probe/safe-fetch';
import { combine, judge } from '../../src/probe/verdict';

function outcome(partial: Partial<FetchOutcome>): FetchOutcome {
  return { kind: 'response', finalUrl: 'https://example.com/', timings: { totalMs: 10, ttfbMs: 5 }, evidence: [], ...partial };
}

describe('judge', () => {
  it.each([
    [{ kind: 'response', status: 200 }, 'up', 'troubleshoot', false],
    [{ kind: 'response', status: 301 }, 'up', 'troubleshoot', false],
    [{ kind: 'response', status: 404 }, 'up', 'troubleshoot', false],
    [{ kind: 'response', status: 403 }, 'up', 'troubleshoot', false],
    [{ kind: 'response', status: 429 }, 'degraded', 'wait', false],
    [{ kind: 'response', status: 500 }, 'down', 'wait', true],
    [{ kind: 'response', status: 502 }, 'down', 'wait', true],
    [{ kind: 'response', status: 503 }, 'down', 'wait', true],
    [{ kind: 'response', status: 504 }, 'down', 'wait', true],
    [{ kind: 'connect_error', errorCode: 'ECONNREFUSED' }, 'down', 'wait', true],
    [{ kind: 'connect_error', errorCode: 'ECONNRESET' }, 'down', 'wait', true],
    [{ kind: 'connect_error', errorCode: 'HPE_INVALID_CONSTANT' }, 'down', 'wait', true],
    [{ kind: 'timeout' }, 'timeout', 'wait', false],
    [{ kind: 'dns_error', errorCode: 'ENOTFOUND' }, 'dns_error', 'contact_site', false],
    [{ kind: 'dns_error', errorCode: 'EAI_AGAIN' }, 'dns_error', 'wait', true],
    [{ kind: 'tls_error', errorCode: 'CERT_HAS_EXPIRED', status: 200 }, 'tls_error', 'contact_site', false],
    [{ kind: 'refused', refusal: 'address' }, 'blocked', 'wait', false],
    [{ kind: 'invalid', refusal: 'scheme' }, 'invalid', 'troubleshoot', false],
  ] as const)('%j -> %s / %s (recheck %s)', (partial, verdict, advice, recheck) => {
    expect(judge(outcome(partial as Partial<FetchOutcome>), 4000)).toEqual({ verdict, advice, recheck });
  });

  it('calls a 200 whose body talks about a 502 up: the status decides, not the prose', () => {
    const judged = judge(outcome({ status: 200, body: '<h1>502 Bad Gateway</h1> our blog post about errors' }), 4000);
    expect(judged.verdict).toBe('up');
  });

  it('calls a working but very slow site degraded', () => {
    expect(judge(outcome({ status: 200, timings: { totalMs: 3000, ttfbMs: 2900 } }), 4000).verdict).toBe('degraded');
    expect(judge(outcome({ status: 200, timings: { totalMs: 300, ttfbMs: 200 } }), 4000).verdict).toBe('up');
  });
});

describe('combine', () => {
  const down = { verdict: 'down', advice: 'wait', recheck: true } as const;
  const up = { verdict: 'up', advice: 'troubleshoot', recheck: false } as const;

  it('confirms a failure seen twice', () => {
    expect(combine(down, down)).toEqual({ verdict: 'down', advice: 'wait' });
  });
  it('calls a failure that recovered on the second look flapping', () => {
    expect(combine(down, up)).toEqual({ verdict: 'degraded', advice: 'admin_check' });
  });
  it('keeps the first verdict without a second look', () => {
    expect(combine(down, undefined)).toEqual({ verdict: 'down', advice: 'wait' });
    expect(combine(up, undefined)).toEqual({ verdict: 'up', advice: 'troubleshoot' });
  });
});
