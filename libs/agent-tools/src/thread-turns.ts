import { z } from 'zod';
import { type Principal, principalKey, type ThreadStore } from '@agent-mcp/context';
import { type AgentItem, type MessageItem, type RunInput, UserError } from '@agent-mcp/agent-core';

/**
 * The `threadId` argument every agent tool takes: spread into the tool's input schema beside the budgets.
 *
 * @example
 * inputSchema: z.object({ question: z.string(), ...agentBudgetShape, ...agentThreadShape })
 */
export const agentThreadShape = {
  threadId: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe('Continue this conversation thread (the threadId of an earlier answer); omit to start a new one'),
};

/** A thread named by the caller does not exist for them (unknown, deleted, or someone else's). */
export class ThreadNotFoundError extends UserError {
  constructor(readonly threadId: string) {
    super(
      `Thread not found: ${threadId}. Call without threadId to start a new conversation, or list yours with thread_list.`,
    );
  }
}

/** What a run needs of the request to keep its conversation. */
export interface ThreadContext {
  readonly threads?: ThreadStore;
  readonly principal?: Principal;
}

/** The thread a run continues (or will start), and the input with the earlier turns before the new one. */
export interface ThreadTurn {
  /** The thread continued; for a new thread, undefined until {@link ThreadTurn.record} has created it. */
  readonly threadId: string | undefined;
  readonly input: RunInput;
  /**
   * Records the new message and the answer (or the account of a stopped run) at the end of the thread, creating
   * the thread first when the run started a new one. Returns the thread's id.
   */
  record(answer: string): Promise<string>;
}

/** The text of what the user said in `input`: the string, or the last user message of the items. */
function messageOf(input: RunInput): string {
  if (typeof input === 'string') return input;
  const last = [...input]
    .reverse()
    .find((item): item is MessageItem => item.type === 'message' && item.role === 'user');
  return last?.content ?? '';
}

/**
 * Opens the thread of a run: continues `threadId` (its earlier messages become the run's first items) or
 * starts a new one. A new thread is created only when its first turn is recorded, so a call refused before any
 * model turn (no model, a budget spent, a failed run) leaves no empty thread behind. Undefined when the server
 * keeps no threads or the request has no principal.
 *
 * `writeKey` (the run's step key, e.g. `run:<runId>:step:thread.record`) makes the record happen once however
 * often the run executes: a run resumed on another replica after a crash, or executed again, creates the same thread
 * and adds its turn once.
 * @throws {@link ThreadNotFoundError} when `threadId` does not name one of the caller's threads.
 */
export async function openThreadTurn(
  context: ThreadContext,
  threadId: string | undefined,
  input: RunInput,
  tool: string,
  writeKey?: string,
): Promise<ThreadTurn | undefined> {
  const store = context.threads;
  if (!store || !context.principal) return undefined;
  const owner = principalKey(context.principal);
  let id: string | undefined;
  let history: MessageItem[] = [];
  if (threadId !== undefined) {
    const thread = await store.get(threadId, owner);
    if (!thread) throw new ThreadNotFoundError(threadId);
    id = thread.threadId;
    history = thread.messages.map((m) => ({ type: 'message', role: m.role, content: m.text }));
  }
  const message = messageOf(input);
  const current: readonly AgentItem[] =
    typeof input === 'string' ? [{ type: 'message', role: 'user', content: input }] : input;
  return {
    get threadId() {
      return id;
    },
    input: history.length > 0 ? [...history, ...current] : input,
    async record(answer) {
      const keyed = writeKey === undefined ? {} : { key: writeKey };
      id ??= (await store.create(owner, keyed)).threadId;
      await store.append(
        id,
        owner,
        [
          { role: 'user', text: message, tool },
          { role: 'assistant', text: answer, tool },
        ],
        keyed,
      );
      return id;
    },
  };
}
