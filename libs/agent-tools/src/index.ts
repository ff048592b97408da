/**
 * @agent-mcp/agent-tools: the bridge between agents (`@agent-mcp/agent-core`) and MCP tools
 * (`@agent-mcp/mcp-core`). An agent-backed MCP tool runs through {@link runAgentTool}: progress and a heartbeat,
 * the run's text and tool steps as client logs, the caller's budgets within the server's policy, the caller's
 * model-token budget, conversation threads, and the client's own model (MCP sampling) when the server has none.
 * The thread tools (`thread_list`, `thread_get`, `thread_fork`, `thread_delete`) live here too.
 *
 * Every export here is public API.
 *
 * @packageDocumentation
 */

export {
  defineAgentTool,
  agentCallShape,
  type AgentCallArgs,
  type AgentToolDefinition,
  type AgentRun,
} from './define-agent-tool';
export { hostedBy, type AgentToolHosting, type HostedAgentTool } from './agent-tool-hosting';
export { mapAgentError } from './map-agent-error';
export {
  runAgentTool,
  agentRunMeta,
  type AgentToolContext,
  type AgentToolOptions,
  type AgentToolOutcome,
  type AgentToolInterruption,
  type AgentToolUsage,
  type AgentToolStep,
  type AgentStop,
  type AgentModelSource,
} from './run-agent-tool';
export {
  loadAgentRunPolicy,
  tightenPolicy,
  resolveBudget,
  agentBudgetShape,
  AGENT_RUN_SETTINGS,
  type AgentRunPolicy,
  type PolicyCaps,
  type AgentBudget,
  type AgentBudgetRequest,
} from './budgets';
export { agentThreadShape, ThreadNotFoundError, type ThreadContext } from './thread-turns';
export {
  createSamplingModel,
  createSamplingModelProvider,
  SAMPLING_MODEL_NAME,
  type SamplingModelOptions,
} from './sampling-model';
export { createThreadTools } from './thread-tools';
export { createMemoryTools, withPrincipalMemory, MEMORY_LIMITS } from './principal-memory';
export {
  createPreferenceTools,
  PREFERENCE_NAMES,
  PreferencesSchema,
  readPreferences,
  type Preferences,
} from './principal-preferences';
