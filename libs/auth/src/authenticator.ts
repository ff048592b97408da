import { type ApiKeyStore } from './api-keys';
import { type HeaderMap, looksLikeJwt, readBearerToken } from './credentials';
import { type AuthDecision } from './decisions';
import { type Introspector } from './introspection';
import { type JwtVerifier } from './jwt-verifier';

/** Options of {@link createAuthenticator}: the credential kinds that are on. At least one is required. */
export interface AuthenticatorOptions {
  readonly apiKeys?: ApiKeyStore;
  readonly jwt?: JwtVerifier;
  readonly introspection?: Introspector;
}

/** Decides who sent a request, from its headers. */
export interface Authenticator {
  authenticate(headers: HeaderMap | undefined): Promise<AuthDecision>;
}

/**
 * One authenticator over every configured credential kind. All of them arrive as `Authorization: Bearer`:
 * a token shaped like a JWT goes to the JWT verifier, anything else is looked up as an API key and, failing
 * that, introspected as an opaque OAuth token.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { apiKeys, jwt, introspection } = options;
  if (!apiKeys && !jwt && !introspection) throw new Error('createAuthenticator: no credential kind is configured');
  return {
    async authenticate(headers) {
      const presented = readBearerToken(headers);
      if (presented.kind === 'none') return { outcome: 'missing' };
      if (presented.kind === 'malformed') return { outcome: 'invalid', reason: 'malformed' };
      const { token } = presented;
      if (jwt && looksLikeJwt(token)) return jwt.verify(token);
      if (apiKeys) {
        const principal = apiKeys.lookup(token);
        if (principal) return { outcome: 'authenticated', principal };
      }
      if (introspection) return introspection.introspect(token);
      return { outcome: 'invalid', reason: apiKeys ? 'unknown_api_key' : 'malformed' };
    },
  };
}
