import { z } from 'zod';
import { UserError } from './errors';
import { type InputGuardrail, type OutputGuardrail } from './guardrails';
import { toJsonSchema } from './json-schema';
import { type Model, type ModelSettings, type OutputSchema } from './model';
import { runAsTool } from './run';
import { type FunctionTool, type Tool, tool } from './tool';
import { toolSafeName } from './handoff';

/** What an agent's final output may be: free text (`undefined`) or a zod schema for structured output. */
export type AgentOutputType = z.ZodType | undefined;

/** The final output of an agent with output type `T`: a string, or the schema's parsed value. */
export type AgentOutput<T extends AgentOutputType> = T extends z.ZodType ? z.output<T> : string;

/** Options of {@link Agent}. */
export interface AgentOptions<TOutput extends AgentOutputType = undefined> {
  /** Shown to other agents (handoffs, agent-as-tool) and in events; must be unique within a run. */
  readonly name: string;
  /** The system prompt. */
  readonly instructions?: string;
  /** Tells another agent when to hand off to this one. */
  readonly handoffDescription?: string;
  /** A {@link Model}, or a model name resolved by the run's provider; defaults to the provider's model. */
  readonly model?: string | Model;
  readonly modelSettings?: ModelSettings;
  readonly tools?: readonly Tool[];
  /** Agents this one may hand the conversation over to; they must produce the same kind of output. */
  readonly handoffs?: readonly Agent<TOutput>[];
  /** A zod schema: the final answer is requested as JSON following it, then parsed and validated. */
  readonly outputType?: TOutput;
  readonly inputGuardrails?: readonly InputGuardrail[];
  readonly outputGuardrails?: readonly OutputGuardrail<AgentOutput<TOutput>>[];
}

/** Options of {@link Agent.asTool}. */
export interface AgentAsToolOptions {
  /** Tool name; defaults to the agent's name made safe for tool names. */
  readonly name?: string;
  /** Tool description; defaults to the agent's `handoffDescription`. */
  readonly description?: string;
}

/**
 * An LLM with instructions, tools and an output type. Immutable: build variants with {@link Agent.clone}.
 *
 * @example
 * const agent = new Agent({ name: 'assistant', instructions: 'Be brief.', tools: [weather] });
 * const result = await run(agent, 'Weather in Paris?');
 */
export class Agent<TOutput extends AgentOutputType = undefined> {
  readonly name: string;
  readonly instructions: string | undefined;
  readonly handoffDescription: string | undefined;
  readonly model: string | Model | undefined;
  readonly modelSettings: ModelSettings;
  readonly tools: readonly Tool[];
  readonly handoffs: readonly Agent<TOutput>[];
  readonly outputType: TOutput | undefined;
  readonly inputGuardrails: readonly InputGuardrail[];
  readonly outputGuardrails: readonly OutputGuardrail<AgentOutput<TOutput>>[];
  /** JSON Schema of `outputType`, computed once. */
  readonly outputSchema: OutputSchema | undefined;

  constructor(options: AgentOptions<TOutput>) {
    if (!options.name) throw new UserError('An agent needs a name.');
    this.name = options.name;
    this.instructions = options.instructions;
    this.handoffDescription = options.handoffDescription;
    this.model = options.model;
    this.modelSettings = Object.freeze({ ...options.modelSettings });
    this.tools = Object.freeze([...(options.tools ?? [])]);
    this.handoffs = Object.freeze([...(options.handoffs ?? [])]);
    this.outputType = options.outputType;
    this.inputGuardrails = Object.freeze([...(options.inputGuardrails ?? [])]);
    this.outputGuardrails = Object.freeze([...(options.outputGuardrails ?? [])]);
    if (options.outputType) {
      const { schema, strict } = toJsonSchema(options.outputType);
      if (schema['type'] !== 'object') {
        throw new UserError(`Agent "${this.name}": outputType must be a zod object schema.`);
      }
      this.outputSchema = Object.freeze({ name: 'final_output', schema, strict });
    } else {
      this.outputSchema = undefined;
    }
    const names = new Set<string>();
    for (const t of this.tools) {
      if (names.has(t.name)) throw new UserError(`Agent "${this.name}" has two tools named "${t.name}".`);
      names.add(t.name);
    }
  }

  /** A copy with some options replaced. */
  clone(overrides: Partial<AgentOptions<TOutput>>): Agent<TOutput> {
    return new Agent<TOutput>({ ...this.options(), ...overrides });
  }

  /**
   * This agent as a function tool of another agent: the tool takes `{ input: string }`, runs this agent to
   * completion (sharing the caller's cancellation, deadline, provider and observer) and returns its final
   * output. Its token usage counts towards the calling run's usage.
   */
  asTool(options: AgentAsToolOptions = {}): FunctionTool {
    const description = options.description ?? this.handoffDescription;
    if (!description) {
      throw new UserError(`Agent "${this.name}" as a tool needs a description (or a handoffDescription).`);
    }
    return tool({
      name: options.name ?? toolSafeName(this.name),
      description,
      parameters: z.object({ input: z.string().describe('The request for the agent.') }),
      execute: async ({ input }, context) => {
        const output = await runAsTool(this, input, context);
        return typeof output === 'string' ? output : JSON.stringify(output);
      },
    });
  }

  private options(): AgentOptions<TOutput> {
    return {
      name: this.name,
      instructions: this.instructions,
      handoffDescription: this.handoffDescription,
      model: this.model,
      modelSettings: this.modelSettings,
      tools: this.tools,
      handoffs: this.handoffs,
      outputType: this.outputType,
      inputGuardrails: this.inputGuardrails,
      outputGuardrails: this.outputGuardrails,
    };
  }
}
