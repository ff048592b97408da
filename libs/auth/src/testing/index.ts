/**
 * `@agent-mcp/auth/testing`: a local OAuth authorization server for tests (metadata, JWKS, minted tokens,
 * introspection), built on `node:crypto` alone so that it checks our verifier independently.
 *
 * @packageDocumentation
 */
export { startLocalIssuer, type LocalIssuer, type LocalIssuerOptions, type SignOptions, type IntrospectionAnswer } from './local-issuer';
