import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EXPLAIN_MAX_CHARS, EXPLAIN_MAX_LINES, explainReport, explainText, looksPasted } from '../../src/probe/explain';
import { MAX_LINE_CHARS } from '../../src/contracts';

const FIXTURES = path.join(__dirname, '..', 'fixtures');

function createFixture(...parts: string[]): string {
  return readFileSync(path.join(FIXTURES, ...parts), 'utf8');
}

/** Renders a recorded page the way `curl -i` prints it. */
function createCurlDump(file: string): string {
  const page = JSON.parse(createFixture('pages', file)) as { status: number; headers: Record<string, string>; body: string };
  const head = [`HTTP/1.1 ${page.status} Bad Gateway`, ...Object.entries(page.headers).map(([k, v]) => `${k}: ${v}`)];
  return `${head.join('\r\n')}\r\n\r\n${page.body}`;
}

const NGINX_REFUSED =
  '2024/05/01 12:00:05 [error] 1234#1234: *5690 connect() failed (111: Connection refused) while connecting to upstream, client: 203.0.113.9, server: shop.example.com, request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:3000/", host: "shop.example.com"';

describe('explainText', () => {
  it('explains a mixed paste (header dump + page + nginx lines + kernel OOM) in line order', () => {
    const findings = explainText(createFixture('logs', 'mixed-paste.txt'));
    expect(findings.map((f) => [f.line, f.producer, f.cause])).toEqual([
      [9, 'nginx', 'error-page'],
      [18, 'nginx', 'upstream-reset'],
      [19, 'nginx', 'upstream-refused'],
      [21, undefined, 'app-crash'],
    ]);
    expect(findings[0]?.summary).toContain('0f1e2d3c4b5a69788796a5b4c3d2e1f0');
  });

  it.each([
    ['cloudflare-plain.json', 'cloudflare'],
    ['nginx.json', 'nginx'],
    ['aws-alb.json', 'aws-alb'],
  ])('reads a whole response folded onto one line (%s) as its status, headers and page', (file, producer) => {
    const oneLine = createCurlDump(file).replace(/\s+/g, ' ');
    const folded = explainText(oneLine);
    const unfolded = explainText(createCurlDump(file));
    expect(folded).toHaveLength(1);
    expect(folded[0]).toMatchObject({ line: 1, producer, cause: unfolded[0]?.cause });
    expect(folded[0]?.summary).toBe(unfolded[0]?.summary);
  });

  it('leaves a sentence that only mentions a status line alone', () => {
    expect(explainText('HTTP/1.1 502 is what the shop shows me since this morning')).toEqual([]);
  });

  it('names the producer and request ids of a bare header dump', () => {
    const dump = ['server: cloudflare', 'cf-ray: 87d4c1a2b3e4f999-AMS', 'content-type: text/html'].join('\n');
    const findings = explainText(dump);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 1, producer: 'cloudflare', cause: 'header-dump' });
    expect(findings[0]?.summary).toContain('87d4c1a2b3e4f999-AMS');
  });

  it('carries the cause a header gives away', () => {
    const findings = explainText(createCurlDump('vercel.json'));
    // The body names Vercel too, so the finding points at the first body line (after status, 7 headers, blank).
    expect(findings).toEqual([expect.objectContaining({ line: 10, producer: 'vercel', cause: 'app-crash' })]);
    expect(findings[0]?.summary).toContain('fra1::iad1::8x9kq-1714564801234-5a6b7c8d9e0f');
  });

  it.each([
    ['cloudflare-plain.json', 'cloudflare', 'error-page'],
    ['cloudflare-521.json', 'cloudflare', 'upstream-refused'],
    ['aws-alb.json', 'aws-alb', 'header-dump'],
    ['cloudfront.json', 'cloudfront', 'error-page'],
    ['aspnetcore-502-5.json', 'aspnetcore', 'app-crash'],
    ['azure-app-service.json', 'azure-app-service', 'error-page'],
    ['envoy.json', 'envoy', 'upstream-refused'],
    ['heroku.json', 'heroku', 'error-page'],
  ])('explains a curl -i dump of %s', (file, producer, cause) => {
    const findings = explainText(createCurlDump(file));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ producer, cause });
  });

  it('reports a page that only says 502 as "status-502"', () => {
    const findings = explainText(createCurlDump('generic-unknown.json'));
    expect(findings).toEqual([expect.objectContaining({ line: 1, cause: 'status-502' })]);
    expect(findings[0]?.producer).toBeUndefined();
  });

  it('explains the visible text of a page pasted without headers', () => {
    const findings = explainText(createFixture('pages', 'pasted-aspnetcore-502-5.txt'));
    expect(findings).toEqual([expect.objectContaining({ line: 1, producer: 'aspnetcore', cause: 'app-crash' })]);
    expect(findings[0]?.summary).toContain('502.5');
  });

  it('says who must act on a plain Cloudflare page', () => {
    const [finding] = explainText(createFixture('pages', 'pasted-cloudflare-plain.txt'));
    expect(finding).toMatchObject({ producer: 'cloudflare', cause: 'error-page' });
    expect(finding?.summary).toMatch(/provider/);
  });

  it('returns nothing for prose, empty or unrecognised text', () => {
    expect(explainText('')).toEqual([]);
    expect(explainText('   \n\n  ')).toEqual([]);
    expect(explainText('Hi, my shop shows an error since this morning, can you help?')).toEqual([]);
    expect(explainText('2024/05/01 12:00:12 [notice] 1234#1234: signal process started')).toEqual([]);
  });

  it('does not throw on garbage, unicode, control characters or non-strings', () => {
    const garbage = Array.from({ length: 2000 }, (_, i) => String.fromCharCode((i * 7919) % 65536)).join('');
    expect(() => explainText(garbage)).not.toThrow();
    expect(explainText('💥 ünïcödé\u0000\u001b[31m<<<>>>"\'\\ ((((((((((')).toEqual([]);
    // A caller outside TypeScript could hand over anything.
    expect(explainText(undefined as unknown as string)).toEqual([]);
    expect(explainText({ length: 3 } as unknown as string)).toEqual([]);
  });

  it('stops at the line cap', () => {
    // Short lines, so the line cap is reached before the character cap.
    const text = Array.from({ length: EXPLAIN_MAX_LINES + 500 }, () => '[CRITICAL] WORKER TIMEOUT (pid:1)').join('\n');
    expect(text.length).toBeLessThan(EXPLAIN_MAX_CHARS);
    const findings = explainText(text);
    expect(findings).toHaveLength(EXPLAIN_MAX_LINES);
    expect(findings.at(-1)?.line).toBe(EXPLAIN_MAX_LINES);
  });

  it('stops at the character cap, even inside one enormous line', () => {
    const padding = 'x'.repeat(EXPLAIN_MAX_CHARS);
    expect(explainText(`${padding}\n${NGINX_REFUSED}`)).toEqual([]);
    expect(() => explainText(`${'(13: Permission denied) '.repeat(500_000)}`)).not.toThrow();
  });
});

describe('explainReport', () => {
  it('adds no truncated field when the whole paste was read', () => {
    const report = explainReport(createFixture('logs', 'mixed-paste.txt'));
    expect(Object.keys(report)).toEqual(['findings']);
    expect(report.findings).toEqual(explainText(createFixture('logs', 'mixed-paste.txt')));
  });

  it('says how many lines were read when the line cap cut the paste', () => {
    const text = Array.from({ length: EXPLAIN_MAX_LINES + 1 }, () => NGINX_REFUSED.slice(0, 30)).join('\n');
    expect(text.length).toBeLessThan(EXPLAIN_MAX_CHARS);
    expect(explainReport(text).truncated).toEqual({ lines: EXPLAIN_MAX_LINES });
  });

  it('does not count a trailing newline or blank lines past the line cap as unread', () => {
    const text = `${Array.from({ length: EXPLAIN_MAX_LINES }, () => 'x').join('\n')}\n\n  \n`;
    expect(explainReport(text).truncated).toBeUndefined();
  });

  it('says how many characters were read when the character cap cut the paste', () => {
    const report = explainReport(`${NGINX_REFUSED}\n${'x'.repeat(EXPLAIN_MAX_CHARS)}`);
    expect(report.truncated).toEqual({ chars: EXPLAIN_MAX_CHARS });
    expect(report.findings.map((f) => f.cause)).toEqual(['upstream-refused']);
  });

  it('says a log line was read only up to the per-line cap', () => {
    const long = `${NGINX_REFUSED}${' pad'.repeat(MAX_LINE_CHARS)}`;
    const report = explainReport(long);
    expect(report.truncated).toEqual({ lineChars: MAX_LINE_CHARS });
    expect(report.findings.map((f) => f.cause)).toEqual(['upstream-refused']);
  });

  it('reads a long line of page markup whole, so a minified error page is still recognised without a note', () => {
    const minified = `<html><head><title>502 Bad Gateway</title></head><body>${'<p>filler</p>'.repeat(400)}<center>nginx/1.25.3</center></body></html>`;
    expect(minified.length).toBeGreaterThan(MAX_LINE_CHARS);
    const report = explainReport(minified);
    expect(report.findings).toMatchObject([{ producer: 'nginx', cause: 'error-page' }]);
    expect(report.truncated).toBeUndefined();
  });

  it('never throws, whatever it is given', () => {
    expect(explainReport(undefined as unknown as string)).toEqual({ findings: [] });
  });
});

describe('looksPasted', () => {
  it.each([
    ['a log line', NGINX_REFUSED],
    ['a kernel line', '[1234567.890123] Out of memory: Killed process 4242 (node)'],
    ['HTML', '<html><body><h1>502 Bad Gateway</h1></body></html>'],
    ['a status line', 'HTTP/2 502'],
    ['a header line', 'server: cloudflare'],
    ['a header dump', 'Server: nginx\nX-Request-Id: abc'],
    [
      'a long page text',
      'Bad gateway\nError code 502\nWhat happened?\nThe web server reported a bad gateway error.\nWhat can I do?\nTry again.',
    ],
    ['a heroku router line', 'heroku[router]: at=error code=H12 desc="Request timeout" status=503'],
  ])('is true for %s', (_name, text) => {
    expect(looksPasted(text)).toBe(true);
  });

  it.each([
    ['a question', 'my site shows 502 bad gateway, what do I do?'],
    ['two typed lines', 'hello\nI run example.com and it is down'],
    ['a note with a colon', 'Note: it started after the update'],
    ['empty text', ''],
  ])('is false for %s', (_name, text) => {
    expect(looksPasted(text)).toBe(false);
  });
});
