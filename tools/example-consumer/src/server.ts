// A team's own MCP server on @agent-mcp/mcp-core: one tool of its own, served over stdio. Node runs this file
// directly (type stripping, Node >= 23.6), so the example needs no build step of its own.
import { McpServer, ToolRegistry, defineTool, serveStdio } from '@agent-mcp/mcp-core';
import { z } from 'zod';

const wordCount = defineTool({
  name: 'word_count',
  title: 'Word count',
  description: 'Counts the words and characters of a text.',
  inputSchema: z.object({ text: z.string().max(100_000).describe('The text to count') }),
  outputSchema: z.object({ words: z.number().int(), characters: z.number().int() }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  execute: ({ text }) => ({
    words: text.split(/\s+/).filter((word) => word.length > 0).length,
    characters: [...text].length,
  }),
});

const server = new McpServer({
  name: 'word-tools',
  version: '1.0.0',
  tools: new ToolRegistry().register(wordCount),
});

// stdout carries only MCP messages; the connection ends when the client closes stdin.
const connection = serveStdio(server);
await connection.closed;
