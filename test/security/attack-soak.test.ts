/**
 * Memory stays bounded under repeated attacks: every family of hostile request, sent again and again at one
 * running app, leaves the heap where it was (after a collection), and the server keeps answering /healthz.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import type { RunningApp } from '../../src/index';
import { expectHealthy, rawRequest } from '../helpers/attack';
import { createActivity, createTestApp } from '../helpers/create-test-app';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterCollection(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('repeated attacks', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await createTestApp({ ADMIN_API_TOKEN: 'let-me-in' });
  });
  afterAll(async () => {
    await app.close();
  });

  it('leave the heap bounded and the server answering', async () => {
    const gzipped = gzipSync(Buffer.alloc(8 * 1024 * 1024));
    const bigJson = JSON.stringify({ text: 'x'.repeat(300 * 1024) });
    const form = (): FormData => {
      const data = new FormData();
      data.append('file', new Blob([Buffer.alloc(64 * 1024, 66)]), 'upload.bin');
      return data;
    };
    const round = async (i: number): Promise<void> => {
      await Promise.all([
        fetch(`${app.url}/api/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
          body: new Uint8Array(gzipped),
        }),
        fetch(`${app.url}/api/admin/explain`, { method: 'POST', headers: { authorization: 'Bearer let-me-in' }, body: form() }),
        fetch(`${app.url}/api/admin/explain`, {
          method: 'POST',
          headers: { authorization: 'Bearer let-me-in', 'content-type': 'application/json' },
          body: bigJson,
        }),
        fetch(`${app.url}/api/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(createActivity({ deliveryMode: undefined, serviceUrl: 'https://relay.invalid/', text: `hi ${i}` })),
        }),
        fetch(`${app.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type": ' }),
        rawRequest(
          app.port,
          `GET /v3/directline/conversations/%E0%A4%A${i}/stream HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
          500,
        ),
        rawRequest(app.port, `GET /%${i.toString(16)}%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 500),
      ]).then((answers) => {
        for (const answer of answers) if (answer instanceof Response) void answer.arrayBuffer();
      });
    };

    // Warm up: the first rounds load code and fill caches that are meant to stay.
    for (let i = 0; i < 5; i += 1) await round(i);
    const before = heapAfterCollection();
    for (let i = 5; i < 60; i += 1) await round(i);
    const after = heapAfterCollection();

    expect(after - before).toBeLessThan(32 * 1024 * 1024);
    await expectHealthy(app.url);
  }, 60_000);
});
