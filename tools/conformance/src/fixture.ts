import { type Logger } from '@agent-mcp/context';
import { McpServer } from '@agent-mcp/mcp-core';
import { registerFixtureChangeTools } from './fixture-changes';
import { registerFixturePrompts } from './fixture-prompts';
import { registerFixtureResources } from './fixture-resources';
import { registerFixtureTaskTools } from './fixture-tasks';
import { registerFixtureTools } from './fixture-tools';

/** Options of {@link createFixtureServer}. */
export interface FixtureServerOptions {
  readonly logger?: Logger;
}

/**
 * An MCP server on `@agent-mcp/mcp-core` with every tool, resource, template and prompt the official
 * conformance suite asks for by name, so its fixture scenarios exercise our core rather than the SDK's server.
 */
export function createFixtureServer(options: FixtureServerOptions = {}): McpServer {
  const server = new McpServer({
    name: 'agent-mcp-conformance-fixture',
    version: '0.1.0',
    instructions: 'Conformance fixture: every tool, resource and prompt the MCP conformance suite names.',
    ...(options.logger ? { logger: options.logger } : {}),
  });
  registerFixtureTools(server);
  registerFixtureResources(server);
  registerFixturePrompts(server);
  registerFixtureTaskTools(server);
  registerFixtureChangeTools(server);
  return server;
}
