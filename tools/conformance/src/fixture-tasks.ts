import { defineTool, type McpServer, ToolError } from '@agent-mcp/mcp-core';
import { z } from 'zod';

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

const CONFIRM_FORM = {
  type: 'object' as const,
  properties: { confirm: { type: 'boolean' as const } },
  required: ['confirm'],
};

/**
 * The tools of the 2026-07-28 tasks-extension scenarios (`tasks-*`, SEP-2663): a sync-only tool, tools that
 * support tasks (the server answers a client that declared the extension with a task) and one that requires them.
 */
export function registerFixtureTaskTools(server: McpServer): void {
  const { tools } = server;
  tools.register(
    defineTool({
      name: 'greet',
      description: 'Greets someone at once (never a task)',
      inputSchema: z.object({ name: z.string().max(200) }),
      execute: ({ name }) => `Hello, ${name}!`,
    }),
  );
  tools.register(
    defineTool({
      name: 'slow_compute',
      description: 'Sleeps `seconds`, then answers; runs as a task for a client with the tasks extension',
      inputSchema: z.object({ seconds: z.number().min(0).max(600).default(1), label: z.string().max(200).optional() }),
      execution: { taskSupport: 'optional' },
      execute: async ({ seconds, label }, ctx) => {
        await sleep(seconds * 1000, ctx.signal);
        return `Computed ${label ?? 'result'} after ${seconds} s`;
      },
    }),
  );
  tools.register(
    defineTool({
      name: 'failing_job',
      description: 'Must run as a task; reports a tool error after about a second',
      inputSchema: z.object({}),
      execution: { taskSupport: 'required' },
      execute: async (_args, ctx) => {
        await sleep(1000, ctx.signal);
        throw new ToolError('The job failed, as it always does');
      },
    }),
  );
  tools.register(
    defineTool({
      name: 'protocol_error_job',
      description: 'Runs as a task and crashes (an internal failure, not a tool error)',
      inputSchema: z.object({}),
      execution: { taskSupport: 'optional' },
      execute: async (_args, ctx) => {
        await sleep(100, ctx.signal);
        throw new Error('simulated crash of protocol_error_job');
      },
    }),
  );
  tools.register(
    defineTool({
      name: 'confirm_delete',
      description: 'Asks the user to confirm deleting a file, then deletes it (pretend)',
      inputSchema: z.object({ filename: z.string().max(500) }),
      execution: { taskSupport: 'optional' },
      execute: async ({ filename }, ctx) => {
        const answer = await ctx.client.elicit(
          { message: `Delete ${filename}?`, requestedSchema: CONFIRM_FORM },
          { key: 'confirm' },
        );
        return answer.action === 'accept' && answer.content?.confirm === true
          ? `Deleted ${filename}`
          : `Kept ${filename}`;
      },
    }),
  );
  tools.register(
    defineTool({
      name: 'test_tool_with_task',
      description: "Asks the user's name, then goes on as a task that greets them",
      inputSchema: z.object({}),
      execution: { taskSupport: 'required', taskStart: 'handler' },
      execute: async (_args, ctx) => {
        const answer = await ctx.client.elicit(
          {
            message: 'What is your name?',
            requestedSchema: { type: 'object', properties: { name: { type: 'string' } } },
          },
          { key: 'user_name' },
        );
        await ctx.continueAsTask();
        await sleep(200, ctx.signal);
        return `Hello, ${String(answer.content?.name)}!`;
      },
    }),
  );
  tools.register(
    defineTool({
      name: 'multi_input',
      description: 'Asks two questions at once',
      inputSchema: z.object({}),
      execution: { taskSupport: 'optional' },
      execute: async (_args, ctx) => {
        const form = { type: 'object' as const, properties: { name: { type: 'string' as const } } };
        const [first, second] = await Promise.all([
          ctx.client.elicit({ message: 'First name?', requestedSchema: form }, { key: 'first' }),
          ctx.client.elicit({ message: 'Second name?', requestedSchema: form }, { key: 'second' }),
        ]);
        return `${String(first.content?.name)} and ${String(second.content?.name)}`;
      },
    }),
  );
}
