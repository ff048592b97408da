// RFC 7662 token introspection for opaque tokens, against the local issuer on loopback: a revoked token fails
// on its next request, and an active token for another audience is refused.
import { createIntrospector, type Introspector } from './introspection';
import { type LocalIssuer, startLocalIssuer } from './testing';

const AUDIENCE = 'http://127.0.0.1:9/mcp';

describe('introspection', () => {
  let issuer: LocalIssuer;
  let introspector: Introspector;
  beforeAll(async () => {
    issuer = await startLocalIssuer();
    introspector = createIntrospector({
      endpoint: issuer.introspectionEndpoint,
      clientId: issuer.clientId,
      clientSecret: issuer.clientSecret,
      audience: AUDIENCE,
    });
  });
  afterAll(() => issuer.close());

  it('accepts an active token for this audience', async () => {
    const token = issuer.issueOpaque({
      sub: 'bob',
      aud: AUDIENCE,
      scope: 'tools:write',
      tenant_id: 'globex',
      exp: Date.now() / 1000 + 60,
    });
    expect(await introspector.introspect(token)).toMatchObject({
      outcome: 'authenticated',
      principal: { id: 'bob', tenantId: 'globex', scopes: ['tools:write'], via: 'oauth' },
    });
  });

  it('refuses a token once revoked', async () => {
    const token = issuer.issueOpaque({ sub: 'bob', aud: AUDIENCE });
    expect((await introspector.introspect(token)).outcome).toBe('authenticated');
    issuer.revoke(token);
    expect(await introspector.introspect(token)).toEqual({ outcome: 'invalid', reason: 'inactive' });
  });

  it('refuses an active token for another audience or none', async () => {
    expect(await introspector.introspect(issuer.issueOpaque({ sub: 'bob', aud: 'https://other/mcp' }))).toEqual({
      outcome: 'invalid',
      reason: 'wrong_audience',
    });
    expect(await introspector.introspect(issuer.issueOpaque({ sub: 'bob' }))).toEqual({
      outcome: 'invalid',
      reason: 'wrong_audience',
    });
  });

  it('is unavailable, not invalid, when its own credentials are refused', async () => {
    const wrong = createIntrospector({
      endpoint: issuer.introspectionEndpoint,
      clientId: 'rs',
      clientSecret: 'nope',
      audience: AUDIENCE,
    });
    expect((await wrong.introspect('whatever')).outcome).toBe('unavailable');
  });
});
