import { createRemoteJWKSet, decodeProtectedHeader, type JWTPayload, jwtVerify } from 'jose';
import { type Principal } from '@agent-mcp/context';
import { AuthConfigError, type AuthDecision, type InvalidCredentialReason } from './decisions';
import { assertSecureUrl, discoverIssuer } from './issuer-metadata';
import { scopesFromClaims } from './scopes';

/** Asymmetric JWS algorithms accepted by default. `none` and the HMAC family are never accepted. */
export const DEFAULT_JWT_ALGORITHMS: readonly string[] = Object.freeze([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);

/** Options of {@link createJwtVerifier}. */
export interface JwtVerifierOptions {
  /** Expected `iss`, exactly. */
  readonly issuer: string;
  /** Expected `aud` (this server's canonical URL, RFC 8707): a token for anything else is refused. */
  readonly audience: string;
  /** The issuer's JWKS. Default: `jwks_uri` from the issuer's metadata, fetched on first use. */
  readonly jwksUri?: string;
  /** Accepted algorithms, a subset of {@link DEFAULT_JWT_ALGORITHMS}. */
  readonly algorithms?: readonly string[];
  /** Leeway for `exp` and `nbf` against clock drift. Default 30 s. */
  readonly clockToleranceSeconds?: number;
  /** Least time between two JWKS fetches caused by tokens with an unknown `kid`. Default 30 s. */
  readonly jwksCooldownSeconds?: number;
  /** How long fetched keys are used before they are fetched again. Default 10 minutes. */
  readonly jwksCacheMaxAgeSeconds?: number;
  /** Timeout of each metadata or JWKS request. Default 5 s. */
  readonly timeoutMs?: number;
  /** Claim that names the tenant. Default `tenant_id`. */
  readonly tenantClaim?: string;
  /** Used for metadata discovery. Default: global fetch. */
  readonly fetch?: typeof fetch;
}

/** Verifies JWT access tokens as an OAuth 2.1 resource server. */
export interface JwtVerifier {
  verify(token: string): Promise<AuthDecision>;
}

type KeySet = ReturnType<typeof createRemoteJWKSet>;

// After a failed discovery, requests are refused as unavailable for this long before it is tried again.
const DISCOVERY_RETRY_MS = 5000;

/**
 * A JWT access-token verifier: signature against the issuer's JWKS (cached; re-fetched on an unknown `kid`
 * at most once per cooldown, so a flood of forged `kid`s cannot make us hammer the issuer), then `iss`, `aud`,
 * `exp` (required) and `nbf`, with a small clock tolerance.
 */
export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const algorithms = [...(options.algorithms ?? DEFAULT_JWT_ALGORITHMS)];
  for (const alg of algorithms) {
    if (!DEFAULT_JWT_ALGORITHMS.includes(alg)) {
      throw new AuthConfigError(
        `OAUTH_ALGORITHMS: ${alg} is not accepted; only asymmetric algorithms (${DEFAULT_JWT_ALGORITHMS.join(', ')})`,
      );
    }
  }
  assertSecureUrl('OAUTH_ISSUER', options.issuer);
  if (options.jwksUri) assertSecureUrl('OAUTH_JWKS_URI', options.jwksUri);
  const tenantClaim = options.tenantClaim ?? 'tenant_id';
  const timeoutMs = options.timeoutMs ?? 5000;
  const clockTolerance = options.clockToleranceSeconds ?? 30;

  const makeKeySet = (uri: string): KeySet =>
    createRemoteJWKSet(assertSecureUrl('jwks_uri', uri), {
      timeoutDuration: timeoutMs,
      cooldownDuration: (options.jwksCooldownSeconds ?? 30) * 1000,
      cacheMaxAge: (options.jwksCacheMaxAgeSeconds ?? 600) * 1000,
    });

  let keySet: KeySet | undefined = options.jwksUri ? makeKeySet(options.jwksUri) : undefined;
  let discovering: Promise<KeySet> | undefined;
  let failedAt = 0;
  let failure = '';

  const keys = async (): Promise<KeySet | string> => {
    if (keySet) return keySet;
    if (Date.now() - failedAt < DISCOVERY_RETRY_MS) return failure;
    discovering ??= discoverIssuer(options.issuer, { fetch: options.fetch, timeoutMs }).then((metadata) => {
      if (!metadata.jwks_uri) throw new Error(`issuer metadata of ${options.issuer} has no jwks_uri`);
      return (keySet = makeKeySet(metadata.jwks_uri));
    });
    try {
      return await discovering;
    } catch (error) {
      failedAt = Date.now();
      failure = `issuer discovery failed: ${(error as Error).message}`;
      return failure;
    } finally {
      discovering = undefined;
    }
  };

  return {
    async verify(token) {
      // Refuse what we would never accept before any network or crypto work.
      let alg: unknown;
      try {
        alg = decodeProtectedHeader(token).alg;
      } catch {
        return { outcome: 'invalid', reason: 'malformed' };
      }
      if (typeof alg !== 'string' || !algorithms.includes(alg))
        return { outcome: 'invalid', reason: 'algorithm_refused' };
      const set = await keys();
      if (typeof set === 'string') return { outcome: 'unavailable', detail: set };
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, set, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms,
          clockTolerance,
          requiredClaims: ['exp', 'sub'],
        }));
      } catch (error) {
        return classify(error);
      }
      return { outcome: 'authenticated', principal: principalOf(payload, tenantClaim) };
    },
  };
}

/** Maps jose's errors to decisions: the token's fault is `invalid`, trouble reaching the keys is `unavailable`. */
function classify(error: unknown): AuthDecision {
  const code = (error as { code?: unknown }).code;
  const invalid = (reason: InvalidCredentialReason): AuthDecision => ({ outcome: 'invalid', reason });
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return invalid('expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const { claim, reason } = error as { claim?: string; reason?: string };
      if (reason === 'missing') return invalid(claim === 'aud' ? 'wrong_audience' : 'missing_claim');
      if (claim === 'nbf') return invalid('not_yet_valid');
      if (claim === 'iss') return invalid('wrong_issuer');
      if (claim === 'aud') return invalid('wrong_audience');
      return invalid('missing_claim');
    }
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return invalid('bad_signature');
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return invalid('unknown_key');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return invalid('algorithm_refused');
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JWT_CLAIM_INVALID':
      return invalid('malformed');
    default:
      // JWKS timeouts, non-200 answers, unparsable key sets, refused connections.
      return { outcome: 'unavailable', detail: `JWKS unavailable: ${(error as Error).message ?? String(error)}` };
  }
}

// Claims kept on the principal for policies and audit: identifiers only, never the token.
const KEPT_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id', 'azp'];

function principalOf(payload: JWTPayload, tenantClaim: string): Principal {
  const claims: Record<string, unknown> = {};
  for (const name of KEPT_CLAIMS) if (payload[name] !== undefined) claims[name] = payload[name];
  const tenant = payload[tenantClaim];
  return Object.freeze({
    id: payload.sub as string,
    ...(typeof tenant === 'string' && tenant ? { tenantId: tenant } : {}),
    scopes: Object.freeze(scopesFromClaims(payload)),
    via: 'oauth' as const,
    claims: Object.freeze(claims),
  });
}
