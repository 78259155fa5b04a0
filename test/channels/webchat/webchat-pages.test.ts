/** The pages and assets around the widget, over real HTTP: headers, CSP, caching, compression. */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { expectHealthy } from '../../helpers/attack';
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
    // The chat is the embed frame, in the page's own origin: the page's styles cannot reach into it.
    expect(csp.get('frame-src')).toBe("'self'");
    expect(response.text).toContain('<html lang="en">');
    expect(response.text).toContain('src="/embed/frame?locale=fr-FR"');
    expect(response.text).toContain('title="Discussion avec Gateway Doctor"');
    // No script at all on the demo page itself, so nothing inline that the CSP would have to allow.
    expect(response.text).not.toContain('<script');
  });

  it('refuses to put an unsafe locale into the page', async () => {
    const response = await request('GET', '/?locale=%22%3E%3Cscript%3Ealert(1)%3C/script%3E');
    expect(response.text).toContain('src="/embed/frame?locale=en-US"');
    expect(response.text).not.toContain('alert(1)');
    const frame = await request('GET', '/embed/frame?locale=%22%3E%3Cscript%3Ealert(1)%3C/script%3E');
    expect(frame.text).toContain('<html lang="en-US">');
    expect(frame.text).not.toContain('alert(1)');
  });

  it('writes the widget strings, the length limit and the checked branding into the frame', async () => {
    const response = await request('GET', '/embed/frame?locale=de-DE&name=Shop%20M%C3%BCller&accent=1a7f37');
    expect(response.status).toBe(200);
    expect(response.text).toContain('<title>Chat mit Shop Müller</title>');
    expect(response.text).toContain('data-gd-accent="#1a7f37"');
    expect(response.text).toContain('data-gd-max-length="4000"');
    const strings = /data-gd-strings="([^"]*)"/.exec(response.text)?.[1] ?? '';
    const decoded = JSON.parse(strings.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)))) as Record<
      string,
      string
    >;
    expect(decoded.tooLong).toContain('{{max}}');
    expect(decoded.copy).toBe('Kopieren');
  });

  it('never writes a hostile or too pale accent, or a hostile name, into the frame', async () => {
    const hostile = [
      'accent=red%3Bbackground%3Aurl(x)',
      'accent=%22%3E%3Cscript%3E',
      'accent=ffff00',
      'accent=12345',
      'name=%3Cscript%3Ealert(1)%3C%2Fscript%3E',
      `name=${'x'.repeat(5000)}`,
      // Repeated parameters arrive as arrays.
      'accent=1a7f37&accent=000000&name=a&name=b&locale=de&locale=fr',
    ];
    for (const query of hostile) {
      const response = await request('GET', `/embed/frame?${query}`);
      expect(response.status).toBe(200);
      // Unknown, unsafe or unreadable on white: the default accent.
      expect(response.text).toContain('data-gd-accent="#0b5cad"');
      expect(response.text).not.toContain('<script>');
      expect(response.text).not.toContain('x'.repeat(61));
    }
    await expectHealthy(server.url);
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
    // Every language's launcher is built in: the page's language is only known in the browser.
    expect(embed.text).toContain('"launcher":"Mit uns chatten"');
    expect(embed.text).toContain('"launcher":"チャットで相談"');
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
