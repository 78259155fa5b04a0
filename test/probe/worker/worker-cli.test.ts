/** `npm run probe-worker`'s arguments: a usable region name or a usage error (exit 2), never a worker on a bad name. */
import { parseWorkerArgs } from '../../../src/probe/worker/worker-cli';
import { isRegionName, regionOfHeartbeat, regionUserAgent } from '../../../src/probe/worker/regional-jobs';

describe('npm run probe-worker arguments', () => {
  it.each([
    [['--region', 'eu'], 'eu'],
    [['--region=us-east-1'], 'us-east-1'],
  ])('accepts %j', (argv, region) => {
    expect(parseWorkerArgs(argv)).toEqual({ ok: true, region });
  });

  it.each([
    [[]],
    [['--region']],
    [['--region', 'EU']],
    [['--region', 'local']],
    [['--region', 'a'.repeat(33)]],
    [['--region', 'eu:x']],
    [['--bogus']],
  ])('refuses %j', (argv) => {
    expect(parseWorkerArgs(argv).ok).toBe(false);
  });

  it('names the region in the User-Agent and reads regions back from heartbeat keys only', () => {
    expect(regionUserAgent('eu')).toMatch(/^GatewayDoctor-Probe\/0\.1 \(region eu; /);
    expect(regionOfHeartbeat('gd:', 'gd:probe-worker:eu:abc')).toBe('eu');
    expect(regionOfHeartbeat('gd:', 'gd:probe-worker:BAD:abc')).toBeUndefined();
    expect(regionOfHeartbeat('gd:', 'other:probe-worker:eu:abc')).toBeUndefined();
    expect(isRegionName('x'.repeat(10_000))).toBe(false);
  });
});
