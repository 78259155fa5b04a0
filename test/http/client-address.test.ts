/** The client address behind proxies: X-Forwarded-For is believed only as far as TRUST_PROXY says. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClientAddress, type ClientAddress } from '../../src/http/client-address';
import type { TrustProxy } from '../../src/config';

/** A real server on loopback that answers with the address the rule computes. */
async function addressSeen(trust: TrustProxy, headers: Record<string, string>): Promise<string> {
  const clientAddress: ClientAddress = createClientAddress(trust);
  const server = http.createServer((req, res) => res.end(clientAddress(req)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  try {
    const { port } = server.address() as AddressInfo;
    return await (await fetch(`http://127.0.0.1:${port}/`, { headers })).text();
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('createClientAddress', () => {
  it('ignores X-Forwarded-For when no proxy is trusted', async () => {
    expect(await addressSeen({ kind: 'none' }, { 'x-forwarded-for': '203.0.113.9' })).toBe('127.0.0.1');
  });

  it('takes the address the trusted hop appended, not what the client wrote before it', async () => {
    expect(await addressSeen({ kind: 'hops', hops: 1 }, { 'x-forwarded-for': '198.51.100.1, 203.0.113.9' })).toBe('203.0.113.9');
    expect(await addressSeen({ kind: 'hops', hops: 2 }, { 'x-forwarded-for': '198.51.100.1, 203.0.113.9' })).toBe('198.51.100.1');
  });

  it('walks back only through the listed proxy addresses', async () => {
    const trust: TrustProxy = { kind: 'cidrs', cidrs: ['loopback', '10.0.0.0/8'] };
    expect(await addressSeen(trust, { 'x-forwarded-for': '203.0.113.9, 10.1.2.3' })).toBe('203.0.113.9');
    expect(await addressSeen({ kind: 'cidrs', cidrs: ['10.0.0.0/8'] }, { 'x-forwarded-for': '203.0.113.9' })).toBe('127.0.0.1');
  });

  it('falls back to what it can see when the header is garbage', async () => {
    expect(await addressSeen({ kind: 'hops', hops: 1 }, { 'x-forwarded-for': 'not an address, ,,' })).toBe('127.0.0.1');
    expect(await addressSeen({ kind: 'hops', hops: 1 }, { 'x-forwarded-for': `${'9'.repeat(5000)}` })).toBe('127.0.0.1');
  });
});
