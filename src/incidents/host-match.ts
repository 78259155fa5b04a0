/**
 * Which hosts an incident covers. `shop.example.com` matches `shop.example.com`, `www.shop.example.com`
 * and either with any port; `*.example.com` matches every subdomain of example.com (not example.com
 * itself). Plain string comparisons on hosts the URL parser normalised: no pattern is ever compiled.
 */
import { parse as parseDomain } from 'tldts';
import { INCIDENT_LIMITS } from '../contracts';

const WILDCARD = '*.';

/**
 * The host of a URL or of a bare `host[:port]`, lower-cased, without port, trailing dot or leading `www.`;
 * undefined for anything that is not a host.
 */
export function normaliseHost(input: string): string | undefined {
  const trimmed = input.trim();
  if (trimmed === '' || trimmed.length > INCIDENT_LIMITS.host + 300) return undefined;
  let hostname: string;
  try {
    hostname = new URL(trimmed.includes('://') ? trimmed : `http://${trimmed}`).hostname;
  } catch {
    return undefined;
  }
  let host = hostname.toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host.startsWith('www.') && host.length > 4) host = host.slice(4);
  return host === '' || host.length > INCIDENT_LIMITS.host ? undefined : host;
}

/**
 * An incident's host as typed by the help desk, checked and normalised: a host name with a public suffix
 * (or an IP address, or `localhost`), optionally `*.` in front. Undefined when it is not one.
 */
export function normaliseHostPattern(input: string): string | undefined {
  const trimmed = input.trim().toLowerCase();
  const wildcard = trimmed.startsWith(WILDCARD);
  const host = normaliseHost(wildcard ? trimmed.slice(WILDCARD.length) : trimmed);
  if (!host || host.includes('*')) return undefined;
  const parsed = parseDomain(host);
  const known = parsed.isIp === true || host === 'localhost' || (parsed.domain !== null && parsed.isIcann === true);
  if (!known) return undefined;
  return wildcard ? `${WILDCARD}${host}` : host;
}

/** True when the incident host `pattern` (already normalised) covers the host of `target` (a URL or host). */
export function hostMatches(pattern: string, target: string): boolean {
  const host = normaliseHost(target);
  if (!host) return false;
  if (!pattern.startsWith(WILDCARD)) return host === pattern;
  // `www.example.com` is a subdomain of example.com even though `www.` is dropped for exact matches.
  const parent = pattern.slice(WILDCARD.length);
  return host.endsWith(`.${parent}`) || (host === parent && hasWwwPrefix(target));
}

function hasWwwPrefix(target: string): boolean {
  const trimmed = target.trim().toLowerCase();
  const afterScheme = trimmed.includes('://') ? trimmed.slice(trimmed.indexOf('://') + 3) : trimmed;
  return afterScheme.startsWith('www.');
}
