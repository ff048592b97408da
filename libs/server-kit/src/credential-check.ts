import {
  type ApiKeyStore,
  createApiKeyStore,
  createAuthenticator,
  createIntrospector,
  createJwtVerifier,
} from '@agent-mcp/auth';
import { type Logger } from '@agent-mcp/context';
import { type AuthSettings } from './auth-settings';
import { type PublicLocation } from './local-auth-stack';

type Authenticator = ReturnType<typeof createAuthenticator>;

/** The credential check of the authenticate stage, and what it holds open. */
export interface CredentialCheck {
  /** The authenticator for every mode in `AUTH_MODE`, built on first use (see {@link createCredentialCheck}). */
  authenticator(): Authenticator;
  /** Stops watching the API keys file. */
  close(): void;
}

/**
 * Builds the credential check `AUTH_MODE` asks for: the API keys file (reloaded on change, a bad reload logged and
 * the previous keys kept), and for OAuth a JWT verifier and, when a client is configured, token introspection.
 * The audience may be known only after listen (PORT=0 without PUBLIC_URL), so the verifiers are built on first use,
 * or at once when PUBLIC_URL or OAUTH_AUDIENCE is set, so that a bad issuer or algorithm list fails at start.
 */
export function createCredentialCheck(config: AuthSettings, location: PublicLocation, logger: Logger): CredentialCheck {
  const modes = config.AUTH_MODE;
  let apiKeys: ApiKeyStore | undefined;
  if (modes.includes('api-key') && config.API_KEYS_FILE) {
    apiKeys = createApiKeyStore({
      file: config.API_KEYS_FILE,
      onReload: (result) =>
        'error' in result
          ? logger.error('API keys file not reloaded; the previous keys stay in force', { err: result.error })
          : logger.info('API keys reloaded', { keys: result.keys }),
    });
  }
  const audience = () => config.OAUTH_AUDIENCE ?? location.resource();
  const oauth = modes.includes('oauth') && config.OAUTH_ISSUER;
  // The audience may be known only after listen (PORT=0 without PUBLIC_URL): build the verifiers on first use.
  let verifiers: Pick<Parameters<typeof createAuthenticator>[0], 'jwt' | 'introspection'> | undefined;
  const oauthVerifiers = () =>
    (verifiers ??= oauth
      ? {
          jwt: createJwtVerifier({
            issuer: config.OAUTH_ISSUER as string,
            audience: audience(),
            jwksUri: config.OAUTH_JWKS_URI,
            algorithms: config.OAUTH_ALGORITHMS,
            clockToleranceSeconds: config.OAUTH_CLOCK_SKEW_SECONDS,
            jwksCooldownSeconds: config.OAUTH_JWKS_COOLDOWN_SECONDS,
            tenantClaim: config.OAUTH_TENANT_CLAIM,
          }),
          introspection:
            config.OAUTH_INTROSPECTION_URL && config.OAUTH_CLIENT_ID && config.OAUTH_CLIENT_SECRET
              ? createIntrospector({
                  endpoint: config.OAUTH_INTROSPECTION_URL,
                  clientId: config.OAUTH_CLIENT_ID,
                  clientSecret: config.OAUTH_CLIENT_SECRET,
                  audience: audience(),
                  issuer: config.OAUTH_ISSUER,
                  tenantClaim: config.OAUTH_TENANT_CLAIM,
                })
              : undefined,
        }
      : {});
  // Fail at start on a bad issuer or algorithm list when the audience is already known.
  if (config.PUBLIC_URL || config.OAUTH_AUDIENCE) oauthVerifiers();
  let authenticator: Authenticator | undefined;
  return {
    authenticator: () => (authenticator ??= createAuthenticator({ apiKeys, ...oauthVerifiers() })),
    close: () => apiKeys?.close(),
  };
}
