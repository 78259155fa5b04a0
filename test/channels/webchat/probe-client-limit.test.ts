/**
 * Web chat hands out a fresh user id with every token, so the probe's per-person limit alone is free to
 * rotate. On the whole app, on loopback: one address opening conversation after conversation (a new
 * person id each time) still gets no more outbound probes than its per-client budget.
 */
import type { RunningApp } from '../../../src/index';
import { createTestApp } from '../../helpers/create-test-app';
import { createHttpServer, type LoopbackServer } from '../../helpers/loopback-servers';
import { healthWithin } from './helpers/raw-upgrade';

jest.setTimeout(60_000);

/** The prober's default budget per client address (per person it is 20). */
const PER_CLIENT_PROBES = 60;
/** Below every web chat budget: 10 messages per conversation per 10 s, 20 probes per person per minute. */
const PROBES_PER_CONVERSATION = 9;

interface Session {
  token: string;
  conversationId: string;
}

type Logged = { type: string; from?: { role?: string }; channelData?: { gatewayDoctor?: { verdict?: string } } };

describe('the probe budget of one web chat client address', () => {
  let app: RunningApp;
  let site: LoopbackServer;
  let base: string;
  beforeAll(async () => {
    site = await createHttpServer((_req, res) => {
      res.writeHead(502, { server: 'nginx', 'content-type': 'text/html' });
      res.end('<h1>502 Bad Gateway</h1><hr><center>nginx</center>');
    });
    app = await createTestApp();
    base = `http://127.0.0.1:${app.port}`;
  });
  afterAll(async () => {
    await app.close();
    await site.close();
  });

  async function startSession(): Promise<Session> {
    const issued = await fetch(`${base}/api/webchat/token`, { method: 'POST' });
    expect(issued.status).toBe(200);
    const session = (await issued.json()) as Session;
    const started = await fetch(`${base}/v3/directline/conversations`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${session.token}`, 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(started.status).toBe(201);
    return session;
  }

  async function say(session: Session, text: string): Promise<void> {
    const response = await fetch(`${base}/v3/directline/conversations/${session.conversationId}/activities`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${session.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'message', text }),
    });
    expect(response.status).toBe(200);
  }

  it('stops outbound probes at the per-client budget however many person ids the address rotates through', async () => {
    const port = new URL(site.url).port;
    const before = app.core.prober.stats();
    let target = 0;
    const sessions: Session[] = [];
    // Seven conversations, seven person ids, one address: 63 distinct sites (one host each, so the
    // per-host limit never applies and every probe would go out).
    for (let c = 0; c < 7; c += 1) {
      const session = await startSession();
      sessions.push(session);
      for (let i = 0; i < PROBES_PER_CONVERSATION; i += 1) {
        target += 1;
        const host = target === 1 ? '127.0.0.1' : `127.0.${Math.floor(target / 250)}.${(target % 250) + 2}`;
        await say(session, `http://${host}:${port}/page-${target} shows 502 Bad Gateway`);
      }
    }
    const after = app.core.prober.stats();
    expect(target).toBeGreaterThan(PER_CLIENT_PROBES);
    expect(after.outbound - before.outbound).toBe(PER_CLIENT_PROBES);
    expect(after.rateLimited - before.rateLimited).toBe(target - PER_CLIENT_PROBES);
    expect(site.connections()).toBeGreaterThanOrEqual(1);

    // The person whose probe was refused is told the check was limited (rate_limited, never blocked), not that
    // the site is fine or unreachable.
    const last = sessions.at(-1) as Session;
    const logged = await fetch(`${base}/v3/directline/conversations/${last.conversationId}/activities`, {
      headers: { Authorization: `Bearer ${last.token}` },
    });
    const { activities } = (await logged.json()) as { activities: Logged[] };
    const verdicts = activities.filter((a) => a.from?.role === 'bot').map((a) => a.channelData?.gatewayDoctor?.verdict);
    expect(verdicts.at(-1)).toBe('rate_limited');
    expect(await healthWithin(base)).toMatchObject({ status: 200 });
  });
});
