/**
 * Regions wired into the whole app (createTestApp with REDIS_URL, real HTTP on loopback, a real redis-server):
 * the conversation's verdict folds in what the eu and us workers saw, and without live workers the bot
 * answers from its own look alone, as before.
 */
import { Redis } from 'ioredis';
import type { RunningApp } from '../../../src/index';
import { createOperatorProber } from '../../../src/probe/prober';
import { startProbeWorker, type ProbeWorker } from '../../../src/probe/worker/probe-worker';
import { regionUserAgent } from '../../../src/probe/worker/regional-jobs';
import { expectHealthy } from '../../helpers/attack';
import { createActivity, createTestApp, sendActivity, type BotReply } from '../../helpers/create-test-app';
import { createHttpServer, type LoopbackServer } from '../../helpers/loopback-servers';
import { withRedisServer } from '../../helpers/redis-server';

jest.setTimeout(30_000);

const ADMIN_TOKEN = 'regions-admin-token-0123456789';

const redisServer = withRedisServer();

describe('regions in the app', () => {
  let app: RunningApp;
  let site: LoopbackServer;
  const connections: Redis[] = [];
  const workers: ProbeWorker[] = [];
  let conversation = 0;
  const agents: string[] = [];
  const say = (text: string) => {
    conversation += 1;
    return sendActivity(app.url, createActivity({ conversation: { id: `regions-${conversation}` }, text }));
  };

  beforeAll(async () => {
    site = await createHttpServer((req, res) => {
      agents.push(req.headers['user-agent'] ?? '');
      const down = (req.headers['user-agent'] ?? '').includes('region eu;');
      res.writeHead(down ? 502 : 200, { 'content-type': 'text/plain' });
      res.end(down ? 'Bad Gateway' : 'ok');
    });
    app = await createTestApp({ REDIS_URL: redisServer().url, PROBE_TIMEOUT_MS: '2500', ADMIN_API_TOKEN: ADMIN_TOKEN });
  });

  afterAll(async () => {
    for (const worker of workers) await worker.close({ force: true });
    for (const connection of connections) await connection.quit().catch(() => undefined);
    await app.close();
    await site.close();
  });

  async function startWorker(region: string): Promise<void> {
    const connection = new Redis(redisServer().url, { maxRetriesPerRequest: null });
    connections.push(connection);
    const prober = createOperatorProber({ allowCidrs: ['127.0.0.0/8'], timeoutMs: 2000, userAgent: regionUserAgent(region) });
    workers.push(await startProbeWorker({ connection, region, prober, heartbeatMs: 200, heartbeatTtlMs: 1000 }));
  }

  function last(replies: BotReply[]): BotReply {
    const reply = replies.at(-1);
    if (!reply) throw new Error('no reply');
    return reply;
  }

  it('answers from its own look alone while no worker is live', async () => {
    const replies = await say(`I run this site: ${site.url}alone`);
    expect(last(replies).channelData?.gatewayDoctor).toMatchObject({ verdict: 'up' });
  });

  it('tells an administrator the site is down in some regions when the eu worker sees 502 and us sees 200', async () => {
    await startWorker('eu');
    await startWorker('us');
    const replies = await say(`I run this site: ${site.url}split`);
    expect(replies.map((r) => r.channelData?.gatewayDoctor?.verdict)).toContain('degraded');
    expect(last(replies).channelData?.gatewayDoctor).toMatchObject({ state: 'admin.overview', verdict: 'degraded', advice: 'admin_check' });
    expect(await (await fetch(`${app.url}/metrics`)).text()).toMatch(/^gateway_doctor_probe_regions_live 2$/m);
    await expectHealthy(app.url);
  });

  it("gives the operator's API each region's answer too, asked afresh", async () => {
    const ask = async () => {
      const res = await fetch(`${app.url}/api/admin/probe?url=${encodeURIComponent(`${site.url}api`)}`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(res.status).toBe(200);
      return (await res.json()) as { verdict: string; regions?: { region: string; verdict: string; httpStatus?: number }[] };
    };
    const euLooks = () => agents.filter((agent) => agent.includes('region eu;')).length;
    const before = euLooks();
    const first = await ask();
    expect(first.verdict).toBe('degraded');
    expect(first.regions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ region: 'eu', verdict: 'down', httpStatus: 502 }),
        expect.objectContaining({ region: 'us', verdict: 'up', httpStatus: 200 }),
      ]),
    );
    const afterFirst = euLooks();
    expect(afterFirst).toBeGreaterThan(before);
    // An operator asks for now: a second check asks the regions again.
    expect((await ask()).verdict).toBe('degraded');
    expect(euLooks()).toBeGreaterThan(afterFirst);
  });
});
