import { z } from 'zod';
import { AuthConfigError } from './decisions';
import { AuthError } from './errors';

/** What a resource server needs from authorization server metadata (RFC 8414, OpenID Connect Discovery). */
export const IssuerMetadataSchema = z.looseObject({
  issuer: z.string().url(),
  jwks_uri: z.string().url().optional(),
  introspection_endpoint: z.string().url().optional(),
  scopes_supported: z.array(z.string()).optional(),
});

export type IssuerMetadata = z.output<typeof IssuerMetadataSchema>;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Refuses URLs that a resource server must not trust keys or token answers from: anything but https, except
 * on loopback (development and tests). OAuth 2.1 requires TLS for every endpoint.
 */
export function assertSecureUrl(name: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AuthConfigError(`${name}: ${JSON.stringify(value)} is not a URL`);
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname) || url.hostname.startsWith('127.');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new AuthConfigError(
      `${name}: ${JSON.stringify(value)} must use https (plain http is accepted only on loopback)`,
    );
  }
  return url;
}

/**
 * The metadata URLs to try for an issuer, in the order the MCP authorization specification gives: RFC 8414
 * (path inserted after the well-known prefix), then OpenID Connect Discovery in both of its forms.
 */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, '');
  if (path === '') {
    return [`${url.origin}/.well-known/oauth-authorization-server`, `${url.origin}/.well-known/openid-configuration`];
  }
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}/.well-known/openid-configuration${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ];
}

/** Options of {@link discoverIssuer}. */
export interface DiscoverIssuerOptions {
  readonly fetch?: typeof fetch;
  /** Per request. Default 5 s. */
  readonly timeoutMs?: number;
}

/** Raised when no metadata document of an issuer could be fetched and trusted. */
export class IssuerDiscoveryError extends AuthError {
  readonly code = 'ISSUER_DISCOVERY_FAILED' as const;
}

/**
 * Fetches an issuer's metadata. The document's `issuer` must equal the configured one exactly (RFC 8414 §3.3),
 * or a compromised or misconfigured endpoint could point us at another issuer's keys.
 */
export async function discoverIssuer(issuer: string, options: DiscoverIssuerOptions = {}): Promise<IssuerMetadata> {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 5000;
  const problems: string[] = [];
  for (const url of metadataUrls(issuer)) {
    let response: Response;
    try {
      response = await doFetch(url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      problems.push(`${url}: ${(error as Error).message}`);
      continue;
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      problems.push(`${url}: HTTP ${response.status}`);
      continue;
    }
    const parsed = IssuerMetadataSchema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) {
      problems.push(`${url}: not a metadata document`);
      continue;
    }
    if (parsed.data.issuer !== issuer) {
      throw new IssuerDiscoveryError(
        `metadata at ${url} names issuer ${JSON.stringify(parsed.data.issuer)}, not ${JSON.stringify(issuer)}`,
      );
    }
    return parsed.data;
  }
  throw new IssuerDiscoveryError(`no authorization server metadata for ${issuer} (${problems.join('; ')})`);
}
