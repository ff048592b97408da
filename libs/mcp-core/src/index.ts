/**
 * `@agent-mcp/mcp-core`: a fast Model Context Protocol server core.
 *
 * - {@link McpServer} serves every session of every transport: tools, resources, prompts, completions,
 *   logging, progress and cancellation, behind a request pipeline.
 * - {@link ToolRegistry} and {@link defineTool}: tools with zod input and output schemas.
 * - Transports: {@link serveStdio} and {@link createStreamableHttpHandler} (Streamable HTTP on `node:http`).
 * - One error model ({@link McpCoreError} and its subclasses), mapped to JSON-RPC errors or tool results.
 *
 * Speaks MCP through `@modelcontextprotocol/sdk` types; knows nothing of agents or model vendors.
 *
 * @packageDocumentation
 */
export { McpServer, type McpServerOptions, type RequestStateOptions } from './server';
export {
  type McpObserver,
  type RequestFinishedInfo,
  type RequestOutcome,
  combineObservers,
  createRequestLogObserver,
} from './observer';
export {
  type Tool,
  type ToolReturn,
  type ToolResponse,
  type ToolInputSchema,
  type ToolOutputSchema,
  defineTool,
  toolResponse,
} from './tool';
export { ToolRegistry, ToolRegistrationError, type ToolRegistryOptions } from './tool-registry';
export {
  ResourceRegistry,
  type ResourceChange,
  type StaticResource,
  type ResourceTemplate,
  type ResourceMetadata,
} from './resource-registry';
export { PromptRegistry, definePrompt, type Prompt, type PromptArgsSchema } from './prompt-registry';
export { type Completer } from './completion';
export { type HandlerContext, type ClientInteraction, type ClientRequestOptions } from './tool-context';
export {
  createPipeline,
  composeStages,
  type Pipeline,
  type PipelineOptions,
  type PipelineRequest,
  type Stage,
  type PrincipalResolver,
  type AuthenticateOptions,
  type RateDecision,
  type RateLimitOptions,
  type PermissionOptions,
  type ToolAccessOptions,
  type ResourceAccessOptions,
  type RequestTarget,
  type TransportInfo,
  type Visibility,
} from './pipeline';
export {
  McpCoreError,
  ValidationError,
  NotFoundError,
  ToolError,
  UpstreamModelError,
  AuthenticationError,
  RateLimitError,
  PermissionError,
  CancelledError,
  UnavailableError,
  ProtocolError,
  InternalError,
  McpLocalError,
  MCP_ERRORS,
  MCP_LOCAL_ERROR_CODES,
  JsonRpcErrorCode,
  toJsonRpcError,
  type ErrorKind,
  type McpErrorCode,
  type McpErrorSpec,
  type McpLocalErrorCode,
  type ProtocolErrorCode,
  type McpCoreErrorOptions,
  type ValidationIssue,
} from './errors';
export { ClientRequestError, ClientRequestTimeoutError, ClientUnreachableError } from './session';
export { serveStdio, type StdioOptions, type StdioConnection } from './transports/stdio';
export {
  createStreamableHttpHandler,
  type StreamableHttpHandler,
  type StreamableHttpOptions,
} from './transports/http/streamable-http';
export { LOOPBACK_HOSTS, type OriginPolicy } from './transports/http/request-guards';
export {
  type SessionStore,
  type SessionRecord,
  type InMemorySessionStoreOptions,
  type RedisSessionStoreOptions,
  type RedisSessionClient,
  InMemorySessionStore,
  RedisSessionStore,
} from './session-store';
export {
  type SessionBus,
  type SessionBusMessage,
  type RedisSessionBusOptions,
  type RedisBusClient,
  type RedisSubscriberClient,
  InMemorySessionHub,
  RedisSessionBus,
} from './session-bus';
export {
  type ChangeFeed,
  type RedisChangeFeedOptions,
  type ServerChange,
  LocalChangeFeed,
  RedisChangeFeed,
} from './listen/change-feed';
export { type ListenLimits } from './listen/listen-hub';
export {
  type EventStore,
  type InMemoryEventStoreOptions,
  type RedisEventStoreOptions,
  type RedisListClient,
  type RedisListPipeline,
  InMemoryEventStore,
  RedisEventStore,
} from './transports/http/event-store';
export { createLimitedHttpServer, HttpServerLimitsError, type HttpServerLimits } from './transports/http/server-limits';

export { echoTool } from './diagnostics';
export { type RequestStateLedger, InMemoryRequestStateLedger } from './mrtr/ledger';
export { parseRequestStateKeys, randomRequestStateKey } from './mrtr/request-state';
export { isInputRequired } from './mrtr/input-round';
// The TaskStore port is @agent-mcp/context's; the PostgreSQL store (SqlTaskStore) is @agent-mcp/store's.
export { type InMemoryTaskStoreOptions, InMemoryTaskStore } from './tasks/task-store';
export { type TaskOptions } from './tasks/task-manager';
export { type DurableTaskCall, type DurableTaskRuns, InvalidTaskRecordError } from './tasks/durable-tasks';
export {
  type ParkedCall,
  type ParkedCallRuns,
  type ParkedQuestion,
  type ParkedRunWatch,
  type ParkedRunJournal,
  type OpenTaskQuestion,
  type OpenTaskQuestions,
  QUESTION_EVENT,
  TASK_QUESTIONS_EVENT,
  answerTopic,
} from './mrtr/parked-call';
export { PROGRESS_EVENT } from './mrtr/run-progress';

/** Package version, kept in step with package.json. */
export const VERSION = '0.1.0';
