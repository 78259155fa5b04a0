/**
 * `npm run bench`: Gateway Doctor against a bare botbuilder echo bot, same machine, same run, same load
 * (docs/architecture.md, Budgets). The server under test runs in its own process; autocannon drives it from this one.
 *
 *   1. saturation: 100 connections as fast as they go           -> throughput >= 0.8x the echo bot's
 *   2. fixed load: 100 conversations at 500 turns/s               -> p99 <= 1.5x the echo bot's
 *   3. outage storm: 5,000 new conversations at 500/s about one down host
 *                                                                 -> one outbound probe per cache window,
 *                                                                    everyone answered, p99 <= 2x echo's
 * Then the probe's own budgets (bench/probe.bench.ts). Exits 1 when a budget is missed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { environmentWith, loadConfig } from '../src/config';

const ROOT = path.resolve(__dirname, '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const SECONDS = loadConfig().commands.benchSeconds;

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitUntilAnswering(port: number, child: ChildProcess): Promise<void> {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.request(
        { host: '127.0.0.1', port, method: 'POST', path: '/api/messages', headers: { 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          resolve(true);
        },
      );
      req.on('error', () => resolve(false));
      req.end('{}');
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('server did not start within 60 s');
}

async function startServer(
  kind: 'echo' | 'gateway-doctor',
  env: Record<string, string> = {},
): Promise<{ port: number; stop(): Promise<void> }> {
  const port = await freePort();
  const args = kind === 'echo' ? [path.join(__dirname, 'echo-bot.ts'), String(port)] : [path.join(ROOT, 'src', 'index.ts')];
  const child = spawn(TSX, args, {
    cwd: ROOT,
    env: environmentWith({ overrides: { PORT: String(port), LOG_LEVEL: 'error', NODE_NO_WARNINGS: '1', ...env } }),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitUntilAnswering(port, child);
  return {
    port,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

let sequence = 0;

/** A message activity as the Emulator sends it, answered inline (expectReplies). */
function activity(conversationId: string, text: string): string {
  sequence += 1;
  return JSON.stringify({
    type: 'message',
    id: `bench-${process.pid}-${sequence}`,
    channelId: 'emulator',
    serviceUrl: 'http://127.0.0.1:9/',
    deliveryMode: 'expectReplies',
    conversation: { id: conversationId },
    from: { id: `user-${conversationId}` },
    recipient: { id: 'bot' },
    locale: 'en-US',
    text,
  });
}

interface LoadShape {
  connections: number;
  overallRate?: number;
  amount?: number;
  /** Conversation and text for each request of one connection. */
  next: (connection: { id?: number }) => { conversationId: string; text: string };
}

let connectionIds = 0;

async function load(port: number, shape: LoadShape): Promise<Measured> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: shape.connections,
    ...(shape.overallRate ? { overallRate: shape.overallRate } : {}),
    ...(shape.amount ? { amount: shape.amount } : { duration: SECONDS }),
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: '/api/messages',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request, context) => {
          const connection = context as { id?: number };
          connection.id ??= connectionIds += 1;
          const { conversationId, text } = shape.next(connection);
          return { ...request, body: activity(conversationId, text) };
        },
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

function row(name: string, echo: Measured, bot: Measured, verdict: string): string {
  const fmt = (m: Measured) =>
    `${m.rps.toFixed(0).padStart(6)} req/s  p50 ${String(m.p50).padStart(4)} ms  p99 ${String(m.p99).padStart(5)} ms`;
  return `${name.padEnd(12)} echo: ${fmt(echo)}\n${''.padEnd(12)} bot:  ${fmt(bot)}  errors ${bot.errors + bot.non2xx}   ${verdict}`;
}

/** A few seconds of ordinary turns first, so lazy loading and the JIT are not measured as latency. */
async function warmUp(port: number): Promise<void> {
  await load(port, { connections: 20, amount: 3000, next: (c) => ({ conversationId: `warm-${c.id}`, text: 'help' }) });
}

async function measure(shape: () => LoadShape, env: Record<string, string>): Promise<{ echo: Measured; bot: Measured }> {
  const echoServer = await startServer('echo');
  await warmUp(echoServer.port);
  const echo = await load(echoServer.port, shape());
  await echoServer.stop();
  const botServer = await startServer('gateway-doctor', env);
  await warmUp(botServer.port);
  const bot = await load(botServer.port, shape());
  await botServer.stop();
  return { echo, bot };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gd-bench-'));
  const misses: string[] = [];
  try {
    // The default storage (SQLite in WAL mode), so the figures are what `npm start` gives.
    const env = { STORAGE: `sqlite:${path.join(dataDir, 'bench.db')}`, PROBE_ALLOW_CIDRS: '127.0.0.0/8' };
    const helpTurns = (): LoadShape => ({ connections: 100, next: (c) => ({ conversationId: `conv-${c.id}`, text: 'help' }) });

    // 1. saturation
    const saturation = await measure(helpTurns, { ...env, STORAGE: `sqlite:${path.join(dataDir, 'saturation.db')}` });
    const throughputRatio = saturation.bot.rps / saturation.echo.rps;
    if (throughputRatio < 0.8) misses.push(`saturation throughput ${throughputRatio.toFixed(2)}x < 0.8x`);
    console.log(row('saturation', saturation.echo, saturation.bot, `throughput ${throughputRatio.toFixed(2)}x echo (budget >= 0.8x)`));

    // 2. fixed offered load
    const fixed = await measure(() => ({ ...helpTurns(), overallRate: 500 }), {
      ...env,
      STORAGE: `sqlite:${path.join(dataDir, 'fixed.db')}`,
    });
    const p99Ratio = fixed.bot.p99 / Math.max(1, fixed.echo.p99);
    if (p99Ratio > 1.5) misses.push(`fixed-load p99 ${p99Ratio.toFixed(2)}x > 1.5x`);
    console.log(row('500 turns/s', fixed.echo, fixed.bot, `p99 ${p99Ratio.toFixed(2)}x echo (budget <= 1.5x)`));

    // 3. outage storm: a down host behind nginx, 5,000 people in new conversations at 500 per second.
    let siteHits = 0;
    const site = http.createServer((_req, res) => {
      siteHits += 1;
      res.writeHead(502, { server: 'nginx', 'content-type': 'text/html' });
      res.end(
        '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>' +
          '<hr><center>nginx</center></body></html>',
      );
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', () => resolve()));
    const siteUrl = `http://127.0.0.1:${(site.address() as net.AddressInfo).port}/`;
    let person = 0;
    const storm = (): LoadShape => ({
      connections: 100,
      overallRate: 500,
      amount: 5000,
      next: () => {
        person += 1;
        return { conversationId: `storm-${person}`, text: `${siteUrl} shows 502 Bad Gateway` };
      },
    });
    const stormEcho = await startServer('echo');
    await warmUp(stormEcho.port);
    const echoStorm = await load(stormEcho.port, storm());
    await stormEcho.stop();
    const stormBot = await startServer('gateway-doctor', { ...env, STORAGE: `sqlite:${path.join(dataDir, 'storm.db')}` });
    await warmUp(stormBot.port);
    siteHits = 0;
    const started = Date.now();
    const botStorm = await load(stormBot.port, storm());
    const stormSeconds = (Date.now() - started) / 1000;
    await stormBot.stop();
    site.close();
    const stormRatio = botStorm.p99 / Math.max(1, echoStorm.p99);
    // A probe is one look plus one re-check; the down result is cached for 15 s.
    const windows = Math.ceil(stormSeconds / 15);
    const probes = Math.ceil(siteHits / 2);
    if (probes > windows) misses.push(`storm sent ${probes} probes in ${windows} cache window(s)`);
    if (botStorm.non2xx + botStorm.errors > 0 || botStorm.requests < 5000)
      misses.push(`storm: ${botStorm.requests} answered, ${botStorm.non2xx + botStorm.errors} errors`);
    if (stormRatio > 2) misses.push(`storm p99 ${stormRatio.toFixed(2)}x > 2x`);
    console.log(
      row(
        'storm',
        echoStorm,
        botStorm,
        `p99 ${stormRatio.toFixed(2)}x echo (budget <= 2x); ${botStorm.requests} answered; ` +
          `site saw ${siteHits} requests (${probes} probe(s), ${windows} window(s))`,
      ),
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }

  console.log('');
  const probe = spawn(TSX, [path.join(__dirname, 'probe.bench.ts')], { cwd: ROOT, stdio: 'inherit' });
  const probeCode = await new Promise<number>((resolve) => probe.once('exit', (code) => resolve(code ?? 1)));
  if (probeCode !== 0) misses.push('probe budgets (see above)');

  console.log('');
  if (misses.length > 0) {
    console.log(`MISSED: ${misses.join('; ')}`);
    process.exitCode = 1;
  } else {
    console.log('all budgets met');
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
