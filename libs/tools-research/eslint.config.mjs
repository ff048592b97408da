import baseConfig, { specsMayImportMcpSdk } from '../../eslint.config.mjs';

// Tests drive the tool through the SDK's real MCP client over HTTP.
export default [...baseConfig, specsMayImportMcpSdk('layer:bridge')];
