/**
 * The client's address as the rate limits see it. Behind a reverse proxy the socket's address is the
 * proxy's, shared by every visitor; `X-Forwarded-For` is believed only for the hops TRUST_PROXY names,
 * read right to left the way proxies append to it (proxy-addr does the walking).
 */
import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';
import proxyAddr from 'proxy-addr';
import type { TrustProxy } from '../config';

/** Returns the client address of a request under the given trust rule. */
export type ClientAddress = (req: IncomingMessage) => string;

/** Builds the client-address reader for a TRUST_PROXY setting. */
export function createClientAddress(trust: TrustProxy): ClientAddress {
  const socketAddress = (req: IncomingMessage): string => normalise(req.socket?.remoteAddress ?? 'unknown');
  if (trust.kind === 'none') return socketAddress;
  const trusted = trust.kind === 'hops' ? (_addr: string, i: number) => i < trust.hops : proxyAddr.compile(trust.cidrs);
  return (req) => {
    try {
      const address = proxyAddr(req, trusted);
      // Whatever the header held, a key for the rate limits has to be an address, not free text.
      return ipaddr.isValid(address) ? normalise(address) : socketAddress(req);
    } catch {
      // A malformed X-Forwarded-For is the client's problem: fall back to the address we can see.
      return socketAddress(req);
    }
  };
}

/** `::ffff:127.0.0.1` and `127.0.0.1` are one client. */
function normalise(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}
