import {
  type AgentItem,
  type ApprovalPort,
  type Model,
  type ModelRequest,
  type ModelResponse,
  type ModelStreamEvent,
} from '@agent-mcp/agent-core';
import { isInputRequired } from '@agent-mcp/mcp-core';

/**
 * An agent run inside a 2026-07-28 multi-round-trip call: the server sends no request to a modern client, so a
 * question (an approval through elicitation, a model turn through sampling) ends the call with `input_required`
 * and the handler runs again from the start on the client's retry. Two things make that rerun continue the same
 * run instead of starting another:
 * - the question's signal ends the run at once (it is not a tool failure the model should read, nor an error to
 *   log), and leaves the run to be thrown as it is ({@link InputPause});
 * - the server model's turns of earlier rounds are kept in the sealed `requestState` and replayed, so a write the
 *   model planned before the question is not planned again by another model request ({@link TurnReplay}).
 */

/** What a call keeps between its rounds: mcp-core's `ctx.client.keep` / `kept`. */
export interface RoundMemory {
  keep(name: string, value: unknown): void;
  kept<T = unknown>(name: string): T | undefined;
}

/** The question that paused a run, if one did: the run ends, and its runner throws this instead of an outcome. */
export class InputPause {
  private pending: Error | undefined;

  /** The question's signal, once a part of the run met one. */
  get signal(): Error | undefined {
    return this.pending;
  }

  /** Records `error` when it is a question waiting for the client's answer; says whether it was. */
  take(error: unknown): boolean {
    if (!isInputRequired(error)) return false;
    this.pending ??= error;
    return true;
  }

  /**
   * `approve`, whose question to a modern client ends the run as `pending` (so no other approval is asked and no
   * tool runs) rather than failing the tool call, which the model would read and work around.
   */
  approvals(approve: ApprovalPort): ApprovalPort {
    return async (request) => {
      try {
        return await approve(request);
      } catch (error) {
        if (!this.take(error)) throw error;
        return { decision: 'pending', message: 'Waiting for the client to answer.' };
      }
    };
  }

  /** `model`, whose question to the client (a sampling turn) is recorded before the run wraps it as a failure. */
  model(model: Model): Model {
    const take = (error: unknown): never => {
      this.take(error);
      throw error;
    };
    return {
      // Read each time: the sampling model learns its name from the client's first answer.
      get name() {
        return model.name;
      },
      getResponse: (request) => model.getResponse(request).catch(take),
      async *getStreamedResponse(request) {
        try {
          yield* model.getStreamedResponse(request);
        } catch (error) {
          take(error);
        }
      },
    };
  }
}

/** One model turn of an earlier round, with the shape of the conversation it answered. */
interface KeptTurn {
  readonly shape: string;
  readonly response: ModelResponse;
}

const KEPT_TURNS = 'agentRun.turns';

/**
 * The model turns of one run, kept across the rounds of its call: on a rerun, a turn asked of the same
 * conversation (same instructions, items, calls and call ids; tool outputs may differ, being re-read) is answered
 * with the kept response, with no usage (the earlier round was charged for it); the first turn that differs, and
 * every turn after it, asks the model. The kept responses travel sealed in `requestState`.
 */
export class TurnReplay {
  private readonly earlier: readonly KeptTurn[];
  private readonly turns: KeptTurn[] = [];
  private replaying = true;

  constructor(private readonly memory: RoundMemory) {
    this.earlier = memory.kept<KeptTurn[]>(KEPT_TURNS) ?? [];
  }

  /** `model` answering from the kept turns first (one run asks for its model every turn: all share this). */
  wrap(model: Model): Model {
    return {
      get name() {
        return model.name;
      },
      getResponse: async (request) => this.replay(request) ?? this.record(request, await model.getResponse(request)),
      getStreamedResponse: (request) => this.streamed(model, request),
    };
  }

  private async *streamed(model: Model, request: ModelRequest): AsyncIterable<ModelStreamEvent> {
    const earlier = this.replay(request);
    if (earlier) {
      yield { type: 'response_completed', response: earlier };
      return;
    }
    for await (const event of model.getStreamedResponse(request)) {
      if (event.type === 'response_completed') this.record(request, event.response);
      yield event;
    }
  }

  private replay(request: ModelRequest): ModelResponse | undefined {
    const turn = this.replaying ? this.earlier[this.turns.length] : undefined;
    if (turn && turn.shape === shapeOf(request)) {
      this.turns.push(turn);
      return { ...turn.response, usage: NO_USAGE };
    }
    this.replaying = false;
    return undefined;
  }

  private record(request: ModelRequest, response: ModelResponse): ModelResponse {
    this.turns.push({ shape: shapeOf(request), response });
    this.memory.keep(KEPT_TURNS, this.turns);
    return response;
  }
}

const NO_USAGE = Object.freeze({ requests: 0, inputTokens: 0, outputTokens: 0, totalTokens: 0 });

/**
 * The conversation a turn answers, without the tool outputs' text (re-read on every round, and fenced with
 * random markers): enough to tell the same run from another one, not a secret (the state is sealed).
 */
function shapeOf(request: ModelRequest): string {
  const items = request.input.map(itemShape).join('|');
  return `${request.instructions?.length ?? 0};${request.tools.length};${items}`;
}

function itemShape(item: AgentItem): string {
  switch (item.type) {
    case 'message':
      return `m:${item.role}:${item.content.length}`;
    case 'function_call':
      return `c:${item.callId}:${item.name}:${item.arguments.length}`;
    case 'function_call_output':
      return `o:${item.callId}`;
    case 'hosted_tool_call':
      return `h:${item.id}`;
  }
}
