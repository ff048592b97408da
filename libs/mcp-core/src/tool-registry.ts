import type { CallToolResult, Tool as ToolDefinition } from '@modelcontextprotocol/sdk/types.js';
import { type Logger, noopLogger } from '@agent-mcp/context';
import {
  CancelledError,
  type ErrorKind,
  isExposable,
  JsonRpcErrorCode,
  McpCoreError,
  McpLocalError,
  NotFoundError,
} from './errors';
import { toJsonSchema } from './json-schema';
import { summarise } from './protocol/params';
import { type Tool, isToolResponse } from './tool';
import { type HandlerContext } from './tool-context';
import { CallContext } from './call-context';
import { InputRequiredSignal } from './mrtr/input-round';

const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

interface RegisteredTool {
  readonly tool: Tool;
  /** The wire definition, computed once: JSON Schema generation is far too slow for every `tools/list`. */
  readonly definition: ToolDefinition;
  readonly paramHeaders: readonly ParamHeader[];
}

/** Raised when a tool cannot be registered (bad name, duplicate, schema not an object). */
export class ToolRegistrationError extends McpLocalError {
  constructor(message: string) {
    super('TOOL_REGISTRATION_FAILED', message);
  }
}

/** Options of {@link ToolRegistry}. */
export interface ToolRegistryOptions {
  /** Where internal tool failures are logged with their reference. */
  readonly logger?: Logger;
}

/** A visibility filter: which tools a caller may see and call. */
export type ToolFilter = (name: string) => boolean;

/**
 * The seed's `ToolRegistry`: `register`, `list`, `execute`. Validates arguments against the tool's input
 * schema and results against its output schema, and turns every failure into a tool result the caller
 * can read (`isError: true`) without leaking internals.
 */
export class ToolRegistry {
  private readonly tools = new Map<string, RegisteredTool>();
  private readonly logger: Logger;
  private readonly listeners = new Set<() => void>();
  private cachedList: ToolDefinition[] | undefined;
  private cachedByName: ToolDefinition[] | undefined;

  constructor(options: ToolRegistryOptions = {}) {
    this.logger = options.logger ?? noopLogger;
  }

  /** Adds a tool. Its name must be unique and valid; its schemas must describe objects. */
  register(tool: Tool<never, never> | Tool): this {
    const t = tool as Tool;
    if (!TOOL_NAME.test(t.name)) {
      throw new ToolRegistrationError(`Invalid tool name "${t.name}": use 1-128 characters of A-Z a-z 0-9 _ - .`);
    }
    if (this.tools.has(t.name)) throw new ToolRegistrationError(`A tool named "${t.name}" is already registered`);
    let definition: ToolDefinition;
    try {
      definition = {
        name: t.name,
        ...(t.title ? { title: t.title } : {}),
        description: t.description,
        inputSchema: t.inputJsonSchema ? advertised(t.inputJsonSchema) : toJsonSchema(t.inputSchema, 'input'),
        ...(t.outputSchema ? { outputSchema: toJsonSchema(t.outputSchema, 'output') } : {}),
        ...(t.annotations ? { annotations: t.annotations } : {}),
        ...(t._meta ? { _meta: t._meta } : {}),
        ...(t.execution?.taskSupport ? { execution: { taskSupport: t.execution.taskSupport } } : {}),
      } as ToolDefinition;
    } catch (error) {
      throw new ToolRegistrationError(`Tool "${t.name}": ${(error as Error).message}`);
    }
    this.tools.set(t.name, {
      tool: t,
      definition: Object.freeze(definition),
      paramHeaders: paramHeadersOf(definition.inputSchema),
    });
    this.changed();
    return this;
  }

  /** Removes a tool; returns whether it was there. */
  unregister(name: string): boolean {
    const removed = this.tools.delete(name);
    if (removed) this.changed();
    return removed;
  }

  has(name: string): boolean {
    return this.tools.has(name);
  }

  get size(): number {
    return this.tools.size;
  }

  /** The wire definitions of the tools, in registration order, filtered for the caller when a filter is given. */
  list(filter?: ToolFilter): ToolDefinition[] {
    const all = (this.cachedList ??= [...this.tools.values()].map((r) => r.definition));
    return filter ? all.filter((d) => filter(d.name)) : all;
  }

  /**
   * The tools by name, in code-point order: the same on every replica whatever order they were registered in
   * (2026-07-28 asks for a deterministic `tools/list`, so clients and caches can compare lists).
   */
  listByName(filter?: ToolFilter): ToolDefinition[] {
    const all = (this.cachedByName ??= [...this.list()].sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    ));
    return filter ? all.filter((d) => filter(d.name)) : all;
  }

  /**
   * The parameters of a tool that travel in an HTTP header too (`x-mcp-header` in its input schema): over
   * 2026-07-28 HTTP the body's value must come in `Mcp-Param-<header>` as well.
   */
  paramHeaders(name: string): readonly ParamHeader[] {
    return this.tools.get(name)?.paramHeaders ?? NO_PARAM_HEADERS;
  }

  /** The registered tool, for policy decisions (annotations) and tests. */
  get(name: string): Tool | undefined {
    return this.tools.get(name)?.tool;
  }

  /** Whether `name` is registered and, given a filter, visible to the caller. */
  isCallable(name: string, filter?: ToolFilter): boolean {
    return this.tools.has(name) && (!filter || filter(name));
  }

  /** Called when the set of tools changes (for `notifications/tools/list_changed`). Returns an unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Runs a tool. Unknown tools (or tools the filter hides) raise {@link NotFoundError}, a protocol error;
   * everything that goes wrong inside the tool comes back as an `isError` result. A call whose signal was
   * aborted raises {@link CancelledError}, so that no result is sent for it.
   */
  async execute(
    name: string,
    args: Record<string, unknown> | undefined,
    context: HandlerContext,
    filter?: ToolFilter,
  ): Promise<CallToolResult> {
    const registered = this.tools.get(name);
    if (!registered || (filter && !filter(name))) throw new NotFoundError('tool', name);
    const { tool } = registered;

    const parsed = tool.inputSchema.safeParse(args ?? {});
    if (!parsed.success) {
      // Since 2025-11-25 argument errors are tool execution errors, so the model can read them and retry.
      return errorResult(`Invalid arguments for tool ${name}: ${summarise(parsed.error.issues)}`);
    }

    let output: unknown;
    try {
      output = await tool.execute(parsed.data, context);
    } catch (error) {
      if (context.signal.aborted) throw new CancelledError(String(context.signal.reason ?? 'Request cancelled'));
      // A 2026-07-28 question without an answer yet: the server answers input_required, not a tool error.
      if (error instanceof InputRequiredSignal) throw error;
      // An access refusal raised inside a tool (agent-tools maps a used-up model-token budget to a RateLimitError)
      // is one like the pipeline's: a protocol error (HTTP 401/403/429), not a tool result.
      if (isAccessRefusal(error)) throw error;
      // A capability the client did not declare is the request's fault, answered as the protocol error -32021.
      if (error instanceof McpCoreError && error.rpcCode === JsonRpcErrorCode.MissingRequiredClientCapability)
        throw error;
      if (isExposable(error)) return errorResult(error.message, { code: error.code, ...error.data });
      const ref = errorRef();
      this.logger.error('tool failed', { tool: name, ref, err: error });
      return errorResult(`Tool ${name} failed with an internal error (ref ${ref})`, { code: 'INTERNAL_ERROR', ref });
    }
    if (context instanceof CallContext ? context.cancelled : context.signal.aborted)
      throw new CancelledError(String(context.signal.reason ?? 'Request cancelled'));
    return this.format(tool, output);
  }

  private format(tool: Tool, output: unknown): CallToolResult {
    if (typeof output === 'string' && !tool.outputSchema) return { content: [{ type: 'text', text: output }] };
    if (isToolResponse(output)) {
      const result: CallToolResult = { content: [...output.content] as CallToolResult['content'] };
      if (output.isError) result.isError = true;
      if (output._meta) result._meta = output._meta;
      if (output.structuredContent !== undefined) {
        const checked = output.isError ? output.structuredContent : this.checkOutput(tool, output.structuredContent);
        if (checked instanceof Error) return this.invalidOutput(tool, checked);
        result.structuredContent = checked as Record<string, unknown>;
      } else if (tool.outputSchema && !output.isError) {
        return this.invalidOutput(
          tool,
          new Error('structuredContent missing although the tool declares an output schema'),
        );
      }
      return result;
    }
    if (!tool.outputSchema) {
      return this.invalidOutput(
        tool,
        new Error(`tool without output schema returned ${typeof output}, expected a string`),
      );
    }
    const checked = this.checkOutput(tool, output);
    if (checked instanceof Error) return this.invalidOutput(tool, checked);
    const text = tool.render ? tool.render(checked as never) : JSON.stringify(checked, null, 2);
    return { content: [{ type: 'text', text }], structuredContent: checked as Record<string, unknown> };
  }

  private checkOutput(tool: Tool, value: unknown): unknown {
    if (!tool.outputSchema) return value;
    const parsed = tool.outputSchema.safeParse(value);
    return parsed.success ? parsed.data : new Error(summarise(parsed.error.issues));
  }

  private invalidOutput(tool: Tool, error: Error): CallToolResult {
    const ref = errorRef();
    this.logger.error('tool returned invalid output', { tool: tool.name, ref, reason: error.message });
    return errorResult(`Tool ${tool.name} produced an invalid result (ref ${ref})`, {
      code: 'INVALID_TOOL_OUTPUT',
      ref,
    });
  }

  private changed(): void {
    this.cachedList = undefined;
    this.cachedByName = undefined;
    for (const listener of this.listeners) listener();
  }
}

/** A tool parameter mirrored in the `Mcp-Param-<header>` HTTP header. */
export interface ParamHeader {
  readonly param: string;
  readonly header: string;
}

const NO_PARAM_HEADERS: readonly ParamHeader[] = Object.freeze([]);
const HEADER_NAME = /^[A-Za-z0-9-]{1,64}$/;

function paramHeadersOf(schema: unknown): readonly ParamHeader[] {
  const properties = (schema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
  const found: ParamHeader[] = [];
  for (const [param, property] of Object.entries(properties)) {
    const header = (property as Record<string, unknown> | undefined)?.['x-mcp-header'];
    if (header === undefined) continue;
    if (typeof header !== 'string' || !HEADER_NAME.test(header))
      throw new Error(`parameter ${param}: x-mcp-header must be a header-name token (letters, digits, -)`);
    found.push({ param, header });
  }
  return found.length > 0 ? Object.freeze(found) : NO_PARAM_HEADERS;
}

/** A given JSON Schema, checked to describe an object and copied so later changes to the caller's do not leak in. */
function advertised(schema: Readonly<Record<string, unknown>>): Record<string, unknown> {
  if (schema.type !== 'object') throw new TypeError('inputJsonSchema must describe an object (type: "object")');
  return structuredClone(schema) as Record<string, unknown>;
}

const ACCESS_KINDS: ReadonlySet<ErrorKind> = new Set(['authentication', 'rate_limit', 'permission']);

function isAccessRefusal(error: unknown): error is McpCoreError {
  return error instanceof McpCoreError && ACCESS_KINDS.has(error.kind);
}

function errorResult(text: string, meta?: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true, ...(meta ? { _meta: { error: meta } } : {}) };
}

/** A short random reference that ties a client-visible error to its full log line. */
export function errorRef(): string {
  return Math.random().toString(36).slice(2, 10);
}
