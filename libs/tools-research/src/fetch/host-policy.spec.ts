// The fetcher's host rule: deny list first, then an allow list when one is set.
import { createHostPolicy } from './host-policy';

describe('host policy', () => {
  it('allows every host when no list is set', () => {
    expect(createHostPolicy().check('example.com')).toEqual({ allowed: true });
  });

  it('refuses denied hosts and their subdomains by pattern, case and trailing dot ignored', () => {
    const policy = createHostPolicy({ denyHosts: ['Metadata.Google.Internal', '*.internal.example'] });
    expect(policy.check('metadata.google.internal.')).toEqual({ allowed: false, rule: 'host_denied' });
    expect(policy.check('a.b.internal.example')).toEqual({ allowed: false, rule: 'host_denied' });
    expect(policy.check('internal.example')).toEqual({ allowed: true });
  });

  it('with an allow list, refuses other hosts; the deny list still wins', () => {
    const policy = createHostPolicy({
      allowHosts: ['docs.example.com', '*.wikipedia.org'],
      denyHosts: ['secret.wikipedia.org'],
    });
    expect(policy.check('docs.example.com')).toEqual({ allowed: true });
    expect(policy.check('en.wikipedia.org')).toEqual({ allowed: true });
    expect(policy.check('example.com')).toEqual({ allowed: false, rule: 'host_not_allowed' });
    expect(policy.check('secret.wikipedia.org')).toEqual({ allowed: false, rule: 'host_denied' });
  });

  it('rejects a malformed pattern', () => {
    expect(() => createHostPolicy({ denyHosts: ['http://x.com/'] })).toThrow('not a host pattern');
  });
});
