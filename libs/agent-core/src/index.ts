/**
 * @agent-mcp/agent-core: run OpenAI agents (tools, handoffs, guardrails, structured output) over the official
 * `openai` client, against OpenAI or any OpenAI-compatible server, bounded in turns, tokens and time.
 *
 * Every export here is public API. `openai` is loaded lazily, on the first model request.
 * Test helpers (a scripted wire server and a scripted model) live in `@agent-mcp/agent-core/testing`.
 *
 * @packageDocumentation
 */

/** Package version, kept in step with package.json. */
export const VERSION = '0.1.0';

export { Agent, type AgentOptions, type AgentAsToolOptions, type AgentOutput, type AgentOutputType } from './agent';
export { run, runStreamed, type RunOptions, type RunLimits, type RunInput } from './run';
export { createMemoryJournal, type RunJournal, type MemoryJournal, type RunQueue, type RunRequest } from './journal';
export { StreamedRun } from './streamed-run';
export { type RunResult, type RunStreamEvent } from './events';
export {
  tool,
  webSearchTool,
  type Tool,
  type FunctionTool,
  type HostedTool,
  type ToolOptions,
  type ToolContext,
  type WebSearchToolOptions,
} from './tool';
export { type InputGuardrail, type OutputGuardrail, type GuardrailResult } from './guardrails';
export {
  type Model,
  type ModelProvider,
  type ModelRequest,
  type ModelResponse,
  type ModelStreamEvent,
  type ModelSettings,
  type ModelOutputItem,
  type AgentItem,
  type MessageItem,
  type FunctionCallItem,
  type FunctionCallOutputItem,
  type HostedToolCallItem,
  type ToolDefinition,
  type FunctionToolDefinition,
  type HostedToolDefinition,
  type OutputSchema,
} from './model';
export { type Usage } from './usage';
export { ApprovalInterruptedError, type ApprovalPort, type ApprovalRequest, type ApprovalDecision } from './approval';
export { wrapUntrusted } from './untrusted';
export { type RetryOptions } from './retry';
export { type RunObserver, type RunStartedInfo, type ModelRequestInfo, type RunFinishedInfo } from './observer';
export { loadOpenAIConfig, DEFAULT_MODEL, OPENAI_SETTINGS, type OpenAIConfig, type OpenAIApi } from './config';
export {
  createOpenAIProvider,
  getDefaultModelProvider,
  setDefaultModelProvider,
  type OpenAIProviderOptions,
} from './openai/provider';
export {
  AgentError,
  UserError,
  HostedToolUnsupportedError,
  MissingConfigError,
  InvalidConfigError,
  ModelBehaviorError,
  UpstreamError,
  StreamInterruptedError,
  SystemError,
  LimitExceededError,
  MaxTurnsExceededError,
  MaxTokensExceededError,
  DeadlineExceededError,
  RunCancelledError,
  GuardrailTripwireError,
  isAgentError,
  AGENT_ERROR_CODES,
  type AgentErrorCode,
  type UpstreamErrorDetails,
} from './errors';
