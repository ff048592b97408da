// The public API (issue 14 item 6): what another team imports from `@agent-mcp/server-kit`. Adding or dropping an
// export is an API decision, made in this list too.
describe('public API', () => {
  it('exports exactly these values', async () => {
    expect(Object.keys(await import('./index')).sort()).toEqual([
      'AGENT_MCP_IDENTITY',
      'TOOL_GROUPS',
      'booleanSetting',
      'countSetting',
      'createAgentMcpServer',
      'createLocalAuthStack',
      'createToolSet',
      'formatHelp',
      'isConfigurationError',
      'listSetting',
      'parseStdioSettings',
      'runEntryPoint',
      'sharedSettingDocs',
      'sharedSettingsShape',
      'stateStores',
      'toolSettingsHelp',
      'wantsHelp',
    ]);
  });
});

// The types it exports: one dropped from src/index.ts fails typecheck here; one added there and not here fails
// tools/workspace-checks' public-api.spec.ts.
export type {
  AgentMcpServer,
  AgentMcpServerOptions,
  AgentMcpTransport,
  AuthSettings,
  AuthStack,
  GroupDecision,
  HelpOptions,
  PolicySettings,
  PublicLocation,
  ServerIdentity,
  ServerSettings,
  SharedSettings,
  ToolEnvironment,
  ToolExposure,
  ToolGroup,
  ToolSet,
  ToolTarget,
  TransportKind,
} from './index';
