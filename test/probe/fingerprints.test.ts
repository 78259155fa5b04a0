import { readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { FINGERPRINTS, REQUEST_ID_RULES, identifyProducer, matchFingerprint, pageText } from '../../src/probe/fingerprints';
import type { Actor, CauseId, ProducerId } from '../../src/contracts';

const PAGES = path.join(__dirname, '..', 'fixtures', 'pages');

interface PageFixture {
  status?: number;
  headers?: Record<string, string>;
  body: string;
}

function createPage(file: string): PageFixture {
  const raw = readFileSync(path.join(PAGES, file), 'utf8');
  return file.endsWith('.json') ? (JSON.parse(raw) as PageFixture) : { body: raw };
}

const ALL_PRODUCERS: readonly ProducerId[] = [
  'cloudflare',
  'nginx',
  'aws-alb',
  'cloudfront',
  'iis',
  'aspnetcore',
  'azure-app-service',
  'azure-app-gateway',
  'envoy',
  'haproxy',
  'apache',
  'varnish',
  'google',
  'vercel',
  'netlify',
  'heroku',
];

interface Expected {
  producer: ProducerId;
  actor: Actor;
  branded?: boolean;
  subStatus?: string;
  cause?: CauseId;
}

/** Every page fixture and what it must be identified as (undefined cause: the page names none). */
const EXPECTED: Record<string, Expected> = {
  'cloudflare-branded.json': { producer: 'cloudflare', actor: 'site', branded: true },
  'cloudflare-plain.json': { producer: 'cloudflare', actor: 'provider' },
  'cloudflare-521.json': { producer: 'cloudflare', actor: 'site', branded: true, cause: 'upstream-refused' },
  'nginx.json': { producer: 'nginx', actor: 'site' },
  'aws-alb.json': { producer: 'aws-alb', actor: 'site' },
  'cloudfront.json': { producer: 'cloudfront', actor: 'site' },
  'iis-502-3-arr.json': { producer: 'iis', actor: 'site', subStatus: '502.3', cause: 'upstream-timeout' },
  'iis-custom-error.json': { producer: 'iis', actor: 'site' },
  'aspnetcore-502-5.json': { producer: 'aspnetcore', actor: 'site', subStatus: '502.5', cause: 'app-crash' },
  'aspnetcore-502-3.json': { producer: 'aspnetcore', actor: 'site', subStatus: '502.3', cause: 'upstream-refused' },
  'azure-app-service.json': { producer: 'azure-app-service', actor: 'site' },
  'azure-app-gateway.json': { producer: 'azure-app-gateway', actor: 'site' },
  'envoy.json': { producer: 'envoy', actor: 'site', cause: 'upstream-refused' },
  'envoy-istio-tls.json': { producer: 'envoy', actor: 'site', cause: 'upstream-tls' },
  'haproxy.json': { producer: 'haproxy', actor: 'site' },
  'haproxy-503.json': { producer: 'haproxy', actor: 'site', cause: 'no-live-upstreams' },
  'apache.json': { producer: 'apache', actor: 'site', cause: 'upstream-reset' },
  'varnish.json': { producer: 'varnish', actor: 'site' },
  'google.json': { producer: 'google', actor: 'site', branded: true },
  'google-cloud-lb.json': { producer: 'google', actor: 'site' },
  'vercel.json': { producer: 'vercel', actor: 'site', cause: 'app-crash' },
  'netlify.json': { producer: 'netlify', actor: 'site', cause: 'app-crash' },
  'heroku.json': { producer: 'heroku', actor: 'site' },
  // Pasted visible text, no headers at all.
  'pasted-cloudflare-plain.txt': { producer: 'cloudflare', actor: 'provider' },
  'pasted-cloudflare-branded.txt': { producer: 'cloudflare', actor: 'site', branded: true },
  'pasted-nginx.txt': { producer: 'nginx', actor: 'site' },
  'pasted-aspnetcore-502-5.txt': { producer: 'aspnetcore', actor: 'site', subStatus: '502.5', cause: 'app-crash' },
  'pasted-google.txt': { producer: 'google', actor: 'site', branded: true },
  'pasted-iis-502-3.txt': { producer: 'iis', actor: 'site', subStatus: '502.3', cause: 'upstream-refused' },
  'pasted-varnish.txt': { producer: 'varnish', actor: 'site' },
  'pasted-envoy.txt': { producer: 'envoy', actor: 'site', cause: 'no-live-upstreams' },
};

describe('identifyProducer on recorded error pages', () => {
  it('has a fixture for every page file and every page file has an expectation', () => {
    const files = readdirSync(PAGES).filter((f) => f !== 'generic-unknown.json');
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it('covers every producer the vocabulary names with at least one fixture', () => {
    const covered = new Set(Object.values(EXPECTED).map((e) => e.producer));
    expect([...covered].sort()).toEqual([...ALL_PRODUCERS].sort());
  });

  it.each(Object.entries(EXPECTED))('%s', (file, want) => {
    const got = identifyProducer(createPage(file));
    expect(got.producer).toBe(want.producer);
    expect(got.actor).toBe(want.actor);
    expect(got.branded).toBe(want.branded);
    expect(got.subStatus).toBe(want.subStatus);
    expect(got.cause).toBe(want.cause);
    expect(got.evidence[0]).toMatchObject({ kind: 'producer', producer: want.producer, actor: want.actor });
  });

  it('tells the Cloudflare branded page (origin failed) from the plain one (Cloudflare failed)', () => {
    const branded = identifyProducer(createPage('cloudflare-branded.json'));
    const plain = identifyProducer(createPage('cloudflare-plain.json'));
    expect(branded.evidence[0]).toEqual({
      kind: 'producer',
      producer: 'cloudflare',
      layer: 'cdn',
      actor: 'site',
      branded: true,
      detail: 'origin-error',
    });
    expect(plain.evidence[0]).toEqual({
      kind: 'producer',
      producer: 'cloudflare',
      layer: 'cdn',
      actor: 'provider',
      detail: 'cloudflare-internal',
    });
  });

  it('reports IIS sub-statuses as evidence with the cause they imply', () => {
    const ancm = identifyProducer(createPage('aspnetcore-502-5.json'));
    expect(ancm.evidence).toContainEqual({ kind: 'sub-status', code: '502.5', cause: 'app-crash' });
    const arr = identifyProducer(createPage('iis-502-3-arr.json'));
    // 0x80072ee2 on the page is WinHTTP 12002, a timeout.
    expect(arr.evidence).toContainEqual({ kind: 'sub-status', code: '502.3', cause: 'upstream-timeout' });
    expect(arr.layer).toBe('reverse-proxy');
  });

  it('leaves a generic 502 without a producer', () => {
    const got = identifyProducer(createPage('generic-unknown.json'));
    expect(got.producer).toBeUndefined();
    expect(got.actor).toBeUndefined();
    expect(got.evidence).toEqual([]);
    expect(got.requestIds).toEqual([]);
  });
});

describe('request ids', () => {
  it.each([
    ['cloudflare-branded.json', 'Ray ID', '87d4c1a2b3e4f506-FRA'],
    ['pasted-cloudflare-branded.txt', 'Ray ID', '87d4c1a2b3e4f506'],
    ['cloudfront.json', 'CloudFront request ID', 'Hk3Zq9w0b1Xy2Vn8Qm4Rt6Ls5Ke7Jd_Pa0Ob9Nc-Md8Le7Kf6Jg=='],
    ['cloudfront.json', 'CloudFront POP', 'FRA56-P7'],
    ['vercel.json', 'Vercel ID', 'fra1::iad1::8x9kq-1714564801234-5a6b7c8d9e0f'],
    ['netlify.json', 'Netlify request ID', '01HWZ8K3T5V7X9Z1B3D5F7H9J1'],
    ['envoy.json', 'Request ID', '5f1c6a8e-3b2d-4c1e-9f0a-7d6e5c4b3a21'],
    ['azure-app-service.json', 'Azure ref', '20240501T120001Z-17b8c9d0e1f2a3b4-IAD'],
    ['varnish.json', 'Varnish XID', '32770'],
  ])('%s carries %s', (file, name, value) => {
    const got = identifyProducer(createPage(file));
    expect(got.requestIds).toContainEqual({ name, value });
    expect(got.evidence).toContainEqual({ kind: 'request-id', name, value });
  });

  it('reads the CloudFront request id from the page body when no headers were pasted', () => {
    const page = createPage('cloudfront.json');
    const got = identifyProducer({ body: page.body });
    expect(got.producer).toBe('cloudfront');
    expect(got.requestIds).toEqual([{ name: 'CloudFront request ID', value: 'Hk3Zq9w0b1Xy2Vn8Qm4Rt6Ls5Ke7Jd_Pa0Ob9Nc-Md8Le7Kf6Jg==' }]);
  });

  it('does not take "Request ID:" on an unknown page for a CloudFront id', () => {
    const got = identifyProducer({ body: '<h1>Oops</h1><p>Request ID: QWERTYUIOPASDFGHJKLZXCVBNM==</p>' });
    expect(got.producer).toBeUndefined();
    expect(got.requestIds).toEqual([]);
  });

  it('keeps header ids even when no producer is identified', () => {
    const got = identifyProducer({ status: 502, headers: { 'x-request-id': 'abc-123' }, body: 'Bad Gateway' });
    expect(got.producer).toBeUndefined();
    expect(got.evidence).toEqual([{ kind: 'request-id', name: 'Request ID', value: 'abc-123' }]);
  });

  it('names every request-id header in lower case, as identifyProducer expects', () => {
    for (const rule of REQUEST_ID_RULES) expect(rule.header).toBe(rule.header.toLowerCase());
  });
});

describe('layering: which layer wins', () => {
  it('credits the origin nginx when its page came back through Cloudflare', () => {
    const nginx = createPage('nginx.json');
    const got = identifyProducer({ status: 502, headers: { server: 'cloudflare', 'cf-ray': '87d4c1a2b3e4f000-CDG' }, body: nginx.body });
    expect(got.producer).toBe('nginx');
    expect(got.requestIds).toContainEqual({ name: 'Ray ID', value: '87d4c1a2b3e4f000-CDG' });
  });

  it('names CloudFront as on the path when the body says nothing', () => {
    const got = identifyProducer({
      status: 502,
      headers: { 'x-cache': 'Error from cloudfront', 'x-amz-cf-id': 'abc' },
      body: '{"error":"bad gateway"}',
    });
    expect(got.producer).toBe('cloudfront');
    expect(got.evidence[0]).toMatchObject({ kind: 'producer', detail: 'on-path' });
    expect(matchFingerprint({ headers: { 'x-cache': 'Error from cloudfront' } })?.body).toBeUndefined();
  });

  it('identifies a load balancer from its server header alone', () => {
    expect(identifyProducer({ status: 502, headers: { server: 'awselb/2.0' } }).producer).toBe('aws-alb');
    expect(identifyProducer({ status: 502, headers: { server: 'Microsoft-Azure-Application-Gateway/v2' } }).producer).toBe(
      'azure-app-gateway',
    );
  });

  it('matches header names case-insensitively', () => {
    expect(identifyProducer({ headers: { 'X-Vercel-Error': 'NO_RESPONSE_FROM_FUNCTION' } }).producer).toBe('vercel');
  });

  it('hands Vercel platform-internal errors to the provider', () => {
    const got = identifyProducer({ status: 502, headers: { 'x-vercel-error': 'INTERNAL_FUNCTION_INVOCATION_FAILED' } });
    expect(got.producer).toBe('vercel');
    expect(got.actor).toBe('provider');
  });
});

describe('the fingerprint table', () => {
  it('gives every entry something to match and a known producer', () => {
    for (const fp of FINGERPRINTS) {
      expect(fp.headers !== undefined || fp.body !== undefined).toBe(true);
      expect(ALL_PRODUCERS).toContain(fp.producer);
      for (const h of fp.headers ?? []) expect(h.name).toBe(h.name.toLowerCase());
    }
  });
});

describe('robustness', () => {
  it('copes with huge, binary and unicode bodies', () => {
    const huge = `${'<p>lorem ipsum</p>'.repeat(200_000)}<center>nginx</center>`;
    expect(() => identifyProducer({ body: huge })).not.toThrow();
    expect(identifyProducer({ body: '\u0000\uFFFD\uD83D\uDE00 ✓ ünïcödé 502' }).producer).toBeUndefined();
    expect(identifyProducer({}).producer).toBeUndefined();
  });

  it.each([
    ['LF', '502 Bad Gateway\nnginx/1.25.3\n'],
    ['CRLF', '502 Bad Gateway\r\nnginx/1.25.3\r\n'],
    ['blank lines and indentation', '  502 Bad Gateway \r\n\r\n \t\n\tnginx/1.25.3 (Ubuntu)  \n'],
  ])('reads a pasted plain-text nginx page with %s between its lines', (_name, body) => {
    expect(identifyProducer({ body }).producer).toBe('nginx');
  });

  it('reads the plain Cloudflare page and "no healthy upstream" with CRLF and surrounding lines', () => {
    expect(identifyProducer({ body: 'x\r\n502 Bad Gateway\r\n\r\ncloudflare\r\ny' }).producer).toBe('cloudflare');
    expect(identifyProducer({ body: 'before\r\n  no healthy upstream \r\n' })).toMatchObject({
      producer: 'envoy',
      cause: 'no-live-upstreams',
    });
    expect(identifyProducer({ body: 'there is no healthy upstream here' }).producer).toBeUndefined();
  });

  it('leaves unclosed comments, scripts and tags as text instead of swallowing the page', () => {
    expect(pageText('<!-- a <!-- b --><p>502 Bad Gateway</p><script>x<script>y</script><center>nginx</center>')).toBe(
      '<!-- a\n502 Bad Gateway\nx\nnginx',
    );
  });

  it('reduces an HTML page to its visible lines', () => {
    expect(pageText('<html><title>x</title><body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>')).toBe(
      'x\n502 Bad Gateway\nnginx',
    );
  });
});

describe('identifying a live response from a loopback server', () => {
  const served = ['cloudflare-branded.json', 'aws-alb.json', 'vercel.json', 'azure-app-service.json', 'iis-502-3-arr.json', 'envoy.json'];
  let server: http.Server;
  let port = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const file = `${(req.url ?? '/').slice(1)}.json`;
      if (!served.includes(file)) {
        res.writeHead(404);
        res.end();
        return;
      }
      const page = createPage(file);
      // Framing headers are recomputed by node; a recorded length would not fit the recorded body.
      const headers = Object.fromEntries(
        Object.entries(page.headers ?? {}).filter(([k]) => !['content-length', 'connection', 'transfer-encoding'].includes(k)),
      );
      // Two calls, not a chain: restify (loaded by other suites in the same jest worker) patches
      // ServerResponse.prototype.writeHead so that it no longer returns the response.
      res.writeHead(page.status ?? 502, headers);
      res.end(page.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function fetchLoopback(name: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    return new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: `/${name}` }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) {
              if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
            }
            resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
          });
        })
        .on('error', reject);
    });
  }

  it.each(served)('%s', async (file) => {
    const live = await fetchLoopback(file.replace(/\.json$/, ''));
    const want = EXPECTED[file];
    expect(want).toBeDefined();
    expect(live.status).toBe(createPage(file).status);
    const got = identifyProducer(live);
    expect(got.producer).toBe(want?.producer);
    expect(got.subStatus).toBe(want?.subStatus);
    expect(got.cause).toBe(want?.cause);
  });
});
