/**
 * Which IP addresses the probe may connect to. The default answer is "public unicast only": a chat user
 * must not be able to make the bot knock on the help desk's intranet, the cloud metadata service or the
 * bot's own loopback. Operators who run an intranet help desk widen it with `allowCidrs`.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { ConfigError } from '../config';

type IPv4 = ipaddr.IPv4;
type IPv6 = ipaddr.IPv6;
type Cidr = [IPv4 | IPv6, number];

/** Decides whether the probe may open a connection to one IP address. */
export interface AddressPolicy {
  isAllowed(address: string): boolean;
}

/** Only public unicast addresses pass, unless the address is inside one of `allowCidrs`. */
export function createAddressPolicy(options: { allowCidrs?: readonly string[] } = {}): AddressPolicy {
  const { allowCidrs = [] } = options;
  const allowed = allowCidrs.map(parseAllowCidr);
  return {
    isAllowed(address: string): boolean {
      const parsed = parseAddress(address);
      if (parsed === undefined) return false;
      if (allowed.some((cidr) => insideCidr(parsed, cidr))) return true;
      return isPublic(parsed);
    },
  };
}

/**
 * Only canonical literals count: a resolver answer or a WHATWG-normalised URL host is always canonical,
 * so anything else ("127.1", "0x7f.1") is a sign of confusion and gets refused rather than guessed at.
 */
function parseAddress(address: string): IPv4 | IPv6 | undefined {
  if (isIP(address) === 0) return undefined;
  try {
    return ipaddr.parse(address);
  } catch {
    return undefined;
  }
}

function parseAllowCidr(text: string): Cidr {
  const trimmed = text.trim();
  const withPrefix = trimmed.includes('/') ? trimmed : `${trimmed}/${isIP(trimmed) === 6 ? 128 : 32}`;
  // The four-part check refuses shorthand such as "10/8", which reads too much like a typo to trust.
  const valid = ipaddr.IPv4.isValidCIDRFourPartDecimal(withPrefix) || ipaddr.IPv6.isValidCIDR(withPrefix);
  if (!valid) {
    throw new ConfigError([`allowCidrs: "${text}" is not an IPv4 or IPv6 CIDR range (e.g. 10.0.0.0/8, fd00::/8)`]);
  }
  return ipaddr.parseCIDR(withPrefix);
}

function insideCidr(address: IPv4 | IPv6, [network, bits]: Cidr): boolean {
  if (address.kind() === network.kind()) return address.match(network, bits);
  // A v4 range also covers the same hosts written as IPv4-mapped IPv6 (::ffff:10.1.2.3).
  if (address.kind() === 'ipv6' && network.kind() === 'ipv4') {
    const v6 = address as IPv6;
    return v6.isIPv4MappedAddress() && v6.toIPv4Address().match(network, bits);
  }
  return false;
}

function isPublic(address: IPv4 | IPv6): boolean {
  return address.kind() === 'ipv4' ? isPublicV4(address as IPv4) : isPublicV6(address as IPv6);
}

/**
 * ipaddr.js names every special IPv4 block (private, loopback, linkLocal, carrierGradeNat, reserved,
 * which covers TEST-NETs and benchmarking 198.18/15, multicast, broadcast, unspecified, as112, amt);
 * whatever it does not call 'unicast' stays refused.
 */
function isPublicV4(address: IPv4): boolean {
  return address.range() === 'unicast';
}

const GLOBAL_UNICAST_V6: Cidr = ipaddr.parseCIDR('2000::/3');
const NAT64_WELL_KNOWN: Cidr = ipaddr.parseCIDR('64:ff9b::/96');

/**
 * IPv6 forms that carry an IPv4 address (mapped, translated, compatible, NAT64, 6to4, Teredo) are judged
 * by what they carry, because a gateway or the kernel may deliver them to that IPv4 host. Everything
 * else must be plain global unicast inside 2000::/3; ipaddr.js calls unassigned space 'unicast' too.
 */
function isPublicV6(address: IPv6): boolean {
  const parts = address.parts;
  const range = address.range();
  if (range === 'ipv4Mapped' || range === 'rfc6145') return isPublicV4(lowV4(parts));
  if (range === 'rfc6052') return address.match(NAT64_WELL_KNOWN) && isPublicV4(lowV4(parts));
  if (range === '6to4') return isPublicV4(v4FromWords(word(parts, 1), word(parts, 2)));
  if (range === 'teredo') {
    // Teredo carries the relay server in words 2-3 and the client, bit-inverted, in words 6-7.
    const server = v4FromWords(word(parts, 2), word(parts, 3));
    const client = v4FromWords(~word(parts, 6) & 0xffff, ~word(parts, 7) & 0xffff);
    return isPublicV4(server) && isPublicV4(client);
  }
  if (range !== 'unicast') return false;
  if (parts.slice(0, 6).every((part) => part === 0)) return isPublicV4(lowV4(parts)); // ::a.b.c.d
  return address.match(GLOBAL_UNICAST_V6);
}

function word(parts: number[], index: number): number {
  return parts[index] ?? 0;
}

function lowV4(parts: number[]): IPv4 {
  return v4FromWords(word(parts, 6), word(parts, 7));
}

function v4FromWords(high: number, low: number): IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}
