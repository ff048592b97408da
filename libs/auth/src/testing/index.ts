/**
 * `@agent-mcp/auth/testing`: a local OAuth authorization server for tests (metadata, JWKS, minted tokens, a
 * client-credentials token endpoint with resource indicators,
 * introspection), built on `node:crypto` alone so that it checks our verifier independently.
 *
 * @packageDocumentation
 */
export {
  startLocalIssuer,
  type LocalIssuer,
  type LocalIssuerOptions,
  type LocalClient,
  type TokenGrant,
  type SignOptions,
  type IntrospectionAnswer,
} from './local-issuer';
