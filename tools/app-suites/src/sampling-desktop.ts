import { Client } from '@modelcontextprotocol/client';

/** One answer of the client's own model: what the desktop returns to `sampling/createMessage`. */
export interface SampledTurn {
  readonly role: 'assistant';
  readonly model: string;
  readonly stopReason: string;
  readonly content: unknown;
}

/** A turn of the desktop's model that calls one of the agent's tools. */
export const toolUseTurn = (id: string, name: string, input: Record<string, unknown>): SampledTurn => ({
  role: 'assistant',
  model: 'desktop-model',
  stopReason: 'toolUse',
  content: [{ type: 'tool_use', id, name, input }],
});

/** The desktop model's last turn: its answer. */
export const answerTurn = (text: string): SampledTurn => ({
  role: 'assistant',
  model: 'desktop-model',
  stopReason: 'endTurn',
  content: { type: 'text', text },
});

/** What the desktop was asked: each sampling request's params, and each elicitation's message. */
export interface SamplingDesktop {
  readonly client: Client;
  readonly sampled: Array<{ messages: unknown[]; tools?: Array<{ name: string }> }>;
  readonly elicited: string[];
}

/**
 * A desktop client on MCP 2026-07-28 (the SDK v2 client, pinned) whose own model answers the server's sampling
 * requests from `script`, in order, and which, with `approve`, declares elicitation and accepts every approval it is
 * asked for. The server sends a modern client no request: each sampling or elicitation is an `input_required` round
 * the client answers by retrying. Connect `client` over the app's own transport.
 */
export function samplingDesktop(script: readonly SampledTurn[], { approve }: { approve: boolean }): SamplingDesktop {
  const sampled: SamplingDesktop['sampled'] = [];
  const elicited: string[] = [];
  const client = new Client(
    { name: 'desktop-v2', version: '1.0.0' },
    {
      versionNegotiation: { mode: { pin: '2026-07-28' } },
      capabilities: { sampling: { tools: {} }, ...(approve ? { elicitation: { form: {} } } : {}) },
    },
  );
  client.setRequestHandler('sampling/createMessage', async (request) => {
    sampled.push(request.params as SamplingDesktop['sampled'][number]);
    const next = script[sampled.length - 1];
    if (!next) throw new Error('the scripted client model has no more answers');
    return next as never;
  });
  if (approve)
    client.setRequestHandler('elicitation/create', async (request) => {
      elicited.push(String(request.params.message));
      return { action: 'accept', content: { confirm: true } };
    });
  return { client, sampled, elicited };
}

/** A `tools/call` result as the desktop reads it. */
export interface DesktopCallResult {
  readonly structuredContent?: Record<string, unknown>;
  readonly _meta?: Record<string, unknown>;
}

/**
 * What both apps hold of a support run of three sampled turns on the desktop's model and one approval: answered with
 * `answer`, the ticket created, the run reported as the client's model's; each turn asked once (a round of its own),
 * and the approval once, about the ticket (its message holds `approval`).
 */
export function expectApprovedSupportRun(
  desktop: SamplingDesktop,
  result: DesktopCallResult,
  { answer, approval }: { answer: string; approval: string },
): void {
  expect(result.structuredContent).toMatchObject({ status: 'answered', answer, ticketCreated: { created: true } });
  expect(result._meta).toMatchObject({
    agentRun: { status: 'completed', modelSource: 'client-sampling', model: 'desktop-model', turns: 3 },
  });
  expect(desktop.sampled).toHaveLength(3);
  expect(desktop.elicited).toHaveLength(1);
  expect(desktop.elicited[0]).toContain(approval);
}
