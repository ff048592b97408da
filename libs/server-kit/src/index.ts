/**
 * `@agent-mcp/server-kit`: composes OpenAI Agent MCP. One {@link createAgentMcpServer} builds the server in one
 * direction (settings, traces, registries, tools with the application database, request pipeline, server) for
 * any transport; both apps are entry points over it, and a team can call it with tools of its own.
 *
 * - Settings: {@link sharedSettingsShape} (both transports; the HTTP ones are in `@agent-mcp/server-kit/http`), to spread into
 *   an entry point's schema, with their documentation for `--help` and the README.
 * - Exposure: which built-in tool groups are offered, and why one is left off, said at start-up.
 * - Auth to pipeline: the network stages (authenticate, rate limits, permission, access; loaded on first use) and
 *   {@link createLocalAuthStack} (the policy stages for one local caller).
 * - Entry points: {@link runEntryPoint} (a configuration mistake exits 2 at once), {@link formatHelp}.
 *
 * @packageDocumentation
 */
export {
  createAgentMcpServer,
  parseStdioSettings,
  type AgentMcpServer,
  type AgentMcpServerOptions,
  type AgentMcpTransport,
  type ServerSettings,
} from './create-agent-mcp-server';
export { AGENT_MCP_IDENTITY, type ServerIdentity } from './identity';
export {
  sharedSettingsShape,
  sharedSettingDocs,
  booleanSetting,
  listSetting,
  countSetting,
  type SharedSettings,
  type TransportKind,
} from './settings';
export { createLocalAuthStack, type AuthStack, type PolicySettings, type PublicLocation } from './local-auth-stack';
// Type only, and erased: a value export from this module would load the auth library into every stdio launch.
export type { AuthSettings } from './auth-settings';
export { TOOL_GROUPS, type ToolGroup, type ToolExposure, type GroupDecision } from './exposure';
export {
  createToolSet,
  stateStores,
  toolSettingsHelp,
  type ToolSet,
  type ToolTarget,
  type ToolEnvironment,
} from './tool-set';
export { wantsHelp, formatHelp, runEntryPoint, isConfigurationError, type HelpOptions } from './entry-point';
