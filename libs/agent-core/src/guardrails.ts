import { type AgentItem } from './model';

/** What a guardrail decides. */
export interface GuardrailResult {
  /** `true` stops the run with a {@link GuardrailTripwireError}. */
  readonly tripwireTriggered: boolean;
  /** Anything worth reporting (a reason, scores); carried by the error. */
  readonly info?: unknown;
}

/** Checks the run's input before the first model turn. Only the starting agent's input guardrails run. */
export interface InputGuardrail {
  readonly name: string;
  execute(args: {
    readonly input: readonly AgentItem[];
    readonly agentName: string;
    readonly signal: AbortSignal;
  }): GuardrailResult | Promise<GuardrailResult>;
}

/** Checks the final output before the run returns it. The last agent's output guardrails run. */
export interface OutputGuardrail<TOutput = unknown> {
  readonly name: string;
  execute(args: {
    readonly output: TOutput;
    readonly agentName: string;
    readonly signal: AbortSignal;
  }): GuardrailResult | Promise<GuardrailResult>;
}
