import { type AgentError } from './errors';
import { type AgentItem } from './model';
import { type Usage } from './usage';

/** The outcome of a completed run. */
export interface RunResult<TOutput = string> {
  /** Unique id of the run, also reported to observers. */
  readonly runId: string;
  /** The final answer: the text, or the parsed and validated structured output. */
  readonly finalOutput: TOutput;
  /** The final answer's raw text (the JSON text for structured output). */
  readonly text: string;
  /** Items the run added to the conversation (model messages, tool calls and their outputs), in order. */
  readonly items: readonly AgentItem[];
  /** Tokens used by every model response of the run, including agents run as tools. */
  readonly usage: Usage;
  /** Model turns taken (one model response each). */
  readonly turns: number;
  /** Name of the agent that produced the final output (differs from the starting agent after a handoff). */
  readonly lastAgent: string;
}

/** Events of a streamed run, discriminated on `type`. */
export type RunStreamEvent<TOutput = string> =
  /** The agent now in charge: the starting agent, then each handoff target. */
  | { readonly type: 'agent_updated'; readonly agent: string }
  /** A piece of the model's text. Text of intermediate turns (before tool calls) is included. */
  | { readonly type: 'text_delta'; readonly agent: string; readonly delta: string }
  /** A function tool starts running, with the arguments the model gave. */
  | {
      readonly type: 'tool_call_started';
      readonly agent: string;
      readonly callId: string;
      readonly name: string;
      readonly arguments: string;
    }
  /** A function tool finished; `isError` when the result sent to the model is an error message. */
  | {
      readonly type: 'tool_call_finished';
      readonly agent: string;
      readonly callId: string;
      readonly name: string;
      readonly output: string;
      readonly isError: boolean;
    }
  /** The conversation moved from one agent to another. */
  | { readonly type: 'handoff'; readonly from: string; readonly to: string }
  /** A model response completed: its usage and the run's running total. */
  | {
      readonly type: 'usage';
      readonly agent: string;
      readonly turn: number;
      readonly usage: Usage;
      readonly total: Usage;
    }
  /** The run completed; always the last event of a successful run. */
  | { readonly type: 'run_completed'; readonly result: RunResult<TOutput> }
  /** The run failed; always the last event of a failed run. */
  | { readonly type: 'error'; readonly error: AgentError };
