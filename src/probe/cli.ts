/**
 * `npm run probe -- [--json] [--per-host N] <url> [<url>...]`: the status probe without the bot, as the
 * operator's tool: none of the public bot's per-host or per-person limits, at most N probes of one host at
 * once (default 4) and the rest queued, so every URL gets its own answer. One line per URL in the order
 * given. Exit code 0 when every site is up, 1 when any is not, 75 (EX_TEMPFAIL) when the others are up but
 * our own limits stopped a check, 2 on misuse.
 */
import { loadConfig, ConfigError, type Config } from '../config';
import { createOperatorProber, DEFAULT_PER_HOST_CONCURRENCY } from './prober';
import { PROBE_NOTES, type Evidence, type ProbeResult, type Verdict } from '../contracts';

export interface CliIo {
  stdout: { write(chunk: string): unknown; isTTY?: boolean };
  stderr: { write(chunk: string): unknown };
  /** The environment to configure from; default this process's, read by src/config.ts. */
  env?: NodeJS.ProcessEnv;
}

/** Beyond this a batch stops being a check and starts being a load test of the operator's own site. */
const MAX_PER_HOST = 64;

const USAGE = `usage: npm run probe -- [--json] [--per-host N] <url> [<url>...]
  --json        one JSON object per URL (the ProbeResult contract)
  --per-host N  probes of one host at once, the rest wait their turn (default ${DEFAULT_PER_HOST_CONCURRENCY}, at most ${MAX_PER_HOST})
A URL typed without a scheme is tried over https, then over http if https got no HTTP answer.
`;

/** Exit codes, sysexits-style where one fits. */
const EXIT = { allUp: 0, notUp: 1, misuse: 2, limited: 75 } as const;

const COLOURS: Record<Verdict, string> = {
  up: '\u001b[32m',
  degraded: '\u001b[33m',
  down: '\u001b[31m',
  timeout: '\u001b[31m',
  dns_error: '\u001b[31m',
  tls_error: '\u001b[31m',
  blocked: '\u001b[35m',
  rate_limited: '\u001b[36m',
  invalid: '\u001b[35m',
};
const RESET = '\u001b[0m';

/** The prober's own notes, each shown under its own name rather than as `error=`. */
const NOTE_LABELS: Readonly<Record<string, string>> = {
  [PROBE_NOTES.httpsFailed]: 'https-failed',
  [PROBE_NOTES.httpFailed]: 'http-failed',
  [PROBE_NOTES.hostResult]: 'answer-from',
};

/** Runs the CLI; returns the exit code instead of exiting so tests can call it in-process. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv);
  if (!args.ok) {
    io.stderr.write(args.error ? `${args.error}\n${USAGE}` : USAGE);
    return EXIT.misuse;
  }
  let config: Readonly<Config>;
  try {
    config = loadConfig(io.env);
  } catch (error) {
    io.stderr.write(error instanceof ConfigError ? `${error.message}\n` : 'could not read the configuration\n');
    return EXIT.misuse;
  }
  // The operator's own tool: the public limits protect sites from strangers, the per-host queue protects
  // the site from the operator's batch.
  const prober = createOperatorProber({
    timeoutMs: config.probe.timeoutMs,
    allowCidrs: config.probe.allowCidrs,
    perHostConcurrency: args.perHost,
  });
  const results = await Promise.all(args.targets.map((target) => prober.probe(target)));
  const colour = !args.json && io.stdout.isTTY === true && !config.commands.noColor;
  for (const result of results) {
    io.stdout.write(args.json ? `${JSON.stringify(result)}\n` : `${formatLine(result, colour)}\n`);
  }
  return exitCodeFor(results);
}

/** 0 when every site is up; 1 when any site is not; 75 when the rest are up but our own limits stopped a check. */
export function exitCodeFor(results: readonly ProbeResult[]): number {
  if (results.some((result) => result.verdict !== 'up' && result.verdict !== 'rate_limited')) return EXIT.notUp;
  return results.some((result) => result.verdict === 'rate_limited') ? EXIT.limited : EXIT.allUp;
}

type Args = { ok: true; json: boolean; perHost: number; targets: string[] } | { ok: false; error?: string };

function parseArgs(argv: readonly string[]): Args {
  let json = false;
  let perHost = DEFAULT_PER_HOST_CONCURRENCY;
  const targets: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? '';
    if (arg === '-h' || arg === '--help') return { ok: false };
    if (arg === '--json') {
      json = true;
    } else if (arg === '--per-host' || arg.startsWith('--per-host=')) {
      const value = arg === '--per-host' ? argv[++index] : arg.slice('--per-host='.length);
      const parsed = /^\d{1,3}$/.test(value ?? '') ? Number(value) : Number.NaN;
      if (!(parsed >= 1 && parsed <= MAX_PER_HOST)) {
        return { ok: false, error: `--per-host needs a whole number from 1 to ${MAX_PER_HOST}` };
      }
      perHost = parsed;
    } else if (arg.startsWith('--')) {
      return { ok: false, error: `unknown option ${arg}` };
    } else {
      targets.push(arg);
    }
  }
  return targets.length === 0 ? { ok: false } : { ok: true, json, perHost, targets };
}

/** One human-readable line: verdict, advice, status, producer, cause, request ids, timings. */
export function formatLine(result: ProbeResult, colour = false): string {
  const verdict = colour ? `${COLOURS[result.verdict]}${result.verdict.toUpperCase()}${RESET}` : result.verdict.toUpperCase();
  const parts = [`${verdict} ${result.url}`, `advice=${result.advice}`];
  if (result.httpStatus !== undefined) parts.push(`status=${result.httpStatus}`);
  if (result.producer) parts.push(`producer=${result.producer}`);
  if (result.cause) parts.push(`cause=${result.cause}`);
  for (const id of result.evidence.filter((e): e is Extract<Evidence, { kind: 'request-id' }> => e.kind === 'request-id')) {
    parts.push(`${id.name}=${id.value}`);
  }
  for (const note of result.evidence.filter((e): e is Extract<Evidence, { kind: 'note' }> => e.kind === 'note')) {
    const said = NOTE_LABELS[note.code];
    if (said) parts.push(`${said}=${note.detail ?? '-'}`);
  }
  const error = result.evidence.find(
    (e): e is Extract<Evidence, { kind: 'note' }> => e.kind === 'note' && NOTE_LABELS[e.code] === undefined,
  );
  if (error) parts.push(`error=${error.detail ?? error.code}`);
  // Our own limits and our address rules are told apart here too: `blocked` only ever means the rules.
  const refusal = result.evidence.find((e): e is Extract<Evidence, { kind: 'refused' }> => e.kind === 'refused');
  if (refusal) parts.push(`${result.verdict === 'rate_limited' ? 'limit' : 'refused'}=${refusal.reason}`);
  if (result.retryAfterMs !== undefined) parts.push(`retry-after=${Math.max(1, Math.ceil(result.retryAfterMs / 1000))}s`);
  const t = result.timings;
  const phases = [
    t.dnsMs !== undefined ? `dns ${t.dnsMs}ms` : undefined,
    t.connectMs !== undefined ? `connect ${t.connectMs}ms` : undefined,
    t.tlsMs !== undefined ? `tls ${t.tlsMs}ms` : undefined,
    t.ttfbMs !== undefined ? `ttfb ${t.ttfbMs}ms` : undefined,
    `total ${t.totalMs}ms`,
  ].filter(Boolean);
  parts.push(`(${phases.join(', ')})`);
  return parts.join('  ');
}

if (require.main === module) {
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
    (code) => {
      process.exitCode = code;
    },
    () => {
      process.stderr.write('the probe failed unexpectedly\n');
      process.exitCode = 2;
    },
  );
}
