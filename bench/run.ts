/**
 * `npm run bench [-- --json] [-- --rounds N]`: Gateway Doctor against a bare botbuilder echo bot, same
 * machine, same run, same load (docs/architecture.md, Budgets). The servers under test run in their own
 * processes; autocannon drives them from this one.
 *
 *   1. saturation: 100 connections as fast as they go           -> throughput >= 0.8x the echo bot's
 *   2. fixed load: 100 conversations at 500 turns/s               -> p99 <= 1.5x the echo bot's
 *   3. outage storm: 5,000 new conversations at 500/s about one down host
 *                                                                 -> one outbound probe per cache window,
 *                                                                    everyone answered, the arrival rate
 *                                                                    sustained, p99 <= 2x echo's
 *   4. the same storm against two instances on one Redis          -> one probe per cache window for the fleet
 * Then the probe's own budgets (bench/probe.bench.ts). Exits 1 when a budget is missed.
 *
 * Figures on shared machines swing 2-5x between runs, so one run decides nothing: every scenario alternates
 * echo and bot `--rounds` times (default 3) and the verdict is the median of the per-round ratios, printed
 * with their spread.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { environmentWith, loadConfig } from '../src/config';
import { startRedisServer } from '../test/helpers/redis-server';

const ROOT = path.resolve(__dirname, '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const SECONDS = loadConfig().commands.benchSeconds;
const JSON_OUTPUT = process.argv.includes('--json');
const ROUNDS = roundsFromArgs(process.argv);
/** How long the prober keeps a down result (src/probe/probe-cache.ts): the storm's probe budget is one per window. */
const CACHE_WINDOW_S = 15;

function roundsFromArgs(argv: readonly string[]): number {
  const at = argv.indexOf('--rounds');
  const value = at >= 0 ? Number(argv[at + 1]) : 3;
  return Number.isInteger(value) && value >= 1 && value <= 20 ? value : 3;
}

/** Progress goes to stderr with --json, so stdout holds only the JSON. */
function say(line: string): void {
  (JSON_OUTPUT ? process.stderr : process.stdout).write(`${line}\n`);
}

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  seconds: number;
}

interface Server {
  port: number;
  /** Peak resident memory so far, from /proc (undefined where there is none). */
  peakRssMb(): number | undefined;
  stop(): Promise<void>;
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

async function startServer(kind: 'echo' | 'gateway-doctor', env: Record<string, string> = {}): Promise<Server> {
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
    peakRssMb: () => peakRssMb(child.pid),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** VmHWM of a process (tsx runs the server in a child of the pid we spawned: the largest of the family). */
function peakRssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  const family = [pid, ...childrenOf(pid)];
  const peaks = family.map((p) => {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      return match?.[1] ? Number(match[1]) / 1024 : 0;
    } catch {
      return 0;
    }
  });
  const peak = Math.max(...peaks);
  return peak > 0 ? Math.round(peak) : undefined;
}

function childrenOf(pid: number): number[] {
  try {
    const direct = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return direct.flatMap((child) => [child, ...childrenOf(child)]);
  } catch {
    return [];
  }
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
  /** Conversation and text of the next request. */
  next: () => { conversationId: string; text: string };
  /** Told when a request's answer came back (a conversation pool takes its conversation back). */
  done?: (conversationId: string) => void;
}

/**
 * Conversations that go on turn after turn: each request borrows one that has no turn in flight and gives it
 * back when answered. autocannon starts every request with a fresh context, so a conversation per connection
 * cannot be kept there; with at most one request in flight per connection, `size` conversations never run out.
 */
function conversationPool(name: string, size: number): Pick<LoadShape, 'next' | 'done'> {
  const free = Array.from({ length: size }, (_, i) => `${name}-${i}`);
  let extra = 0;
  return {
    next: () => {
      const borrowed = free.pop();
      if (borrowed !== undefined) return { conversationId: borrowed, text: 'help' };
      extra += 1;
      return { conversationId: `${name}-extra-${extra}`, text: 'help' };
    },
    done: (conversationId) => {
      if (!conversationId.includes('-extra-')) free.push(conversationId);
    },
  };
}

let rounds = 0;

async function load(port: number, shape: LoadShape): Promise<Measured> {
  const started = Date.now();
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
          const { conversationId, text } = shape.next();
          (context as { conversationId?: string }).conversationId = conversationId;
          return { ...request, body: activity(conversationId, text) };
        },
        onResponse: (_status, _body, context) => {
          const { conversationId } = context as { conversationId?: string };
          if (conversationId) shape.done?.(conversationId);
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
    seconds: (Date.now() - started) / 1000,
  };
}

/** A few seconds of ordinary turns first, so lazy loading and the JIT are not measured as latency. */
async function warmUp(port: number): Promise<void> {
  rounds += 1;
  await load(port, { connections: 20, amount: 3000, ...conversationPool(`warm-${rounds}`, 20) });
}

/** The median and the spread of a scenario's per-round figures. */
interface Summary {
  median: number;
  min: number;
  max: number;
}

function summarise(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return { median: round2(median), min: round2(sorted[0] ?? 0), max: round2(sorted.at(-1) ?? 0) };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function spread(summary: Summary): string {
  return `${summary.median.toFixed(2)}x (rounds ${summary.min.toFixed(2)}-${summary.max.toFixed(2)})`;
}

function fmt(m: Measured): string {
  return `${m.rps.toFixed(0).padStart(6)} req/s  p50 ${String(m.p50).padStart(4)} ms  p99 ${String(m.p99).padStart(5)} ms`;
}

/** Alternates echo and bot `ROUNDS` times on the same two running servers; returns each round's pair. */
async function alternate(
  name: string,
  echo: Server,
  bot: Server,
  shape: (round: number) => LoadShape,
  beforeBot: () => void = () => undefined,
): Promise<{ echo: Measured; bot: Measured }[]> {
  const rounds: { echo: Measured; bot: Measured }[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const e = await load(echo.port, shape(round));
    beforeBot();
    const b = await load(bot.port, shape(round));
    say(`${name.padEnd(12)} round ${round + 1}: echo ${fmt(e)} | bot ${fmt(b)}  errors ${b.errors + b.non2xx}`);
    rounds.push({ echo: e, bot: b });
  }
  return rounds;
}

/** A loopback site that answers 502 like nginx in front of a dead upstream, counting what it receives. */
async function startDownSite(): Promise<{ url: string; hits(): number; reset(): void; close(): void }> {
  let hits = 0;
  const site = http.createServer((_req, res) => {
    hits += 1;
    res.writeHead(502, { server: 'nginx', 'content-type': 'text/html' });
    res.end(
      '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>',
    );
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(site.address() as net.AddressInfo).port}/`,
    hits: () => hits,
    reset: () => {
      hits = 0;
    },
    close: () => site.close(),
  };
}

/** Probes are one look plus one re-check; the down result is cached for a window. */
function probesOf(siteHits: number): number {
  return Math.ceil(siteHits / 2);
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gd-bench-'));
  const misses: string[] = [];
  const report: Record<string, unknown> = { rounds: ROUNDS, seconds: SECONDS };
  const servers: Server[] = [];
  const started = async (server: Promise<Server>): Promise<Server> => {
    const s = await server;
    servers.push(s);
    return s;
  };
  try {
    // The default storage (SQLite in WAL mode), so the figures are what `npm start` gives.
    const env = { PROBE_ALLOW_CIDRS: '127.0.0.0/8' };
    // 100 conversations that go on: each turn restores, moves and saves a conversation that already exists.
    const helpTurns = (round: number): LoadShape => ({ connections: 100, ...conversationPool(`conv-${round}`, 100) });
    const echo = await started(startServer('echo'));
    await warmUp(echo.port);

    // 1. saturation
    const satBot = await started(startServer('gateway-doctor', { ...env, STORAGE: `sqlite:${path.join(dataDir, 'saturation.db')}` }));
    await warmUp(satBot.port);
    const saturation = summarise((await alternate('saturation', echo, satBot, helpTurns)).map((r) => r.bot.rps / r.echo.rps));
    report.echoRatio = saturation.median;
    report.echoRatioSpread = [saturation.min, saturation.max];
    if (saturation.median < 0.8) misses.push(`saturation throughput ${saturation.median.toFixed(2)}x < 0.8x`);
    say(`saturation   throughput ${spread(saturation)} echo (budget >= 0.8x)`);
    report.rssMb = satBot.peakRssMb();
    await satBot.stop();

    // 2. fixed offered load
    const fixedBot = await started(startServer('gateway-doctor', { ...env, STORAGE: `sqlite:${path.join(dataDir, 'fixed.db')}` }));
    await warmUp(fixedBot.port);
    const fixedRounds = await alternate('500 turns/s', echo, fixedBot, (round) => ({ ...helpTurns(round), overallRate: 500 }));
    const fixed = summarise(fixedRounds.map((r) => r.bot.p99 / Math.max(1, r.echo.p99)));
    report.p99Ratio = fixed.median;
    report.p99RatioSpread = [fixed.min, fixed.max];
    if (fixed.median > 1.5) misses.push(`fixed-load p99 ${fixed.median.toFixed(2)}x > 1.5x`);
    say(`500 turns/s  p99 ${spread(fixed)} echo (budget <= 1.5x)`);
    await fixedBot.stop();

    // 3. outage storm: a down host behind nginx, 5,000 people in new conversations at 500 per second.
    const site = await startDownSite();
    // Another down host for the warm-up: the storm's code paths (probe, verdict, crowd) are compiled before
    // the first round, while the measured site stays unprobed and uncached.
    const warmSite = await startDownSite();
    let person = 0;
    const storm = (rate: number, amount: number, about = site): LoadShape => ({
      connections: 100,
      overallRate: rate,
      amount,
      next: () => {
        person += 1;
        return { conversationId: `storm-${person}`, text: `${about.url} shows 502 Bad Gateway` };
      },
    });
    const warmStorm = (port: number) => load(port, storm(250, 1000, warmSite));
    const stormBot = await started(startServer('gateway-doctor', { ...env, STORAGE: `sqlite:${path.join(dataDir, 'storm.db')}` }));
    await warmUp(stormBot.port);
    await warmStorm(stormBot.port);
    await warmStorm(echo.port);
    const stormRounds = await alternate('storm', echo, stormBot, () => storm(500, 5000), site.reset);
    const lastStorm = stormRounds.at(-1);
    const stormP99 = summarise(stormRounds.map((r) => r.bot.p99 / Math.max(1, r.echo.p99)));
    const stormRate = summarise(stormRounds.map((r) => r.bot.requests / r.bot.seconds));
    const stormErrors = stormRounds.reduce((sum, r) => sum + r.bot.errors + r.bot.non2xx + Math.max(0, 5000 - r.bot.requests), 0);
    // Counted over the last round only (the site's counter restarts before each bot round).
    const stormWindows = Math.ceil((lastStorm?.bot.seconds ?? 0) / CACHE_WINDOW_S);
    const stormProbes = probesOf(site.hits());
    Object.assign(report, {
      stormP99Ratio: stormP99.median,
      stormP99RatioSpread: [stormP99.min, stormP99.max],
      stormRatePerSec: Math.round(stormRate.median),
      stormRatePerSecSpread: [Math.round(stormRate.min), Math.round(stormRate.max)],
      stormProbes,
      stormWindows,
      stormErrors,
    });
    if (stormProbes > stormWindows) misses.push(`storm sent ${stormProbes} probes in ${stormWindows} cache window(s)`);
    if (stormErrors > 0) misses.push(`storm: ${stormErrors} people not answered or answered with an error`);
    if (stormP99.median > 2) misses.push(`storm p99 ${stormP99.median.toFixed(2)}x > 2x`);
    if (stormRate.median < 500 * 0.95) misses.push(`storm sustained ${Math.round(stormRate.median)}/s < 500/s`);
    say(
      `storm        p99 ${spread(stormP99)} echo (budget <= 2x); sustained ${Math.round(stormRate.median)}/s (500/s arrive); ` +
        `${stormErrors} unanswered; last round: site saw ${stormProbes} probe(s) in ${stormWindows} window(s)`,
    );
    await stormBot.stop();

    // 4. the storm against two instances on one Redis: the fleet should probe like one bot.
    const redis = await startRedisServer();
    try {
      const fleetEnv = { ...env, STORAGE: redis.url, WEBCHAT_TOKEN_SECRET: 'bench-fleet-secret-0123456789abcdef' };
      const a = await started(startServer('gateway-doctor', fleetEnv));
      const b = await started(startServer('gateway-doctor', fleetEnv));
      await Promise.all([warmUp(a.port), warmUp(b.port)]);
      await Promise.all([warmStorm(a.port), warmStorm(b.port)]);
      site.reset();
      // 50 connections each: autocannon paces each connection at a whole number of requests per second, so 100
      // connections asked for 250/s would send 2/s each, 200/s in all.
      const half = (): LoadShape => ({ ...storm(250, 2500), connections: 50 });
      const [onA, onB] = await Promise.all([load(a.port, half()), load(b.port, half())]);
      const seconds = Math.max(onA.seconds, onB.seconds);
      const fleetWindows = Math.ceil(seconds / CACHE_WINDOW_S);
      const fleetProbes = probesOf(site.hits());
      const fleetErrors = onA.errors + onA.non2xx + onB.errors + onB.non2xx + Math.max(0, 5000 - onA.requests - onB.requests);
      Object.assign(report, { fleetStormProbes: fleetProbes, fleetStormWindows: fleetWindows, fleetStormErrors: fleetErrors });
      if (fleetProbes > fleetWindows) misses.push(`fleet storm sent ${fleetProbes} probes in ${fleetWindows} cache window(s)`);
      if (fleetErrors > 0) misses.push(`fleet storm: ${fleetErrors} people not answered or answered with an error`);
      say(
        `fleet storm  two instances on Redis: A ${fmt(onA)} | B ${fmt(onB)}; ${fleetErrors} unanswered; ` +
          `site saw ${fleetProbes} probe(s) in ${fleetWindows} window(s) (target: one per window for the fleet)`,
      );
    } finally {
      await redis.stop();
      site.close();
      warmSite.close();
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  }

  say('');
  const probe = spawn(TSX, [path.join(__dirname, 'probe.bench.ts')], {
    cwd: ROOT,
    stdio: ['ignore', JSON_OUTPUT ? 'ignore' : 'inherit', 'inherit'],
  });
  const probeCode = await new Promise<number>((resolve) => probe.once('exit', (code) => resolve(code ?? 1)));
  if (probeCode !== 0) misses.push('probe budgets (see npm run bench:probe)');

  report.misses = misses;
  if (JSON_OUTPUT) process.stdout.write(`${JSON.stringify(report)}\n`);
  say('');
  say(misses.length > 0 ? `MISSED: ${misses.join('; ')}` : 'all budgets met');
  if (misses.length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
