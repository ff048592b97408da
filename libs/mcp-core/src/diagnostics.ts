import { z } from 'zod';
import { defineTool } from './tool';

/**
 * `echo`: returns its message. For checking a client's connection end to end and for benchmarks; servers
 * register it only when asked to (`DIAGNOSTIC_TOOLS=true` in the apps).
 */
export const echoTool = defineTool({
  name: 'echo',
  title: 'Echo',
  description: 'Returns the given message unchanged. Use it to check that the server answers tool calls.',
  inputSchema: z.object({ message: z.string().max(10_000).describe('Text to send back') }),
  outputSchema: z.object({ message: z.string() }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  render: ({ message }) => message,
  execute: ({ message }) => ({ message }),
});
