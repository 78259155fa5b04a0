/**
 * The public view at every exit of the real app (POST /api/messages, /api/status, /status, the hand-off
 * webhook, the DNS step): a target our address rules refused must read exactly like a site that refused
 * the connection, and the board must publish only the hosts the help desk listed.
 *
 * Names that resolve inside (10.0.0.7, 169.254.169.254) come from an injected resolver: the probe refuses
 * them before any connection, so no packet leaves loopback.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DnsReport } from '../../src/contracts';
import { loadConfig } from '../../src/config';
import { startApp, type RunningApp } from '../../src/index';
import { createLogger } from '../../src/observability/logger';
import { createStaticResolver } from '../../src/probe/resolver';
import { conversationKey } from '../../src/storage/storage-keys';
import { closedPort, type LoopbackServer } from '../helpers/loopback-servers';
import { createActivity, sendActivity, type BotReply } from '../helpers/create-test-app';

const HOSTS: Record<string, string[]> = {
  localhost: ['127.0.0.1'],
  'closed.test': ['127.0.0.1'],
  // One refused host per case below: each is asked about once, so its crowd count matches the other's.
  'closed-intranet.test': ['127.0.0.1'],
  'closed-metadata.test': ['127.0.0.1'],
  'intranet.test': ['10.0.0.7'],
  'metadata.test': ['169.254.169.254'],
};
const ADMIN_TOKEN = 'admin-token-for-tests';
/** Words and addresses that would tell a stranger our rules refused the target. */
const TRUTH = /blocked|"refused"|private|10\.0\.0\.7|169\.254\.169\.254/;

/** The records the administrator's DNS step would find, from the same table (no real DNS). */
async function fakeDns(host: string): Promise<DnsReport> {
  const a = HOSTS[host];
  return a
    ? { host, a, aaaa: [], cname: [`edge.${host}`], ns: ['ns1.test'] }
    : { host, a: [], aaaa: [], cname: [], ns: [], error: 'ENOTFOUND' };
}

async function startTestApp(env: Record<string, string>): Promise<RunningApp> {
  const config = loadConfig({
    PORT: '0',
    STORAGE: 'memory',
    PROBE_TIMEOUT_MS: '1500',
    LOG_LEVEL: 'silent',
    ADMIN_API_TOKEN: ADMIN_TOKEN,
    ...env,
  });
  return startApp(config, createLogger('silent'), { resolver: createStaticResolver(HOSTS), lookupDns: fakeDns });
}

interface Receiver {
  url: string;
  bodies: string[];
  close(): Promise<void>;
}

/** The help desk's ticketing webhook, on loopback. */
async function createReceiver(): Promise<Receiver> {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      bodies.push(raw);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/tickets`, bodies, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** What a client sees of a reply: everything but ids, addresses and timestamps of the activity itself. */
function visible(replies: BotReply[], host: string): unknown[] {
  const shown = replies.map(({ text, summary, attachments, channelData }) => ({ text, summary, attachments, channelData }));
  return JSON.parse(JSON.stringify(shown).split(host).join('HOST')) as unknown[];
}

/** The JSON shape of a value: every key path and the type at it, values left out. */
function shapeOf(value: unknown, at = '$'): string[] {
  if (Array.isArray(value)) return [`${at}:array`, ...value.flatMap((item, index) => shapeOf(item, `${at}[${index}]`))];
  if (value !== null && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .sort(([a], [b]) => a.localeCompare(b))
      .flatMap(([key, item]) => shapeOf(item, `${at}.${key}`));
  }
  return [`${at}:${typeof value}`];
}

async function expectHealthy(app: RunningApp): Promise<void> {
  const started = performance.now();
  const res = await fetch(`${app.url}/healthz`);
  expect(res.status).toBe(200);
  expect(performance.now() - started).toBeLessThan(500);
}

let sequence = 0;

/** A conversation of its own, with a person of its own (so the per-person probe limit never kicks in). */
function conversation(app: RunningApp) {
  sequence += 1;
  const id = `public-exits-${sequence}`;
  const from = { id: `person-${sequence}`, name: 'Ana' };
  return {
    id,
    say: (text: string) => sendActivity(app.url, createActivity({ conversation: { id }, from, text })),
    click: (intent: string) => sendActivity(app.url, createActivity({ conversation: { id }, from, value: { gatewayDoctor: { intent } } })),
    async stored(): Promise<string> {
      const key = conversationKey('emulator', id);
      return JSON.stringify((await app.core.storage.read([key]))[key]);
    },
    async storedProbe(): Promise<unknown> {
      const key = conversationKey('emulator', id);
      const record = (await app.core.storage.read([key]))[key] as { snapshot: { context: { probe?: unknown } } };
      return record.snapshot.context.probe;
    },
  };
}

function lastStatus(replies: BotReply[]) {
  return replies.at(-1)?.channelData?.gatewayDoctor;
}

describe('public exits of the running app', () => {
  let open: RunningApp;
  let strict: RunningApp;
  let closed: LoopbackServer;
  let receiver: Receiver;

  beforeAll(async () => {
    closed = await closedPort();
    receiver = await createReceiver();
    // `open` is an intranet help desk that may reach loopback; `strict` is the public default.
    open = await startTestApp({
      PROBE_ALLOW_CIDRS: '127.0.0.0/8',
      STATUS_HOSTS: 'localhost,metadata.test',
      HANDOFF_WEBHOOK_URL: receiver.url,
    });
    strict = await startTestApp({ HANDOFF_WEBHOOK_URL: receiver.url });
  });
  afterAll(async () => {
    await Promise.all([open.close(), strict.close()]);
    await Promise.all([receiver.close(), closed.close()]);
  });

  it('answers the same URL identically whether our rules refuse it or its port refuses the connection', async () => {
    const url = `http://localhost:${closed.port}/`;
    const refused = conversation(open);
    const blocked = conversation(strict);
    const a = await refused.say(url);
    const b = await blocked.say(url);
    expect(lastStatus(a)).toEqual({ state: 'user.unreachable', verdict: 'down', advice: 'wait', reports: 1 });
    expect(visible(b, 'localhost')).toEqual(visible(a, 'localhost'));
    // What the conversation keeps (and later builds replies and hand-offs from) has the same shape too.
    expect(shapeOf(await blocked.storedProbe())).toEqual(shapeOf(await refused.storedProbe()));
    expect(await blocked.stored()).not.toMatch(TRUTH);
    await expectHealthy(strict);
  });

  it.each([
    ['a name resolving to a private address', 'intranet.test'],
    ['the cloud metadata service by name', 'metadata.test'],
  ])('answers %s like a refused connection, in the chat, channelData and the stored conversation', async (_name, host) => {
    const refused = conversation(open);
    const blocked = conversation(open);
    const twin = `closed-${host}`;
    const a = await refused.say(`http://${twin}:${closed.port}/`);
    const b = await blocked.say(`http://${host}:${closed.port}/`);
    expect(lastStatus(b)).toEqual({ state: 'user.unreachable', verdict: 'down', advice: 'wait', reports: 1 });
    expect(visible(b, host)).toEqual(visible(a, twin));
    expect(JSON.stringify(b)).not.toMatch(TRUTH);
    expect(shapeOf(await blocked.storedProbe())).toEqual(shapeOf(await refused.storedProbe()));
    expect(await blocked.stored()).not.toMatch(TRUTH);

    // "I run this site" is a claim, not a credential: the administrator overview reads the same too.
    const adminA = await refused.click('admin');
    const adminB = await blocked.click('admin');
    expect(lastStatus(adminB)).toEqual({ state: 'admin.overview', verdict: 'down', advice: 'wait', reports: 1 });
    expect(visible(adminB, host)).toEqual(visible(adminA, twin));
    await expectHealthy(open);
  });

  it('shows no DNS records in the administrator DNS step for a name resolving inside', async () => {
    const toDnsStep = async (url: string) => {
      const person = conversation(open);
      await person.say(url);
      await person.click('admin');
      await person.click('no'); // start the checks: maintenance
      return person.click('no'); // next: the DNS lookup
    };
    const inside = await toDnsStep('http://intranet.test/');
    const missing = await toDnsStep('http://nowhere.test/');
    const allowed = await toDnsStep(`http://localhost:${closed.port}/`);
    expect(lastStatus(inside)?.state).toBe('admin.dns');
    expect(JSON.stringify(inside)).not.toMatch(/10\.0\.0\.7|edge\.intranet/);
    // Exactly what a name that does not resolve gets.
    expect(visible(inside, 'intranet.test').map(withoutStatus)).toEqual(visible(missing, 'nowhere.test').map(withoutStatus));
    // A name the probe may reach still gets its records.
    expect(JSON.stringify(allowed)).toContain('edge.localhost');
    await expectHealthy(open);
  });

  it('hands a case over with the public view of the probe', async () => {
    const before = receiver.bodies.length;
    const blocked = conversation(open);
    await blocked.say('http://intranet.test/');
    const handed = await blocked.click('human');
    // With the admin token set, the inbox can answer: the case is live (handoffLive) rather than pending.
    expect(lastStatus(handed)?.state).toMatch(/^handoff/);
    const refused = conversation(strict);
    await refused.say(`http://localhost:${closed.port}/`);
    await refused.click('human');
    await waitFor(() => receiver.bodies.length >= before + 2);

    const cases = receiver.bodies.slice(before).map((body) => JSON.parse(body) as { summary: { url: string; probes: unknown[] } });
    const fromBlocked = cases.find((c) => c.summary.url.includes('intranet.test'));
    const fromRefused = cases.find((c) => c.summary.url.includes('localhost'));
    expect(fromBlocked?.summary.probes).toEqual([expect.objectContaining({ verdict: 'down', advice: 'wait', requestIds: [] })]);
    expect(shapeOf(fromBlocked?.summary.probes)).toEqual(shapeOf(fromRefused?.summary.probes));
    expect(JSON.stringify(fromBlocked)).not.toMatch(TRUTH);
    await expectHealthy(open);
  });

  it('publishes only the listed hosts on /api/status and /status, and every host to an administrator', async () => {
    await conversation(open).say('http://intranet.test/');
    await conversation(open).say('http://metadata.test/');
    await conversation(open).say(`http://localhost:${closed.port}/`);

    const { checks } = (await (await fetch(`${open.url}/api/status`)).json()) as { checks: { host: string; verdict: string }[] };
    const hosts = checks.map((check) => check.host);
    expect(hosts).toEqual(expect.arrayContaining(['metadata.test', `localhost:${closed.port}`]));
    expect(hosts).not.toContain('intranet.test');
    expect(checks.find((check) => check.host === 'metadata.test')?.verdict).toBe('down');
    expect(JSON.stringify(checks)).not.toMatch(TRUTH);

    const html = await (await fetch(`${open.url}/status`)).text();
    expect(html).toContain('metadata.test');
    expect(html).toContain(`localhost:${closed.port}`);
    expect(html).not.toContain('intranet.test');

    expect((await fetch(`${open.url}/api/admin/status`)).status).toBe(401);
    const wrong = await fetch(`${open.url}/api/admin/status`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const admin = await fetch(`${open.url}/api/admin/status`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(admin.status).toBe(200);
    const all = (await admin.json()) as { checks: { host: string; verdict: string }[] };
    expect(all.checks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ host: 'intranet.test', verdict: 'blocked' }),
        expect.objectContaining({ host: 'metadata.test', verdict: 'blocked' }),
        expect.objectContaining({ host: `localhost:${closed.port}`, verdict: 'down' }),
      ]),
    );
    await expectHealthy(open);
  });

  it('shows an empty board that says nothing is listed when STATUS_HOSTS is empty', async () => {
    await conversation(strict).say('http://intranet.test/');
    const { checks } = (await (await fetch(`${strict.url}/api/status`)).json()) as { checks: unknown[] };
    expect(checks).toEqual([]);
    const html = await (await fetch(`${strict.url}/status`)).text();
    const strings = JSON.parse(readFileSync(path.resolve(__dirname, '../../locales/en/status.json'), 'utf8')) as {
      recent: { noneListed: string };
    };
    expect(html).toContain(`<td class="empty" colspan="8">${strings.recent.noneListed.replace(/'/g, '&#39;')}</td>`);
    expect(html).not.toContain('intranet.test');
    await expectHealthy(strict);
  });
});

/** The DNS step's replies without channelData (the probe verdicts of the two names differ by design). */
function withoutStatus(reply: unknown): unknown {
  const { channelData: _channelData, ...rest } = reply as Record<string, unknown>;
  return rest;
}

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
