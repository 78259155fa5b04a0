/** The incident store's contract, run against memory, a real SQLite file and a real redis-server. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { StorageBackend } from '../../src/storage/create-storage';
import { openSqliteDatabase } from '../../src/storage/sqlite-database';
import { createIncidentStore, publicIncident, type IncidentStore } from '../../src/incidents/incident-store';
import { withRedisServer } from '../helpers/redis-server';

interface BackendUnderTest {
  backend: StorageBackend;
  /** A second connection to the same data (a restart, or another instance). */
  reopen(): StorageBackend;
  /** Writes a raw record as another version might have. */
  writeRaw(id: string, json: string): Promise<void>;
  cleanup(): Promise<void>;
}

const redis = withRedisServer();
let counter = 0;

const BACKENDS: Record<string, () => Promise<BackendUnderTest>> = {
  memory: async () => {
    const backend: StorageBackend = { kind: 'memory' };
    return { backend, reopen: () => backend, writeRaw: async () => undefined, cleanup: async () => undefined };
  },
  sqlite: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gd-incidents-'));
    const path = join(dir, 'state.db');
    const databases = [openSqliteDatabase(path)];
    const first = databases[0];
    if (!first) throw new Error('no database');
    return {
      backend: { kind: 'sqlite', database: first },
      reopen: () => {
        const database = openSqliteDatabase(path);
        databases.push(database);
        return { kind: 'sqlite', database };
      },
      writeRaw: async (id, json) => {
        first.prepare('INSERT INTO incidents (id, record) VALUES (?, ?)').run(id, json);
      },
      cleanup: async () => {
        for (const database of databases) database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  redis: async () => {
    counter += 1;
    const keyPrefix = `test${counter}:`;
    const clients = [new Redis(redis().url)];
    const first = clients[0];
    if (!first) throw new Error('no client');
    return {
      backend: { kind: 'redis', client: first, keyPrefix },
      reopen: () => {
        const client = new Redis(redis().url);
        clients.push(client);
        return { kind: 'redis', client, keyPrefix };
      },
      writeRaw: async (id, json) => {
        await first.hset(`${keyPrefix}incidents`, id, json);
      },
      cleanup: async () => {
        for (const client of clients) await client.quit();
      },
    };
  },
};

describe.each(Object.keys(BACKENDS))('incident store on %s', (kind) => {
  let under: BackendUnderTest;
  let clock: number;
  let store: IncidentStore;
  const now = () => clock;
  const storeOn = (backend: StorageBackend) => createIncidentStore(backend, { now, cacheMs: 0 });

  beforeEach(async () => {
    const make = BACKENDS[kind];
    if (!make) throw new Error(kind);
    under = await make();
    clock = Date.parse('2026-11-30T10:00:00.000Z');
    store = storeOn(under.backend);
  });
  afterEach(async () => {
    await under.cleanup();
  });

  it('keeps what was declared, and another connection (a restart) reads it back', async () => {
    const created = await store.create({
      host: 'shop.example.com',
      title: 'Checkout paused',
      message: 'Payments are down',
      etaMinutes: 30,
    });
    expect(created).toMatchObject({
      host: 'shop.example.com',
      title: 'Checkout paused',
      updates: [],
      createdAt: '2026-11-30T10:00:00.000Z',
    });
    const again = storeOn(under.reopen());
    expect(await again.get(created.id)).toEqual(created);
    expect(await again.list({ open: true })).toEqual([created]);
  });

  it('finds the open incident for a host with or without www. and port, and by wildcard', async () => {
    await store.create({ host: 'shop.example.com', title: 'a', message: 'a' });
    await store.create({ host: '*.example.org', title: 'b', message: 'b' });
    expect((await store.openFor('https://www.shop.example.com:8443/cart'))?.title).toBe('a');
    expect((await store.openFor('SHOP.EXAMPLE.COM.'))?.title).toBe('a');
    expect((await store.openFor('https://api.eu.example.org/'))?.title).toBe('b');
    expect(await store.openFor('https://example.org/')).toBeUndefined();
    expect(await store.openFor('https://notshop.example.com/')).toBeUndefined();
    expect(await store.openFor('not a url at all')).toBeUndefined();
  });

  it('opens a maintenance window only inside it', async () => {
    await store.create({
      host: 'shop.example.com',
      title: 'Database upgrade',
      message: 'Back at 11:00',
      startsAt: '2026-11-30T10:30:00.000Z',
      endsAt: '2026-11-30T11:00:00.000Z',
      severity: 'maintenance',
    });
    expect(await store.openFor('shop.example.com')).toBeUndefined();
    clock = Date.parse('2026-11-30T10:45:00.000Z');
    expect((await store.openFor('shop.example.com'))?.title).toBe('Database upgrade');
    expect(await store.list({ open: true })).toHaveLength(1);
    clock = Date.parse('2026-11-30T11:00:00.000Z');
    expect(await store.openFor('shop.example.com')).toBeUndefined();
    expect(await store.list({ open: true })).toHaveLength(0);
    expect(await store.list()).toHaveLength(1);
  });

  it('updates fields, adds messages, and refuses changes once resolved', async () => {
    const { id } = await store.create({ host: 'shop.example.com', title: 'a', message: 'first' });
    clock += 60_000;
    const updated = await store.update(id, { fields: { etaMinutes: 10 }, message: 'Fix deployed, warming up' });
    expect(updated).toMatchObject({ kind: 'ok', incident: { etaMinutes: 10, updates: [{ at: '2026-11-30T10:01:00.000Z' }] } });
    expect(publicIncident((await store.get(id)) ?? fail('gone'))).toMatchObject({
      latestUpdate: 'Fix deployed, warming up',
      updatedAt: '2026-11-30T10:01:00.000Z',
    });
    expect((await store.resolve(id)).kind).toBe('ok');
    expect((await store.update(id, { message: 'late' })).kind).toBe('resolved');
    expect(await store.update('no-such-id', { message: 'x' })).toEqual({ kind: 'not_found' });
  });

  it('resolves exactly once, even when two connections race', async () => {
    const { id } = await store.create({ host: 'shop.example.com', title: 'a', message: 'a' });
    const other = storeOn(under.reopen());
    const outcomes = await Promise.all([store.resolve(id), other.resolve(id), store.resolve(id), other.resolve(id)]);
    expect(outcomes.filter((o) => o.kind === 'ok')).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'resolved')).toHaveLength(3);
    expect(await store.openFor('shop.example.com')).toBeUndefined();
  });

  it('skips records another version wrote that no longer parse, instead of crashing', async () => {
    if (kind === 'memory') return; // nothing outlives a memory store
    await store.create({ host: 'shop.example.com', title: 'good', message: 'a' });
    await under.writeRaw('old-1', '{"id":"old-1","host":"shop.example.com","title":42}');
    await under.writeRaw('old-2', 'not json');
    expect((await store.list()).map((i) => i.title)).toEqual(['good']);
    expect(await store.get('old-1')).toBeUndefined();
    expect((await store.resolve('old-2')).kind).toBe('not_found');
  });
});
