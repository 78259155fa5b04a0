import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { FINGERPRINTS, REQUEST_ID_RULES, identifyProducer, matchFingerprint, pageText } from '../../src/probe/fingerprints';
import { createProber } from '../../src/probe/prober';
import { createStaticResolver } from '../../src/probe/resolver';
import type { Actor, CauseId, ProducerId } from '../../src/contracts';
import { cpuMs } from '../helpers/hostile-text';
import { createHttpServer, type LoopbackServer } from '../helpers/loopback-servers';

const PAGES = path.join(__dirname, '..', 'fixtures', 'pages');

/** A recorded (or documented) error page; `label` is the producer it must be named as (null: none). */
interface PageFixture {
  label?: ProducerId | null;
  /** The host name the page is served under, when the platform's own domain is part of the evidence. */
  host?: string;
  status?: number;
  headers?: Record<string, string>;
  body: string;
}

function readPage(file: string): PageFixture {
  const raw = readFileSync(path.join(PAGES, file), 'utf8');
  return file.endsWith('.json') ? (JSON.parse(raw) as PageFixture) : { body: raw };
}

/** The page as identifyProducer sees it after a probe: the host travels as the URL the answer came from. */
function createPage(file: string): { status?: number; headers?: Record<string, string>; body: string; finalUrl?: string } {
  const { status, headers, body, host } = readPage(file);
  return { status, headers, body, ...(host ? { finalUrl: `https://${host}/` } : {}) };
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
  'fastly',
  'akamai',
  'kong',
  'caddy',
  'azure-front-door',
  'gcp-lb',
  'ingress-nginx',
  'cloud-run',
  'fly',
  'render',
  'railway',
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
  'azure-app-service-custom-domain.json': { producer: 'azure-app-service', actor: 'site' },
  'azure-app-service-host.json': { producer: 'azure-app-service', actor: 'site' },
  'azure-app-service-slot.json': { producer: 'azure-app-service', actor: 'site' },
  'azure-app-service-branded.json': { producer: 'azure-app-service', actor: 'site', branded: true },
  'iis-arr-farm.json': { producer: 'iis', actor: 'site' },
  'azure-app-gateway.json': { producer: 'azure-app-gateway', actor: 'site' },
  'envoy.json': { producer: 'envoy', actor: 'site', cause: 'upstream-refused' },
  'envoy-istio-tls.json': { producer: 'envoy', actor: 'site', cause: 'upstream-tls' },
  'haproxy.json': { producer: 'haproxy', actor: 'site' },
  'haproxy-503.json': { producer: 'haproxy', actor: 'site', cause: 'no-live-upstreams' },
  'apache.json': { producer: 'apache', actor: 'site', cause: 'upstream-reset' },
  'varnish.json': { producer: 'varnish', actor: 'site' },
  'google.json': { producer: 'google', actor: 'site', branded: true },
  'google-cloud-lb.json': { producer: 'gcp-lb', actor: 'site' },
  'vercel.json': { producer: 'vercel', actor: 'site', cause: 'app-crash' },
  'netlify.json': { producer: 'netlify', actor: 'site', cause: 'app-crash' },
  'heroku.json': { producer: 'heroku', actor: 'site' },
  'fastly.json': { producer: 'fastly', actor: 'site', cause: 'upstream-timeout' },
  'akamai.json': { producer: 'akamai', actor: 'site' },
  'kong.json': { producer: 'kong', actor: 'site' },
  'kong-504.json': { producer: 'kong', actor: 'site', cause: 'upstream-timeout' },
  'caddy.json': { producer: 'caddy', actor: 'site' },
  'azure-front-door.json': { producer: 'azure-front-door', actor: 'site' },
  'ingress-nginx.json': { producer: 'ingress-nginx', actor: 'site' },
  'cloud-run.json': { producer: 'cloud-run', actor: 'site', cause: 'no-live-upstreams' },
  'cloud-run-host.json': { producer: 'cloud-run', actor: 'site' },
  'fly.json': { producer: 'fly', actor: 'site' },
  'render.json': { producer: 'render', actor: 'site' },
  'render-502.json': { producer: 'render', actor: 'site' },
  'railway.json': { producer: 'railway', actor: 'site' },
  // Pasted visible text, no headers at all.
  'pasted-cloudflare-plain.txt': { producer: 'cloudflare', actor: 'provider' },
  'pasted-cloudflare-branded.txt': { producer: 'cloudflare', actor: 'site', branded: true },
  'pasted-nginx.txt': { producer: 'nginx', actor: 'site' },
  'pasted-aspnetcore-502-5.txt': { producer: 'aspnetcore', actor: 'site', subStatus: '502.5', cause: 'app-crash' },
  'pasted-google.txt': { producer: 'google', actor: 'site', branded: true },
  'pasted-iis-502-3.txt': { producer: 'iis', actor: 'site', subStatus: '502.3', cause: 'upstream-refused' },
  'pasted-varnish.txt': { producer: 'varnish', actor: 'site' },
  'pasted-envoy.txt': { producer: 'envoy', actor: 'site', cause: 'no-live-upstreams' },
  'pasted-fastly.txt': { producer: 'fastly', actor: 'site', cause: 'no-live-upstreams' },
  'pasted-akamai.txt': { producer: 'akamai', actor: 'site' },
  'pasted-kong.txt': { producer: 'kong', actor: 'site', cause: 'no-live-upstreams' },
};

describe('identifyProducer on recorded error pages', () => {
  it('has a fixture for every page file and every page file has an expectation', () => {
    const files = readdirSync(PAGES).filter((f) => f !== 'generic-unknown.json');
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it('labels every recorded page with the producer its expectation names', () => {
    for (const file of readdirSync(PAGES).filter((f) => f.endsWith('.json'))) {
      expect({ file, label: readPage(file).label }).toEqual({ file, label: EXPECTED[file]?.producer ?? null });
    }
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
    ['fastly.json', 'Fastly node', 'cache-fra-eddf8230045-FRA'],
    ['pasted-fastly.txt', 'Fastly node', 'cache-sea4461-SEA 1714564801 4156862784'],
    ['akamai.json', 'Akamai reference', '97.1a367a5c.1714564801.11af6a39'],
    ['pasted-akamai.txt', 'Akamai reference', '97.1a367a5c.1714564801.11af6a39'],
    ['kong.json', 'Kong request ID', '6f1c2d3e4a5b69788796a5b4c3d2e1f0'],
    ['pasted-kong.txt', 'Kong request ID', '0a1b2c3d4e5f60718293a4b5c6d7e8f9'],
    ['azure-front-door.json', 'Azure ref', '20240501T120001Z-r1a2b3c4d5e6f7g8h9-FRA'],
    ['fly.json', 'Fly request ID', '01JQSECXHAJR7ZPGFRTQW5EK95-fra'],
    ['render.json', 'Render request ID', '251835f2-2a4d-4591'],
    ['railway.json', 'Railway request ID', 'BxND-XGkShaBr6_rMqEudw_3176973899'],
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
    for (const rule of REQUEST_ID_RULES) expect(rule.header).toBe(rule.header?.toLowerCase());
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
      expect(fp.headers !== undefined || fp.body !== undefined || fp.host !== undefined).toBe(true);
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

describe('telling specific producers from the generic ones they wear', () => {
  it('tells Azure App Service from IIS on a VM by what only its front end adds', () => {
    const iisPage = readPage('iis-custom-error.json');
    const named = (headers: Record<string, string>, finalUrl?: string) =>
      identifyProducer({ status: 502, headers: { server: 'Microsoft-IIS/10.0', ...headers }, body: iisPage.body, finalUrl }).producer;
    expect(named({})).toBe('iis');
    expect(named({ 'set-cookie': 'ARRAffinity=abc;Path=/;HttpOnly;Domain=shop.contoso.example' })).toBe('iis');
    expect(named({ 'set-cookie': 'ARRAffinitySameSite=abc;Path=/;SameSite=None;Secure' })).toBe('azure-app-service');
    expect(named({ 'set-cookie': 'ARRAffinity=abc;Path=/;HttpOnly;Domain=shop.azurewebsites.net' })).toBe('azure-app-service');
    expect(named({ 'set-cookie': 'x-ms-routing-name=self; path=/' })).toBe('azure-app-service');
    expect(named({}, 'https://shop.azurewebsites.net/cart')).toBe('azure-app-service');
    expect(named({}, 'https://shop.azurewebsites.net.evil.example/')).toBe('iis');
  });

  it('names the platform from its own domain alone, and never from pasted text', () => {
    expect(identifyProducer({ status: 502, finalUrl: 'https://shop.azurewebsites.net/' })).toMatchObject({
      producer: 'azure-app-service',
      evidence: [expect.objectContaining({ detail: 'on-path' })],
    });
    expect(identifyProducer({ status: 502, finalUrl: 'https://api-x7.a.run.app/' }).producer).toBe('cloud-run');
    expect(identifyProducer({ status: 502, finalUrl: 'https://shop.fly.dev/' }).producer).toBe('fly');
    expect(identifyProducer({ status: 502, finalUrl: 'https://shop.onrender.com/' }).producer).toBe('render');
    expect(identifyProducer({ status: 502, finalUrl: 'https://shop-production.up.railway.app/' }).producer).toBe('railway');
    expect(identifyProducer({ body: 'shop.azurewebsites.net returned 502' }).producer).toBeUndefined();
    expect(identifyProducer({ status: 502, finalUrl: 'not a url' }).producer).toBeUndefined();
    expect(identifyProducer({ status: 502, finalUrl: `https://${'a'.repeat(300)}.azurewebsites.net/` }).producer).toBeUndefined();
    // A page names the layer that wrote it: the app's own nginx on App Service is still nginx.
    expect(identifyProducer({ ...readPage('nginx.json'), finalUrl: 'https://shop.azurewebsites.net/' }).producer).toBe('nginx');
  });

  it("names Fastly, not Varnish, on Fastly's page and headers, and keeps plain Varnish", () => {
    expect(identifyProducer(readPage('fastly.json')).producer).toBe('fastly');
    expect(identifyProducer(readPage('varnish.json')).producer).toBe('varnish');
    expect(identifyProducer({ status: 503, headers: { 'x-varnish': '123', 'x-served-by': 'cache-lhr7358-LHR' } }).producer).toBe('fastly');
  });

  it("names ingress-nginx only when the controller's default HSTS header comes with nginx's page", () => {
    const page = readPage('ingress-nginx.json');
    expect(identifyProducer(page).producer).toBe('ingress-nginx');
    expect(identifyProducer({ ...page, headers: { server: 'nginx' } }).producer).toBe('nginx');
    expect(
      identifyProducer({ ...page, headers: { server: 'nginx', 'strict-transport-security': 'max-age=31536000; includeSubDomains' } })
        .producer,
    ).toBe('nginx');
  });

  it('names the load balancer, not Google itself, on the Cloud load balancer page, and Cloud Run on a run.app host', () => {
    expect(identifyProducer(readPage('google-cloud-lb.json')).producer).toBe('gcp-lb');
    expect(identifyProducer(readPage('google.json')).producer).toBe('google');
    expect(identifyProducer(createPage('cloud-run-host.json')).producer).toBe('cloud-run');
    expect(identifyProducer(readPage('cloud-run-host.json')).producer).toBe('gcp-lb');
  });

  it('names the platform behind Cloudflare when its own header is there', () => {
    expect(identifyProducer(readPage('render-502.json')).producer).toBe('render');
    const { 'rndr-id': _id, ...cloudflareOnly } = readPage('render-502.json').headers ?? {};
    expect(identifyProducer({ status: 502, headers: cloudflareOnly }).producer).toBe('cloudflare');
  });

  it('reads the entities Akamai writes its reference with, and no markup-making ones', () => {
    expect(pageText('<p>Reference&#32;&#35;18&#46;2d351ab8&#46;1557333295&#46;a4e16ab</p>')).toBe(
      'Reference #18.2d351ab8.1557333295.a4e16ab',
    );
    expect(pageText('<p>a &#60;script&#62; b</p>')).toBe('a &#60;script&#62; b');
  });
});

/**
 * The openers of this new multi-part patterns, repeated over 256 KiB in the body, in every header a new
 * fingerprint reads and in the host: each stays linear (the shared families are in test/text/hostile-inputs.test.ts;
 * the budget is measured by `npm run bench:text`, the bound here is the same generous 250 ms of CPU).
 */
describe('hostile inputs aimed at the new producer patterns', () => {
  const SIZE = 256 * 1024;
  const openers = [
    'Guru Mediation:',
    'Guru Mediation:\nDetails: cache-',
    'Reference #1.',
    'Reference&#32;&#35;1&#46;',
    '&#35;',
    '"message":"',
    '"message" : "The upstream server is ',
    'An invalid response was received from the upstream server\n \n',
    'request_id": "',
    'Request ID: ',
    'Microsoft Azure Web App - Error ',
    'Our services aren',
    'The service you requested ',
    'ARRAffinity=a;',
    'ARRAffinity=;Domain=',
  ];
  const fill = (unit: string) => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);

  it.each(openers)('%j costs under 250 ms of CPU as a body, as headers and beside a long host', (opener) => {
    const text = fill(opener);
    identifyProducer({ body: text.slice(0, 1000) });
    const headers = Object.fromEntries(
      ['server', 'via', 'set-cookie', 'x-served-by', 'strict-transport-security', 'x-railway-fallback', 'x-kong-request-id'].map((h) => [
        h,
        text,
      ]),
    );
    expect(cpuMs(() => identifyProducer({ status: 502, body: text }))).toBeLessThan(250);
    expect(cpuMs(() => identifyProducer({ status: 502, headers, finalUrl: `https://${text}.azurewebsites.net/` }))).toBeLessThan(250);
  });
});

/**
 * The held-out check: every recorded page is served by its own loopback server (its own port, and its own host
 * name resolved to 127.0.0.1), probed through the real prober, and the producer the probe names must be the page's
 * label. A page whose label is null must stay unnamed.
 */
describe('held-out check: each recorded page probed through the real prober', () => {
  const files = readdirSync(PAGES)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const sites = new Map<string, { server: LoopbackServer; url: string }>();
  const results = new Map<string, ProducerId | undefined>();

  beforeAll(async () => {
    const table: Record<string, string[]> = {};
    for (const file of files) {
      const page = readPage(file);
      const host = page.host ?? `${file.replace(/\.json$/, '')}.pages.test`;
      table[host] = ['127.0.0.1'];
      // Framing headers are recomputed by node; a recorded length would not fit the recorded body.
      const headers = Object.fromEntries(
        Object.entries(page.headers ?? {}).filter(([k]) => !['content-length', 'connection', 'transfer-encoding'].includes(k)),
      );
      const server = await createHttpServer((_req, res) => {
        // Two calls, not a chain: restify (loaded by other suites in the same jest worker) patches
        // ServerResponse.prototype.writeHead so that it no longer returns the response.
        res.writeHead(page.status ?? 502, headers);
        res.end(page.body);
      });
      sites.set(file, { server, url: `http://${host}:${server.port}/` });
    }
    const prober = createProber({
      allowCidrs: ['127.0.0.0/8'],
      resolver: createStaticResolver(table),
      timeoutMs: 3000,
      recheckDelayMs: 10,
      perHostLimiter: new RateLimiterMemory({ points: 100, duration: 10 }),
    });
    for (const [file, site] of sites) results.set(file, (await prober.probe(site.url)).producer);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...sites.values()].map((site) => site.server.close()));
  });

  it('names every labelled producer', () => {
    const outcome = files.map((file) => ({ file, label: readPage(file).label ?? undefined, named: results.get(file) }));
    const right = outcome.filter((o) => o.named === o.label);
    // The figure the issue asks for, printed once per run.
    console.log(`held-out producers: ${right.length} of ${outcome.length} pages named as labelled`);
    expect(outcome.filter((o) => o.named !== o.label)).toEqual([]);
    expect(right.length).toBe(files.length);
  });
});
