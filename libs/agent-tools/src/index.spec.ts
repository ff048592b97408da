// The public API (issue 14 item 6): what another team imports from `@agent-mcp/agent-tools`. Adding or dropping an
// export is an API decision, made in this list too.
describe('public API', () => {
  it('exports exactly these values', async () => {
    expect(Object.keys(await import('./index')).sort()).toEqual([
      'AGENT_RUN_SETTINGS',
      'MEMORY_LIMITS',
      'PREFERENCE_NAMES',
      'PreferencesSchema',
      'SAMPLING_MODEL_NAME',
      'ThreadNotFoundError',
      'agentBudgetShape',
      'agentCallShape',
      'agentRunMeta',
      'agentThreadShape',
      'createMemoryTools',
      'createPreferenceTools',
      'createSamplingModel',
      'createSamplingModelProvider',
      'createThreadTools',
      'defineAgentTool',
      'hostedBy',
      'loadAgentRunPolicy',
      'mapAgentError',
      'readPreferences',
      'resolveBudget',
      'runAgentTool',
      'tightenPolicy',
      'withPrincipalMemory',
    ]);
  });
});

// The types it exports: one dropped from src/index.ts fails typecheck here; one added there and not here fails
// tools/workspace-checks' public-api.spec.ts.
export type {
  AgentBudget,
  AgentBudgetRequest,
  AgentCallArgs,
  AgentModelSource,
  AgentRun,
  AgentRunPolicy,
  AgentStop,
  AgentToolContext,
  AgentToolDefinition,
  AgentToolHosting,
  AgentToolInterruption,
  AgentToolOptions,
  AgentToolOutcome,
  AgentToolStep,
  AgentToolUsage,
  HostedAgentTool,
  PolicyCaps,
  Preferences,
  SamplingModelOptions,
  ThreadContext,
} from './index';
