/**
 * `npm run bench:start [-- --runs N] [-- --tsx]`: how long the compiled commands take to start, median of N
 * runs (default 7). `npm start` until /readyz answers 200 (default SQLite storage in a fresh temp folder);
 * each CLI until it has done the least it can do: `probe` and `probe-worker` printing their usage, `explain`
 * reading an empty input, `chat` printing its prompt (before the bot loads) and the bot's greeting. Budgets
 * (docs/architecture.md): under 1 s for what loads the whole bot (`npm start`, the chat's greeting), under 0.3 s
 * for a CLI to start. `--tsx` adds the same figures for the TypeScript entry points run through tsx, for comparison.
 * Needs `npm run build` first. Wall time swings with the machine's load, so each row also shows the CPU time
 * the process used until then (bench/report-cpu.cjs), which does not.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { environmentWith } from '../src/config';

const ROOT = path.resolve(__dirname, '..');
const TSX = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const SERVER_BUDGET_MS = 1000;
const CLI_BUDGET_MS = 300;

interface Entry {
  name: string;
  /** Script under dist/ (compiled) and under the source tree (tsx), without extension. */
  script: string;
  kind: 'server' | 'cli';
  args?: string[];
  stdin?: string;
  /** Done when this appears on stdout (else: when the process exits). */
  until?: string;
  /** Its budget when not its kind's: the chat's greeting needs the whole bot loaded, as `npm start` does. */
  budgetMs?: number;
}

const ENTRIES: Entry[] = [
  { name: 'npm start (ready)', script: 'src/index', kind: 'server' },
  { name: 'npm run probe', script: 'src/probe/cli', kind: 'cli' },
  { name: 'npm run explain', script: 'src/probe/explain-cli', kind: 'cli', args: ['--json'], stdin: '' },
  { name: 'npm run probe-worker', script: 'src/probe/worker/worker-cli', kind: 'cli', args: ['--help'] },
  { name: 'npm run chat (prompt)', script: 'src/channels/console/chat', kind: 'cli', stdin: 'quit\n', until: 'Type your question' },
  {
    name: 'npm run chat (greeting)',
    script: 'src/channels/console/chat',
    kind: 'cli',
    stdin: 'quit\n',
    until: 'Gateway Doctor:',
    budgetMs: SERVER_BUDGET_MS,
  },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const REPORT_CPU = ['-r', path.join(__dirname, 'report-cpu.cjs')];

function command(entry: Entry, mode: 'compiled' | 'tsx'): string[] {
  return mode === 'compiled'
    ? [...REPORT_CPU, path.join(ROOT, 'dist', `${entry.script}.js`)]
    : [...REPORT_CPU, TSX, path.join(ROOT, `${entry.script}.ts`)];
}

/** One start's wall time and the CPU time the process had used by then. */
interface Sample {
  wallMs: number;
  cpuMs: number;
}

/** The CPU time the process reports on fd 3 when it exits (or is asked with SIGUSR2); listen right after spawn. */
function cpuOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const pipe = child.stdio[3] as Readable | null;
    let text = '';
    pipe?.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    // 'close', not 'exit': the report may still be in the pipe when the process is gone.
    child.once('close', () => resolve(Number((JSON.parse(text.split('\n')[0] || '{}') as { cpuMs?: number }).cpuMs ?? Number.NaN)));
  });
}

/** One start of the server: spawn to the first 200 from /readyz. */
async function timeServer(entry: Entry, mode: 'compiled' | 'tsx'): Promise<Sample> {
  const port = await freePort();
  const data = mkdtempSync(path.join(os.tmpdir(), 'gd-start-'));
  const started = performance.now();
  const child = spawn(process.execPath, command(entry, mode), {
    cwd: ROOT,
    env: environmentWith({ overrides: { PORT: String(port), STORAGE: `sqlite:${path.join(data, 'gd.db')}`, LOG_LEVEL: 'silent' } }),
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
  });
  const cpu = cpuOf(child);
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${entry.name} exited with ${child.exitCode}`);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (res) => res.status === 200,
        () => false,
      );
      if (ready) {
        const wallMs = performance.now() - started;
        child.kill('SIGUSR2');
        return { wallMs, cpuMs: await cpu };
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(data, { recursive: true, force: true });
  }
}

/** One start of a CLI: spawn to its marker on stdout, or to its exit. */
function timeCli(entry: Entry, mode: 'compiled' | 'tsx'): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...command(entry, mode), ...(entry.args ?? [])], {
      cwd: ROOT,
      env: environmentWith({ overrides: { LOG_LEVEL: 'silent', NO_COLOR: '1' } }),
      stdio: ['pipe', 'pipe', 'ignore', 'pipe'],
    });
    const cpu = cpuOf(child);
    let out = '';
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const wallMs = performance.now() - started;
      void cpu.then((cpuMs) => resolve({ wallMs, cpuMs }));
      if (child.exitCode === null) child.kill('SIGUSR2');
    };
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (entry.until && out.includes(entry.until)) finish();
    });
    child.on('error', reject);
    child.on('exit', () => (entry.until && !done ? reject(new Error(`${entry.name} exited before "${entry.until}"`)) : finish()));
    if (entry.stdin !== undefined) child.stdin?.end(entry.stdin);
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const runsAt = argv.indexOf('--runs');
  const runs = runsAt >= 0 ? Math.max(1, Number(argv[runsAt + 1]) || 7) : 7;
  const modes: Array<'compiled' | 'tsx'> = argv.includes('--tsx') ? ['compiled', 'tsx'] : ['compiled'];
  if (!existsSync(path.join(ROOT, 'dist', 'src', 'index.js'))) {
    process.stderr.write('dist/ is missing: run `npm run build` first\n');
    process.exitCode = 2;
    return;
  }
  let missed = false;
  process.stdout.write(`start-up, median of ${runs} runs (load average ${os.loadavg()[0]?.toFixed(2)})\n`);
  for (const mode of modes) {
    for (const entry of ENTRIES) {
      const samples: Sample[] = [];
      for (let i = 0; i < runs; i += 1) samples.push(entry.kind === 'server' ? await timeServer(entry, mode) : await timeCli(entry, mode));
      const ms = median(samples.map((s) => s.wallMs));
      const cpuMs = median(samples.map((s) => s.cpuMs));
      const budget = entry.budgetMs ?? (entry.kind === 'server' ? SERVER_BUDGET_MS : CLI_BUDGET_MS);
      const verdict = mode === 'tsx' ? '' : ms <= budget ? 'ok' : 'OVER';
      if (mode === 'compiled' && ms > budget) missed = true;
      // Under tsx the measured process is tsx's launcher, not the node process it starts: its CPU time says nothing.
      const cpu = mode === 'tsx' ? '     -' : cpuMs.toFixed(0).padStart(6);
      process.stdout.write(
        `${`${entry.name} [${mode}]`.padEnd(36)} wall ${ms.toFixed(0).padStart(6)} ms  cpu ${cpu} ms  budget ${budget} ms  ${verdict}\n`,
      );
    }
  }
  process.exitCode = missed ? 1 : 0;
}

void main();
