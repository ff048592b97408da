import { type z } from 'zod';
import { toJsonSchema } from './json-schema';
import { type FunctionToolDefinition, type HostedToolDefinition } from './model';
import { UserError } from './errors';

/** What a tool's `execute` receives besides its arguments. */
export interface ToolContext {
  /** Fires when the run is cancelled or hits its deadline. Long-running tools must stop when it does. */
  readonly signal: AbortSignal;
  /** The id the model gave this call. */
  readonly callId: string;
  /** Name of the agent whose model asked for the call. */
  readonly agentName: string;
  /**
   * A key for what this call writes, the same every time this call's step runs again (a run resumed after a
   * crash, see `RunJournal.stepKey`): a tool that writes inserts with it and lets a repeat find the first write.
   * Absent when the run records nothing (nothing replays there).
   */
  readonly idempotencyKey?: string;
  /**
   * Keeps `value` (JSON) with this call's recorded step, for the tool's {@link ToolOptions.restore}: what the call
   * changed in state the tool keeps beside the run (a ledger of the pages it read, the ticket it opened). Kept
   * whether the call returns or throws.
   */
  readonly keep: (value: unknown) => void;
  /**
   * For a call that needed approval: what the approver kept with its yes (`ApprovalDecision.record`), as recorded
   * with the approval's step, so the same when a resumed run replays the approval instead of asking.
   */
  readonly approval?: unknown;
}

/** Options of {@link tool}. */
export interface ToolOptions<TParams extends z.ZodType, TResult> {
  /** Name the model calls the tool by: letters, digits, `_` and `-`, at most 64 characters. */
  readonly name: string;
  /** What the tool does and when to use it; the model reads this. */
  readonly description: string;
  /** Zod schema of the arguments; the model's arguments are validated against it before `execute` runs. */
  readonly parameters: TParams;
  /**
   * Runs the tool. Return a string, or any JSON-serialisable value (sent to the model as JSON).
   * Throwing sends the error's message back to the model as the tool's result instead of failing the run, inside
   * the untrusted-data fence (`wrapUntrusted`): an error can quote what the tool read.
   */
  readonly execute: (args: z.output<TParams>, context: ToolContext) => TResult | Promise<TResult>;
  /**
   * Whether a call must be approved by a person before `execute` runs (a write, a payment, a message sent):
   * `true`, or a function of the arguments (`false` for a call that changes nothing). The run asks its
   * approver (`RunOptions.approve`) and runs `execute` only on `approved`; `declined` or `pending` ends the run.
   * A run without an approver never runs such a call: the model is told it could not be approved.
   */
  readonly needsApproval?: boolean | ((args: z.output<TParams>, context: ToolContext) => boolean | Promise<boolean>);
  /**
   * Puts back, in state the tool keeps beside the run, what a call changed, when a run resumed after a crash (or
   * executed again on its journal) replays the call's step from its record instead of running `execute`: called
   * once per value that call kept with `context.keep`, in order. Without it such state misses every call made
   * before the crash, and what the run reports of them comes from the model's record only.
   */
  readonly restore?: (kept: unknown) => void;
}

/** A function tool, made by {@link tool} or {@link Agent.asTool}. */
export interface FunctionTool {
  readonly type: 'function';
  readonly name: string;
  readonly description: string;
  /** The definition sent to the model. */
  readonly definition: FunctionToolDefinition;
  /** Validates raw arguments; returns the parsed value or a message for the model. */
  readonly parse: (args: unknown) => { ok: true; value: unknown } | { ok: false; message: string };
  readonly invoke: (args: unknown, context: ToolContext) => Promise<unknown>;
  /** Whether this call (of parsed arguments) must be approved before {@link FunctionTool.invoke}; absent: never. */
  readonly needsApproval?: (args: unknown, context: ToolContext) => Promise<boolean>;
  /** Puts back what a replayed call kept (see {@link ToolOptions.restore}). */
  readonly restore?: (kept: unknown) => void;
}

/** A tool the model server runs itself, e.g. {@link webSearchTool}. */
export interface HostedTool {
  readonly type: 'hosted';
  readonly name: string;
  readonly definition: HostedToolDefinition;
}

/** Any tool an agent can carry. */
export type Tool = FunctionTool | HostedTool;

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * Defines a function tool.
 *
 * @example
 * const weather = tool({
 *   name: 'get_weather',
 *   description: 'Current weather for a city',
 *   parameters: z.object({ city: z.string() }),
 *   execute: async ({ city }, { signal }) => fetchWeather(city, { signal }),
 * });
 */
export function tool<TParams extends z.ZodType, TResult>(options: ToolOptions<TParams, TResult>): FunctionTool {
  if (!TOOL_NAME.test(options.name)) {
    throw new UserError(`Invalid tool name "${options.name}": use 1-64 letters, digits, "_" or "-".`);
  }
  const { schema, strict } = toJsonSchema(options.parameters);
  const { parameters, execute, needsApproval, restore } = options;
  return Object.freeze({
    type: 'function' as const,
    name: options.name,
    description: options.description,
    definition: Object.freeze({
      type: 'function' as const,
      name: options.name,
      description: options.description,
      parameters: schema,
      strict,
    }),
    parse(args: unknown) {
      const result = parameters.safeParse(args);
      if (result.success) return { ok: true as const, value: result.data };
      const issues = result.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
        .join('; ');
      return { ok: false as const, message: `Invalid arguments for tool "${options.name}": ${issues}` };
    },
    async invoke(args: unknown, context: ToolContext) {
      return execute(args as z.output<TParams>, context);
    },
    ...(needsApproval === undefined || needsApproval === false
      ? {}
      : {
          needsApproval: async (args: unknown, context: ToolContext) =>
            // Fail closed: only an explicit false lets a call of an approval tool run unasked.
            needsApproval === true ? true : (await needsApproval(args as z.output<TParams>, context)) !== false,
        }),
    ...(restore ? { restore } : {}),
  });
}

/** Options of {@link webSearchTool}, passed to the Responses API as they are. */
export interface WebSearchToolOptions {
  readonly searchContextSize?: 'low' | 'medium' | 'high';
  readonly userLocation?: {
    readonly type: 'approximate';
    readonly city?: string;
    readonly country?: string;
    readonly region?: string;
    readonly timezone?: string;
  };
}

/**
 * OpenAI's hosted web search. Only available with the Responses API against OpenAI itself: a run on another
 * server or on Chat Completions fails with a {@link UserError} rather than silently dropping the tool.
 */
export function webSearchTool(options: WebSearchToolOptions = {}): HostedTool {
  const config: Record<string, unknown> = {};
  if (options.searchContextSize) config['search_context_size'] = options.searchContextSize;
  if (options.userLocation) config['user_location'] = options.userLocation;
  return Object.freeze({
    type: 'hosted' as const,
    name: 'web_search',
    definition: Object.freeze({ type: 'hosted' as const, name: 'web_search', config }),
  });
}
