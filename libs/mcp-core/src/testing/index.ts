/**
 * @agent-mcp/mcp-core/testing: a real MCP client and server linked in memory, for testing tools built on mcp-core.
 *
 * - {@link connectLinkedClient}: the official SDK `Client` connected to an `McpServer` over in-memory pipes,
 *   through the stdio transport (no process, no socket).
 * - {@link createTestServer}: an `McpServer` that logs nothing, for a test to register its tools on.
 * - {@link serveOverHttp}: an `McpServer` behind real Streamable HTTP on a loopback port, in the test's process.
 * - {@link postModern}: one raw MCP 2026-07-28 request (no session, the envelope in `_meta`) and its JSON-RPC
 *   answer, read from a JSON body or the last event of a stream.
 *
 * @packageDocumentation
 */
export { connectLinkedClient, createTestServer, type LinkedClient, type LinkedClientOptions } from './linked-client';
export { serveOverHttp, type HttpTestServer } from './http';
export {
  fetchModern,
  MODERN_VERSION,
  type ModernBody,
  modernEnvelope,
  type ModernRequest,
  postModern,
  readMessage,
} from './modern-requests';
