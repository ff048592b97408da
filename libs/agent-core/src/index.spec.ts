import { VERSION } from './index';

describe('package entry', () => {
  it('exposes the package version', () => {
    expect(VERSION).toBe('0.1.0');
  });
});

// The public API (issue 14 item 6): what another team imports from `@agent-mcp/agent-core`. Adding or dropping an
// export is an API decision, made in this list too.
describe('public API', () => {
  it('exports exactly these values', async () => {
    expect(Object.keys(await import('./index')).sort()).toEqual([
      'AGENT_ERROR_CODES',
      'Agent',
      'AgentError',
      'ApprovalInterruptedError',
      'DEFAULT_MODEL',
      'DeadlineExceededError',
      'GuardrailTripwireError',
      'HostedToolUnsupportedError',
      'InvalidConfigError',
      'LimitExceededError',
      'MaxTokensExceededError',
      'MaxTurnsExceededError',
      'MissingConfigError',
      'ModelBehaviorError',
      'OPENAI_SETTINGS',
      'RunCancelledError',
      'StreamInterruptedError',
      'StreamedRun',
      'SystemError',
      'UpstreamError',
      'UserError',
      'VERSION',
      'createMemoryJournal',
      'createOpenAIProvider',
      'getDefaultModelProvider',
      'isAgentError',
      'loadOpenAIConfig',
      'run',
      'runStreamed',
      'setDefaultModelProvider',
      'tool',
      'webSearchTool',
      'wrapUntrusted',
    ]);
  });
});

// The types it exports: one dropped from src/index.ts fails typecheck here; one added there and not here fails
// tools/workspace-checks' public-api.spec.ts.
export type {
  AgentAsToolOptions,
  AgentErrorCode,
  AgentItem,
  AgentOptions,
  AgentOutput,
  AgentOutputType,
  ApprovalDecision,
  ApprovalPort,
  ApprovalRequest,
  MemoryJournal,
  RunJournal,
  RunQueue,
  RunRequest,
  FunctionCallItem,
  FunctionCallOutputItem,
  FunctionTool,
  FunctionToolDefinition,
  GuardrailResult,
  HostedTool,
  HostedToolCallItem,
  HostedToolDefinition,
  InputGuardrail,
  MessageItem,
  Model,
  ModelOutputItem,
  ModelProvider,
  ModelRequest,
  ModelRequestInfo,
  ModelResponse,
  ModelSettings,
  ModelStreamEvent,
  OpenAIApi,
  OpenAIConfig,
  OpenAIProviderOptions,
  OutputGuardrail,
  OutputSchema,
  RetryOptions,
  RunFinishedInfo,
  RunInput,
  RunLimits,
  RunObserver,
  RunOptions,
  RunResult,
  RunStartedInfo,
  RunStreamEvent,
  Tool,
  ToolContext,
  ToolDefinition,
  ToolOptions,
  UpstreamErrorDetails,
  Usage,
  WebSearchToolOptions,
} from './index';
