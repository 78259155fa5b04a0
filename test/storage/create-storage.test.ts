import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createStorage } from '../../src/storage/create-storage';
import { withRedisServer } from '../helpers/redis-server';

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
