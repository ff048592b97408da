import { z } from 'zod';
import { type Principal } from '@agent-mcp/context';
import { type AuthDecision } from './decisions';
import { assertSecureUrl } from './issuer-metadata';
import { scopesFromClaims } from './scopes';

/** The fields of an RFC 7662 introspection response that we use. */
const IntrospectionResponseSchema = z.looseObject({
  active: z.boolean(),
  scope: z.string().optional(),
  sub: z.string().optional(),
  client_id: z.string().optional(),
  aud: z.union([z.string(), z.array(z.string())]).optional(),
  iss: z.string().optional(),
  exp: z.number().optional(),
  nbf: z.number().optional(),
});

/** Options of {@link createIntrospector}. */
export interface IntrospectorOptions {
  /** The authorization server's introspection endpoint. */
  readonly endpoint: string;
  /** This resource server's client credentials at the authorization server (sent with HTTP Basic). */
  readonly clientId: string;
  readonly clientSecret: string;
  /** Expected audience: an active token issued for another resource is refused all the same. */
  readonly audience: string;
  /** Expected issuer, when the response names one. */
  readonly issuer?: string;
  /** Claim that names the tenant. Default `tenant_id`. */
  readonly tenantClaim?: string;
  /** Per request. Default 5 s. */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

/** Checks opaque tokens with the authorization server (RFC 7662). */
export interface Introspector {
  introspect(token: string): Promise<AuthDecision>;
}

/**
 * Token introspection. Every request asks the authorization server, so a revoked token fails on its very next
 * request; the price is one round trip per request, which is why JWTs are verified locally instead.
 */
export function createIntrospector(options: IntrospectorOptions): Introspector {
  const endpoint = assertSecureUrl('OAUTH_INTROSPECTION_URL', options.endpoint).toString();
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 5000;
  const tenantClaim = options.tenantClaim ?? 'tenant_id';
  // RFC 6749 §2.3.1: form-encode the credentials before Basic-encoding them.
  const basic = Buffer.from(
    `${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`,
  ).toString('base64');

  return {
    async introspect(token) {
      let response: Response;
      try {
        response = await doFetch(endpoint, {
          method: 'POST',
          headers: {
            authorization: `Basic ${basic}`,
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
          },
          body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'error',
        });
      } catch (error) {
        return { outcome: 'unavailable', detail: `introspection failed: ${(error as Error).message}` };
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        return { outcome: 'unavailable', detail: `introspection answered HTTP ${response.status}` };
      }
      const parsed = IntrospectionResponseSchema.safeParse(await response.json().catch(() => undefined));
      if (!parsed.success) return { outcome: 'unavailable', detail: 'introspection answer is not RFC 7662 JSON' };
      const info = parsed.data;
      if (!info.active) return { outcome: 'invalid', reason: 'inactive' };
      const now = Date.now() / 1000;
      if (info.exp !== undefined && info.exp <= now) return { outcome: 'invalid', reason: 'expired' };
      if (info.nbf !== undefined && info.nbf > now + 30) return { outcome: 'invalid', reason: 'not_yet_valid' };
      if (options.issuer && info.iss !== undefined && info.iss !== options.issuer)
        return { outcome: 'invalid', reason: 'wrong_issuer' };
      // Audience binding is what stops a token minted for another service from being replayed here.
      const aud = info.aud === undefined ? [] : Array.isArray(info.aud) ? info.aud : [info.aud];
      if (!aud.includes(options.audience)) return { outcome: 'invalid', reason: 'wrong_audience' };
      const id = info.sub ?? info.client_id;
      if (!id) return { outcome: 'invalid', reason: 'missing_claim' };
      const tenant = (info as Record<string, unknown>)[tenantClaim];
      const principal: Principal = Object.freeze({
        id,
        ...(typeof tenant === 'string' && tenant ? { tenantId: tenant } : {}),
        scopes: Object.freeze(scopesFromClaims(info)),
        via: 'oauth' as const,
        claims: Object.freeze({
          ...(info.iss ? { iss: info.iss } : {}),
          sub: id,
          ...(info.client_id ? { client_id: info.client_id } : {}),
          ...(info.exp ? { exp: info.exp } : {}),
        }),
      });
      return { outcome: 'authenticated', principal };
    },
  };
}
