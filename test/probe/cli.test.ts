import { main } from '../../src/probe/cli';
import { closedPort, createHttpServer, type LoopbackServer } from '../helpers/loopback-servers';

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

  it('blocks loopback unless PROBE_ALLOW_CIDRS lets it through', async () => {
    const { io, out } = createIo({});
    await main(['--json', up.url], io);
    expect(JSON.parse(out()).verdict).toBe('blocked');
  });
});
