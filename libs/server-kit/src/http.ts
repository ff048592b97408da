/**
 * `@agent-mcp/server-kit/http`: what a server over HTTP adds, an entry of its own so that a server without
 * network callers (stdio) loads nothing of it: the authentication settings to spread into the entry point's
 * schema, with their documentation and rules, and {@link createAuthStack}, the authenticate -> rate limit ->
 * permission -> access chain that {@link createAgentMcpServer} builds itself when `AUTH_MODE` is set.
 *
 * @packageDocumentation
 */
export { authSettingsShape, AUTH_SETTINGS, refineAuthSettings, type AuthSettings } from './auth-settings';
export { createAuthStack, type AuthStackSettings } from './auth-stack';
