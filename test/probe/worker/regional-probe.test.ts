/**
 * Probe workers in regions against one real redis-server and a loopback site that answers 502 to the "eu"
 * worker's User-Agent and 200 to everyone else: the combined verdict, dead and hung workers, and jobs that
 * try to make a worker probe what its own rules forbid.
 */
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { downInSome, type ProbeResult } from '../../../src/contracts';
import { createOperatorProber, type Prober } from '../../../src/probe/prober';
import { startProbeWorker, type ProbeWorker } from '../../../src/probe/worker/probe-worker';
import { bullPrefix, heartbeatKey, regionQueueName, regionUserAgent } from '../../../src/probe/worker/regional-jobs';
import { createRegionalProber, type RegionalProber } from '../../../src/probe/worker/regional-prober';
import { createHttpServer, type LoopbackServer } from '../../helpers/loopback-servers';
import { withRedisServer } from '../../helpers/redis-server';

const LOOPBACK = ['127.0.0.0/8'];
const redisServer = withRedisServer();
let site: LoopbackServer;
const seenAgents: string[] = [];
const cleanups: Array<() => Promise<unknown>> = [];
let prefixCount = 0;

beforeAll(async () => {
  site = await createHttpServer((req, res) => {
    const agent = req.headers['user-agent'] ?? '';
    seenAgents.push(agent);
    const down = req.url?.startsWith('/everyone-down') || (req.url?.startsWith('/split') && agent.includes('region eu;'));
    res.writeHead(down ? 502 : 200, { 'content-type': 'text/plain' });
    res.end(down ? 'Bad Gateway' : 'ok');
  });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await site.close();
});

/** A key prefix of its own per test, so heartbeats and queues of one test never meet another's. */
function freshPrefix(): string {
  prefixCount += 1;
  return `t${prefixCount}:`;
}

function connect(): Redis {
  const connection = new Redis(redisServer().url, { maxRetriesPerRequest: null });
  cleanups.push(() => connection.quit().catch(() => undefined));
  return connection;
}

async function startWorker(
  region: string,
  keyPrefix: string,
  { allowCidrs = LOOPBACK, prober }: { allowCidrs?: string[]; prober?: Prober } = {},
): Promise<ProbeWorker> {
  const worker = await startProbeWorker({
    connection: connect(),
    region,
    keyPrefix,
    heartbeatMs: 200,
    heartbeatTtlMs: 1000,
    prober: prober ?? createOperatorProber({ allowCidrs, timeoutMs: 2000, userAgent: regionUserAgent(region) }),
  });
  // Forced: a hung job must not keep the test waiting (a real worker's probes end at their own budget).
  cleanups.push(() => worker.close({ force: true }));
  return worker;
}

function regionalProber(keyPrefix: string, budgetMs = 3000): RegionalProber {
  const prober = createRegionalProber({
    local: createOperatorProber({ allowCidrs: LOOPBACK, timeoutMs: 2000 }),
    connection: connect(),
    budgetMs,
    keyPrefix,
  });
  cleanups.push(() => prober.close());
  return prober;
}

/** Adds one raw job to a region's queue and returns what the worker made of it (or its refusal). */
async function runJob(keyPrefix: string, region: string, data: unknown): Promise<{ value?: unknown; error?: string }> {
  const connection = connect();
  const queue = new Queue(regionQueueName(region), { connection, prefix: bullPrefix(keyPrefix) });
  const events = new QueueEvents(regionQueueName(region), { connection, prefix: bullPrefix(keyPrefix) });
  cleanups.push(() => queue.close());
  cleanups.push(() => events.close());
  await events.waitUntilReady();
  const job = await queue.add('probe', data, { attempts: 1 });
  try {
    return { value: await job.waitUntilFinished(events, 10_000) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

const soon = () => Date.now() + 10_000;

describe('regional probes', () => {
  it('names the region that sees the site down when the others see it up', async () => {
    const keyPrefix = freshPrefix();
    await startWorker('eu', keyPrefix);
    await startWorker('us', keyPrefix);
    const prober = regionalProber(keyPrefix);
    expect(await prober.liveRegions()).toEqual(['eu', 'us']);

    const result = await prober.probe(`${site.url}split`);

    expect(result.verdict).toBe('degraded');
    expect(result.advice).toBe('admin_check');
    expect(result.httpStatus).toBe(200);
    expect(sortedRegions(result)).toEqual([
      { region: 'eu', verdict: 'down', httpStatus: 502 },
      { region: 'local', verdict: 'up', httpStatus: 200 },
      { region: 'us', verdict: 'up', httpStatus: 200 },
    ]);
    expect(downInSome(result)).toEqual(['eu']);
    // Each worker told the site which region it probes from.
    expect(seenAgents.some((a) => a.includes('region eu;'))).toBe(true);
    expect(seenAgents.some((a) => a.includes('region us;'))).toBe(true);
  });

  it('keeps "down" when every region sees the site down', async () => {
    const keyPrefix = freshPrefix();
    await startWorker('eu', keyPrefix);
    await startWorker('us', keyPrefix);
    const result = await regionalProber(keyPrefix).probe(`${site.url}everyone-down`);

    expect(result.verdict).toBe('down');
    expect(result.advice).toBe('wait');
    expect(sortedRegions(result).map((r) => [r.region, r.verdict])).toEqual([
      ['eu', 'down'],
      ['local', 'down'],
      ['us', 'down'],
    ]);
    expect(downInSome(result)).toEqual([]);
  });

  it('is the local probe alone, unchanged, when no worker is live', async () => {
    const keyPrefix = freshPrefix();
    const prober = regionalProber(keyPrefix);
    expect(await prober.liveRegions()).toEqual([]);
    const result = await prober.probe(`${site.url}split`);
    expect(result.verdict).toBe('up');
    expect(result.regions).toBeUndefined();
  });

  it('does not wait for a region whose worker stopped renewing its heartbeat', async () => {
    const keyPrefix = freshPrefix();
    await startWorker('us', keyPrefix);
    // A worker that died without cleaning up: its heartbeat lives out its TTL, then nobody asks it.
    const redis = connect();
    await redis.set(heartbeatKey(keyPrefix, 'ap', 'crashed'), '{}', 'PX', 150);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const prober = regionalProber(keyPrefix);

    const result = await prober.probe(`${site.url}split`);

    expect(await prober.liveRegions()).toEqual(['us']);
    expect(sortedRegions(result).map((r) => r.region)).toEqual(['local', 'us']);
    // No job was even queued for the dead region.
    const apQueue = new Queue(regionQueueName('ap'), { connection: redis, prefix: bullPrefix(keyPrefix) });
    cleanups.push(() => apQueue.close());
    expect(await apQueue.count()).toBe(0);
  });

  it('cuts a hung worker at the budget and keeps the answers that came in time', async () => {
    const keyPrefix = freshPrefix();
    await startWorker('us', keyPrefix);
    const hung: Prober = {
      probe: () => new Promise<ProbeResult>(() => undefined),
      stats: () => ({ requests: 0, outbound: 0, attempts: 0, cacheHits: 0, joined: 0, rateLimited: 0 }),
    };
    await startWorker('eu', keyPrefix, { prober: hung });
    const prober = regionalProber(keyPrefix, 1500);

    const result = await prober.probe(`${site.url}split`);

    expect(sortedRegions(result).map((r) => r.region)).toEqual(['local', 'us']);
    expect(result.verdict).toBe('up');
  });

  it('refuses, with its own address rules, jobs that aim at addresses it may not reach', async () => {
    const keyPrefix = freshPrefix();
    // This worker allows public addresses only (no PROBE_ALLOW_CIDRS), whatever a job says.
    await startWorker('eu', keyPrefix, { allowCidrs: [] });
    const before = site.connections();
    const hostile = [
      site.url,
      'http://localhost:9/',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]/',
      'http://10.0.0.1/',
      'http://0x7f000001/',
      'http://2130706433/',
    ];
    const verdicts: Record<string, unknown> = {};
    for (const url of hostile) {
      const { value } = await runJob(keyPrefix, 'eu', { url, deadline: soon(), allowCidrs: ['0.0.0.0/0'], userAgent: 'x' });
      verdicts[url] = (value as ProbeResult).verdict;
    }
    // Refused by the address rules (`blocked`), or by the URL rules before any lookup (`invalid`: a port
    // the probe never uses); never a probe that went out.
    expect(verdicts).toEqual({
      [site.url]: 'blocked',
      'http://localhost:9/': 'invalid',
      'http://169.254.169.254/latest/meta-data/': 'blocked',
      'http://[::1]/': 'blocked',
      'http://10.0.0.1/': 'blocked',
      'http://0x7f000001/': 'blocked',
      'http://2130706433/': 'blocked',
    });
    const refused: Record<string, unknown> = {};
    for (const url of ['file:///etc/passwd', 'gopher://127.0.0.1/', 'http://user:secret@example.com/']) {
      const { value } = await runJob(keyPrefix, 'eu', { url, deadline: soon() });
      refused[url] = (value as ProbeResult).verdict;
    }
    expect(refused).toEqual({
      'file:///etc/passwd': 'invalid',
      'gopher://127.0.0.1/': 'invalid',
      'http://user:secret@example.com/': 'blocked',
    });
    expect(site.connections()).toBe(before);
  });

  it('refuses garbage job payloads without a probe and keeps working', async () => {
    const keyPrefix = freshPrefix();
    await startWorker('eu', keyPrefix);
    const garbage: unknown[] = [
      null,
      42,
      'http://127.0.0.1/',
      [],
      {},
      { url: 5, deadline: soon() },
      { url: 'x'.repeat(100_000), deadline: soon() },
      { url: `${site.url}split` },
      { url: `${site.url}split`, deadline: 'tomorrow' },
      { url: `${site.url}split`, deadline: -1 },
      { url: `${site.url}split`, deadline: soon(), schemeTyped: 'no' },
      { __proto__: { url: `${site.url}split` }, deadline: soon() },
    ];
    const before = site.connections();
    for (const data of garbage) {
      const { value, error } = await runJob(keyPrefix, 'eu', data);
      expect(value).toBeUndefined();
      expect(error).toBe('invalid_job');
    }
    // A job whose deadline passed is skipped: nobody waits for its answer any more.
    expect(await runJob(keyPrefix, 'eu', { url: `${site.url}split`, deadline: Date.now() - 1 })).toEqual({ error: 'expired' });
    expect(site.connections()).toBe(before);
    // Still alive: a good job after all that is answered.
    const { value } = await runJob(keyPrefix, 'eu', { url: `${site.url}split`, deadline: soon() });
    expect(value).toMatchObject({ region: 'eu', verdict: 'down', httpStatus: 502 });
  });

  it('ignores an answer that claims to come from another region', async () => {
    const keyPrefix = freshPrefix();
    const liar: Prober = {
      probe: async (url) => ({
        url,
        verdict: 'down',
        advice: 'wait',
        httpStatus: 502,
        timings: { totalMs: 1 },
        evidence: [],
        checkedAt: new Date().toISOString(),
      }),
      stats: () => ({ requests: 0, outbound: 0, attempts: 0, cacheHits: 0, joined: 0, rateLimited: 0 }),
    };
    await startWorker('eu', keyPrefix, { prober: liar });
    // The answer itself is well formed; only the region it came from is checked against the one asked.
    const result = await regionalProber(keyPrefix).probe(`${site.url}split`);
    expect(sortedRegions(result).map((r) => r.region)).toEqual(['eu', 'local']);
  });
});

function sortedRegions(result: ProbeResult) {
  return [...(result.regions ?? [])]
    .sort((a, b) => a.region.localeCompare(b.region))
    .map(({ region, verdict, httpStatus }) => ({ region, verdict, ...(httpStatus !== undefined ? { httpStatus } : {}) }));
}
