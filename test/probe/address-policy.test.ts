import { createAddressPolicy } from '../../src/probe/address-policy';

describe('createAddressPolicy (default: public unicast only)', () => {
  const policy = createAddressPolicy();

  it.each([
    ['8.8.8.8', 'public IPv4'],
    ['1.1.1.1', 'public IPv4'],
    ['93.184.215.14', 'public IPv4'],
    ['172.32.0.1', 'just past 172.16/12'],
    ['100.128.0.1', 'just past carrier-grade NAT'],
    ['198.20.0.1', 'just past benchmarking 198.18/15'],
    ['2606:4700:4700::1111', 'public IPv6'],
    ['2a00:1450:4007:80e::200e', 'public IPv6'],
    ['::ffff:8.8.8.8', 'IPv4-mapped public'],
    ['64:ff9b::808:808', 'NAT64 of a public IPv4'],
    ['2002:808:808::1', '6to4 of a public IPv4'],
  ])('allows %s (%s)', (address) => {
    expect(policy.isAllowed(address)).toBe(true);
  });

  it.each([
    ['10.0.0.1', 'private 10/8'],
    ['10.255.255.255', 'private 10/8'],
    ['172.16.0.1', 'private 172.16/12'],
    ['172.31.255.254', 'private 172.16/12'],
    ['192.168.1.1', 'private 192.168/16'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback /8'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'this network 0/8'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.254', 'carrier-grade NAT'],
    ['192.0.0.8', 'IETF protocol assignments'],
    ['192.0.2.10', 'TEST-NET-1'],
    ['198.51.100.7', 'TEST-NET-2'],
    ['203.0.113.9', 'TEST-NET-3'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.254', 'benchmarking'],
    ['192.88.99.1', '6to4 relay anycast'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast (SSDP)'],
    ['240.0.0.1', 'reserved 240/4'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'IPv6 unspecified'],
    ['::1', 'IPv6 loopback'],
    ['fe80::1', 'IPv6 link-local'],
    ['fe80::1%eth0', 'IPv6 link-local with zone'],
    ['fc00::1', 'unique local'],
    ['fd12:3456:789a::1', 'unique local'],
    ['fec0::1', 'deprecated site-local'],
    ['ff02::1', 'IPv6 multicast'],
    ['2001:db8::1', 'IPv6 documentation'],
    ['2001:2::1', 'IPv6 benchmarking'],
    ['100::1', 'discard-only'],
    ['4000::1', 'outside 2000::/3 (unassigned)'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex form'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
    ['::7f00:1', 'IPv4-compatible loopback'],
    ['::a00:1', 'IPv4-compatible private'],
    ['::ffff:0:7f00:1', 'IPv4-translated loopback'],
    ['64:ff9b::7f00:1', 'NAT64 of loopback'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 of metadata'],
    ['64:ff9b:1::808:808', 'local-use NAT64 prefix'],
    ['2002:7f00:1::1', '6to4 of loopback'],
    ['2002:c0a8:101::1', '6to4 of 192.168.1.1'],
    ['2001:0:4136:e378:8000:63bf:f5ff:fffe', 'Teredo with client 10.0.0.1'],
    ['2001:0:a00:1:8000:63bf:f7f7:fbfb', 'Teredo with server 10.0.0.1, client 8.8.4.4'],
  ])('refuses %s (%s)', (address) => {
    expect(policy.isAllowed(address)).toBe(false);
  });

  it.each([['localhost'], ['example.com'], [''], ['127.1'], ['2130706433'], ['0x7f000001'], ['0177.0.0.1'], ['1.2.3.4.5'], ['[::1]']])(
    'refuses %j, which is not a canonical IP literal',
    (address) => {
      expect(policy.isAllowed(address)).toBe(false);
    },
  );

  it('allows a Teredo address whose server and client are both public', () => {
    // Server 65.54.227.120 in words 2-3; client 8.8.4.4 stored bit-inverted in words 6-7.
    expect(policy.isAllowed('2001:0:4136:e378:8000:63bf:f7f7:fbfb')).toBe(true);
  });
});

describe('createAddressPolicy with allowCidrs', () => {
  const policy = createAddressPolicy({ allowCidrs: ['10.1.0.0/16', 'fd00:1234::/32', '192.168.5.7'] });

  it.each([
    ['10.1.2.3', true],
    ['10.1.255.255', true],
    ['10.2.0.1', false],
    ['10.0.255.255', false],
    ['::ffff:10.1.2.3', true],
    ['fd00:1234::42', true],
    ['fd00:1235::42', false],
    ['192.168.5.7', true],
    ['192.168.5.8', false],
    ['127.0.0.1', false],
    ['169.254.169.254', false],
    ['8.8.8.8', true],
  ])('%s -> %s', (address, expected) => {
    expect(policy.isAllowed(address)).toBe(expected);
  });

  it('lets tests reach loopback on both families when asked to', () => {
    const loopback = createAddressPolicy({ allowCidrs: ['127.0.0.0/8', '::1/128'] });
    expect(loopback.isAllowed('127.0.0.1')).toBe(true);
    expect(loopback.isAllowed('::1')).toBe(true);
    expect(loopback.isAllowed('10.0.0.1')).toBe(false);
  });

  it.each([['10.0.0.0/33'], ['10/8'], ['not-a-cidr'], ['::/129'], ['10.0.0.0/'], ['']])('throws a config_invalid error for %j', (cidr) => {
    let thrown: unknown;
    try {
      createAddressPolicy({ allowCidrs: [cidr] });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).toMatchObject({ code: 'config_invalid' });
    expect((thrown as Error).message).toContain(`"${cidr}"`);
  });
});
