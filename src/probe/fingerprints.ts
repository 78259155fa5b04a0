/**
 * "Who produced this 502?" as data: header and body fingerprints of CDNs, load balancers, proxies,
 * app servers and platforms, the request ids each one stamps, and the causes their pages give away.
 * Only producer evidence is judged here; whether the site is up or down is the verdict's job.
 */
import { MAX_HEADER_VALUE_CHARS, MAX_PAGE_CHARS, type Actor, type CauseId, type Evidence, type Layer, type ProducerId } from '../contracts';
import { cutAt } from '../text/limits';
import { IIS_502_SUBSTATUS, WIN32_STATUS } from './log-patterns';

/** One recognisable shape of a producer's response (headers, body, or both). */
export interface Fingerprint {
  producer: ProducerId;
  name: string;
  layer: Layer;
  /** Who must act when this producer itself reports the 502 (e.g. plain Cloudflare page -> 'provider';
   *  Cloudflare branded page saying the origin failed -> 'site'). */
  actor: Actor;
  /** All listed header tests must match (name lower-case, pattern RegExp or 'present'); any body pattern may match. */
  headers?: { name: string; pattern: RegExp | 'present' }[];
  body?: RegExp[];
  /** The probed site's host name must match too: a platform's own domain (*.azurewebsites.net, *.run.app) names
   *  it even when its error page is one that other servers also serve. Pasted text has no host, so never matches. */
  host?: RegExp;
  /** Optional refinement: a more specific entry (e.g. branded page) wins over a generic one by higher priority. */
  priority: number;
  branded?: boolean;
  detail?: string; // short English id-like note, e.g. 'origin-unreachable'
}

/** IIS's (and ARR's) own 502 pages: the custom error page and the detailed one with a sub-status. */
const IIS_GATEWAY_PAGE_TEXT = /502 - Web server received an invalid response while acting as a gateway or proxy server/i;
const IIS_GATEWAY_PAGE: RegExp[] = [IIS_GATEWAY_PAGE_TEXT, /HTTP Error 502\.\d/i];
/** Cookies only App Service's front end sets (see the App Service entries). */
const APP_SERVICE_COOKIE =
  /\bARRAffinitySameSite=|\bx-ms-routing-name=|ARRAffinity=[^;,=]*;(?:(?!ARRAffinity=)[^,])*Domain=[^;,=]*azurewebsites\.net/i;
const APP_SERVICE_HOST = /\.azurewebsites\.net\.?$/i;
/** The Google front end's page for a request its backend could not complete (load balancer, Cloud Run). */
const GOOGLE_SERVER_ERROR_PAGE =
  /Error: Server Error(?:(?!Error: Server Error)[\s\S]){0,200}The server encountered a temporary error and could not complete your request/i;
/** nginx's default error page, as HTML and as pasted visible text. */
const NGINX_PAGE: RegExp[] = [
  /<center>\s*(?:nginx|openresty)(?:\/[\d.]+)?(?:\s*\([^)<]*\))?\s*<\/center>/i,
  /(?:^|\n)[^\S\n]*502 Bad Gateway[^\S\n]*\n(?:[^\S\n]*\n)*[^\S\n]*(?:nginx|openresty)(?:\/[\d.]+)?(?:[^\S\n]*\([^)\n]*\))?[^\S\n]*(?:\n|$)/i,
  /Faithfully yours, nginx\./i,
];
const INGRESS_NGINX_HSTS = /^max-age=15724800; includeSubDomains$/i;
/** Akamai's error reference, e.g. "Reference #97.1a367a5c.1682326636.11af6a39" (entities are decoded by pageText). */
const AKAMAI_REFERENCE = /Reference #(\d{1,3}\.[0-9a-f]{4,16}\.\d{6,12}\.[0-9a-f]{4,16})\b/i;

/*
 * Whole-line body patterns are written `(?:^|\n)[^\S\n]*...[^\S\n]*(?:\n|$)` rather than `^\s*...\s*$` with the m
 * flag: `\s` spans line breaks and `^` matches after every one, which made a page of blank lines cost one pass
 * per line (issue 7). Here a line is what lies between two "\n" and its spaces (and a CR) stay inside it.
 *
 * Priority bands. A page body names the layer that wrote it, so body entries (50-70) beat headers.
 * Headers that only a layer's *own* error responses carry (server: awselb/2.0, x-vercel-error) sit at 45.
 * Headers every proxied response carries (cf-ray, x-amz-cf-id, via: vegur) only say "this layer was on
 * the path", so they sit at 20: if the body is an nginx page, nginx behind the CDN wrote it.
 * A bare server header (nginx, Apache, IIS, Caddy) is the weakest hint, at 10. Fly's server: Fly/<build> sits at
 * 30: it is the platform proxy's own, but not documented as absent from what the proxy passes on.
 * A platform's own domain in the probed host (host-only entries) sits at 22: above the CDN in front, below any page.
 * A more specific reading of another producer's page sits just above it (Fastly's Varnish page above Varnish,
 * ingress-nginx's nginx page above nginx, App Service's IIS page above IIS, Cloud Run's Google page above the
 * load balancer's), so the table's order never decides.
 */
export const FINGERPRINTS: readonly Fingerprint[] = [
  // --- Cloudflare ---
  {
    producer: 'cloudflare',
    name: 'Cloudflare (branded error page)',
    layer: 'cdn',
    actor: 'site',
    branded: true,
    detail: 'origin-error',
    priority: 70,
    body: [
      /id="cf-error-details"|id="cf-wrapper"|\/cdn-cgi\/styles\/(?:cf\.errors|main)\.css/i,
      /Cloudflare Ray ID:/i,
      /Performance &(?:amp;)? security by Cloudflare/i,
    ],
  },
  {
    producer: 'cloudflare',
    name: 'Cloudflare (plain error page)',
    layer: 'cdn',
    actor: 'provider',
    detail: 'cloudflare-internal',
    priority: 65,
    body: [
      /<center>\s*cloudflare\s*<\/center>/i,
      /(?:^|\n)[^\S\n]*502 Bad Gateway[^\S\n]*\n(?:[^\S\n]*\n)*[^\S\n]*cloudflare[^\S\n]*(?:\n|$)/i,
    ],
  },
  {
    producer: 'cloudflare',
    name: 'Cloudflare',
    layer: 'cdn',
    actor: 'site',
    detail: 'on-path',
    priority: 20,
    headers: [{ name: 'cf-ray', pattern: 'present' }],
  },
  {
    producer: 'cloudflare',
    name: 'Cloudflare',
    layer: 'cdn',
    actor: 'site',
    detail: 'on-path',
    priority: 19,
    headers: [{ name: 'server', pattern: /^cloudflare/i }],
  },
  // --- Amazon CloudFront ---
  {
    producer: 'cloudfront',
    name: 'Amazon CloudFront (error page)',
    layer: 'cdn',
    actor: 'site',
    detail: 'origin-unreachable',
    priority: 60,
    body: [
      /Generated by cloudfront \(CloudFront\)/i,
      /The request could not be satisfied\.?(?:(?!The request could not be satisfied)[\s\S]){0,400}CloudFront/i,
    ],
  },
  {
    producer: 'cloudfront',
    name: 'Amazon CloudFront',
    layer: 'cdn',
    actor: 'site',
    detail: 'on-path',
    priority: 21,
    headers: [{ name: 'x-cache', pattern: /Error from cloudfront/i }],
  },
  {
    producer: 'cloudfront',
    name: 'Amazon CloudFront',
    layer: 'cdn',
    actor: 'site',
    detail: 'on-path',
    priority: 20,
    headers: [{ name: 'x-amz-cf-id', pattern: 'present' }],
  },
  // --- AWS Application Load Balancer ---
  {
    producer: 'aws-alb',
    name: 'AWS Application Load Balancer',
    layer: 'load-balancer',
    actor: 'site',
    detail: 'target-failed',
    priority: 45,
    headers: [{ name: 'server', pattern: /^awselb\//i }],
  },
  // --- Microsoft IIS, ASP.NET Core Module, Azure ---
  {
    producer: 'aspnetcore',
    name: 'ASP.NET Core Module (process failure page)',
    layer: 'app-server',
    actor: 'site',
    detail: 'process-failure',
    priority: 70,
    body: [/HTTP Error 502\.5 - (?:Process Failure|ANCM)/i, /IIS 502\.5 Error/i],
  },
  {
    producer: 'aspnetcore',
    name: 'ASP.NET Core Module (IIS detailed error)',
    layer: 'app-server',
    actor: 'site',
    priority: 68,
    body: [/HTTP Error 502\.\d(?:(?!HTTP Error 502\.\d)[\s\S]){0,3000}AspNetCoreModule/i],
  },
  /*
   * Azure App Service's front end is IIS with ARR, so its 502 page is IIS's own wording: the page alone cannot tell
   * App Service from IIS on a VM. What only the App Service front end adds (Microsoft Learn, App Service and
   * Application Gateway docs; Azure's SameSite update of January 2020): the ARRAffinitySameSite cookie, an
   * ARRAffinity cookie scoped to *.azurewebsites.net, the x-ms-routing-name slot cookie, its own branded pages
   * ("Microsoft Azure Web App - Error 404"), and the *.azurewebsites.net host itself. A bare ARRAffinity cookie is
   * not enough: ARR web farms on a VM set it too.
   */
  {
    producer: 'azure-app-service',
    name: 'Azure App Service front end',
    layer: 'platform',
    actor: 'site',
    detail: 'worker-failed',
    priority: 66,
    headers: [{ name: 'set-cookie', pattern: APP_SERVICE_COOKIE }],
    body: IIS_GATEWAY_PAGE,
  },
  {
    producer: 'azure-app-service',
    name: 'Azure App Service front end',
    layer: 'platform',
    actor: 'site',
    detail: 'worker-failed',
    priority: 66,
    host: APP_SERVICE_HOST,
    body: IIS_GATEWAY_PAGE,
  },
  {
    producer: 'azure-app-service',
    name: 'Azure App Service (branded error page)',
    layer: 'platform',
    actor: 'site',
    branded: true,
    priority: 64,
    body: [/Microsoft Azure Web App - Error \d{3}/i],
  },
  {
    producer: 'azure-app-service',
    name: 'Azure App Service',
    layer: 'platform',
    actor: 'site',
    detail: 'on-path',
    priority: 22,
    headers: [{ name: 'set-cookie', pattern: APP_SERVICE_COOKIE }],
  },
  {
    producer: 'azure-app-service',
    name: 'Azure App Service',
    layer: 'platform',
    actor: 'site',
    detail: 'on-path',
    priority: 22,
    host: APP_SERVICE_HOST,
  },
  {
    producer: 'iis',
    name: 'Microsoft IIS / ARR (detailed error)',
    layer: 'reverse-proxy',
    actor: 'site',
    priority: 62,
    body: [/HTTP Error 502\.\d - Bad Gateway/i, /Detailed Error - 502\.\d/i],
  },
  {
    producer: 'azure-app-gateway',
    name: 'Azure Application Gateway',
    layer: 'load-balancer',
    actor: 'site',
    detail: 'backend-failed',
    priority: 60,
    body: [
      /<center>\s*Microsoft-Azure-Application-Gateway\/v\d\s*<\/center>/i,
      /(?:^|\n)[^\S\n]*Microsoft-Azure-Application-Gateway\/v\d[^\S\n]*(?:\n|$)/i,
    ],
  },
  {
    producer: 'azure-app-gateway',
    name: 'Azure Application Gateway',
    layer: 'load-balancer',
    actor: 'site',
    detail: 'backend-failed',
    priority: 45,
    headers: [{ name: 'server', pattern: /^Microsoft-Azure-Application-Gateway/i }],
  },
  // Azure Front Door: its own page (Microsoft Learn, Front Door and Azure AD B2C troubleshooting) and the
  // X-Azure-Ref header it puts on every response it serves (Front Door HTTP headers reference).
  {
    producer: 'azure-front-door',
    name: 'Azure Front Door (error page)',
    layer: 'cdn',
    actor: 'site',
    detail: 'origin-error',
    priority: 60,
    body: [/Our services aren['’]t available right now/i],
  },
  {
    producer: 'azure-front-door',
    name: 'Azure Front Door',
    layer: 'cdn',
    actor: 'site',
    detail: 'on-path',
    priority: 20,
    headers: [{ name: 'x-azure-ref', pattern: 'present' }],
  },
  {
    producer: 'iis',
    name: 'Microsoft IIS (custom error page)',
    layer: 'reverse-proxy',
    actor: 'site',
    priority: 50,
    body: [IIS_GATEWAY_PAGE_TEXT],
  },
  {
    producer: 'iis',
    name: 'Microsoft IIS',
    layer: 'reverse-proxy',
    actor: 'site',
    priority: 10,
    headers: [{ name: 'server', pattern: /^Microsoft-IIS\//i }],
  },
  // --- Envoy ---
  {
    producer: 'envoy',
    name: 'Envoy proxy',
    layer: 'reverse-proxy',
    actor: 'site',
    priority: 60,
    body: [/upstream connect error or disconnect\/reset before headers/i, /(?:^|\n)[^\S\n]*no healthy upstream[^\S\n]*(?:\n|$)/i],
  },
  {
    producer: 'envoy',
    name: 'Envoy proxy',
    layer: 'reverse-proxy',
    actor: 'site',
    detail: 'on-path',
    priority: 20,
    headers: [{ name: 'server', pattern: /^(?:istio-)?envoy$/i }],
  },
  // --- HAProxy ---
  {
    producer: 'haproxy',
    name: 'HAProxy',
    layer: 'load-balancer',
    actor: 'site',
    priority: 58,
    body: [
      /The server returned an invalid or incomplete response\./i,
      /No server is available to handle this request\./i,
      /The server didn't respond in time\./i,
    ],
  },
  // --- Apache httpd ---
  {
    producer: 'apache',
    name: 'Apache httpd (mod_proxy)',
    layer: 'reverse-proxy',
    actor: 'site',
    priority: 58,
    body: [/<title>502 Proxy Error<\/title>/i, /The proxy server received an invalid\s+response from an upstream server/i],
  },
  {
    producer: 'apache',
    name: 'Apache httpd',
    layer: 'reverse-proxy',
    actor: 'site',
    priority: 10,
    headers: [{ name: 'server', pattern: /^Apache\b/i }],
  },
  // --- Fastly (Varnish-based: its synthetic page says "Guru Mediation" and "Details: cache-<node>-<POP>", where plain
  // Varnish says "Guru Meditation" and "XID"; Fastly docs, "Common 503 errors" and the X-Served-By reference) ---
  {
    producer: 'fastly',
    name: 'Fastly (error page)',
    layer: 'cdn',
    actor: 'site',
    detail: 'backend-failed',
    priority: 62,
    body: [/Guru Mediation:?(?:(?!Guru Mediation)[\s\S]){0,200}Details:\s*cache-[a-z0-9]/i],
  },
  {
    producer: 'fastly',
    name: 'Fastly',
    layer: 'cdn',
    actor: 'site',
    detail: 'on-path',
    priority: 21,
    headers: [{ name: 'x-served-by', pattern: /^cache-[a-z0-9]/i }],
  },
  // --- Varnish ---
  {
    producer: 'varnish',
    name: 'Varnish cache',
    layer: 'reverse-proxy',
    actor: 'site',
    detail: 'backend-fetch-failed',
    priority: 60,
    body: [
      /Guru Meditation:?(?:(?!Guru Meditation)[\s\S]){0,200}XID:/i,
      /Backend fetch failed(?:(?!Backend fetch failed)[\s\S]){0,300}Varnish cache server/i,
    ],
  },
  {
    producer: 'varnish',
    name: 'Varnish cache',
    layer: 'reverse-proxy',
    actor: 'site',
    detail: 'on-path',
    priority: 20,
    headers: [{ name: 'x-varnish', pattern: 'present' }],
  },
  // --- Google front end ---
  {
    producer: 'google',
    name: 'Google front end',
    layer: 'load-balancer',
    actor: 'site',
    branded: true,
    priority: 60,
    body: [/\b502\.?\s*(?:<\/b>\s*)?(?:<ins>\s*)?That[’']s an error\./i, /Error 502 \(Server Error\)!!1/i],
  },
  // --- Google Cloud Run (the serverless front end's own page when no instance can take the request) ---
  {
    producer: 'cloud-run',
    name: 'Google Cloud Run',
    layer: 'platform',
    actor: 'site',
    detail: 'no-instance',
    priority: 58,
    body: [/The service you requested is not available yet/i],
  },
  {
    producer: 'cloud-run',
    name: 'Google Cloud Run',
    layer: 'platform',
    actor: 'site',
    detail: 'backend-failed',
    priority: 57,
    host: /\.run\.app\.?$/i,
    body: [GOOGLE_SERVER_ERROR_PAGE],
  },
  {
    producer: 'cloud-run',
    name: 'Google Cloud Run',
    layer: 'platform',
    actor: 'site',
    detail: 'on-path',
    priority: 22,
    host: /\.run\.app\.?$/i,
  },
  // --- Google Cloud Load Balancing: the load balancer's page when its backend failed (the site's to fix) ---
  {
    producer: 'gcp-lb',
    name: 'Google Cloud Load Balancing',
    layer: 'load-balancer',
    actor: 'site',
    detail: 'backend-failed',
    priority: 55,
    body: [GOOGLE_SERVER_ERROR_PAGE],
  },
  {
    producer: 'google',
    name: 'Google front end',
    layer: 'load-balancer',
    actor: 'site',
    detail: 'on-path',
    priority: 20,
    headers: [{ name: 'server', pattern: /^(?:gws|GFE\/|Google Frontend)/i }],
  },
  {
    producer: 'google',
    name: 'Google front end',
    layer: 'load-balancer',
    actor: 'site',
    detail: 'on-path',
    priority: 19,
    headers: [{ name: 'via', pattern: /\b1\.1 google\b/i }],
  },
  // --- Vercel ---
  {
    producer: 'vercel',
    name: 'Vercel (platform error)',
    layer: 'platform',
    actor: 'provider',
    detail: 'platform-internal',
    priority: 50,
    headers: [{ name: 'x-vercel-error', pattern: /^INTERNAL_/i }],
  },
  {
    producer: 'vercel',
    name: 'Vercel',
    layer: 'platform',
    actor: 'site',
    priority: 45,
    headers: [{ name: 'x-vercel-error', pattern: 'present' }],
  },
  {
    producer: 'vercel',
    name: 'Vercel',
    layer: 'platform',
    actor: 'site',
    priority: 55,
    body: [/\b502: BAD_GATEWAY\b(?:(?!502: BAD_GATEWAY)[\s\S]){0,200}\bCode:\s*[A-Z_]+/],
  },
  {
    producer: 'vercel',
    name: 'Vercel',
    layer: 'platform',
    actor: 'site',
    detail: 'on-path',
    priority: 20,
    headers: [{ name: 'x-vercel-id', pattern: 'present' }],
  },
  // --- Netlify ---
  {
    producer: 'netlify',
    name: 'Netlify',
    layer: 'platform',
    actor: 'site',
    priority: 55,
    body: [/Netlify internal ID:/i],
  },
  {
    producer: 'netlify',
    name: 'Netlify',
    layer: 'platform',
    actor: 'site',
    detail: 'on-path',
    priority: 20,
    headers: [{ name: 'x-nf-request-id', pattern: 'present' }],
  },
  // --- Heroku ---
  {
    producer: 'heroku',
    name: 'Heroku router (application error page)',
    layer: 'platform',
    actor: 'site',
    detail: 'app-error',
    priority: 55,
    body: [
      /herokucdn\.com\/error-pages\//i,
      /check your logs for details(?:(?!check your logs for details)[\s\S]){0,200}heroku logs --tail/i,
    ],
  },
  {
    producer: 'heroku',
    name: 'Heroku router',
    layer: 'platform',
    actor: 'site',
    detail: 'on-path',
    priority: 20,
    headers: [{ name: 'via', pattern: /\bvegur\b|heroku-router/i }],
  },
  // --- Fly.io (Fly Proxy stamps fly-request-id and server: Fly/<build> on what it serves; apps live on *.fly.dev) ---
  {
    producer: 'fly',
    name: 'Fly.io proxy',
    layer: 'platform',
    actor: 'site',
    priority: 30,
    headers: [{ name: 'server', pattern: /^Fly\//i }],
  },
  {
    producer: 'fly',
    name: 'Fly.io',
    layer: 'platform',
    actor: 'site',
    detail: 'on-path',
    priority: 21,
    headers: [{ name: 'fly-request-id', pattern: 'present' }],
  },
  {
    producer: 'fly',
    name: 'Fly.io',
    layer: 'platform',
    actor: 'site',
    detail: 'on-path',
    priority: 22,
    host: /\.fly\.dev\.?$/i,
  },
  // --- Render (behind Cloudflare: rndr-id names Render over cf-ray; x-render-routing is Render's routing verdict) ---
  {
    producer: 'render',
    name: 'Render (routing error)',
    layer: 'platform',
    actor: 'site',
    priority: 45,
    headers: [{ name: 'x-render-routing', pattern: 'present' }],
  },
  {
    producer: 'render',
    name: 'Render',
    layer: 'platform',
    actor: 'site',
    detail: 'on-path',
    priority: 21,
    headers: [{ name: 'rndr-id', pattern: 'present' }],
  },
  {
    producer: 'render',
    name: 'Render',
    layer: 'platform',
    actor: 'site',
    detail: 'on-path',
    priority: 22,
    host: /\.onrender\.com\.?$/i,
  },
  // --- Railway (its edge answers {"message":"Application failed to respond"} with x-railway-fallback: true) ---
  {
    producer: 'railway',
    name: 'Railway edge',
    layer: 'platform',
    actor: 'site',
    detail: 'app-not-responding',
    priority: 58,
    body: [/"message"\s*:\s*"Application failed to respond"/i, /The train has not arrived at the station/i],
  },
  {
    producer: 'railway',
    name: 'Railway edge',
    layer: 'platform',
    actor: 'site',
    detail: 'app-not-responding',
    priority: 45,
    headers: [{ name: 'x-railway-fallback', pattern: /^true$/i }],
  },
  {
    producer: 'railway',
    name: 'Railway',
    layer: 'platform',
    actor: 'site',
    detail: 'on-path',
    priority: 21,
    headers: [{ name: 'x-railway-request-id', pattern: 'present' }],
  },
  {
    producer: 'railway',
    name: 'Railway',
    layer: 'platform',
    actor: 'site',
    detail: 'on-path',
    priority: 21,
    headers: [{ name: 'x-railway-edge', pattern: 'present' }],
  },
  {
    producer: 'railway',
    name: 'Railway',
    layer: 'platform',
    actor: 'site',
    detail: 'on-path',
    priority: 22,
    host: /\.railway\.app\.?$/i,
  },
  // --- Kong Gateway (kong/error_handlers.lua: one sentence per status, as JSON, HTML or text; server: kong/<version>
  // on what Kong answers itself, via: kong/<version> on what it proxied) ---
  {
    producer: 'kong',
    name: 'Kong Gateway (error response)',
    layer: 'reverse-proxy',
    actor: 'site',
    priority: 58,
    body: [
      /"message"\s*:\s*"(?:An invalid response was received from the upstream server|The upstream server is (?:currently unavailable|timing out))"/,
      /(?:^|\n)[^\S\n]*(?:An invalid response was received from the upstream server|The upstream server is (?:currently unavailable|timing out))\.?[^\S\n]*(?:\n|$)/,
    ],
  },
  {
    producer: 'kong',
    name: 'Kong Gateway',
    layer: 'reverse-proxy',
    actor: 'site',
    priority: 45,
    headers: [{ name: 'server', pattern: /^kong\//i }],
  },
  {
    producer: 'kong',
    name: 'Kong Gateway',
    layer: 'reverse-proxy',
    actor: 'site',
    detail: 'on-path',
    priority: 20,
    headers: [{ name: 'via', pattern: /\bkong\//i }],
  },
  // --- Akamai (its edge's own pages carry "Reference #<class>.<hex>.<time>.<hex>"; server: AkamaiGHost) ---
  {
    producer: 'akamai',
    name: 'Akamai (error page)',
    layer: 'cdn',
    actor: 'site',
    detail: 'origin-error',
    priority: 60,
    body: [AKAMAI_REFERENCE],
  },
  {
    producer: 'akamai',
    name: 'Akamai',
    layer: 'cdn',
    actor: 'site',
    priority: 45,
    headers: [{ name: 'server', pattern: /^AkamaiGHost\b/i }],
  },
  // --- Caddy (reverse_proxy answers a failed upstream with an empty body; only server: Caddy says who) ---
  {
    producer: 'caddy',
    name: 'Caddy',
    layer: 'reverse-proxy',
    actor: 'site',
    priority: 10,
    headers: [{ name: 'server', pattern: /^Caddy$/i }],
  },
  // --- Kubernetes ingress-nginx: nginx's own page, plus the HSTS header the controller adds by default
  // (ConfigMap defaults hsts-max-age "15724800", hsts-include-subdomains "true"; server-tokens off) ---
  {
    producer: 'ingress-nginx',
    name: 'Kubernetes ingress-nginx',
    layer: 'load-balancer',
    actor: 'site',
    priority: 52,
    headers: [{ name: 'strict-transport-security', pattern: INGRESS_NGINX_HSTS }],
    body: NGINX_PAGE,
  },
  {
    producer: 'ingress-nginx',
    name: 'Kubernetes ingress-nginx',
    layer: 'load-balancer',
    actor: 'site',
    detail: 'on-path',
    priority: 21,
    headers: [{ name: 'strict-transport-security', pattern: INGRESS_NGINX_HSTS }],
  },
  // --- nginx (last among bodies: several platforms wear its default page with their own footer) ---
  {
    producer: 'nginx',
    name: 'nginx',
    layer: 'reverse-proxy',
    actor: 'site',
    priority: 50,
    body: NGINX_PAGE,
  },
  {
    producer: 'nginx',
    name: 'nginx',
    layer: 'reverse-proxy',
    actor: 'site',
    priority: 10,
    headers: [{ name: 'server', pattern: /^(?:nginx|openresty)\b/i }],
  },
];

/** Where a producer puts the id its support team asks for. */
export interface RequestIdRule {
  name: string;
  /** e.g. 'Ray ID' <- cf-ray; absent when the producer writes its id only on its page (Akamai). */
  header?: string;
  bodyPattern?: RegExp;
  /** When set, the body pattern is only trusted on that producer's own page (many pages say "Request ID"). */
  producer?: ProducerId;
}

/** Request-id headers in lower case, with the body pattern for pasted pages. */
export const REQUEST_ID_RULES: readonly RequestIdRule[] = [
  { name: 'Ray ID', header: 'cf-ray', bodyPattern: /Ray ID:\s*(?:<[^<>]*>\s*)*([0-9a-f]{16})\b/i, producer: 'cloudflare' },
  { name: 'CloudFront request ID', header: 'x-amz-cf-id', bodyPattern: /Request ID:\s*([A-Za-z0-9_-]{20,}={0,2})/, producer: 'cloudfront' },
  { name: 'CloudFront POP', header: 'x-amz-cf-pop' },
  {
    name: 'Vercel ID',
    header: 'x-vercel-id',
    bodyPattern: /\bID:\s*([a-z0-9]+(?:::[a-z0-9]+)*::[a-z0-9]+-\d+-[a-f0-9]+)/i,
    producer: 'vercel',
  },
  { name: 'Netlify request ID', header: 'x-nf-request-id', bodyPattern: /Netlify internal ID:\s*([A-Z0-9]{16,})/i, producer: 'netlify' },
  { name: 'Azure ref', header: 'x-azure-ref' },
  { name: 'Azure edge ref', header: 'x-msedge-ref' },
  { name: 'Azure middleware request ID', header: 'x-ms-middleware-request-id' },
  { name: 'Fastly node', header: 'x-served-by', bodyPattern: /Details:\s*(cache-[a-z0-9-]{3,60}(?: \d{1,12}){0,2})/i, producer: 'fastly' },
  { name: 'Akamai reference', bodyPattern: AKAMAI_REFERENCE, producer: 'akamai' },
  { name: 'Kong request ID', header: 'x-kong-request-id', bodyPattern: /"?request_id"?\s*[:=]\s*"?([0-9a-f]{16,64})\b/i, producer: 'kong' },
  { name: 'Fly request ID', header: 'fly-request-id' },
  { name: 'Render request ID', header: 'rndr-id' },
  { name: 'Railway request ID', header: 'x-railway-request-id', bodyPattern: /Request ID:\s*([A-Za-z0-9_-]{10,80})/, producer: 'railway' },
  { name: 'Varnish XID', header: 'x-varnish', bodyPattern: /XID:\s*(\d+)/, producer: 'varnish' },
  { name: 'Amazon request ID', header: 'x-amzn-requestid' },
  { name: 'Request ID', header: 'x-request-id' },
];

/** A cause a page or header gives away; header hints test that header's value, the others test the body. */
export interface CauseHint {
  producer: ProducerId;
  header?: string;
  pattern: RegExp;
  cause: CauseId;
}

/** Ordered: the first hint for the identified producer that matches wins. */
export const CAUSE_HINTS: readonly CauseHint[] = [
  // Cloudflare's branded 52x pages each name one origin failure.
  { producer: 'cloudflare', pattern: /Error code 520\b|\b520: Web server is returning an unknown error/i, cause: 'upstream-protocol' },
  { producer: 'cloudflare', pattern: /Error code 521\b|\b521: Web server is down/i, cause: 'upstream-refused' },
  { producer: 'cloudflare', pattern: /Error code 522\b|\b522: Connection timed out/i, cause: 'upstream-timeout' },
  { producer: 'cloudflare', pattern: /Error code 523\b|\b523: Origin is unreachable/i, cause: 'upstream-dns' },
  { producer: 'cloudflare', pattern: /Error code 524\b|\b524: A timeout occurred/i, cause: 'upstream-timeout' },
  {
    producer: 'cloudflare',
    pattern: /Error code 52[56]\b|\b525: SSL handshake failed|\b526: Invalid SSL certificate/i,
    cause: 'upstream-tls',
  },
  { producer: 'cloudfront', pattern: /(?:resolve|resolving) the origin domain name|DNS error/i, cause: 'upstream-dns' },
  { producer: 'cloudfront', pattern: /Lambda function (?:result failed validation|returned an invalid)/i, cause: 'upstream-protocol' },
  { producer: 'envoy', pattern: /TLS_error|TLS error|CERTIFICATE_VERIFY_FAILED/i, cause: 'upstream-tls' },
  { producer: 'envoy', pattern: /reset reason: (?:remote )?connection failure|delayed connect error: 111/i, cause: 'upstream-refused' },
  { producer: 'envoy', pattern: /reset reason: (?:connection termination|remote reset|local reset)/i, cause: 'upstream-reset' },
  { producer: 'envoy', pattern: /reset reason: overflow/i, cause: 'upstream-overloaded' },
  { producer: 'envoy', pattern: /reset reason: protocol error/i, cause: 'upstream-protocol' },
  { producer: 'envoy', pattern: /(?:^|\n)[^\S\n]*no healthy upstream[^\S\n]*(?:\n|$)/i, cause: 'no-live-upstreams' },
  { producer: 'haproxy', pattern: /No server is available to handle this request/i, cause: 'no-live-upstreams' },
  { producer: 'haproxy', pattern: /The server didn't respond in time/i, cause: 'upstream-timeout' },
  { producer: 'apache', pattern: /Reason:\s*(?:<[^<>]*>\s*)*DNS lookup failure/i, cause: 'upstream-dns' },
  { producer: 'apache', pattern: /Reason:\s*(?:<[^<>]*>\s*)*Error during SSL Handshake/i, cause: 'upstream-tls' },
  { producer: 'apache', pattern: /Reason:\s*(?:<[^<>]*>\s*)*Error reading from remote server/i, cause: 'upstream-reset' },
  { producer: 'vercel', header: 'x-vercel-error', pattern: /^NO_RESPONSE_FROM_FUNCTION$/, cause: 'app-crash' },
  { producer: 'vercel', header: 'x-vercel-error', pattern: /^BODY_NOT_A_STRING_FROM_FUNCTION$/, cause: 'upstream-protocol' },
  { producer: 'vercel', header: 'x-vercel-error', pattern: /^DNS_HOSTNAME_/, cause: 'upstream-dns' },
  { producer: 'vercel', pattern: /Code:\s*NO_RESPONSE_FROM_FUNCTION\b/, cause: 'app-crash' },
  { producer: 'vercel', pattern: /Code:\s*BODY_NOT_A_STRING_FROM_FUNCTION\b/, cause: 'upstream-protocol' },
  { producer: 'vercel', pattern: /Code:\s*DNS_HOSTNAME_\w+/, cause: 'upstream-dns' },
  { producer: 'netlify', pattern: /This (?:edge )?function has crashed/i, cause: 'app-crash' },
  // Fastly's synthetic 503s name the failure (Fastly docs, "Fastly-generated 503 errors in VCL", "Common 503 errors").
  { producer: 'fastly', pattern: /first byte timeout|backend read error|Connection timed out/i, cause: 'upstream-timeout' },
  { producer: 'fastly', pattern: /Backend is unhealthy|All backends failed or unhealthy/i, cause: 'no-live-upstreams' },
  // Kong's 503 and 504 sentences (kong/error_handlers.lua); its 502 sentence names no single cause.
  { producer: 'kong', pattern: /The upstream server is timing out/, cause: 'upstream-timeout' },
  { producer: 'kong', pattern: /The upstream server is currently unavailable/, cause: 'no-live-upstreams' },
  // Cloud Run's "not available yet": no instance is ready to take the request (none started, or none healthy).
  { producer: 'cloud-run', pattern: /The service you requested is not available yet/i, cause: 'no-live-upstreams' },
  // Heroku's "Application error" page is shown for every router error code, so it names no cause.
];

/** What identifyProducer concluded about one response. */
export interface Identification {
  producer?: ProducerId;
  name?: string;
  layer?: Layer;
  actor?: Actor;
  branded?: boolean;
  /** IIS-style sub-status when found ('502.3'), and the cause it implies. */
  subStatus?: string;
  cause?: CauseId;
  requestIds: { name: string; value: string }[];
  /** Ready-made Evidence entries (producer, request-id, sub-status) for the probe result. */
  evidence: Evidence[];
}

const MAX_ID_CHARS = 200;

/*
 * Markup stripped by pageText. Each pattern stops where the next one of its kind could start (a tag at the
 * next "<", a comment or script block at the next opener), so a page of unclosed "<!--" or "<a<a<a" costs
 * one pass instead of one pass per opener. Such a stray opener is then left as text, which matches nothing.
 */
const SCRIPT_BLOCK = /<script\b(?:(?!<\/?script\b)[\s\S])*<\/script\s*>/gi;
const STYLE_BLOCK = /<style\b(?:(?!<\/?style\b)[\s\S])*<\/style\s*>/gi;
const COMMENT = /<!--(?:(?!<!--|-->)[\s\S])*-->/g;
const BLOCK_TAG =
  /<(?:br|hr|\/?(?:p|div|h[1-6]|li|ul|tr|center|pre|title|body|head|html|header|footer|section|address|fieldset|legend))\b[^<>]*>/gi;
const ANY_TAG = /<[^<>]*>/g;

/** Visible text of an HTML page (or the text itself), one block element per line. */
export function pageText(body: string): string {
  if (!/<[a-z!/]/i.test(body)) return body;
  return (
    body
      .replace(SCRIPT_BLOCK, ' ')
      .replace(STYLE_BLOCK, ' ')
      .replace(COMMENT, ' ')
      .replace(BLOCK_TAG, '\n')
      .replace(ANY_TAG, ' ')
      .replace(/&nbsp;/gi, ' ')
      .replace(/&(?:rsquo|#8217|#x2019);/gi, '’')
      .replace(/&(?:#39|apos);/gi, "'")
      .replace(/&quot;/gi, '"')
      .replace(/&lt;/gi, '<')
      .replace(/&gt;/gi, '>')
      .replace(/&bull;/gi, '•')
      // Akamai writes its reference as "Reference&#32;&#35;18&#46;...": space, digits and punctuation only, never "<".
      .replace(/&#(3[2-9]|4\d|5[0-9]);/g, (_entity, code: string) => String.fromCharCode(Number(code)))
      .replace(/&amp;/gi, '&')
      .split('\n')
      .map((l) => l.replace(/[ \t\r\f\v]+/g, ' ').trim())
      .filter((l) => l !== '')
      .join('\n')
  );
}

interface Prepared {
  headers: Record<string, string>;
  raw: string;
  text: string;
  /** The probed host name (lower case), when the response came from a probe rather than a paste. */
  host?: string;
}

/** What identifyProducer reads: a probe's response (finalUrl is the last hop's URL) or pasted text. */
export interface ProducerInput {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  finalUrl?: string;
}

/** Longest DNS name; a longer "host" is not one and is not read. */
const MAX_HOST_CHARS = 253;

function hostOf(finalUrl: string | undefined): string | undefined {
  if (typeof finalUrl !== 'string' || finalUrl.length > 2048) return undefined;
  try {
    const host = new URL(finalUrl).hostname.toLowerCase();
    return host !== '' && host.length <= MAX_HOST_CHARS ? host : undefined;
  } catch {
    return undefined;
  }
}

function prepare(input: ProducerInput): Prepared {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers ?? {})) {
    if (typeof v === 'string') headers[k.toLowerCase()] = cutAt(v, MAX_HEADER_VALUE_CHARS);
  }
  // Error pages are small: what a producer writes is in the first few kilobytes.
  const raw = cutAt(typeof input.body === 'string' ? input.body : '', MAX_PAGE_CHARS);
  const host = hostOf(input.finalUrl);
  return { headers, raw, text: pageText(raw), ...(host ? { host } : {}) };
}

function bodyMatches(p: Prepared, re: RegExp): RegExpExecArray | null {
  return re.exec(p.raw) ?? (p.text === p.raw ? null : re.exec(p.text));
}

function fingerprintMatches(fp: Fingerprint, p: Prepared): boolean {
  if (!fp.headers && !fp.body && !fp.host) return false;
  if (fp.host && (p.host === undefined || !fp.host.test(p.host))) return false;
  for (const test of fp.headers ?? []) {
    const value = p.headers[test.name];
    if (value === undefined) return false;
    if (test.pattern !== 'present' && !test.pattern.test(value)) return false;
  }
  if (fp.body && !fp.body.some((re) => bodyMatches(p, re) !== null)) return false;
  return true;
}

/** The winning fingerprint, for callers that need to know whether the body or the headers decided. */
export function matchFingerprint(input: ProducerInput): Fingerprint | undefined {
  return bestFingerprint(prepare(input));
}

function bestFingerprint(p: Prepared): Fingerprint | undefined {
  let best: Fingerprint | undefined;
  for (const fp of FINGERPRINTS) {
    if ((best === undefined || fp.priority > best.priority) && fingerprintMatches(fp, p)) best = fp;
  }
  return best;
}

function requestIds(p: Prepared, producer: ProducerId | undefined): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  for (const rule of REQUEST_ID_RULES) {
    let value = rule.header === undefined ? undefined : p.headers[rule.header]?.trim();
    if (!value && rule.bodyPattern && (rule.producer === undefined || rule.producer === producer)) {
      value = bodyMatches(p, rule.bodyPattern)?.[1];
    }
    if (value) out.push({ name: rule.name, value: value.slice(0, MAX_ID_CHARS) });
  }
  return out;
}

const SUB_STATUS_PRODUCERS: readonly ProducerId[] = ['iis', 'aspnetcore', 'azure-app-service'];

function subStatusOf(p: Prepared, producer: ProducerId): { code: string; cause?: CauseId } | undefined {
  if (!SUB_STATUS_PRODUCERS.includes(producer)) return undefined;
  const m = bodyMatches(p, /\b502\.([1-9])\b/);
  if (!m?.[1]) return undefined;
  // A detailed error page carries the WinHTTP error as an HRESULT (0x80072eXX); its low word is the win32 code.
  const hr = bodyMatches(p, /\b0x8007([0-9a-f]{4})\b/i);
  const win32 = hr?.[1] ? String(parseInt(hr[1], 16)) : undefined;
  const cause = (win32 ? WIN32_STATUS[win32]?.cause : undefined) ?? IIS_502_SUBSTATUS[m[1]]?.cause;
  return { code: `502.${m[1]}`, cause };
}

function hintedCause(p: Prepared, producer: ProducerId): CauseId | undefined {
  for (const hint of CAUSE_HINTS) {
    if (hint.producer !== producer) continue;
    if (hint.header !== undefined) {
      const value = p.headers[hint.header];
      if (value !== undefined && hint.pattern.test(value.trim())) return hint.cause;
    } else if (bodyMatches(p, hint.pattern)) {
      return hint.cause;
    }
  }
  return undefined;
}

/** Names the layer that produced a response from its status, headers (lower-case names) and body text.
 * Body-only matches count (pasted pages have no headers). Only considers producer evidence, not verdicts. */
export function identifyProducer(input: ProducerInput): Identification {
  const p = prepare(input);
  const fp = bestFingerprint(p);
  const ids = requestIds(p, fp?.producer);
  const evidence: Evidence[] = [];
  if (!fp) {
    for (const id of ids) evidence.push({ kind: 'request-id', name: id.name, value: id.value });
    return { requestIds: ids, evidence };
  }
  const sub = subStatusOf(p, fp.producer);
  const cause = sub?.cause ?? hintedCause(p, fp.producer);
  evidence.push({
    kind: 'producer',
    producer: fp.producer,
    layer: fp.layer,
    actor: fp.actor,
    ...(fp.branded ? { branded: true } : {}),
    ...(fp.detail ? { detail: fp.detail } : {}),
  });
  if (sub) evidence.push({ kind: 'sub-status', code: sub.code, ...(sub.cause ? { cause: sub.cause } : {}) });
  for (const id of ids) evidence.push({ kind: 'request-id', name: id.name, value: id.value });
  return {
    producer: fp.producer,
    name: fp.name,
    layer: fp.layer,
    actor: fp.actor,
    ...(fp.branded ? { branded: true } : {}),
    ...(sub ? { subStatus: sub.code } : {}),
    ...(cause ? { cause } : {}),
    requestIds: ids,
    evidence,
  };
}
