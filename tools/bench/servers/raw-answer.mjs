// The answers of the raw echo servers (HTTP and stdio): the same result shapes an MCP server gives, built
// with no validation at all.

/** The JSON-RPC response to one parsed request, or undefined for a notification. */
export function answer(message) {
  if (message.id === undefined) return undefined;
  const { id, method, params } = message;
  switch (method) {
    case 'tools/call': {
      const text = String(params?.arguments?.message ?? '');
      return {
        jsonrpc: '2.0',
        id,
        result: { content: [{ type: 'text', text }], structuredContent: { message: text } },
      };
    }
    case 'initialize':
      return {
        jsonrpc: '2.0',
        id,
        result: {
          protocolVersion: '2025-11-25',
          capabilities: { tools: {} },
          serverInfo: { name: 'raw-echo', version: '0.0.0' },
        },
      };
    case 'tools/list':
      return {
        jsonrpc: '2.0',
        id,
        result: {
          tools: [
            {
              name: 'echo',
              inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
            },
          ],
        },
      };
    default:
      return { jsonrpc: '2.0', id, result: {} };
  }
}
