// A team's own MCP server on @agent-mcp/server-kit: one tool of its own, served over stdio, composed the way our
// own apps are (settings, policy, application database, start-up report). Node runs this file directly (type
// stripping, Node >= 23.6), so the example needs no build step of its own.
import { createJsonLogger } from '@agent-mcp/context';
import { defineTool, serveStdio } from '@agent-mcp/mcp-core';
import { createAgentMcpServer, runEntryPoint } from '@agent-mcp/server-kit';
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

runEntryPoint(async () => {
  const composed = await createAgentMcpServer({
    env: process.env,
    transport: { kind: 'stdio' },
    // stdout carries only MCP messages: the log goes to stderr.
    logger: createJsonLogger({ level: 'warning' }),
    identity: { name: 'word-tools', version: '1.0.0' },
    // Only this team's tool; `true` (the default) would add our agent tools beside it.
    builtinTools: false,
    tools: (target) => target.tools.register(wordCount),
  });
  // The connection ends when the client closes stdin.
  await serveStdio(composed.server).closed;
  await composed.close();
});
