/** The pages and assets around the widget, over real HTTP: headers, CSP, caching, compression. */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createRequest } from './helpers/http-client';
import { createWebChatTestServer, type WebChatTestServer } from './helpers/webchat-server';

const bundlePath = path.join(path.dirname(require.resolve('botframework-webchat')), '..', 'dist', 'webchat.js');

describe('web chat pages', () => {
  let server: WebChatTestServer;
  let request: ReturnType<typeof createRequest>;
  beforeAll(async () => {
    server = await createWebChatTestServer({ allowedOrigins: ['https://shop.example'] });
    request = createRequest(server.url);
  });
  afterAll(() => server.close());

  const directives = (csp: string | string[] | undefined): Map<string, string> =>
    new Map(
      String(csp)
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([name = '', ...values]) => [name, values.join(' ')]),
    );

  it('serves the demo page with a CSP that forbids inline and foreign scripts', async () => {
    const response = await request('GET', '/?locale=fr-FR');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = directives(response.headers['content-security-policy']);
    expect(csp.get('script-src')).toBe("'self'");
    expect(csp.get('default-src')).toBe("'none'");
    expect(csp.get('frame-ancestors')).toBe("'self'");
    expect(csp.get('connect-src')).toBe("'self'");
    expect(response.text).toContain('<html lang="fr-FR">');
    expect(response.text).toContain('data-locale="fr-FR"');
    expect(response.text).toMatch(/<script src="\/assets\/webchat\.js\?v=[\w.]+" defer><\/script>/);
    // Every script tag loads a file: nothing inline that the CSP would have to allow.
    expect(response.text.match(/<script(?![^>]*\ssrc=)[^>]*>/g)).toBeNull();
  });

  it('refuses to put an unsafe locale into the page', async () => {
    const response = await request('GET', '/?locale=%22%3E%3Cscript%3Ealert(1)%3C/script%3E');
    expect(response.text).toContain('<html lang="en-US">');
    expect(response.text).not.toContain('alert(1)');
  });

  it('lets only the allowed sites frame the embed frame', async () => {
    const response = await request('GET', '/embed/frame?locale=de-DE');
    expect(response.status).toBe(200);
    expect(directives(response.headers['content-security-policy']).get('frame-ancestors')).toBe("'self' https://shop.example");
    expect(response.text).toContain('data-gd-frame="1"');
    expect(response.text).toContain('data-locale="de-DE"');
  });

  it('serves embed.js and the client script as JavaScript with short caching', async () => {
    for (const asset of ['/embed.js', '/assets/chat.js']) {
      const response = await request('GET', asset);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('application/javascript; charset=utf-8');
      expect(response.headers['cache-control']).toBe('public, max-age=300');
      expect(() => new Function(response.text)).not.toThrow();
    }
    const embed = await request('GET', '/embed.js');
    expect(embed.text).toContain("setAttribute('role', 'dialog')");
    expect(embed.text).toContain("setAttribute('aria-expanded', 'false')");
  });

  it('streams the widget bundle from node_modules, byte for byte, with an ETag', async () => {
    const original = readFileSync(bundlePath);
    const plain = await request('GET', '/assets/webchat.js');
    expect(plain.status).toBe(200);
    expect(Number(plain.headers['content-length'])).toBe(original.length);
    expect(plain.headers['cache-control']).toBe('public, max-age=86400');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.text.length).toBeGreaterThan(1_000_000);
    const etag = String(plain.headers.etag);
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);

    const revalidated = await request('GET', '/assets/webchat.js', { headers: { 'If-None-Match': etag } });
    expect(revalidated.status).toBe(304);
    expect(revalidated.text).toBe('');
  });

  it('gzips the bundle for clients that accept it', async () => {
    // Raw bytes: the text helper would decode the gzip stream as UTF-8.
    const raw = await new Promise<{ status: number; encoding?: string; body: Buffer }>((resolve, reject) => {
      http
        .get(`${server.url}/assets/webchat.js`, { headers: { 'Accept-Encoding': 'gzip, deflate, br' }, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }),
          );
        })
        .on('error', reject);
    });
    expect(raw.status).toBe(200);
    expect(raw.encoding).toBe('gzip');
    const original = readFileSync(bundlePath);
    expect(raw.body.length).toBeLessThan(original.length / 2);
    expect(gunzipSync(raw.body).equals(original)).toBe(true);
  });
});
