import { randomBytes, randomUUID } from 'node:crypto';
import { jsonTurn, type ScriptedServer, type ScriptedTurn, textTurn } from '@agent-mcp/agent-core/testing';
import { type ToolClient, type ToolResult } from './mcp-clients';

/** What later calls need from earlier ones (a thread to read and fork, a ticket to reply to). */
interface CallState {
  ticketId?: number;
  threadId?: string;
  forkId?: string;
}

/** One call of one tool: its arguments, the model turns it needs, and what its answer must say. */
interface ToolCall {
  readonly tool: string;
  readonly args: (state: CallState) => Record<string, unknown>;
  readonly turns?: readonly ScriptedTurn[];
  /** Checks the answer and keeps what later calls need. */
  readonly check: (result: ToolResult, state: CallState) => void;
}

const structured = <T>(result: ToolResult) => {
  expect(result.isError).toBeFalsy();
  return result.structuredContent as T;
};

/**
 * A call of every tool the apps offer in the suite's configuration (diagnostic tools on, the embedded database with
 * its sample data, the model on the scripted server), in an order where each finds what it needs. Agent tools get
 * their model's answer enqueued first.
 */
const EVERY_TOOL: readonly ToolCall[] = [
  {
    tool: 'echo',
    args: () => ({ message: 'every tool' }),
    check: (r) => expect(structured(r)).toEqual({ message: 'every tool' }),
  },
  {
    tool: 'sql_query',
    args: () => ({ sql: 'SELECT count(*)::int AS n FROM customers' }),
    check: (r) => expect(structured<{ rows: Array<{ n: number }> }>(r).rows[0].n).toBeGreaterThan(0),
  },
  {
    tool: 'customer_lookup',
    args: () => ({ customerId: 1 }),
    check: (r) => expect(structured(r)).toMatchObject({ customer: { id: 1 } }),
  },
  {
    tool: 'kb_search',
    args: () => ({ query: 'refund' }),
    check: (r) => expect(structured<{ articles: unknown[] }>(r).articles.length).toBeGreaterThan(0),
  },
  {
    tool: 'ticket_get',
    args: () => ({ ticketId: 1 }),
    check: (r) => expect(structured(r)).toMatchObject({ ticket: { id: 1 } }),
  },
  {
    tool: 'ticket_create',
    args: () => ({
      customerId: 1,
      subject: 'Every tool',
      body: 'Opened by a real client.',
      idempotencyKey: randomUUID(),
    }),
    check: (r, state) => {
      state.ticketId = structured<{ ticket: { id: number } }>(r).ticket.id;
      expect(state.ticketId).toEqual(expect.any(Number));
    },
  },
  {
    tool: 'ticket_reply',
    args: (state) => ({ ticketId: state.ticketId, body: 'A reply from a real client.' }),
    check: (r, state) => expect(structured(r)).toMatchObject({ ticketId: state.ticketId }),
  },
  {
    tool: 'memory_set',
    args: () => ({ key: 'tone', value: 'brief' }),
    check: (r) => expect(structured(r)).toMatchObject({ key: 'tone', value: 'brief' }),
  },
  {
    tool: 'memory_get',
    args: () => ({}),
    check: (r) => expect(structured(r)).toMatchObject({ entries: [{ key: 'tone', value: 'brief' }] }),
  },
  {
    tool: 'memory_clear',
    args: () => ({ key: 'tone' }),
    check: (r) => expect(structured(r)).toEqual({ removed: 1 }),
  },
  {
    tool: 'preferences_set',
    args: () => ({ tone: 'friendly', units: 'metric' }),
    check: (r) => expect(structured(r)).toMatchObject({ preferences: { tone: 'friendly', units: 'metric' } }),
  },
  {
    tool: 'preferences_get',
    args: () => ({}),
    check: (r) => expect(structured(r)).toMatchObject({ preferences: { tone: 'friendly', units: 'metric' } }),
  },
  {
    tool: 'preferences_clear',
    args: () => ({ names: ['tone'] }),
    check: (r) => expect(structured(r)).toEqual({ removed: 1 }),
  },
  {
    tool: 'database_query',
    args: () => ({ question: 'How many customers are there?' }),
    turns: [textTurn('There are 120 customers.')],
    check: (r) => expect(structured(r)).toMatchObject({ status: 'answered', answer: 'There are 120 customers.' }),
  },
  {
    tool: 'support',
    args: () => ({ message: 'Where is my order?' }),
    turns: [textTurn('It ships today.')],
    check: (r) => expect(structured(r)).toMatchObject({ status: 'answered', answer: 'It ships today.' }),
  },
  {
    // A confirmation nobody proposed: the tool answers, with its own error.
    tool: 'support_confirm',
    args: () => ({ confirmationId: `cf_${randomBytes(16).toString('hex')}`, approve: false }),
    check: (r) => expect(r).toMatchObject({ isError: true, _meta: { error: { code: 'CONFIRMATION_NOT_FOUND' } } }),
  },
  {
    tool: 'research',
    args: () => ({ question: 'What does a stateless MCP request carry?', sources: ['documents'] }),
    turns: [jsonTurn({ answer: 'Its protocol version and capabilities.', citations: [] })],
    check: (r) =>
      expect(structured(r)).toMatchObject({ status: 'answered', answer: 'Its protocol version and capabilities.' }),
  },
  {
    tool: 'thread_list',
    args: () => ({}),
    check: (r, state) => {
      state.threadId = structured<{ threads: Array<{ threadId: string }> }>(r).threads[0]?.threadId;
      expect(state.threadId).toEqual(expect.any(String));
    },
  },
  {
    tool: 'thread_get',
    args: (state) => ({ threadId: state.threadId }),
    check: (r, state) => expect(structured(r)).toMatchObject({ threadId: state.threadId }),
  },
  {
    tool: 'thread_fork',
    args: (state) => ({ threadId: state.threadId }),
    check: (r, state) => {
      state.forkId = structured<{ threadId: string }>(r).threadId;
      expect(state.forkId).not.toBe(state.threadId);
    },
  },
  {
    tool: 'thread_delete',
    args: (state) => ({ threadId: state.forkId }),
    check: (r) => expect(structured(r)).toMatchObject({ deleted: true }),
  },
];

/** The tools {@link callEveryTool} calls. */
export const EVERY_TOOL_NAMES: readonly string[] = EVERY_TOOL.map((c) => c.tool);

/** Calls every tool through `client`, checking each answer; the model's turns come from `scripted`. */
export async function callEveryTool(client: ToolClient, scripted: ScriptedServer): Promise<void> {
  const state: CallState = {};
  for (const call of EVERY_TOOL) {
    scripted.reset();
    if (call.turns) scripted.enqueue(...call.turns);
    const result = await client.callTool(call.tool, call.args(state));
    try {
      call.check(result, state);
    } catch (error) {
      throw new Error(`${call.tool}: ${(error as Error).message}\nresult: ${JSON.stringify(result).slice(0, 2000)}`);
    }
  }
}
