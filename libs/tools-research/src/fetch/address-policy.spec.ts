// The fetcher's address rule: only public unicast addresses, IPv6 and IPv4-in-IPv6 forms included, unless allowed.
import { createAddressPolicy, parseNetworks } from './address-policy';

const policy = createAddressPolicy();

describe('address policy', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.127.255.255', 'carrierGradeNat'],
    ['169.254.169.254', 'linkLocal'],
    ['169.254.0.1', 'linkLocal'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['64:ff9b:1::a00:1', 'localNat64'],
    ['100::1', 'discard'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['fe80::1', 'linkLocal'],
    ['fec0::1', 'deprecatedSiteLocal'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['::7f00:1', 'ipv4Compatible'],
  ])('refuses %s (%s)', (address, range) => {
    expect(policy.check(address)).toEqual(expect.objectContaining({ allowed: false, range }));
  });

  it.each([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['::ffff:10.1.2.3', 'private'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'linkLocal'],
    ['2002:c0a8:0101::1', 'private'],
  ])('refuses %s, an IPv6 form of a refused IPv4 address (%s)', (address, inner) => {
    const verdict = policy.check(address);
    expect(verdict.allowed).toBe(false);
    expect(!verdict.allowed && verdict.range).toContain(inner);
  });

  it.each(['93.184.216.34', '8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8'])(
    'allows the public address %s',
    (address) => {
      expect(policy.check(address)).toEqual(expect.objectContaining({ allowed: true, viaAllowList: false }));
    },
  );

  it('refuses what is not an address', () => {
    expect(policy.check('example.com')).toEqual(expect.objectContaining({ allowed: false, range: 'unparseable' }));
  });

  it('allows an address inside an allowed network, and only inside it', () => {
    const allowing = createAddressPolicy({ allowNetworks: ['127.0.0.1/32', '10.20.0.0/16', 'fd00::/8'] });
    expect(allowing.check('127.0.0.1')).toEqual(expect.objectContaining({ allowed: true, viaAllowList: true }));
    expect(allowing.check('::ffff:127.0.0.1')).toEqual(expect.objectContaining({ allowed: true, viaAllowList: true }));
    expect(allowing.check('10.20.3.4').allowed).toBe(true);
    expect(allowing.check('fd00::5').allowed).toBe(true);
    expect(allowing.check('127.0.0.2').allowed).toBe(false);
    expect(allowing.check('10.21.0.1').allowed).toBe(false);
    expect(allowing.check('169.254.169.254').allowed).toBe(false);
  });

  it('rejects a malformed network, naming it', () => {
    expect(() => parseNetworks(['127.0.0.1/33'])).toThrow('"127.0.0.1/33"');
    expect(() => parseNetworks(['intranet'])).toThrow('"intranet"');
  });
});
