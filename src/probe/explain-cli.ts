/**
 * `npm run explain [-- --json] < file`: explains a pasted error page, header dump or log lines.
 * Plain output is one line per finding, then a note when the input was longer than what is read; --json
 * prints `{"findings":[...]}` on one line, with `"truncated":{...}` added when part of the input was left unread.
 */
import type { Finding, Truncation } from '../contracts';
import { explainReport } from './explain';

/** Stdin beyond this many bytes is read and dropped; explainReport only reads the first EXPLAIN_MAX_CHARS characters anyway. */
export const MAX_STDIN_BYTES = 1024 * 1024;

const USAGE = 'usage: npm run explain [-- --json] < file\n';

/** Runs the CLI against the given streams and resolves to the exit code (0 even when nothing is recognised). */
export async function main(argv: readonly string[], stdin: NodeJS.ReadableStream, stdout: NodeJS.WritableStream): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    stdout.write(USAGE);
    return 0;
  }
  const unknown = argv.filter((a) => a !== '--json');
  if (unknown.length > 0) {
    stdout.write(`unknown argument: ${unknown.join(' ')}\n${USAGE}`);
    return 2;
  }
  const { findings, truncated } = explainReport(await readCapped(stdin, MAX_STDIN_BYTES));
  if (argv.includes('--json')) {
    stdout.write(`${JSON.stringify({ findings: findings.map(toJson), ...(truncated ? { truncated } : {}) })}\n`);
    return 0;
  }
  if (findings.length === 0) {
    stdout.write('nothing recognised: no known error page, header dump or server log line in the input\n');
  } else {
    for (const f of findings) stdout.write(`${formatFinding(f)}\n`);
  }
  if (truncated) stdout.write(`${formatTruncation(truncated)}\n`);
  return 0;
}

/** `input cut: only the first 1000 lines were read; lines were read up to 2000 characters each`. */
export function formatTruncation(t: Truncation): string {
  const parts = [
    ...(t.chars !== undefined ? [`only the first ${t.chars} characters were read`] : []),
    ...(t.lines !== undefined ? [`only the first ${t.lines} lines were read`] : []),
    ...(t.lineChars !== undefined ? [`lines were read up to ${t.lineChars} characters each`] : []),
  ];
  return `input cut: ${parts.join('; ')}`;
}

/** Fixes the key order of the JSON shape: line?, producer?, cause, summary. */
function toJson(f: Finding): Finding {
  return {
    ...(f.line !== undefined ? { line: f.line } : {}),
    ...(f.producer !== undefined ? { producer: f.producer } : {}),
    cause: f.cause,
    summary: f.summary,
  };
}

/** `line 3: nginx: upstream-refused: ...`; the line and producer parts are left out when unknown. */
export function formatFinding(f: Finding): string {
  const parts = [f.line !== undefined ? `line ${f.line}` : 'paste', ...(f.producer ? [f.producer] : []), f.cause, f.summary];
  return parts.join(': ');
}

function readCapped(stream: NodeJS.ReadableStream, maxBytes: number): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (): void => resolve(Buffer.concat(chunks).toString('utf8'));
    stream.on('data', (chunk: Buffer | string) => {
      // Past the cap the stream is still drained, so a writer on the other end of a pipe never blocks.
      if (size >= maxBytes) return;
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      const take = buf.subarray(0, maxBytes - size);
      chunks.push(take);
      size += take.length;
    });
    stream.on('end', finish);
    stream.on('error', finish);
  });
}

if (require.main === module) {
  if (process.stdin.isTTY) process.stderr.write('reading from stdin; paste the text, then press Ctrl-D\n');
  main(process.argv.slice(2), process.stdin, process.stdout).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`explain failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
