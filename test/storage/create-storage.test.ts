import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { createStorage } from '../../src/storage/create-storage';
import { DAY_MS } from '../../src/storage/retention';
import { withRedisServer } from '../helpers/redis-server';
import { createClock, sleep, waitFor } from './clock';

/** A loopback port with nothing listening on it. */
function findClosedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

describe('createStorage', () => {
  it('memory: a working storage and de-duplication', async () => {
    const bundle = await createStorage({ kind: 'memory' });
    await bundle.storage.write({ k: { n: 1 } });
    await expect(bundle.storage.read(['k'])).resolves.toMatchObject({ k: { n: 1 } });
    await expect(bundle.dedupe.firstSeen('a', 1000)).resolves.toBe(true);
    await expect(bundle.dedupe.firstSeen('a', 1000)).resolves.toBe(false);
    await bundle.close();
  });

  it('memory: applies stateTtlMs to stored items and caps de-duplication windows with it', async () => {
    const clock = createClock();
    const bundle = await createStorage({ kind: 'memory' }, { stateTtlMs: DAY_MS, now: clock.now });
    await bundle.storage.write({ 'conv/web/1': { n: 1 } });
    await bundle.dedupe.firstSeen('a', 7 * DAY_MS);
    clock.advance(DAY_MS);
    await expect(bundle.storage.read(['conv/web/1'])).resolves.toEqual({});
    await expect(bundle.dedupe.firstSeen('a', 7 * DAY_MS)).resolves.toBe(true);
    await bundle.close();
  });

  it.each([0, -1, Number.NaN])('refuses a stateTtlMs of %p with invalid_ttl', async (stateTtlMs) => {
    await expect(createStorage({ kind: 'memory' }, { stateTtlMs })).rejects.toMatchObject({ code: 'invalid_ttl' });
  });

  describe('sqlite', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'gd-create-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('keeps storage and de-duplication in one file that survives a restart', async () => {
      const path = join(dir, 'data', 'gateway-doctor.db');
      const first = await createStorage({ kind: 'sqlite', path });
      await first.storage.write({ 'conv/web/1': { version: 1 } });
      await expect(first.dedupe.firstSeen('activity/web/1/a', 60_000)).resolves.toBe(true);
      await first.close();
      await first.close(); // twice is fine

      const inspect = new Database(path, { readonly: true });
      const tables = inspect.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
      inspect.close();
      expect(tables).toEqual(['dedupe', 'items']);

      const second = await createStorage({ kind: 'sqlite', path });
      await expect(second.storage.read(['conv/web/1'])).resolves.toMatchObject({ 'conv/web/1': { version: 1 } });
      await expect(second.dedupe.firstSeen('activity/web/1/a', 60_000)).resolves.toBe(false);
      await second.close();
      await expect(second.storage.read(['conv/web/1'])).rejects.toMatchObject({ code: 'storage_closed' });
    });

    it('applies stateTtlMs to items and de-duplication, and sweeps both tables of the file', async () => {
      const path = join(dir, 'ttl.db');
      const clock = createClock();
      const errors: Error[] = [];
      const bundle = await createStorage(
        { kind: 'sqlite', path },
        { stateTtlMs: DAY_MS, now: clock.now, sweepIntervalMs: 10, onRetentionError: (error) => errors.push(error) },
      );
      const inspect = new Database(path, { readonly: true });
      const count = (table: string) => inspect.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
      try {
        await bundle.storage.write({ 'conv/web/1': { n: 1 } });
        await bundle.dedupe.firstSeen('activity/web/1/a', 7 * DAY_MS);
        clock.advance(DAY_MS);
        await expect(bundle.storage.read(['conv/web/1'])).resolves.toEqual({});
        await waitFor(() => count('items') === 0 && count('dedupe') === 0);
      } finally {
        inspect.close();
        await bundle.close();
      }
      // Closing stopped both sweeps before the shared connection went: nothing failed after it.
      await sleep(50);
      expect(errors).toEqual([]);
    });
  });

  describe('redis', () => {
    const server = withRedisServer();

    it('shares one client between storage and de-duplication, and quits it on close', async () => {
      const bundle = await createStorage({ kind: 'redis', url: server().url }, { redisKeyPrefix: 'create-test:' });
      await bundle.storage.write({ k: { n: 1 } });
      await expect(bundle.storage.read(['k'])).resolves.toMatchObject({ k: { n: 1 } });
      await expect(bundle.dedupe.firstSeen('a', 60_000)).resolves.toBe(true);
      await expect(bundle.dedupe.firstSeen('a', 60_000)).resolves.toBe(false);
      await bundle.storage.delete(['k']);
      await bundle.close();
      await bundle.close();
      await expect(bundle.storage.read(['k'])).rejects.toMatchObject({ code: 'storage_closed' });
    });

    it('applies stateTtlMs to items and de-duplication keys', async () => {
      const keyPrefix = `create-ttl-${Date.now()}:`;
      const bundle = await createStorage({ kind: 'redis', url: server().url }, { redisKeyPrefix: keyPrefix, stateTtlMs: 300 });
      const inspect = new Redis(server().url);
      try {
        await bundle.storage.write({ 'conv/web/1': { n: 1 } });
        await bundle.dedupe.firstSeen('activity/web/1/a', 7 * DAY_MS);
        expect(await inspect.pttl(`${keyPrefix}seen:activity/web/1/a`)).toBeLessThanOrEqual(300);
        await sleep(500);
        await expect(bundle.storage.read(['conv/web/1'])).resolves.toEqual({});
        expect(await inspect.exists(`${keyPrefix}item:conv/web/1`, `${keyPrefix}seen:activity/web/1/a`)).toBe(0);
      } finally {
        await inspect.quit();
        await bundle.close();
      }
    });

    it('gives items an earlier version stored without expiry one, in the background, and still reads them', async () => {
      const keyPrefix = `create-legacy-${Date.now()}:`;
      const inspect = new Redis(server().url);
      try {
        await inspect.hset(`${keyPrefix}item:conv/web/old`, 'v', JSON.stringify({ version: 1 }), 'e', 'old-etag');
        const bundle = await createStorage({ kind: 'redis', url: server().url }, { redisKeyPrefix: keyPrefix, stateTtlMs: DAY_MS });
        try {
          await expect(bundle.storage.read(['conv/web/old'])).resolves.toEqual({ 'conv/web/old': { version: 1, eTag: 'old-etag' } });
          await waitFor(async () => (await inspect.pttl(`${keyPrefix}item:conv/web/old`)) > 0);
          expect(await inspect.pttl(`${keyPrefix}item:conv/web/old`)).toBeLessThanOrEqual(DAY_MS);
        } finally {
          await bundle.close();
        }
      } finally {
        await inspect.del(`${keyPrefix}item:conv/web/old`);
        await inspect.quit();
      }
    });

    it('fails start-up with storage_unavailable, without the password, when Redis is not there', async () => {
      const port = await findClosedPort();
      const errors: Error[] = [];
      const attempt = createStorage(
        { kind: 'redis', url: `redis://user:s3cret-pass@127.0.0.1:${port}/2` },
        { onRedisError: (error) => errors.push(error) },
      );
      await expect(attempt).rejects.toMatchObject({
        code: 'storage_unavailable',
        message: expect.stringContaining(`redis://127.0.0.1:${port}/2`),
      });
      await expect(attempt).rejects.toThrow(/ECONNREFUSED/);
      await expect(attempt).rejects.not.toThrow(/s3cret/);
      expect(errors.length).toBeGreaterThan(0);
    });
  });
});
