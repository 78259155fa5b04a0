/**
 * `npm run bench:probe`: the probe's own time against curl's on the same loopback servers.
 * Budgets (docs/architecture.md): an up site within 1.2x of curl's total time, a refused connection judged in under
 * 50 ms, a hung server judged at the time budget (+25% at most). Prints a table and exits 1 on a miss.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import http from 'node:http';
import net from 'node:net';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { createProber } from '../src/probe/prober';

const SAMPLES = 25;
const HUNG_BUDGET_MS = 1000;
const UP_SITE_THINK_MS = 20;

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const run = promisify(execFile);

/** curl's own measurement of the transfer (not its process start-up). Async: the servers share this event loop. */
async function curlTotalMs(url: string): Promise<number> {
  const { stdout } = await run('curl', ['-s', '--noproxy', '*', '-o', '/dev/null', '-w', '%{time_total}', '--max-time', '5', url]);
  return Number(stdout) * 1000;
}

function freshProber(timeoutMs: number) {
  // No cache and no rate limits: every sample must be a real probe.
  return createProber({
    timeoutMs,
    allowCidrs: ['127.0.0.0/8'],
    ttls: { upMs: 0, downMs: 0, refusedMs: 0 },
    perHostLimiter: new RateLimiterMemory({ points: 1_000_000, duration: 1 }),
    perRequesterLimiter: new RateLimiterMemory({ points: 1_000_000, duration: 1 }),
  });
}

async function main(): Promise<void> {
  const page = `<!doctype html><title>ok</title><p>${'x'.repeat(2000)}</p>`;
  // A site takes some time to build its answer; on loopback with none, both sides finish in under a
  // millisecond and the ratio would only compare process overheads. 20 ms is a fast real page.
  const up = http.createServer((_req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(page) });
      res.end(page);
    }, UP_SITE_THINK_MS);
  });
  const upUrl = `http://127.0.0.1:${await listen(up)}/`;
  const hung = net.createServer(() => undefined); // accepts and never answers
  const hungUrl = `http://127.0.0.1:${await listen(hung)}/`;
  const closed = net.createServer();
  const closedPort = await listen(closed);
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const refusedUrl = `http://127.0.0.1:${closedPort}/`;

  const prober = freshProber(4000);
  // Warm both sides once (JIT, connection code paths).
  await curlTotalMs(upUrl);
  await prober.probe(upUrl);

  const curlTimes: number[] = [];
  const probeTimes: number[] = [];
  for (let i = 0; i < SAMPLES; i += 1) {
    curlTimes.push(await curlTotalMs(upUrl));
    // Wall time around the whole probe (verdict, fingerprints and all), not only its own timings.
    const started = performance.now();
    const result = await prober.probe(upUrl);
    probeTimes.push(performance.now() - started);
    if (result.verdict !== 'up') throw new Error(`expected up, got ${result.verdict}`);
  }
  const refusedTimes: number[] = [];
  for (let i = 0; i < SAMPLES; i += 1) {
    const result = await prober.probe(refusedUrl);
    if (result.verdict !== 'down') throw new Error(`expected down, got ${result.verdict}`);
    refusedTimes.push(result.timings.totalMs);
  }
  const hungProber = freshProber(HUNG_BUDGET_MS);
  const hungTimes: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    const started = performance.now();
    const result = await hungProber.probe(hungUrl);
    if (result.verdict !== 'timeout') throw new Error(`expected timeout, got ${result.verdict}`);
    hungTimes.push(performance.now() - started);
  }
  up.close();
  hung.close();

  const curlMedian = median(curlTimes);
  const probeMedian = median(probeTimes);
  const ratio = probeMedian / curlMedian;
  const refusedMax = Math.max(...refusedTimes);
  const hungMax = Math.max(...hungTimes);
  const rows = [
    ['up site, curl total (median)', `${curlMedian.toFixed(2)} ms`, `site answers after ${UP_SITE_THINK_MS} ms`],
    ['up site, probe total (median)', `${probeMedian.toFixed(2)} ms`, `${ratio.toFixed(2)}x curl (budget 1.2x, or within 1 ms)`],
    ['refused, probe (median / max)', `${median(refusedTimes).toFixed(2)} / ${refusedMax.toFixed(2)} ms`, 'budget < 50 ms'],
    ['hung, probe wall time (max)', `${hungMax.toFixed(0)} ms`, `budget ${HUNG_BUDGET_MS} ms + 25%`],
  ];
  for (const [name = '', value = '', note = ''] of rows) console.log(`${name.padEnd(34)} ${value.padEnd(22)} ${note}`);

  // On loopback both sides take about a millisecond, so a ratio alone would judge noise: allow 1 ms of slack.
  const misses = [
    probeMedian > curlMedian * 1.2 && probeMedian - curlMedian > 1 ? 'up site slower than 1.2x curl' : undefined,
    refusedMax >= 50 ? 'refused connection not judged under 50 ms' : undefined,
    hungMax > HUNG_BUDGET_MS * 1.25 ? 'hung server judged later than the budget + 25%' : undefined,
  ].filter(Boolean);
  if (misses.length > 0) {
    console.log(`MISSED: ${misses.join('; ')}`);
    process.exitCode = 1;
  } else {
    console.log('probe budgets: all met');
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
