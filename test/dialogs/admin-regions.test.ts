/**
 * What the regions saw, in the administrator's overview: which regions see the site fail, one line per
 * region (the bot's own look as "this server"), and nothing at all when no region answered.
 */
import { overviewReplies } from '../../dialogs/admin-steps';
import { createInitialContext } from '../../dialogs/context';
import type { ProbeResult, RegionResult } from '../../src/contracts';
import { publicView } from '../../src/probe/public-view';
import { combineRegions } from '../../src/probe/worker/regional-verdict';
import { englishText, fakeProbeResult } from './create-conversation';

const ctx = { ...createInitialContext(), url: 'https://shop.example/', host: 'shop.example', role: 'admin' as const };

function overviewOf(local: Partial<ProbeResult>, regions: RegionResult[]) {
  return overviewReplies({ ...ctx, probe: publicView(combineRegions(fakeProbeResult(local), regions)) });
}

const up = (region: string): RegionResult => ({ region, verdict: 'up', httpStatus: 200, totalMs: 80 });
const down = (region: string): RegionResult => ({ region, verdict: 'down', httpStatus: 502, totalMs: 95 });

describe('regions in the administrator overview', () => {
  it('names the regions that see the site fail when the others get an answer', () => {
    const lines = overviewOf({ verdict: 'up', httpStatus: 200 }, [down('eu'), up('us')]);
    const keys = lines.map((l) => l.key);
    expect(keys).toContain('regions.reading');
    expect(keys).not.toContain('admin.reading.flapping');
    expect(lines.find((l) => l.key === 'regions.downIn')?.vars).toEqual({ regions: 'eu' });
    const perRegion = lines.filter((l) => l.key === 'regions.line');
    expect(perRegion.map((l) => [l.vars?.region, l.terms?.region, l.terms?.verdict])).toEqual([
      [undefined, ['regions.thisServer'], ['verdict.up']],
      ['eu', undefined, ['verdict.down']],
      ['us', undefined, ['verdict.up']],
    ]);
  });

  it('says when this server and some regions see it fail, or only this server', () => {
    expect(overviewOf({ verdict: 'down', advice: 'wait', httpStatus: 502 }, [down('eu'), up('us')]).map((l) => l.key)).toContain(
      'regions.downHereAndIn',
    );
    const onlyHere = overviewOf({ verdict: 'timeout', advice: 'wait', httpStatus: undefined }, [up('eu'), up('us')]);
    expect(onlyHere.find((l) => l.key === 'regions.downOnlyHere')?.vars).toEqual({ count: 2 });
    expect(onlyHere.filter((l) => l.key === 'regions.lineNoResponse')).toHaveLength(1);
  });

  it('says "everywhere" when all regions agree, and keeps the usual reading', () => {
    const allDown = overviewOf({ verdict: 'down', advice: 'wait', httpStatus: 502 }, [down('eu'), down('us')]);
    expect(allDown.map((l) => l.key)).toEqual(expect.arrayContaining(['admin.reading.down', 'regions.downEverywhere']));
    expect(allDown.find((l) => l.key === 'regions.downEverywhere')?.vars).toEqual({ count: 3 });
    const allUp = overviewOf({ verdict: 'up', httpStatus: 200 }, [up('eu')]);
    expect(allUp.map((l) => l.key)).toEqual(expect.arrayContaining(['admin.reading.up', 'regions.upEverywhere']));
  });

  it('adds nothing when no region answered', () => {
    const lines = overviewOf({ verdict: 'up', httpStatus: 200 }, []);
    expect(lines.some((l) => l.key.startsWith('regions.'))).toBe(false);
  });

  it('has an English sentence for every key it uses', () => {
    const lines = [
      ...overviewOf({ verdict: 'up', httpStatus: 200 }, [down('eu'), up('us')]),
      ...overviewOf({ verdict: 'down', advice: 'wait', httpStatus: 502 }, [down('eu'), up('us')]),
      ...overviewOf({ verdict: 'timeout', advice: 'wait', httpStatus: undefined }, [up('eu')]),
      ...overviewOf({ verdict: 'down', advice: 'wait', httpStatus: 502 }, [down('eu')]),
      ...overviewOf({ verdict: 'up', httpStatus: 200 }, [up('eu')]),
    ];
    const keys = new Set(lines.flatMap((l) => [l.key, ...Object.values(l.terms ?? {}).flat()]));
    for (const key of keys) expect(englishText(key)).toBeDefined();
  });
});

describe('combineRegions', () => {
  it('leaves results our own rules or limits stopped alone', () => {
    for (const verdict of ['blocked', 'rate_limited', 'invalid'] as const) {
      const local = fakeProbeResult({ verdict, httpStatus: undefined });
      expect(combineRegions(local, [down('eu')])).toBe(local);
    }
  });

  it('drops region answers that are refusals or that claim to be the local look', () => {
    const result = combineRegions(fakeProbeResult(), [
      { region: 'eu', verdict: 'blocked', totalMs: 1 },
      { region: 'local', verdict: 'down', httpStatus: 502, totalMs: 1 },
    ]);
    expect(result.regions).toBeUndefined();
    expect(result.verdict).toBe('up');
  });
});
