/**
 * The crowd service on its memory store with a clock the test moves, and the analytics helpers: the query
 * rules of `GET /api/admin/analytics` and CSV cells that a spreadsheet never runs as formulas.
 */
import type { ProbeResult } from '../../src/contracts';
import { analyticsCsv, csvCell, MAX_RANGE_DAYS, parseAnalyticsQuery } from '../../src/crowd/analytics-routes';
import { createAnalytics } from '../../src/crowd/analytics';
import { type CrowdEvent, createCrowdService } from '../../src/crowd/crowd-service';
import { createLogger } from '../../src/observability/logger';
import { createAnalyticsStore } from '../../src/storage/analytics-store';
import { createCrowdStore } from '../../src/storage/crowd-store';

const logger = createLogger('silent');
const T0 = Date.UTC(2026, 10, 30, 10, 0, 0);

function result(verdict: ProbeResult['verdict'], httpStatus?: number): ProbeResult {
  return {
    url: 'https://shop.example/',
    verdict,
    advice: verdict === 'up' ? 'troubleshoot' : 'wait',
    ...(httpStatus !== undefined ? { httpStatus } : {}),
    timings: { totalMs: 10 },
    evidence: [],
    checkedAt: new Date(T0).toISOString(),
  };
}

describe('the crowd service', () => {
  it('counts hashed people, announces a crowd once per window, and keeps no id in clear', async () => {
    let now = T0;
    const store = createCrowdStore({ kind: 'memory' });
    const events: CrowdEvent[] = [];
    const crowd = createCrowdService({ store, threshold: 3, logger, now: () => now });
    crowd.onCrowd((event) => void events.push(event));
    expect(await crowd.report('https://shop.example/a', 'ana', result('down', 502))).toEqual({
      kind: 'crowd',
      reports: 1,
      windowMinutes: 15,
      crowded: false,
    });
    expect(await crowd.report('https://shop.example/b', 'ana', result('down', 502))).toMatchObject({ reports: 1 });
    await crowd.report('https://shop.example/', 'bea', result('down', 502));
    expect(await crowd.report('https://shop.example/', 'cid', result('down', 502))).toMatchObject({ reports: 3, crowded: true });
    await crowd.report('https://shop.example/', 'dan', result('down', 502));
    await new Promise((resolve) => setImmediate(resolve));
    expect(events.map((e) => [e.host, e.reports])).toEqual([['shop.example', 3]]);
    now += 15 * 60_000 + 1;
    expect(await crowd.count('shop.example')).toBe(0);
    expect(await crowd.report('https://shop.example/', 'ana', result('down', 502))).toBeDefined();
    // Nobody without an id (or a target without a host) is counted.
    expect(await crowd.report('https://shop.example/', undefined, result('down', 502))).toBeUndefined();
    expect(await crowd.report('not a url', 'ana', { ...result('invalid'), url: 'not a url' })).toBeUndefined();
    crowd.close();
  });

  it('re-checks a crowded site that still answers, soon, and tells listeners when the re-check finds it down', async () => {
    const store = createCrowdStore({ kind: 'memory' });
    const rechecked: string[] = [];
    const crowd = createCrowdService({
      store,
      threshold: 2,
      logger,
      recheckMs: 10,
      recheck: async (url) => {
        rechecked.push(url);
        return result('down', 502);
      },
    });
    const events: CrowdEvent[] = [];
    crowd.onCrowd((event) => void events.push(event));
    await crowd.report('https://shop.example/', 'ana', result('up', 200));
    await crowd.report('https://shop.example/', 'bea', result('up', 200));
    await crowd.report('https://shop.example/', 'cid', result('up', 200));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(rechecked).toEqual(['https://shop.example/']);
    expect(events.map((e) => e.result.verdict)).toEqual(['up', 'down']);
    crowd.close();
  });
});

describe('analytics queries', () => {
  const now = T0;

  it('defaults to the last 24 hours and reads dates, date-times with offsets, and the format', () => {
    expect(parseAnalyticsQuery({}, undefined, now)).toEqual({ ok: true, fromMs: now - 86_400_000, toMs: now, csv: false });
    expect(parseAnalyticsQuery({ from: '2026-11-01', to: '2026-11-30T12:00:00+01:00' }, undefined, now)).toMatchObject({
      ok: true,
      fromMs: Date.UTC(2026, 10, 1),
      toMs: Date.UTC(2026, 10, 30, 11),
    });
    expect(parseAnalyticsQuery({ format: 'csv' }, undefined, now)).toMatchObject({ csv: true });
    expect(parseAnalyticsQuery({}, 'text/csv, application/json;q=0.5', now)).toMatchObject({ csv: true });
    expect(parseAnalyticsQuery({ format: 'json' }, 'text/csv', now)).toMatchObject({ csv: false });
  });

  it.each([
    [{ from: '2026-12-01', to: '2026-11-01' }, 'bad_range'],
    [{ from: 'garbage' }, 'bad_query'],
    [{ from: '2026-02-30' }, 'bad_query'],
    [{ from: ['2026-11-01', '2026-11-02'] }, 'bad_query'],
    [{ from: '2026-11-01'.repeat(10) }, 'bad_query'],
    [{ from: '1990-01-01', to: '2026-11-30' }, 'range_too_large'],
    [{ format: 'xlsx' }, 'bad_query'],
  ])('refuses %j as %s', (query, error) => {
    expect(parseAnalyticsQuery(query, undefined, now)).toMatchObject({ ok: false, error });
  });

  it(`allows exactly ${MAX_RANGE_DAYS} days`, () => {
    expect(parseAnalyticsQuery({ from: '2026-08-30', to: '2026-11-30' }, undefined, now)).toMatchObject({ ok: true });
  });
});

describe('CSV cells', () => {
  it.each([
    ['=HYPERLINK("http://evil")', `"'=HYPERLINK(""http://evil"")"`],
    ['+1', "'+1"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', "'\tcmd"],
    ['a,b', '"a,b"'],
    ['plain', 'plain'],
    [42, '42'],
  ])('%j -> %s', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('writes the report as hour, group, key, count rows with totals', async () => {
    const analytics = createAnalytics({ store: createAnalyticsStore({ kind: 'memory' }), now: () => T0 });
    await analytics.record([
      { kind: 'checked', verdict: 'down', producer: 'cloudflare' },
      { kind: 'outcome', outcome: 'fixed', step: 'hardRefresh' },
      { kind: 'feedback', helpful: false, outcome: 'fixed', step: 'hardRefresh' },
    ]);
    await analytics.answered(20_000);
    const csv = analyticsCsv(await analytics.report(T0 - 3_600_000, T0));
    expect(csv.split('\r\n')).toEqual(
      expect.arrayContaining([
        'hour,group,key,count',
        '2026-11-30T10:00:00.000Z,verdict,down,1',
        'total,producer,cloudflare,1',
        'total,fixedBy,hardRefresh,1',
        'total,feedback,no,1',
        'total,firstReplyMs,inf,1',
        'total,checks,all,1',
      ]),
    );
  });
});
