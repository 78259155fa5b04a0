import { MAX_SCANNED_CHARS, understand } from '../../../src/core/understanding';
import { MAX_LINE_CHARS, MAX_PASTE_LINES } from '../../../src/contracts';

const REFUSED =
  '2024/05/01 12:00:00 [error] 1234#0: *5 connect() failed (111: Connection refused) while connecting to upstream, client: 203.0.113.9, server: shop.example.com';

describe('pasted text', () => {
  it('explains pasted nginx log lines and keeps upstreams out of the URL', () => {
    const paste = [
      'still down, here is the log:',
      '2024/05/01 12:00:00 [error] 1234#0: *5 connect() failed (111: Connection refused) while connecting to upstream, client: 203.0.113.9, server: shop.example.com, request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:9000/", host: "shop.example.com"',
    ].join('\n');
    const event = understand(paste, { locale: 'en' });
    expect(event.findings).toEqual(expect.arrayContaining([expect.objectContaining({ cause: 'upstream-refused', line: 2 })]));
    expect(event.url).toBeUndefined();
  });

  it('explains a pasted header dump', () => {
    const paste = ['HTTP/2 502', 'date: Wed, 01 May 2024 12:00:00 GMT', 'server: cloudflare', 'cf-ray: 87d1b2c3d4e5f607-FRA'].join('\n');
    const event = understand(paste, { locale: 'en' });
    expect(event.findings?.length).toBeGreaterThan(0);
    expect(event.findings?.some((finding) => finding.producer === 'cloudflare')).toBe(true);
    expect(event.variant).toBe('bad-gateway');
  });

  it('takes intents only from the lines the person typed', () => {
    const paste = ['no, still broken:', 'HTTP/1.1 502 Bad Gateway', 'Server: nginx/1.24.0', 'Content-Type: text/html'].join('\n');
    const event = understand(paste, { locale: 'en' });
    expect(event.intents).toEqual(['no']);
    expect(event.findings?.length).toBeGreaterThan(0);
  });

  it('explains a pasted error page and takes the site from the typed line above it', () => {
    const paste = [
      'this is what I get on https://shop.example.com/checkout',
      '<html>',
      '<head><title>502 Bad Gateway</title></head>',
      '<body>',
      '<center><h1>502 Bad Gateway</h1></center>',
      '<hr><center>nginx</center>',
      '</body>',
      '</html>',
    ].join('\n');
    const event = understand(paste, { locale: 'en' });
    expect(event.url).toBe('https://shop.example.com/checkout');
    expect(event.variant).toBe('bad-gateway');
    expect(event.findings?.some((finding) => finding.producer === 'nginx')).toBe(true);
  });

  it('omits findings for ordinary typed messages', () => {
    const event = understand('example.com gives me a 502', { locale: 'en' });
    expect(event.findings).toBeUndefined();
    expect(event).toEqual({
      type: 'user.message',
      text: 'example.com gives me a 502',
      intents: [],
      url: 'https://example.com/',
      variant: 'bad-gateway',
    });
  });

  it('says nothing about cutting when the whole paste was read', () => {
    const event = understand(`here is the log:\n${REFUSED}`, { locale: 'en' });
    expect(event.findings?.length).toBe(1);
    expect(event.findingsTruncated).toBeUndefined();
  });

  it('notes the character cap when the message was longer than what understanding reads', () => {
    const event = understand(`${REFUSED}\n${'x'.repeat(MAX_SCANNED_CHARS)}`, { locale: 'en' });
    expect(event.findings?.map((f) => f.cause)).toEqual(['upstream-refused']);
    expect(event.findingsTruncated).toEqual({ chars: MAX_SCANNED_CHARS });
  });

  it('notes the line cap when the paste had more lines than are explained', () => {
    const text = `${REFUSED}\n${'x\n'.repeat(MAX_PASTE_LINES)}y`;
    expect(text.length).toBeLessThan(MAX_SCANNED_CHARS);
    expect(understand(text, { locale: 'en' }).findingsTruncated).toEqual({ lines: MAX_PASTE_LINES });
  });

  it('notes the per-line cap when a log line was read only in part', () => {
    const event = understand(`${REFUSED}${' x'.repeat(MAX_LINE_CHARS)}`, { locale: 'en' });
    expect(event.findings?.map((f) => f.cause)).toEqual(['upstream-refused']);
    expect(event.findingsTruncated).toEqual({ lineChars: MAX_LINE_CHARS });
  });

  it('adds no note when nothing was recognised, since there is nothing to reply under', () => {
    expect(understand(`hello\n${'x'.repeat(MAX_SCANNED_CHARS * 2)}`, { locale: 'en' }).findingsTruncated).toBeUndefined();
  });
});
