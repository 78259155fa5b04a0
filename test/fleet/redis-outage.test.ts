/**
 * Redis stopped and restarted under a running app (a real redis-server that keeps its data, like a
 * production one): /readyz says 503 at once and 200 again after, a turn during the outage gets the
 * localized "try again in a moment" (never an error or silence), and the next turn afterwards continues
 * at the step the conversation was at.
 */
import type { RunningApp } from '../../src/index';
import english from '../../locales/en/translation.json';
import german from '../../locales/de/translation.json';
import { expectHealthy } from '../helpers/attack';
import { createActivity, createTestApp, sendActivity, type BotReply } from '../helpers/create-test-app';
import { createHttpServer, type LoopbackServer } from '../helpers/loopback-servers';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';

jest.setTimeout(60_000);

const stateOf = (replies: BotReply[]): string | undefined => replies.at(-1)?.channelData?.gatewayDoctor?.state;

async function readyStatus(app: RunningApp): Promise<number> {
  return (await fetch(`${app.url}/readyz`)).status;
}

/** Polls /readyz until it answers `status`; resolves to how long that took. */
async function waitForReady(app: RunningApp, status: number, withinMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < withinMs) {
    if ((await readyStatus(app)) === status) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`/readyz did not answer ${status} within ${withinMs} ms`);
}

describe('Redis going away and coming back', () => {
  let redis: RedisServer;
  let app: RunningApp;
  let site: LoopbackServer;

  beforeAll(async () => {
    redis = await startRedisServer({ persist: true });
    app = await createTestApp({ STORAGE: redis.url, PROBE_TIMEOUT_MS: '3000' });
    site = await createHttpServer((_req, res) => {
      res.writeHead(200);
      res.end('ok');
    });
  });
  afterAll(async () => {
    await app?.close();
    await site?.close();
    await redis?.stop();
  });

  const say = (conversation: string, text: string, locale = 'en-US') =>
    sendActivity(app.url, createActivity({ conversation: { id: conversation }, from: { id: `p-${conversation}` }, text, locale }));

  it('says 503 then 200 on /readyz, asks to try again during the outage, and continues at the right step after', async () => {
    // Where "no" leads from the first step, on a conversation that never sees the outage.
    const controlFirst = stateOf(await say('control', `127.0.0.1:${site.port} shows 502 Bad Gateway`));
    const controlSecond = stateOf(await say('control', 'no'));
    expect(controlSecond).not.toBe(controlFirst);

    const first = await say('outage', `127.0.0.1:${site.port} shows 502 Bad Gateway`);
    expect(stateOf(first)).toBe(controlFirst);
    expect(await readyStatus(app)).toBe(200);

    await redis.stop();
    expect(await waitForReady(app, 503, 5000)).toBeLessThan(5000);
    const during = await say('outage', 'no');
    expect(during).toHaveLength(1);
    expect(during[0]?.channelData?.gatewayDoctor).toEqual({ state: 'unavailable' });
    expect(during[0]?.text).toBe(english.fleet.tryAgain);
    // In the person's language.
    const duringGerman = await say('outage-de', 'nein', 'de-DE');
    expect(duringGerman[0]?.text).toBe(german.fleet.tryAgain);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/gateway_doctor_turns_total\{channel="emulator",outcome="unavailable"\} 2/);
    expect(metrics).toMatch(/^gateway_doctor_storage_ready 0$/m);
    await expectHealthy(app.url);

    await redis.restart();
    await waitForReady(app, 200, 10_000);
    expect(await (await fetch(`${app.url}/metrics`)).text()).toMatch(/^gateway_doctor_storage_ready 1$/m);
    // The message sent during the outage was not taken: the same answer now moves one step, like the control.
    const after = await say('outage', 'no');
    expect(stateOf(after)).toBe(controlSecond);
    await expectHealthy(app.url);
  });
});
