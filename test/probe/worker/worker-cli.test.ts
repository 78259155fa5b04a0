/**
 * `npm run probe-worker`: its arguments (a usable region name or a usage error, exit 2, never a worker on a bad
 * name), and the real process on a real redis-server: heartbeat while running, none after SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import { parseWorkerArgs } from '../../../src/probe/worker/worker-cli';
import { isRegionName, regionOfHeartbeat, regionUserAgent } from '../../../src/probe/worker/regional-jobs';
import { withRedisServer } from '../../helpers/redis-server';

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

describe('npm run probe-worker as a process', () => {
  const redisServer = withRedisServer();
  const ROOT = path.resolve(__dirname, '..', '..', '..');

  function startCli(args: string[], env: Record<string, string>): ChildProcess {
    const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
    return spawn(tsx, [path.join(ROOT, 'src', 'probe', 'worker', 'worker-cli.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'silent', STORAGE: 'memory', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  }

  function exitOf(child: ChildProcess): Promise<number | null> {
    return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  it('exits 2 without a Redis to meet the bot in', async () => {
    expect(await exitOf(startCli(['--region', 'eu'], { REDIS_URL: '' }))).toBe(2);
  });

  it('announces itself with a heartbeat, and removes it when stopped', async () => {
    const redis = new Redis(redisServer().url);
    const child = startCli(['--region', 'eu'], { REDIS_URL: redisServer().url });
    const exited = exitOf(child);
    try {
      let keys: string[] = [];
      for (let i = 0; i < 200 && keys.length === 0; i += 1) {
        keys = await redis.keys('gd:probe-worker:eu:*');
        if (keys.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(keys).toHaveLength(1);
      expect(await redis.pttl(keys[0] ?? '')).toBeGreaterThan(0);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(await redis.keys('gd:probe-worker:eu:*')).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await redis.quit();
    }
  });
});
