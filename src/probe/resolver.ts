/**
 * Host name -> every IP address. The probe judges all of them before it connects to one, so a resolver
 * returns the full answer, never just the first address.
 */
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';

/** Turns a host name into every A and AAAA address it has. */
export interface Resolver {
  resolve(host: string): Promise<string[]>;
}

/** Resolves through the operating system (getaddrinfo), so /etc/hosts entries such as localhost work. */
export function createSystemResolver(): Resolver {
  return {
    async resolve(host: string): Promise<string[]> {
      const bare = unbracket(host);
      if (isIP(bare) !== 0) return [bare];
      // verbatim keeps the system's own order (RFC 6724) instead of Node's "IPv4 first" reshuffle.
      const answers = await dns.lookup(bare, { all: true, verbatim: true });
      if (answers.length === 0) throw dnsError('ENOTFOUND', bare);
      return [...new Set(answers.map((answer) => answer.address))];
    },
  };
}

/** A resolver from a fixed table (host -> addresses); IP literals resolve to themselves, unknown hosts ENOTFOUND. */
export function createStaticResolver(table: Record<string, string[]>): Resolver {
  const entries = new Map(Object.entries(table).map(([host, addresses]) => [normaliseHost(host), [...addresses]]));
  return {
    async resolve(host: string): Promise<string[]> {
      const bare = unbracket(host);
      if (isIP(bare) !== 0) return [bare];
      const addresses = entries.get(normaliseHost(bare));
      if (addresses === undefined || addresses.length === 0) throw dnsError('ENOTFOUND', bare);
      return [...addresses];
    },
  };
}

/** URL.hostname keeps IPv6 literals in brackets; resolvers and sockets want them bare. */
function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function normaliseHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

function dnsError(code: string, host: string): Error & { code: string; hostname: string } {
  return Object.assign(new Error(`${code}: no address for ${host}`), { code, hostname: host });
}
