/**
 * Who produced the error and who has to act, as data: display names, the "likely at fault" table the
 * visitor hears about, and where an administrator finds the matching logs.
 */
import type { Actor, ProbeResult, ProducerId } from '../src/contracts';
import { evidenceOf } from './context';

/** Brand names are the same in every language, so they travel as plain vars. */
export const PRODUCER_NAMES: Readonly<Record<ProducerId, string>> = {
  cloudflare: 'Cloudflare',
  nginx: 'nginx',
  'aws-alb': 'AWS Application Load Balancer',
  cloudfront: 'Amazon CloudFront',
  iis: 'Microsoft IIS',
  aspnetcore: 'ASP.NET Core Module',
  'azure-app-service': 'Azure App Service',
  'azure-app-gateway': 'Azure Application Gateway',
  envoy: 'Envoy',
  haproxy: 'HAProxy',
  apache: 'Apache',
  varnish: 'Varnish',
  google: 'Google',
  vercel: 'Vercel',
  netlify: 'Netlify',
  heroku: 'Heroku',
  fastly: 'Fastly',
  akamai: 'Akamai',
  kong: 'Kong Gateway',
  caddy: 'Caddy',
  'azure-front-door': 'Azure Front Door',
  'gcp-lb': 'Google Cloud Load Balancing',
  'ingress-nginx': 'Kubernetes ingress-nginx',
  'cloud-run': 'Google Cloud Run',
  fly: 'Fly.io',
  render: 'Render',
  railway: 'Railway',
};

/** Who is likely at fault when the site is down for everyone; each id is a reply key `user.down.<id>`. */
export const FAULT_IDS = [
  'behindCdn',
  'cdnItself',
  'behindLoadBalancer',
  'behindWebServer',
  'appServer',
  'platform',
  'provider',
  'dns',
  'certificate',
  'unresponsive',
  'site',
] as const;
export type FaultId = (typeof FAULT_IDS)[number];

export interface FaultRule {
  producer?: ProducerId;
  /** Cloudflare brands the page when the site's own server failed, and serves a plain one when it failed itself. */
  branded?: boolean;
  actor?: Actor;
  fault: FaultId;
}

/** First match wins: producer rules, then actor rules for producers the table does not name. */
export const FAULT_RULES: readonly FaultRule[] = [
  { producer: 'cloudflare', branded: true, fault: 'behindCdn' },
  { producer: 'cloudflare', branded: false, fault: 'cdnItself' },
  { producer: 'cloudfront', fault: 'behindCdn' },
  { producer: 'fastly', fault: 'behindCdn' },
  { producer: 'akamai', fault: 'behindCdn' },
  { producer: 'azure-front-door', fault: 'behindCdn' },
  { producer: 'aws-alb', fault: 'behindLoadBalancer' },
  { producer: 'azure-app-gateway', fault: 'behindLoadBalancer' },
  { producer: 'gcp-lb', fault: 'behindLoadBalancer' },
  { producer: 'haproxy', fault: 'behindLoadBalancer' },
  { producer: 'envoy', fault: 'behindLoadBalancer' },
  { producer: 'kong', fault: 'behindLoadBalancer' },
  { producer: 'ingress-nginx', fault: 'behindLoadBalancer' },
  { producer: 'nginx', fault: 'behindWebServer' },
  { producer: 'apache', fault: 'behindWebServer' },
  { producer: 'caddy', fault: 'behindWebServer' },
  { producer: 'varnish', fault: 'behindWebServer' },
  { producer: 'iis', fault: 'behindWebServer' },
  { producer: 'aspnetcore', fault: 'appServer' },
  { producer: 'azure-app-service', fault: 'platform' },
  { producer: 'cloud-run', fault: 'platform' },
  { producer: 'vercel', fault: 'platform' },
  { producer: 'netlify', fault: 'platform' },
  { producer: 'heroku', fault: 'platform' },
  { producer: 'fly', fault: 'platform' },
  { producer: 'render', fault: 'platform' },
  { producer: 'railway', fault: 'platform' },
  { producer: 'google', fault: 'provider' },
  { actor: 'provider', fault: 'provider' },
  { actor: 'site', fault: 'site' },
];

/** Faults that follow from the verdict alone, before any producer is considered. */
const FAULT_BY_VERDICT: Partial<Record<ProbeResult['verdict'], FaultId>> = {
  dns_error: 'dns',
  tls_error: 'certificate',
};

export interface FaultFinding {
  fault: FaultId;
  producer?: ProducerId;
}

/** Names who is likely at fault for a site that is down for everyone. */
export function faultOf(probe: ProbeResult, pastedProducer?: ProducerId): FaultFinding {
  const byVerdict = FAULT_BY_VERDICT[probe.verdict];
  if (byVerdict) return { fault: byVerdict };
  const seen = evidenceOf(probe, 'producer');
  const producer = seen?.producer ?? probe.producer ?? pastedProducer;
  const branded = seen?.branded ?? false;
  const rule = FAULT_RULES.find(
    (r) =>
      (r.producer === undefined || r.producer === producer) &&
      (r.branded === undefined || r.branded === branded) &&
      (r.actor === undefined || r.actor === seen?.actor) &&
      (r.producer !== undefined || r.actor !== undefined),
  );
  if (rule) return { fault: rule.fault, ...(producer ? { producer } : {}) };
  if (probe.verdict === 'timeout' || probe.httpStatus === undefined) return { fault: 'unresponsive' };
  return { fault: 'site', ...(producer ? { producer } : {}) };
}

/** Where each server family keeps the log that explains a 502 (reply key `admin.logs.where.<id>`). */
export const LOG_HINT_IDS = ['nginx', 'apache', 'iis', 'loadBalancer', 'platform', 'cdn', 'generic'] as const;
export type LogHintId = (typeof LOG_HINT_IDS)[number];

export const LOG_HINTS: Readonly<Record<ProducerId, LogHintId>> = {
  nginx: 'nginx',
  apache: 'apache',
  varnish: 'generic',
  iis: 'iis',
  aspnetcore: 'iis',
  'aws-alb': 'loadBalancer',
  'azure-app-gateway': 'loadBalancer',
  haproxy: 'loadBalancer',
  envoy: 'loadBalancer',
  'azure-app-service': 'platform',
  heroku: 'platform',
  vercel: 'platform',
  netlify: 'platform',
  cloudflare: 'cdn',
  cloudfront: 'cdn',
  google: 'generic',
  fastly: 'cdn',
  akamai: 'cdn',
  'azure-front-door': 'cdn',
  kong: 'loadBalancer',
  'gcp-lb': 'loadBalancer',
  'ingress-nginx': 'loadBalancer',
  caddy: 'generic',
  'cloud-run': 'platform',
  fly: 'platform',
  render: 'platform',
  railway: 'platform',
};
