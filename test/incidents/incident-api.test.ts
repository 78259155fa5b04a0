/**
 * The incident admin API under hostile input, against the whole app on loopback: no token, wrong and
 * forged tokens, malformed JSON, wrong types, oversized fields, unknown ids. Every answer is a JSON error
 * with a code and never a stack; each group ends with /healthz answering.
 */
import type { RunningApp } from '../../src/index';
import { expectHealthy } from '../helpers/attack';
import { createTestApp } from '../helpers/create-test-app';

const TOKEN = 'incident-api-token-abcdefghijklmnop';
const STACK = /at \w+ \(|node_modules|\.ts:\d+/;
const VALID = { host: 'shop.example.com', title: 'Checkout paused', message: 'Payments are down', etaMinutes: 30 };

async function expectError(res: Response, status: number, error?: string): Promise<Record<string, unknown>> {
  const text = await res.text();
  expect(res.status).toBe(status);
  expect(text).not.toMatch(STACK);
  const body = JSON.parse(text) as Record<string, unknown>;
  expect(typeof body.error).toBe('string');
  if (error) expect(body.error).toBe(error);
  return body;
}

describe('incident admin API without ADMIN_API_TOKEN', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('is off: 404 on every route, token or not', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    for (const [method, path] of [
      ['POST', '/api/admin/incidents'],
      ['GET', '/api/admin/incidents'],
      ['PATCH', `/api/admin/incidents/${id}`],
      ['POST', `/api/admin/incidents/${id}/resolve`],
    ] as const) {
      const res = await fetch(`${app.url}${path}`, {
        method,
        headers: { authorization: 'Bearer anything', 'content-type': 'application/json' },
        ...(method === 'GET' ? {} : { body: JSON.stringify(VALID) }),
      });
      await expectError(res, 404, 'not_found');
    }
    expect(await (await fetch(`${app.url}/api/status`)).json()).toMatchObject({ incidents: [] });
    await expectHealthy(app.url);
  });
});

describe('incident admin API under attack', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await createTestApp({ ADMIN_API_TOKEN: TOKEN });
  });
  afterAll(() => app.close());

  const call = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
    fetch(`${app.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
      ...(body !== undefined ? { body } : {}),
    });
  const declare = async (): Promise<string> => {
    const res = await call('POST', '/api/admin/incidents', JSON.stringify(VALID));
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };

  it('refuses missing, wrong, forged and oversized tokens with 401, before reading the body', async () => {
    const forged = `${TOKEN.slice(0, -1)}X`;
    for (const authorization of [
      '',
      'Basic abc',
      'Bearer ',
      `Bearer ${forged}`,
      `Bearer ${TOKEN}x`,
      `bearer ${TOKEN}`,
      `Bearer ${'a'.repeat(8000)}`,
    ]) {
      const res = await fetch(`${app.url}/api/admin/incidents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify(VALID),
      });
      await expectError(res, 401, 'unauthorized');
    }
    const list = await fetch(`${app.url}/api/admin/incidents`, { headers: { authorization: `Bearer ${forged}` } });
    await expectError(list, 401, 'unauthorized');
    expect(((await (await call('GET', '/api/admin/incidents')).json()) as { incidents: unknown[] }).incidents).toEqual([]);
    await expectHealthy(app.url);
  });

  it('answers malformed JSON, wrong types and unknown fields with 400', async () => {
    const bodies = [
      '{"host": "shop.example.com", "title": ',
      'null',
      '[]',
      '"a string"',
      '42',
      JSON.stringify({ ...VALID, title: 42 }),
      JSON.stringify({ ...VALID, title: '' }),
      JSON.stringify({ ...VALID, etaMinutes: '30' }),
      JSON.stringify({ ...VALID, etaMinutes: -1 }),
      JSON.stringify({ ...VALID, etaMinutes: 1.5 }),
      JSON.stringify({ ...VALID, etaMinutes: 1e12 }),
      JSON.stringify({ ...VALID, severity: 'apocalyptic' }),
      JSON.stringify({ ...VALID, startsAt: 'yesterday-ish' }),
      JSON.stringify({ ...VALID, startsAt: '2026-11-30T12:00:00Z', endsAt: '2026-11-30T11:00:00Z' }),
      JSON.stringify({ ...VALID, isAdmin: true }),
      '{"host": "shop.example.com", "title": "x", "__proto__": {"polluted": true}}',
      JSON.stringify({ title: 'no host', message: 'x' }),
    ];
    for (const body of bodies) await expectError(await call('POST', '/api/admin/incidents', body), 400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await expectHealthy(app.url);
  });

  it('refuses hosts that are not hosts', async () => {
    for (const host of [
      '',
      'not a host',
      'http://',
      '*',
      '*.com',
      '*.*.example.com',
      'shop.example.invalidtld',
      '../../etc/passwd',
      'a'.repeat(300),
      'exa mple.com',
      'javascript:alert(1)',
    ]) {
      const res = await call('POST', '/api/admin/incidents', JSON.stringify({ ...VALID, host }));
      const body = await expectError(res, 400, 'bad_request');
      expect(JSON.stringify(body)).not.toContain('alert(1)');
    }
    await expectHealthy(app.url);
  });

  it('refuses oversized fields and bodies', async () => {
    await expectError(await call('POST', '/api/admin/incidents', JSON.stringify({ ...VALID, title: 't'.repeat(201) })), 400);
    await expectError(await call('POST', '/api/admin/incidents', JSON.stringify({ ...VALID, message: 'm'.repeat(2001) })), 400);
    const ok = await call('POST', '/api/admin/incidents', JSON.stringify({ ...VALID, title: 't'.repeat(200), message: 'm'.repeat(2000) }));
    expect(ok.status).toBe(201);
    const huge = await call('POST', '/api/admin/incidents', JSON.stringify({ ...VALID, message: 'm'.repeat(400_000) }));
    await expectError(huge, 413);
    await expectError(await call('POST', '/api/admin/incidents', JSON.stringify(VALID), { 'content-type': 'text/html' }), 415);
    await expectHealthy(app.url);
  });

  it('answers unknown and malformed ids with 404, and changes to a resolved incident with 409', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-an-id', '%00', 'a'.repeat(2000), '..%2F..%2Fetc']) {
      await expectError(await call('PATCH', `/api/admin/incidents/${id}`, JSON.stringify({ update: 'x' })), 404, 'not_found');
      await expectError(await call('POST', `/api/admin/incidents/${id}/resolve`), 404, 'not_found');
    }
    const id = await declare();
    await expectError(await call('PATCH', `/api/admin/incidents/${id}`, '{}'), 400);
    await expectError(await call('PATCH', `/api/admin/incidents/${id}`, JSON.stringify({ update: 'u'.repeat(2001) })), 400);
    await expectError(await call('PATCH', `/api/admin/incidents/${id}`, JSON.stringify({ id: 'mine' })), 400);
    await call('PATCH', `/api/admin/incidents/${id}`, JSON.stringify({ endsAt: '2030-01-01T00:00:00Z' }));
    await expectError(
      await call('PATCH', `/api/admin/incidents/${id}`, JSON.stringify({ startsAt: '2031-01-01T00:00:00Z' })),
      400,
      'bad_request',
    );
    const patched = await call(
      'PATCH',
      `/api/admin/incidents/${id}`,
      JSON.stringify({ title: 'Checkout back soon', update: 'Fix deployed' }),
    );
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ id, title: 'Checkout back soon', updates: [{ message: 'Fix deployed' }] });
    expect((await call('POST', `/api/admin/incidents/${id}/resolve`)).status).toBe(200);
    await expectError(await call('POST', `/api/admin/incidents/${id}/resolve`), 409, 'already_resolved');
    await expectError(await call('PATCH', `/api/admin/incidents/${id}`, JSON.stringify({ update: 'late' })), 409, 'already_resolved');
    await expectHealthy(app.url);
  });

  it('lists every incident, or the open ones', async () => {
    const open = await declare();
    const all = (await (await call('GET', '/api/admin/incidents')).json()) as { incidents: { id: string; resolvedAt?: string }[] };
    const onlyOpen = (await (await call('GET', '/api/admin/incidents?open=true')).json()) as { incidents: { id: string }[] };
    expect(all.incidents.some((i) => i.resolvedAt !== undefined)).toBe(true);
    expect(onlyOpen.incidents.map((i) => i.id)).toContain(open);
    expect(onlyOpen.incidents.length).toBeLessThan(all.incidents.length);
    await expectHealthy(app.url);
  });
});
