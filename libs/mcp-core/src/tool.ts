import type { ContentBlock, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { type z } from 'zod';
import { type HandlerContext } from './tool-context';

/** Input schemas are zod objects: MCP requires tool arguments to be a JSON object. */
export type ToolInputSchema = z.ZodObject<z.ZodRawShape>;
/** Output schemas are zod objects too: `structuredContent` is a JSON object. */
export type ToolOutputSchema = z.ZodObject<z.ZodRawShape>;

const TOOL_RESPONSE = Symbol.for('@agent-mcp/mcp-core/tool-response');

/** A fully specified tool result, for tools that return rich content (images, audio, resources). */
export interface ToolResponse<S = Record<string, unknown>> {
  readonly [TOOL_RESPONSE]: true;
  readonly content: readonly ContentBlock[];
  readonly structuredContent?: S;
  readonly isError?: boolean;
  readonly _meta?: Record<string, unknown>;
}

/** Builds a {@link ToolResponse}. */
export function toolResponse<S = Record<string, unknown>>(
  response: Omit<ToolResponse<S>, typeof TOOL_RESPONSE>,
): ToolResponse<S> {
  return { ...response, [TOOL_RESPONSE]: true };
}

export function isToolResponse(value: unknown): value is ToolResponse<unknown> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[TOOL_RESPONSE] === true;
}

/**
 * What `execute` may return:
 * - with an output schema: the structured output itself (validated, sent as `structuredContent` plus a text
 *   rendering), or a {@link ToolResponse};
 * - without one: a string (sent as text content) or a {@link ToolResponse}.
 */
export type ToolReturn<O extends ToolOutputSchema | undefined> = O extends ToolOutputSchema
  ? z.input<O> | ToolResponse<z.input<O>>
  : string | ToolResponse;

/**
 * The tool contract: a name, a description for the model, zod schemas for input and output (advertised as
 * JSON Schema), annotations, and `execute`.
 */
export interface Tool<
  I extends ToolInputSchema = ToolInputSchema,
  O extends ToolOutputSchema | undefined = ToolOutputSchema | undefined,
> {
  /** Unique name, 1-128 characters of `A-Za-z0-9_-.` as MCP recommends. */
  readonly name: string;
  /** Human-readable name for UIs. */
  readonly title?: string;
  /** What the tool does and when to use it; models read this. */
  readonly description: string;
  /** Schema of the arguments. */
  readonly inputSchema: I;
  /**
   * The input schema advertised instead of the one derived from `inputSchema`, for JSON Schema 2020-12 keywords zod
   * does not write (`$anchor`, `if`/`then`/`else`, a `$schema` of its own). `inputSchema` still validates the
   * arguments: keep the two saying the same.
   */
  readonly inputJsonSchema?: Readonly<Record<string, unknown>> & { readonly type: 'object' };
  /** Schema of the structured result, if the tool has one. */
  readonly outputSchema?: O;
  /** Hints for clients: read-only, destructive, idempotent, open-world. */
  readonly annotations?: ToolAnnotations;
  /** Extra metadata advertised with the tool. */
  readonly _meta?: Record<string, unknown>;
  /**
   * Whether clients may (`optional`) or must (`required`) call the tool as an MCP task, which runs in the
   * background and is polled with `tasks/get` and `tasks/result`. Default `forbidden`: long-running tools
   * (agents) should say `optional`.
   */
  readonly execution?: {
    readonly taskSupport?: 'forbidden' | 'optional' | 'required';
    /**
     * When a 2026-07-28 call (tasks extension) becomes a task: `call` (default) as it arrives; `handler` when the
     * handler calls `ctx.continueAsTask()`, after gathering what it needs from the client through input-required
     * rounds (SEP-2663's composition with multi-round-trip requests).
     */
    readonly taskStart?: 'call' | 'handler';
    /**
     * Whether a task of this tool may be executed again from its arguments, on another replica, when the process
     * running it dies, where the server has durable task runs (`tasks.durable`; the HTTP server with
     * `DATABASE_URL`). Set it only for a tool whose writes are keyed so that a second execution writes nothing
     * twice, or that writes nothing (agent tools: their steps are recorded and their writes keyed by step). Default
     * false: such a task runs in the process that took the call and fails as abandoned if that process dies.
     */
    readonly resumable?: boolean;
  };
  /** Text rendering of the structured output. Default: pretty-printed JSON. */
  readonly render?: (output: O extends ToolOutputSchema ? z.output<O> : never) => string;
  /**
   * Runs the tool. Throw a `ToolError` (or any `McpCoreError`) to report a failure the caller should read;
   * any other error is reported as an internal error with a reference, its details only in the server log.
   * Honour `context.signal`: it aborts when the client cancels.
   */
  execute(params: z.output<I>, context: HandlerContext): Promise<ToolReturn<O>> | ToolReturn<O>;
}

/** Declares a tool with full type inference of its params and output. */
export function defineTool<I extends ToolInputSchema, O extends ToolOutputSchema | undefined = undefined>(
  tool: Tool<I, O>,
): Tool<I, O> {
  return tool;
}
