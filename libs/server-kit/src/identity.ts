/** Who the server says it is in `initialize` (`serverInfo`, `instructions`) and in `--help`. */
export interface ServerIdentity {
  readonly name: string;
  readonly version: string;
  readonly title?: string;
  /** Guidance for the client's model on how to use this server. */
  readonly instructions?: string;
}

/** OpenAI Agent MCP's own identity, the same over every transport. */
export const AGENT_MCP_IDENTITY: ServerIdentity = Object.freeze({
  name: 'openai-agent-mcp',
  version: '0.1.0',
  title: 'OpenAI Agent MCP',
  instructions: 'Tools of this server are backed by AI agents; long calls report progress.',
});
