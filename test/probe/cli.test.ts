import { spawn } from 'node:child_process';
import path from 'node:path';
import type { ProbeResult } from '../../src/contracts';
import { exitCodeFor, formatLine, main } from '../../src/probe/cli';
import { closedPort, createCountingSite, createHttpServer, type LoopbackServer } from '../helpers/loopback-servers';

const ROOT = path.join(__dirname, '..', '..');

/** `npm run probe` as an operator runs it: tsx, a child process, the environment as configuration. */
function runCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string }> {
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  const child = spawn(tsx, [path.join(ROOT, 'src', 'probe', 'cli.ts'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

function createIo(env: NodeJS.ProcessEnv = { PROBE_ALLOW_CIDRS: '127.0.0.0/8', PROBE_TIMEOUT_MS: '1500' }) {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (c: string) => (out += c), isTTY: false }, stderr: { write: (c: string) => (err += c) }, env },
    out: () => out,
    err: () => err,
  };
}

describe('npm run probe', () => {
  let up: LoopbackServer;
  let down: LoopbackServer;
  beforeAll(async () => {
    up = await createHttpServer((_req, res) => {
      res.writeHead(200);
      res.end('ok');
    });
    down = await createHttpServer((_req, res) => {
      res.writeHead(502, { server: 'cloudflare', 'cf-ray': '8e4f2a9b7c6d5e4f-FRA' });
      res.end('<title>502: Bad gateway</title> Cloudflare Ray ID: 8e4f2a9b7c6d5e4f');
    });
  });
  afterAll(async () => {
    await up.close();
    await down.close();
  });

  it('prints one JSON object per URL, in the order given, in the contract shape', async () => {
    const closed = await closedPort();
    const { io, out } = createIo();
    const code = await main(['--json', down.url, up.url, closed.url, 'ftp://example.com/'], io);
    await closed.close();
    const lines = out()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((l) => l.verdict)).toEqual(['down', 'up', 'down', 'invalid']);
    expect(lines[0]).toMatchObject({ url: down.url, advice: 'wait', httpStatus: 502, producer: 'cloudflare' });
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(expect.arrayContaining(['url', 'verdict', 'advice', 'timings', 'evidence', 'checkedAt']));
      expect(typeof (line.timings as { totalMs: unknown }).totalMs).toBe('number');
    }
    expect(code).toBe(1);
  });

  it('prints a readable line and exits 0 when every site is up', async () => {
    const { io, out } = createIo();
    expect(await main([up.url], io)).toBe(0);
    expect(out()).toMatch(/^UP http:\/\/127\.0\.0\.1:\d+\/ {2}advice=troubleshoot {2}status=200/);
    expect(out()).not.toContain('\u001b['); // no colours when not writing to a terminal
  });

  it('names the request id in the readable line', async () => {
    const { io, out } = createIo();
    await main([down.url], io);
    expect(out()).toContain('8e4f2a9b7c6d5e4f');
  });

  it('explains misuse and bad configuration with exit code 2', async () => {
    const none = createIo();
    expect(await main([], none.io)).toBe(2);
    expect(none.err()).toContain('usage');
    const flag = createIo();
    expect(await main(['--jsn', up.url], flag.io)).toBe(2);
    const badEnv = createIo({ PROBE_TIMEOUT_MS: 'soon' });
    expect(await main([up.url], badEnv.io)).toBe(2);
    expect(badEnv.err()).toContain('PROBE_TIMEOUT_MS');
  });

  it('takes --per-host N (or --per-host=N) and refuses anything but 1 to 64', async () => {
    for (const bad of [['--per-host'], ['--per-host', '0'], ['--per-host', 'four'], ['--per-host=65'], ['--per-host', '-1']]) {
      const { io, err } = createIo();
      expect(await main([...bad, up.url], io)).toBe(2);
      expect(err()).toContain('usage');
    }
    const site = await createCountingSite(15);
    try {
      const one = createIo();
      const urls = Array.from({ length: 6 }, (_, i) => `${site.server.url}one-${i}`);
      expect(await main(['--per-host', '1', ...urls], one.io)).toBe(0);
      expect(site.peak()).toBe(1);
      const two = createIo();
      expect(await main(['--per-host=2', '--json', ...urls.map((u) => `${u}-b`)], two.io)).toBe(0);
      expect(site.peak()).toBe(2);
    } finally {
      await site.server.close();
    }
  });

  it('probes a host typed without a scheme over http when https gets no answer, and says so', async () => {
    const { io, out } = createIo();
    expect(await main([`127.0.0.1:${up.port}/plain`], io)).toBe(0);
    expect(out()).toMatch(new RegExp(`^UP http://127\\.0\\.0\\.1:${up.port}/plain .*https-failed=ERR_SSL_WRONG_VERSION_NUMBER`));
  });

  it('tells a check our limits stopped apart from a target our rules refused, with its own exit code', () => {
    const base = { advice: 'wait', timings: { totalMs: 1 }, checkedAt: '2026-01-01T00:00:00.000Z' } as const;
    const limited: ProbeResult = {
      ...base,
      url: 'https://shop.example/',
      verdict: 'rate_limited',
      evidence: [{ kind: 'refused', reason: 'rate-limited' }],
      retryAfterMs: 2300,
    };
    const blocked: ProbeResult = {
      ...base,
      url: 'http://10.0.0.5/',
      verdict: 'blocked',
      evidence: [{ kind: 'refused', reason: 'address' }],
    };
    const upResult: ProbeResult = { ...base, url: 'https://ok.example/', verdict: 'up', advice: 'troubleshoot', evidence: [] };
    expect(formatLine(limited)).toMatch(/^RATE_LIMITED https:\/\/shop\.example\/ {2}advice=wait {2}limit=rate-limited {2}retry-after=3s/);
    expect(formatLine(blocked)).toContain('refused=address');
    expect(exitCodeFor([upResult])).toBe(0);
    expect(exitCodeFor([upResult, limited])).toBe(75);
    expect(exitCodeFor([limited, blocked])).toBe(1);
  });

  it('answers 50 pages of one host each with its own result, at most 4 at once (a child process, as npm run probe)', async () => {
    const site = await createCountingSite(25);
    try {
      const urls = Array.from({ length: 50 }, (_, i) => `${site.server.url}products/${i}`);
      const { code, out, err } = await runCli(['--json', ...urls], { PROBE_ALLOW_CIDRS: '127.0.0.0/8', PROBE_TIMEOUT_MS: '3000' });
      expect(err).toBe('');
      expect(code).toBe(0);
      const results = out
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as ProbeResult);
      expect(results).toHaveLength(50);
      expect(results.map((r) => r.url)).toEqual(urls);
      expect(results.every((r) => r.verdict === 'up' && r.httpStatus === 200)).toBe(true);
      expect(results.filter((r) => r.verdict === 'rate_limited' || r.verdict === 'blocked')).toEqual([]);
      expect(results.filter((r) => r.evidence.some((e) => e.kind === 'note' && e.code === 'host-result'))).toEqual([]);
      expect([...site.paths].sort()).toEqual(urls.map((u) => new URL(u).pathname).sort());
      expect(site.peak()).toBeLessThanOrEqual(4);
      expect(site.peak()).toBeGreaterThan(1);
    } finally {
      await site.server.close();
    }
  }, 30_000);

  it('blocks loopback unless PROBE_ALLOW_CIDRS lets it through', async () => {
    const { io, out } = createIo({});
    await main(['--json', up.url], io);
    expect(JSON.parse(out()).verdict).toBe('blocked');
  });
});
