// MCP authorization (2025-11-25) as a resource server: JWT access tokens verified against the issuer's JWKS on
// loopback; iss, aud, exp, nbf checked; alg none and HMAC refused; unknown kids refetch at a bounded rate.
import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { AuthConfigError } from './decisions';
import { createJwtVerifier, type JwtVerifierOptions } from './jwt-verifier';
import { discoverIssuer } from './issuer-metadata';
import { type LocalIssuer, startLocalIssuer } from './testing';

const AUDIENCE = 'http://127.0.0.1:9/mcp';

describe('JWT verifier', () => {
  let issuer: LocalIssuer;
  beforeEach(async () => (issuer = await startLocalIssuer()));
  afterEach(() => issuer.close());

  const verifier = (options: Partial<JwtVerifierOptions> = {}) =>
    createJwtVerifier({ issuer: issuer.issuer, audience: AUDIENCE, ...options });

  it('accepts a good token found through issuer metadata, with scopes and tenant', async () => {
    const decision = await verifier().verify(
      issuer.sign({ sub: 'alice', aud: AUDIENCE, scope: 'tools:write db:read', tenant_id: 'acme' }),
    );
    expect(decision).toMatchObject({
      outcome: 'authenticated',
      principal: { id: 'alice', tenantId: 'acme', scopes: ['tools:write', 'db:read'], via: 'oauth' },
    });
    expect(issuer.fetches).toMatchObject({ metadata: 1, jwks: 1 });
  });

  it('uses an explicit JWKS URI without discovery', async () => {
    const decision = await verifier({ jwksUri: issuer.jwksUri }).verify(
      issuer.sign({ sub: 'a', aud: [AUDIENCE, 'other'] }),
    );
    expect(decision.outcome).toBe('authenticated');
    expect(issuer.fetches.metadata).toBe(0);
  });

  it('refuses a token for another audience, or with none', async () => {
    const v = verifier();
    expect(await v.verify(issuer.sign({ sub: 'a', aud: 'https://other.example.com/mcp' }))).toEqual({
      outcome: 'invalid',
      reason: 'wrong_audience',
    });
    expect(await v.verify(issuer.sign({ sub: 'a' }))).toEqual({ outcome: 'invalid', reason: 'wrong_audience' });
  });

  it('refuses another issuer, an expired token and a token without exp', async () => {
    const v = verifier();
    expect(await v.verify(issuer.sign({ sub: 'a', aud: AUDIENCE, iss: 'https://evil.example.com' }))).toEqual({
      outcome: 'invalid',
      reason: 'wrong_issuer',
    });
    const past = Math.floor(Date.now() / 1000) - 120;
    expect(await v.verify(issuer.sign({ sub: 'a', aud: AUDIENCE, exp: past }))).toEqual({
      outcome: 'invalid',
      reason: 'expired',
    });
    expect(await v.verify(issuer.sign({ sub: 'a', aud: AUDIENCE, exp: undefined }))).toEqual({
      outcome: 'invalid',
      reason: 'missing_claim',
    });
  });

  it('allows small clock skew on nbf and exp, but no more', async () => {
    const v = verifier({ clockToleranceSeconds: 30 });
    const now = Math.floor(Date.now() / 1000);
    expect((await v.verify(issuer.sign({ sub: 'a', aud: AUDIENCE, nbf: now + 10 }))).outcome).toBe('authenticated');
    expect((await v.verify(issuer.sign({ sub: 'a', aud: AUDIENCE, exp: now - 10 }))).outcome).toBe('authenticated');
    expect(await v.verify(issuer.sign({ sub: 'a', aud: AUDIENCE, nbf: now + 120 }))).toEqual({
      outcome: 'invalid',
      reason: 'not_yet_valid',
    });
  });

  it('refuses alg none and HMAC tokens before fetching anything', async () => {
    const v = verifier();
    expect(await v.verify(issuer.signUnsecured({ sub: 'a', aud: AUDIENCE }))).toEqual({
      outcome: 'invalid',
      reason: 'algorithm_refused',
    });
    expect(await v.verify(issuer.signHmac({ sub: 'a', aud: AUDIENCE }, 'secret'))).toEqual({
      outcome: 'invalid',
      reason: 'algorithm_refused',
    });
    expect(issuer.fetches).toMatchObject({ metadata: 0, jwks: 0 });
  });

  it('refuses a forged signature and garbage', async () => {
    const v = verifier();
    const good = issuer.sign({ sub: 'a', aud: AUDIENCE });
    const forged = issuer.sign({ sub: 'admin', aud: AUDIENCE }).split('.');
    expect(await v.verify(`${forged[0]}.${forged[1]}.${good.split('.')[2]}`)).toEqual({
      outcome: 'invalid',
      reason: 'bad_signature',
    });
    expect(await v.verify('not-a-jwt')).toEqual({ outcome: 'invalid', reason: 'malformed' });
  });

  it('refuses an unknown kid and refetches the JWKS for unknown kids at most once per cooldown', async () => {
    const v = verifier({ jwksCooldownSeconds: 30 });
    expect((await v.verify(issuer.sign({ sub: 'a', aud: AUDIENCE }))).outcome).toBe('authenticated');
    const hidden = issuer.addKey({ publish: false });
    for (let i = 0; i < 20; i++) {
      expect(await v.verify(issuer.sign({ sub: 'a', aud: AUDIENCE }, { kid: hidden }))).toEqual({
        outcome: 'invalid',
        reason: 'unknown_key',
      });
    }
    expect(issuer.fetches.jwks).toBeLessThanOrEqual(2);
  });

  it('picks up a rotated key once the cooldown has passed', async () => {
    const v = verifier({ jwksCooldownSeconds: 0.2 });
    expect((await v.verify(issuer.sign({ sub: 'a', aud: AUDIENCE }))).outcome).toBe('authenticated');
    const next = issuer.addKey({ publish: false });
    issuer.publish(next);
    await new Promise((r) => setTimeout(r, 300));
    expect((await v.verify(issuer.sign({ sub: 'a', aud: AUDIENCE }, { kid: next }))).outcome).toBe('authenticated');
  });

  it('answers unavailable, not invalid, when the issuer cannot be reached', async () => {
    const v = createJwtVerifier({ issuer: 'http://127.0.0.1:9', audience: AUDIENCE, timeoutMs: 1000 });
    const decision = await v.verify(issuer.sign({ sub: 'a', aud: AUDIENCE }));
    expect(decision.outcome).toBe('unavailable');
  });

  it('refuses symmetric algorithms and plain-http issuers off loopback in its configuration', () => {
    expect(() => verifier({ algorithms: ['HS256'] })).toThrow(AuthConfigError);
    expect(() => createJwtVerifier({ issuer: 'http://as.example.com', audience: AUDIENCE })).toThrow(/must use https/);
  });
});

describe('issuer metadata discovery', () => {
  it('finds an issuer with a path (RFC 8414 path insertion)', async () => {
    const issuer = await startLocalIssuer({ path: 'realms/acme' });
    try {
      const metadata = await discoverIssuer(issuer.issuer);
      expect(metadata).toMatchObject({ issuer: issuer.issuer, jwks_uri: issuer.jwksUri });
    } finally {
      await issuer.close();
    }
  });

  it('refuses metadata that names another issuer', async () => {
    const server = createServer((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ issuer: 'https://evil.example.com', jwks_uri: 'https://evil.example.com/jwks' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await expect(discoverIssuer(url)).rejects.toThrow(/names issuer "https:\/\/evil.example.com"/);
    } finally {
      server.close();
    }
  });
});
