// RFC 6750 §2.1 and §2.3: bearer tokens are read from the Authorization header only; a query-string token is refused.
import { hasTokenInQuery, looksLikeJwt, readBearerToken } from './credentials';
import { formatBearerChallenge } from './challenge';
import { protectedResourceMetadata, protectedResourceMetadataPaths } from './resource-metadata';
import { VERSION } from './index';

describe('readBearerToken', () => {
  it('reads a Bearer token, scheme case-insensitive', () => {
    expect(readBearerToken({ authorization: 'Bearer abc.def-ghi' })).toEqual({ kind: 'bearer', token: 'abc.def-ghi' });
    expect(readBearerToken({ authorization: 'bearer xyz' })).toEqual({ kind: 'bearer', token: 'xyz' });
  });

  it('reports no credential when the header is absent', () => {
    expect(readBearerToken({})).toEqual({ kind: 'none' });
    expect(readBearerToken(undefined)).toEqual({ kind: 'none' });
  });

  it('calls other schemes, empty tokens, bad characters and oversized tokens malformed', () => {
    for (const authorization of [
      'Basic dXNlcjpwYXNz',
      'Bearer',
      'Bearer ',
      'Bearer a b',
      'Bearer a"b',
      `Bearer ${'a'.repeat(20_000)}`,
    ]) {
      expect(readBearerToken({ authorization })).toEqual({ kind: 'malformed' });
    }
    expect(readBearerToken({ authorization: ['Bearer a', 'Bearer b'] })).toEqual({ kind: 'malformed' });
  });
});

describe('hasTokenInQuery', () => {
  it('spots tokens in the query string', () => {
    expect(hasTokenInQuery('/mcp?access_token=abc')).toBe(true);
    expect(hasTokenInQuery('/mcp?x=1&api_key=abc')).toBe(true);
    expect(hasTokenInQuery('/mcp?x=1')).toBe(false);
    expect(hasTokenInQuery('/mcp')).toBe(false);
  });
});

describe('looksLikeJwt', () => {
  it('tells JWS compact tokens from opaque ones', () => {
    expect(looksLikeJwt('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln')).toBe(true);
    expect(looksLikeJwt('eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.')).toBe(true);
    expect(looksLikeJwt('sk-live-1234')).toBe(false);
  });
});

describe('formatBearerChallenge', () => {
  it('names the resource metadata, the error and the scope', () => {
    expect(
      formatBearerChallenge({
        resourceMetadata: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
        error: 'insufficient_scope',
        scope: ['tools:write', 'db:read'],
      }),
    ).toBe(
      'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", error="insufficient_scope", scope="tools:write db:read"',
    );
  });

  it('cannot be broken out of by quotes in a description', () => {
    expect(formatBearerChallenge({ error: 'invalid_token', errorDescription: 'bad "token"\r\nX: y' })).toBe(
      'Bearer error="invalid_token", error_description="bad tokenX: y"',
    );
  });
});

describe('protected resource metadata (RFC 9728)', () => {
  it('describes the resource and its authorization servers, header tokens only', () => {
    expect(
      protectedResourceMetadata({
        resource: 'https://mcp.example.com/mcp',
        authorizationServers: ['https://as.example.com'],
        scopesSupported: ['tools:write'],
      }),
    ).toEqual({
      resource: 'https://mcp.example.com/mcp',
      authorization_servers: ['https://as.example.com'],
      scopes_supported: ['tools:write'],
      bearer_methods_supported: ['header'],
    });
  });

  it('is served at the path-suffixed and the bare well-known paths', () => {
    expect(protectedResourceMetadataPaths('https://mcp.example.com/mcp')).toEqual([
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]);
  });

  it('package version matches', () => {
    expect(VERSION).toBe('0.1.0');
  });
});
