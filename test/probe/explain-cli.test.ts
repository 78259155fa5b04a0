import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { EXPLAIN_MAX_CHARS, EXPLAIN_MAX_LINES } from '../../src/probe/explain';
import { MAX_STDIN_BYTES, main } from '../../src/probe/explain-cli';

const ROOT = path.join(__dirname, '..', '..');
const MIXED = readFileSync(path.join(ROOT, 'test', 'fixtures', 'logs', 'mixed-paste.txt'), 'utf8');

/** A stdout stand-in that keeps what was written. */
function createCollector(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

async function runMain(argv: string[], input: string | Buffer[]): Promise<{ code: number; out: string }> {
  const out = createCollector();
  const stdin = Readable.from(typeof input === 'string' ? [Buffer.from(input)] : input);
  const code = await main(argv, stdin, out.stream);
  return { code, out: out.text() };
}

describe('explain CLI', () => {
  it('prints exactly {"findings":[...]} on one line with --json', async () => {
    const { code, out } = await runMain(['--json'], MIXED);
    expect(code).toBe(0);
    expect(out.endsWith('\n')).toBe(true);
    expect(out.trimEnd()).not.toContain('\n');
    const parsed = JSON.parse(out) as { findings: Record<string, unknown>[] };
    expect(Object.keys(parsed)).toEqual(['findings']);
    expect(parsed.findings.map((f) => [f.line, f.producer, f.cause])).toEqual([
      [9, 'nginx', 'error-page'],
      [18, 'nginx', 'upstream-reset'],
      [19, 'nginx', 'upstream-refused'],
      [21, undefined, 'app-crash'],
    ]);
    for (const f of parsed.findings) {
      expect(Object.keys(f).every((k) => ['line', 'producer', 'cause', 'summary'].includes(k))).toBe(true);
      expect(typeof f.summary).toBe('string');
    }
    // Key order is part of the shape: line?, producer?, cause, summary.
    expect(Object.keys(parsed.findings[3] ?? {})).toEqual(['line', 'cause', 'summary']);
  });

  it('prints one line per finding without --json', async () => {
    const { code, out } = await runMain([], MIXED);
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^line 18: nginx: upstream-reset: \S/);
    expect(lines[3]).toMatch(/^line 21: app-crash: \S/);
  });

  it('says clearly when nothing is recognised, and still exits 0', async () => {
    const plain = await runMain([], 'just some words');
    expect(plain.code).toBe(0);
    expect(plain.out).toMatch(/^nothing recognised/);
    const json = await runMain(['--json'], 'just some words');
    expect(json.code).toBe(0);
    expect(json.out).toBe('{"findings":[]}\n');
  });

  it('rejects unknown arguments', async () => {
    const { code, out } = await runMain(['--yaml'], MIXED);
    expect(code).toBe(2);
    expect(out).toContain('usage:');
  });

  it('drains input past its byte cap without hanging', async () => {
    const line = Buffer.from(`${'upstream sent too big header while reading response header from upstream'}\n`);
    const chunks = Array.from({ length: Math.ceil((2 * MAX_STDIN_BYTES) / line.length) }, () => line);
    const { code, out } = await runMain(['--json'], chunks);
    expect(code).toBe(0);
    const parsed = JSON.parse(out) as { findings: unknown[] };
    expect(parsed.findings.length).toBeGreaterThan(0);
    expect(parsed.findings.length).toBeLessThanOrEqual(5000);
  });

  it('adds "truncated" after "findings" in the JSON when the input was cut', async () => {
    const line = '[CRITICAL] WORKER TIMEOUT (pid:1)\n';
    const { code, out } = await runMain(['--json'], line.repeat(EXPLAIN_MAX_LINES + 10));
    expect(code).toBe(0);
    const parsed = JSON.parse(out) as { findings: unknown[]; truncated?: Record<string, number> };
    expect(Object.keys(parsed)).toEqual(['findings', 'truncated']);
    expect(parsed.truncated?.lines).toBe(EXPLAIN_MAX_LINES);
    expect(parsed.findings.length).toBeLessThanOrEqual(EXPLAIN_MAX_LINES);
  });

  it('ends the plain output with a line saying the input was cut', async () => {
    const { code, out } = await runMain([], `${MIXED}\n${'x'.repeat(EXPLAIN_MAX_CHARS)}`);
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines.at(-1)).toBe(`input cut: only the first ${EXPLAIN_MAX_CHARS} characters were read`);
  });

  it('says the input was cut even when nothing was recognised in what was read', async () => {
    const { out } = await runMain([], 'x'.repeat(EXPLAIN_MAX_CHARS + 1));
    expect(out).toMatch(/^nothing recognised.*\ninput cut: /);
  });

  it('runs as the entry point under tsx (npm run explain)', async () => {
    const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
    const child = spawn(tsx, [path.join(ROOT, 'src', 'probe', 'explain-cli.ts'), '--json'], { cwd: ROOT });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stdin.end(MIXED);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect((JSON.parse(out) as { findings: unknown[] }).findings).toHaveLength(4);
  });
});
