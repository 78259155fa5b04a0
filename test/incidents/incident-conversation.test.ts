/**
 * An incident declared through the admin API outranks the probe: a loopback site answering 200 is
 * reported as the incident (advice wait), watchers are held until the resolve, and the resolve tells them
 * exactly once through a fake Bot Framework connector on loopback.
 */
import { startConnector, type FakeConnector } from '../helpers/fake-connector';
import type { RunningApp } from '../../src/index';
import { createActivity, createTestApp, intentsOf, sendActivity, type BotReply } from '../helpers/create-test-app';
import { createHttpServer, type LoopbackServer } from '../helpers/loopback-servers';

const TOKEN = 'incident-admin-token-0123456789';

const status = (replies: BotReply[]) => replies.at(-1)?.channelData?.gatewayDoctor;
const textOf = (replies: BotReply[]) => replies.map((r) => JSON.stringify(r.attachments ?? r.text)).join('\n');

describe('an incident in the conversation', () => {
  let app: RunningApp;
  let site: LoopbackServer;
  let connector: FakeConnector;
  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${app.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
    });
  const say = (conversation: string, text: string, extra: Record<string, unknown> = {}) =>
    sendActivity(
      app.url,
      createActivity({ conversation: { id: conversation }, from: { id: `p-${conversation}` }, serviceUrl: connector.url, text, ...extra }),
    );

  beforeAll(async () => {
    site = await createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<h1>Shop</h1>');
    });
    connector = await startConnector();
    app = await createTestApp({ ADMIN_API_TOKEN: TOKEN, STATUS_HOSTS: 'shop.example.com' });
  });
  afterAll(async () => {
    await app.close();
    await site.close();
    await connector.close();
  });

  it('quotes the incident before a probe that sees 200, holds watchers, and the resolve tells them exactly once', async () => {
    const created = await admin('/api/admin/incidents', {
      method: 'POST',
      body: JSON.stringify({ host: '127.0.0.1', title: 'Checkout paused', message: 'Our payment provider is down.', etaMinutes: 30 }),
    });
    expect(created.status).toBe(201);
    const incident = (await created.json()) as { id: string };

    const first = await say('inc-1', `${site.url} shows 502 Bad Gateway`);
    expect(status(first)).toMatchObject({
      state: 'user.incident',
      verdict: 'up',
      advice: 'wait',
      incident: { id: incident.id, title: 'Checkout paused' },
    });
    expect(textOf(first)).toContain('Checkout paused');
    expect(textOf(first)).toContain('Our payment provider is down.');
    expect(intentsOf(first.at(-1))).toEqual(expect.arrayContaining(['watch', 'recheck']));

    const watched = await say('inc-1', '', { value: { gatewayDoctor: { intent: 'watch', state: 'user.incident' } } });
    expect(status(watched)?.state).toBe('user.waiting');
    expect(await app.watch.list()).toHaveLength(1);

    // The site answers 200, but the help desk holds it down: no "it's back" yet.
    expect(await app.watch.tick()).toEqual({ probed: 1, notified: 0 });
    expect(connector.posted).toHaveLength(0);

    const resolved = await admin(`/api/admin/incidents/${incident.id}/resolve`, { method: 'POST' });
    expect(resolved.status).toBe(200);
    expect(await resolved.json()).toMatchObject({ id: incident.id, notified: 1, resolvedAt: expect.any(String) });
    expect(connector.posted).toHaveLength(1);
    expect(connector.posted[0]?.body.channelData?.gatewayDoctor?.state).toBe('user.waiting');

    const again = await admin(`/api/admin/incidents/${incident.id}/resolve`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(await app.watch.tick()).toEqual({ probed: 0, notified: 0 });
    expect(connector.posted).toHaveLength(1);

    // Resolved: the next person hears the probe again.
    const after = await say('inc-2', `${site.url} shows 502 Bad Gateway`);
    expect(status(after)?.state).not.toBe('user.incident');
    expect(status(after)?.advice).toBe('troubleshoot');
  });

  it('shows the person who runs the site the incident and the live probe', async () => {
    const created = await admin('/api/admin/incidents', {
      method: 'POST',
      body: JSON.stringify({ host: '127.0.0.1', title: 'Database failover', message: 'Writes paused.' }),
    });
    const { id } = (await created.json()) as { id: string };
    const replies = await say('inc-admin', `I run this site, ${site.url} shows 502`);
    expect(status(replies)?.state).toMatch(/^admin\./);
    expect(status(replies)?.verdict).toBe('up');
    expect(textOf(replies)).toContain('Database failover');
    await admin(`/api/admin/incidents/${id}/resolve`, { method: 'POST' });
  });

  it('opens a maintenance window only inside it', async () => {
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const end = new Date(Date.now() + 7_200_000).toISOString();
    const created = await admin('/api/admin/incidents', {
      method: 'POST',
      body: JSON.stringify({ host: '127.0.0.1', title: 'Upgrade', message: '', startsAt: later, endsAt: end, severity: 'maintenance' }),
    });
    expect(created.status).toBe(201);
    const replies = await say('inc-maint', `${site.url} shows 502`);
    expect(status(replies)?.state).not.toBe('user.incident');
    const open = (await (await admin('/api/admin/incidents?open=true')).json()) as { incidents: unknown[] };
    expect(open.incidents).toHaveLength(0);
  });

  it('lists open incidents on STATUS_HOSTS, public fields only, on GET /api/status', async () => {
    await admin('/api/admin/incidents', {
      method: 'POST',
      body: JSON.stringify({ host: 'intranet.example.org', title: 'VPN down', message: '' }),
    });
    const created = await admin('/api/admin/incidents', {
      method: 'POST',
      body: JSON.stringify({ host: 'www.Shop.Example.com', title: 'Slow checkout', message: 'Investigating', severity: 'minor' }),
    });
    const { id } = (await created.json()) as { id: string };
    await admin(`/api/admin/incidents/${id}`, { method: 'PATCH', body: JSON.stringify({ update: 'Fix rolling out', etaMinutes: 5 }) });
    const body = (await (await fetch(`${app.url}/api/status`)).json()) as { incidents: Record<string, unknown>[] };
    expect(body.incidents.map((i) => i.title)).not.toContain('VPN down');
    const listed = body.incidents.find((i) => i.id === id);
    expect(listed).toMatchObject({ host: 'shop.example.com', title: 'Slow checkout', etaMinutes: 5, latestUpdate: 'Fix rolling out' });
    expect(Object.keys(listed ?? {}).sort()).toEqual(
      ['etaMinutes', 'host', 'id', 'latestUpdate', 'message', 'severity', 'title', 'updatedAt'].sort(),
    );
  });
});
