/**
 * `npm run probe -- [--json] <url> [<url>...]`: the status probe without the bot.
 * One line per URL in the order given; exit code 0 when every site is up, 1 when any is not, 2 on misuse.
 */
import { loadConfig, ConfigError, type Config } from '../config';
import { createProber } from './prober';
import type { Evidence, ProbeResult, Verdict } from '../contracts';

export interface CliIo {
  stdout: { write(chunk: string): unknown; isTTY?: boolean };
  stderr: { write(chunk: string): unknown };
  /** The environment to configure from; default this process's, read by src/config.ts. */
  env?: NodeJS.ProcessEnv;
}

const USAGE = 'usage: npm run probe -- [--json] <url> [<url>...]\n';

const COLOURS: Record<Verdict, string> = {
  up: '\u001b[32m',
  degraded: '\u001b[33m',
  down: '\u001b[31m',
  timeout: '\u001b[31m',
  dns_error: '\u001b[31m',
  tls_error: '\u001b[31m',
  blocked: '\u001b[35m',
  invalid: '\u001b[35m',
};
const RESET = '\u001b[0m';

/** Runs the CLI; returns the exit code instead of exiting so tests can call it in-process. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  const unknownFlag = argv.find((arg) => arg.startsWith('--') && arg !== '--json');
  const targets = argv.filter((arg) => !arg.startsWith('--'));
  if (unknownFlag || targets.length === 0 || argv.includes('-h')) {
    io.stderr.write(unknownFlag ? `unknown option ${unknownFlag}\n${USAGE}` : USAGE);
    return 2;
  }
  let config: Readonly<Config>;
  try {
    config = loadConfig(io.env);
  } catch (error) {
    io.stderr.write(error instanceof ConfigError ? `${error.message}\n` : 'could not read the configuration\n');
    return 2;
  }
  // A person at a terminal is their own rate limit; the per-host limit still protects the sites.
  const prober = createProber({ timeoutMs: config.probe.timeoutMs, allowCidrs: config.probe.allowCidrs });
  const results = await Promise.all(targets.map((target) => prober.probe(target)));
  const colour = !json && io.stdout.isTTY === true && !config.commands.noColor;
  for (const result of results) {
    io.stdout.write(json ? `${JSON.stringify(result)}\n` : `${formatLine(result, colour)}\n`);
  }
  return results.every((result) => result.verdict === 'up') ? 0 : 1;
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
  const why = result.evidence.find((e) => e.kind === 'note' || e.kind === 'refused');
  if (why?.kind === 'note') parts.push(`error=${why.detail ?? why.code}`);
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
