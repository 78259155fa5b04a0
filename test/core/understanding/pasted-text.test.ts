import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_SCANNED_CHARS, understand } from '../../../src/core/understanding';
import { splitRecords } from '../../../src/core/understanding/pasted-lines';
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

  it('explains a whole response pasted on one line, and probes nothing from it', () => {
    const paste =
      'HTTP/1.1 502 Bad Gateway Server: cloudflare Date: Mon, 30 Nov 2026 02:00:00 GMT CF-RAY: 8a1b2c3d4e5f6789-FRA ' +
      '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center></body></html>';
    const event = understand(paste, { locale: 'en' });
    expect(event.findings).toEqual([expect.objectContaining({ line: 1, producer: 'cloudflare', cause: 'error-page' })]);
    expect(event.url).toBeUndefined();
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

describe('log records before URLs', () => {
  const LOG_DIR = join(__dirname, '..', '..', 'fixtures', 'logs');
  const fixtures = readdirSync(LOG_DIR).map((file) => [file, readFileSync(join(LOG_DIR, file), 'utf8').trimEnd()] as const);

  it.each(fixtures)('never takes a site from %s, pasted alone, after an intro, or on one line', (_file, log) => {
    const oneLine = log.replace(/\n/g, ' ');
    for (const text of [log, `here is our error log:\n${log}`, `here is our error log: ${oneLine}`, oneLine]) {
      expect(understand(text, { locale: 'en' }).url).toBeUndefined();
    }
  });

  const causes = (text: string) => (understand(text, { locale: 'en' }).findings ?? []).map((f) => f.cause);
  const logsOnly = fixtures.filter(([file]) => file.endsWith('.log'));

  it.each(logsOnly)('explains %s as well on one line as on its own lines', (_file, log) => {
    expect(causes(`here is our error log: ${log.replace(/\n/g, ' ')}`)).toEqual(causes(log));
  });

  it('still finds the log lines of a mixed paste (headers, a page, logs) squeezed onto one line', () => {
    const mixed = readFileSync(join(LOG_DIR, 'mixed-paste.txt'), 'utf8').replace(/\n/g, ' ');
    expect(causes(mixed)).toEqual(expect.arrayContaining(['upstream-reset', 'upstream-refused']));
  });

  it('keeps the client address of an ALB line out of the URL and its cause in the findings', () => {
    const alb = readFileSync(join(LOG_DIR, 'aws-alb.log'), 'utf8').split('\n')[0] ?? '';
    const event = understand(`here is our error log:\n${alb}`, { locale: 'en' });
    expect(event.url).toBeUndefined();
    expect(event.findings?.map((f) => f.cause)).toEqual(['upstream-refused']);
  });

  it('splits one-line pastes into records but leaves a timestamp in a sentence alone', () => {
    expect(splitRecords('since 2024-05-01 12:00:00 shop.example.com fails')).toBe('since 2024-05-01 12:00:00 shop.example.com fails');
    expect(understand('since 2024-05-01 12:00:00 shop.example.com fails', { locale: 'en' }).url).toBe('https://shop.example.com/');
    expect(splitRecords('log: 2024/05/01 12:00:01 [error] x').split('\n')).toEqual(['log:', '2024/05/01 12:00:01 [error] x']);
    expect(splitRecords('#Fields: date time c-ip 2024-05-01 12:00:31 10.0.0.5 2024-05-01 12:00:32 10.0.0.6').split('\n')).toEqual([
      '#Fields: date time c-ip',
      '2024-05-01 12:00:31 10.0.0.5',
      '2024-05-01 12:00:32 10.0.0.6',
    ]);
  });

  it('does not cut an ALB record at the timestamps inside it', () => {
    const alb = readFileSync(join(LOG_DIR, 'aws-alb.log'), 'utf8').split('\n').slice(0, 2);
    expect(splitRecords(`log: ${alb.join(' ')}`).split('\n')).toEqual(['log:', ...alb]);
  });
});
