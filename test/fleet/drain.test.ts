/**
 * An instance leaving the fleet. SIGTERM (a child process running src/index.ts, as `npm start` does):
 * the turn in flight gets its reply, its state is saved, the process exits 0. SIGKILL: the other instance
 * carries the conversation on at the same step, and tells the people who asked the killed one to watch.
 * Draining closes Direct Line streams with 1012 "service restart" so web chat reconnects elsewhere.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import WebSocket from 'ws';
import type { RunningApp } from '../../src/index';
import { expectHealthy } from '../helpers/attack';
import { createActivity, createTestApp, sendActivity, type BotReply } from '../helpers/create-test-app';
import { startConnector, type FakeConnector } from '../helpers/fake-connector';
import { createHttpServer, type LoopbackServer } from '../helpers/loopback-servers';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';

jest.setTimeout(90_000);

const ROOT = path.join(__dirname, '..', '..');
const stateOf = (replies: BotReply[]): string | undefined => replies.at(-1)?.channelData?.gatewayDoctor?.state;

interface Instance {
  child: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `npm start` in a child process on a free port, resolved once it logs that it listens. */
async function startInstance(env: Record<string, string>): Promise<Instance> {
  // Node itself with tsx's loader (not the tsx wrapper, which runs the app in a child of its own): the
  // signals must reach the process that serves.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'info', PROBE_ALLOW_CIDRS: '127.0.0.0/8', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  process.once('exit', () => child.kill('SIGKILL'));
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the instance did not start:\n${output}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"port":(\d+)[^\n]*"msg":"gateway doctor listening"/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then(() => reject(new Error(`the instance exited before listening:\n${output}`)));
  });
  return { child, url: `http://127.0.0.1:${port}`, exited };
}

describe('an instance leaving the fleet', () => {
  // Started and stopped by hand: Redis must outlive the apps' close() in afterAll.
  let redisServer: RedisServer;
  const redis = () => redisServer;
  let survivor: RunningApp;
  let slowSite: LoopbackServer;
  let connector: FakeConnector;

  beforeAll(async () => {
    redisServer = await startRedisServer();
    connector = await startConnector();
    survivor = await createTestApp({ STORAGE: redis().url, PROBE_TIMEOUT_MS: '3000', WATCH_INTERVAL_MS: '3600000' });
    // Slow enough that a signal lands while the turn is probing it.
    slowSite = await createHttpServer((_req, res) => {
      setTimeout(() => {
        res.writeHead(200);
        res.end('ok');
      }, 1200);
    });
  });
  afterAll(async () => {
    await survivor?.close();
    await slowSite?.close();
    await connector?.close();
    await redisServer?.stop();
  });

  const message = (conversation: string, text: string, extra: Record<string, unknown> = {}) =>
    createActivity({ conversation: { id: conversation }, from: { id: `p-${conversation}` }, serviceUrl: connector.url, text, ...extra });

  it('on SIGTERM finishes the turn in flight, saves it, and exits 0', async () => {
    const instance = await startInstance({ STORAGE: redis().url, PROBE_TIMEOUT_MS: '3000' });
    const inFlight = sendActivity(instance.url, message('sigterm', `127.0.0.1:${slowSite.port}/slow shows 502 Bad Gateway`));
    await new Promise((resolve) => setTimeout(resolve, 400));
    instance.child.kill('SIGTERM');
    const replies = await inFlight;
    expect(replies.at(-1)?.channelData?.gatewayDoctor).toMatchObject({ verdict: 'up' });
    const stepAtSignal = stateOf(replies);
    expect(stepAtSignal).toMatch(/^user\.step\./);
    expect(await instance.exited).toEqual({ code: 0, signal: null });

    // The state was saved: the other instance answers the next message one step further on.
    const next = await sendActivity(survivor.url, message('sigterm', 'no'));
    expect(stateOf(next)).toMatch(/^user\.step\./);
    expect(stateOf(next)).not.toBe(stepAtSignal);
    await expectHealthy(survivor.url);
  });

  it('on SIGKILL loses no conversation and no watch: the other instance carries on', async () => {
    const instance = await startInstance({ STORAGE: redis().url, PROBE_TIMEOUT_MS: '3000', WATCH_INTERVAL_MS: '3600000' });
    let up = false;
    const site = await createHttpServer((_req, res) => {
      res.writeHead(up ? 200 : 502, { server: 'nginx' });
      res.end(up ? 'ok' : '<html><body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>');
    });
    try {
      // One person waits for a down site, another is in the middle of the steps, both on the instance to be killed.
      const verdict = await sendActivity(instance.url, message('sigkill-watch', `127.0.0.1:${site.port}/kill shows 502 Bad Gateway`));
      expect(stateOf(verdict)).toBe('user.down');
      const watched = await sendActivity(
        instance.url,
        message('sigkill-watch', '', { value: { gatewayDoctor: { intent: 'watch', state: 'user.down' } } }),
      );
      expect(stateOf(watched)).toBe('user.waiting');
      const stepBefore = stateOf(
        await sendActivity(instance.url, message('sigkill-steps', `127.0.0.1:${slowSite.port}/k shows 502 Bad Gateway`)),
      );
      expect(stepBefore).toMatch(/^user\.step\./);

      instance.child.kill('SIGKILL');
      expect(await instance.exited).toEqual({ code: null, signal: 'SIGKILL' });

      // The conversation goes on at the next step on the survivor.
      const next = await sendActivity(survivor.url, message('sigkill-steps', 'no'));
      expect(stateOf(next)).toMatch(/^user\.step\./);
      expect(stateOf(next)).not.toBe(stepBefore);
      // The watch survived the instance: the survivor's round finds the site back and tells the person.
      up = true;
      const round = await survivor.watch.tick();
      expect(round).toEqual({ probed: 1, notified: 1 });
      expect(connector.received.filter((r) => r.conversation === 'sigkill-watch')).toHaveLength(1);
      expect(await survivor.watch.list()).toEqual([]);
      await expectHealthy(survivor.url);
    } finally {
      await site.close();
    }
  });

  it('answers a redelivery of the turn a SIGKILL cut off, once its claim ran out', async () => {
    const instance = await startInstance({ STORAGE: redis().url, PROBE_TIMEOUT_MS: '1500' });
    const activity = message('sigkill-mid-turn', `127.0.0.1:${slowSite.port}/cut shows 502 Bad Gateway`);
    const cut = sendActivity(instance.url, activity).then(
      () => 'answered',
      () => 'cut off',
    );
    await new Promise((resolve) => setTimeout(resolve, 400));
    instance.child.kill('SIGKILL');
    expect(await cut).toBe('cut off');
    // Redelivered at once (the channel's retry): the claim of the dead instance still holds it.
    expect(await sendActivity(survivor.url, activity)).toEqual([]);
    // Its claim lasts one turn (two 1.5 s budgets and 1 s) plus 5 s; after that the redelivery is answered.
    let replies: BotReply[] = [];
    for (let waited = 0; replies.length === 0 && waited < 20_000; waited += 1000) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      replies = await sendActivity(survivor.url, activity);
    }
    expect(replies.at(-1)?.channelData?.gatewayDoctor).toMatchObject({ verdict: 'up' });
    expect(await sendActivity(survivor.url, activity)).toEqual([]);
    await expectHealthy(survivor.url);
  });

  it('closes Direct Line streams with 1012 "service restart" when draining', async () => {
    const app = await createTestApp({ STORAGE: redis().url });
    const token = await fetch(`${app.url}/api/webchat/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(token.status).toBe(200);
    const session = (await token.json()) as { token: string };
    const started = await fetch(`${app.url}/v3/directline/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(started.status).toBeLessThan(300);
    const { streamUrl } = (await started.json()) as { streamUrl: string };
    const ws = new WebSocket(streamUrl);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    expect(await app.drain({ timeoutMs: 5000 })).toBe(true);
    expect(await closed).toEqual({ code: 1012, reason: 'service restart' });
  });

  it('is not ready for new work while draining, and still finishes the turn it has', async () => {
    const instance = await startInstance({ STORAGE: redis().url, PROBE_TIMEOUT_MS: '3000' });
    expect((await fetch(`${instance.url}/readyz`)).status).toBe(200);
    const inFlight = sendActivity(instance.url, message('draining-ready', `127.0.0.1:${slowSite.port}/ready shows 502 Bad Gateway`));
    await new Promise((resolve) => setTimeout(resolve, 400));
    instance.child.kill('SIGTERM');
    // Once the signal is handled (soon, but later on a loaded machine), a load balancer asking gets 503 (on a
    // connection it kept) or no connection at all, while the turn in flight is still running.
    let during: number | string = 200;
    for (let attempt = 0; attempt < 30 && during === 200; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      during = await fetch(`${instance.url}/readyz`).then(
        (res) => res.status,
        () => 'refused',
      );
    }
    expect([503, 'refused']).toContain(during);
    expect(stateOf(await inFlight)).toMatch(/^user\.step\./);
    expect(await instance.exited).toEqual({ code: 0, signal: null });
  });
});
