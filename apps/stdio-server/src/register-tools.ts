import { type Logger } from '@agent-mcp/context';
import { echoTool, type McpServer } from '@agent-mcp/mcp-core';

/** What tool registration needs from the app: its environment (each tools lib parses its own settings) and log. */
export interface ToolEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  readonly diagnosticTools: boolean;
}

/**
 * Registers every tool the tools libraries provide, so both apps offer the same set. Returns a function that
 * releases what the tools hold (pools, watchers) at shutdown.
 */
export async function registerTools(server: McpServer, { diagnosticTools }: ToolEnvironment): Promise<() => Promise<void>> {
  if (diagnosticTools) server.tools.register(echoTool);
  return async () => undefined;
}
