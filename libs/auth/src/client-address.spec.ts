// The client address behind proxies: X-Forwarded-For counts only from trusted hops, so a client cannot pick
// its own rate-limit key by sending the header.
import { AuthConfigError } from './decisions';
import { createClientAddressResolver, parseTrustProxy } from './client-address';

describe('parseTrustProxy', () => {
  it('reads off, hop counts, and lists of addresses and ranges', () => {
    expect(parseTrustProxy(undefined)).toBe(false);
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('2')).toBe(2);
    expect(parseTrustProxy('10.0.0.0/8, ::1, loopback')).toEqual(['10.0.0.0/8', '::1', 'loopback']);
  });

  it('refuses entries that are not addresses or ranges, naming them', () => {
    expect(() => parseTrustProxy('10.0.0.0/33')).toThrow(AuthConfigError);
    expect(() => parseTrustProxy('proxy.internal')).toThrow(/"proxy.internal" is not an address/);
  });
});

describe('createClientAddressResolver', () => {
  it('ignores X-Forwarded-For when no proxy is trusted', () => {
    expect(createClientAddressResolver(false)('203.0.113.9', '198.51.100.1')).toBe('203.0.113.9');
  });

  it('takes the hop right of the trusted proxies by count', () => {
    const resolve = createClientAddressResolver(1);
    expect(resolve('10.0.0.5', '1.1.1.1, 198.51.100.7')).toBe('198.51.100.7');
    expect(resolve('10.0.0.5', undefined)).toBe('10.0.0.5');
  });

  it('walks past listed proxies only, so a spoofed leftmost entry is never chosen', () => {
    const resolve = createClientAddressResolver(['10.0.0.0/8', 'loopback']);
    expect(resolve('::ffff:127.0.0.1', '6.6.6.6, 198.51.100.7, 10.1.2.3')).toBe('198.51.100.7');
    // The peer is not a proxy: whatever it claims is ignored.
    expect(resolve('203.0.113.9', '10.0.0.1')).toBe('203.0.113.9');
  });

  it('stops at a malformed entry and keeps the last well-formed address', () => {
    expect(createClientAddressResolver(2)('127.0.0.1', 'garbage')).toBe('127.0.0.1');
  });
});
