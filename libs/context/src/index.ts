/**
 * `@agent-mcp/context`: what a request handler knows of the request it serves (the seed's `MCPContext`).
 *
 * Neutral by design: it knows neither MCP's wire format nor any model vendor, so both the MCP layer and the
 * agent layer can depend on it.
 *
 * @packageDocumentation
 */
export { type Principal, ANONYMOUS_PRINCIPAL, principalKey } from './principal';
export { type ContextErrorCode, CONTEXT_ERROR_CODES, ContextError } from './errors';
export {
  type Logger,
  type LogFields,
  type LogLevel,
  type JsonLoggerOptions,
  LOG_LEVELS,
  isLevelEnabled,
  createJsonLogger,
  noopLogger,
} from './logger';
export {
  type RedactOptions,
  type Redactor,
  type FlatFieldsSerializer,
  createFlatFieldsSerializer,
  createRedactor,
  DEFAULT_REDACT_KEY_PATTERN,
  REDACTED,
  redactText,
} from './logger-redact';
export {
  type MemoryStore,
  type MemorySetOptions,
  type InMemoryMemoryStoreOptions,
  InMemoryMemoryStore,
  MemoryValueTooLargeError,
} from './memory-store';
export { type AgentState, type ScopedMemory, createAgentState, scopeMemory, scopePreferences } from './agent-state';
export {
  type RequestContext,
  type RequestContextPorts,
  type Root,
  type ResourceContent,
  type ProgressUpdate,
  ProgressOrderError,
  createRequestContext,
  nextProgress,
} from './request-context';

export {
  type SamplingPort,
  type SampleRequest,
  type SampleResult,
  type SampledMessage,
  type SampledContent,
  type SamplingTool,
} from './sampling';

export {
  type SqlClient,
  type SqlQueryable,
  type SqlQueryOptions,
  type SqlResult,
  type SqlRow,
  type SqlErrorCode,
  SqlError,
} from './sql-client';

export {
  type ThreadStore,
  type ThreadWriteOptions,
  type Thread,
  type ThreadSummary,
  type ThreadMessage,
  type ThreadPage,
  type ThreadLimits,
  type InMemoryThreadStoreOptions,
  DEFAULT_THREAD_LIMITS,
  InMemoryThreadStore,
  InvalidThreadCursorError,
  InvalidThreadWriteKeyError,
  checkThreadWriteKey,
  // The length and cursor rules every ThreadStore follows, for implementations (`@agent-mcp/store`'s).
  clampMessage,
  decodeThreadCursor,
  encodeThreadCursor,
  messagesToDrop,
  titleOf,
} from './threads/thread-store';
export {
  type TaskStore,
  type TaskRecord,
  type TaskStatus,
  type TaskOutcome,
  type TaskPage,
  type NewTask,
  ABANDONED_MESSAGE,
  InvalidTaskCursorError,
  isTerminalStatus,
  // The cursor and paging rules every TaskStore follows, for implementations (`@agent-mcp/store`'s).
  decodeTaskCursor,
  encodeTaskCursor,
  taskPage,
} from './task-store';
export { checkSchemaName, InvalidSchemaNameError, privateSchemaCreator } from './private-schema';
export {
  type ModelBudget,
  type ModelBudgetDecision,
  type ModelTokenUsage,
  type ModelUsageMeter,
  type ModelUsageObserver,
  ModelBudgetExceededError,
  bindModelBudget,
  withModelBudget,
} from './model-budget';

export { ConfigError, parseConfig, formatSettings, type SettingDoc } from './config';

/** Package version, kept in step with package.json. */
export const VERSION = '0.1.0';
