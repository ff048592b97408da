import { z } from 'zod';
import { principalKey, type ThreadStore, type ThreadSummary } from '@agent-mcp/context';
import { defineTool, type Tool, ToolError } from '@agent-mcp/mcp-core';

const ThreadId = z.string().min(1).max(100).describe('A threadId returned by an agent tool or by thread_list');

const SummarySchema = z.object({
  threadId: z.string(),
  title: z.string(),
  messageCount: z.number().int(),
  droppedCount: z.number().int(),
  forkedFrom: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const MessageSchema = z.object({
  role: z.enum(['user', 'assistant']),
  text: z.string(),
  tool: z.string().optional(),
  at: z.string(),
});

// Another principal's thread gets exactly this answer too.
function threadNotFound(threadId: string): ToolError {
  return new ToolError(`Thread not found: ${threadId}`, { code: 'THREAD_NOT_FOUND' });
}

function wire(summary: ThreadSummary): z.infer<typeof SummarySchema> {
  return {
    threadId: summary.threadId,
    title: summary.title,
    messageCount: summary.messageCount,
    droppedCount: summary.droppedCount,
    ...(summary.forkedFrom ? { forkedFrom: summary.forkedFrom } : {}),
    createdAt: summary.createdAt.toISOString(),
    updatedAt: summary.updatedAt.toISOString(),
  };
}

/**
 * `thread_list`, `thread_get`, `thread_fork` and `thread_delete` over a {@link ThreadStore}: the caller's own
 * threads only (another principal's thread is reported as missing).
 */
export function createThreadTools(store: ThreadStore, options: { readonly pageSize?: number } = {}): Tool[] {
  const pageSize = options.pageSize ?? 50;
  const list = defineTool({
    name: 'thread_list',
    title: 'List conversation threads',
    description:
      'Lists your conversation threads with the agent tools, most recently used first. Pass a threadId to an agent tool to continue one.',
    inputSchema: z.object({ cursor: z.string().max(200).optional().describe('nextCursor of the previous page') }),
    outputSchema: z.object({ threads: z.array(SummarySchema), nextCursor: z.string().optional() }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    async execute({ cursor }, context) {
      const page = await store.list(principalKey(context.principal), { cursor, limit: pageSize });
      return { threads: page.threads.map(wire), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
    },
  });
  const get = defineTool({
    name: 'thread_get',
    title: 'Read a conversation thread',
    description: 'Returns one of your threads with its messages, oldest first.',
    inputSchema: z.object({ threadId: ThreadId }),
    outputSchema: SummarySchema.extend({ messages: z.array(MessageSchema) }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    async execute({ threadId }, context) {
      const thread = await store.get(threadId, principalKey(context.principal));
      if (!thread) throw threadNotFound(threadId);
      return {
        ...wire(thread),
        messages: thread.messages.map((m) => ({
          role: m.role,
          text: m.text,
          ...(m.tool ? { tool: m.tool } : {}),
          at: m.at.toISOString(),
        })),
      };
    },
  });
  const fork = defineTool({
    name: 'thread_fork',
    title: 'Fork a conversation thread',
    description:
      'Copies one of your threads into a new one, to continue it in another direction without changing the original.',
    inputSchema: z.object({ threadId: ThreadId }),
    outputSchema: SummarySchema,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    async execute({ threadId }, context) {
      const copy = await store.fork(threadId, principalKey(context.principal));
      if (!copy) throw threadNotFound(threadId);
      return wire(copy);
    },
  });
  const remove = defineTool({
    name: 'thread_delete',
    title: 'Delete a conversation thread',
    description: 'Deletes one of your threads and its messages for good.',
    inputSchema: z.object({ threadId: ThreadId }),
    outputSchema: z.object({ deleted: z.boolean() }),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    async execute({ threadId }, context) {
      if (!(await store.delete(threadId, principalKey(context.principal)))) throw threadNotFound(threadId);
      return { deleted: true };
    },
  });
  return [list, get, fork, remove] as Tool[];
}
