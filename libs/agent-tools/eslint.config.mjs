import baseConfig, { specsMayImportMcpSdk } from '../../eslint.config.mjs';

// Tests drive the thread tools through the SDK's real MCP client.
export default [...baseConfig, specsMayImportMcpSdk('layer:agent-tools')];
