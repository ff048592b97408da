import { ContextError } from './errors';
import { type AgentState, createAgentState } from './agent-state';
import { type Logger, type LogLevel } from './logger';
import { type MemoryStore } from './memory-store';
import { bindModelBudget, type ModelBudget, type ModelUsageMeter } from './model-budget';
import { type Principal } from './principal';
import { type ThreadStore } from './threads/thread-store';
import { type SamplingPort } from './sampling';

/** A root the client shares with the server (a folder or other URI the server may work in). */
export interface Root {
  readonly uri: string;
  readonly name?: string;
}

/** The contents of a resource, as text or as base64 bytes. */
export type ResourceContent =
  | { readonly uri: string; readonly mimeType?: string; readonly text: string }
  | { readonly uri: string; readonly mimeType?: string; readonly blob: string };

/** A progress report. `progress` must grow from one report to the next. */
export interface ProgressUpdate {
  readonly progress: number;
  readonly total?: number;
  readonly message?: string;
}

/**
 * The seed's `MCPContext`: everything a tool, resource or prompt handler may know of and do for the request
 * it serves. Created by the server for each request; transport details stay behind it.
 */
export interface RequestContext {
  /** The JSON-RPC id of the request being served. */
  readonly requestId: string | number;
  /** The MCP session, when the transport has sessions. */
  readonly sessionId: string | undefined;
  /** Who is calling. */
  readonly principal: Principal;
  /** Aborted when the client cancels the request, the connection closes, or the server shuts down. */
  readonly signal: AbortSignal;
  /** Server-side log (never sent to the client), bound to this request. */
  readonly logger: Logger;
  /** Preferences, auth and memory of the caller. */
  readonly state: AgentState;
  /**
   * Conversation threads that outlive the session (agent tools continue them by `threadId`), keyed by
   * `principalKey(principal)`; undefined when the server keeps none.
   */
  readonly threads?: ThreadStore;
  /** The client's roots, asked of the client when it supports them; empty otherwise. */
  roots(): Promise<readonly Root[]>;
  /**
   * Reports progress to the client when it asked for it (an MCP progress token); a no-op otherwise.
   * A bare string reports a step: progress counts up by one and the string is the message.
   */
  reportProgress(update: ProgressUpdate | string): Promise<void>;
  /** Reads a resource of this server, through the same access checks as a client's `resources/read`. */
  readResource(uri: string): Promise<readonly ResourceContent[]>;
  /** Sends a log message to the client, if the client's log level lets it through. */
  log(level: LogLevel, data: unknown): Promise<void>;
  /**
   * The least level the client asked to receive (MCP `logging/setLevel`); `undefined` when it never asked. Chatty
   * logs (an agent's streamed text) go only to clients that asked.
   */
  readonly clientLogLevel?: LogLevel | undefined;
  /**
   * The caller's budget of model tokens, when the server has one: agent tools check it before a model run and
   * charge what the run used, most simply through {@link withModelBudget}.
   */
  readonly modelBudget?: ModelBudget;
  /**
   * The client's own model (MCP sampling), when the client offers one; `undefined` otherwise. Optional so that
   * existing implementations of this interface stay valid.
   */
  readonly sampling?: SamplingPort | undefined;
}

/** What the server supplies to build a {@link RequestContext}; each transport fills these in. */
export interface RequestContextPorts {
  readonly requestId: string | number;
  readonly sessionId?: string;
  readonly principal: Principal;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly memory: MemoryStore;
  readonly threads?: ThreadStore;
  readonly listRoots: () => Promise<readonly Root[]>;
  readonly sendProgress: (update: ProgressUpdate) => Promise<void>;
  readonly readResource: (uri: string) => Promise<readonly ResourceContent[]>;
  readonly sendLog: (level: LogLevel, data: unknown) => Promise<void>;
  /** Per-principal model-token budgets; bound to `principal` as {@link RequestContext.modelBudget}. */
  readonly modelUsage?: ModelUsageMeter;
  /** The client's model, when the client can sample. */
  readonly sampling?: SamplingPort;
  /** The level the client set with `logging/setLevel`, if it did. */
  readonly clientLogLevel?: () => LogLevel | undefined;
}

/** Raised when progress does not grow, which MCP forbids. */
export class ProgressOrderError extends ContextError {
  readonly code = 'PROGRESS_NOT_INCREASING';
  constructor(previous: number, next: number) {
    super(`Progress must increase: ${next} follows ${previous}`);
  }
}

/**
 * The progress report that follows `previous`: a bare string counts up by one; a number must grow.
 * Shared by every implementation of {@link RequestContext.reportProgress}.
 */
export function nextProgress(previous: number, update: ProgressUpdate | string): ProgressUpdate {
  const next: ProgressUpdate =
    typeof update === 'string'
      ? { progress: previous === Number.NEGATIVE_INFINITY ? 1 : previous + 1, message: update }
      : update;
  if (next.progress <= previous) throw new ProgressOrderError(previous, next.progress);
  return next;
}

/**
 * The context of one request, built from ports. A class, not an object literal with getters: it is built for
 * every tool call, and V8 builds literal accessors far more slowly than it instantiates a class.
 */
class PortedRequestContext implements RequestContext {
  private lastProgress = Number.NEGATIVE_INFINITY;
  private stateValue: AgentState | undefined;

  constructor(private readonly ports: RequestContextPorts) {}

  get requestId(): string | number {
    return this.ports.requestId;
  }
  get sessionId(): string | undefined {
    return this.ports.sessionId;
  }
  get principal(): Principal {
    return this.ports.principal;
  }
  get signal(): AbortSignal {
    return this.ports.signal;
  }
  get logger(): Logger {
    return this.ports.logger;
  }
  get threads(): ThreadStore | undefined {
    return this.ports.threads;
  }
  get state(): AgentState {
    return (this.stateValue ??= createAgentState(this.ports.memory, this.ports.principal));
  }
  roots(): Promise<readonly Root[]> {
    return this.ports.listRoots();
  }
  async reportProgress(update: ProgressUpdate | string): Promise<void> {
    const next = nextProgress(this.lastProgress, update);
    this.lastProgress = next.progress;
    await this.ports.sendProgress(next);
  }
  readResource(uri: string): Promise<readonly ResourceContent[]> {
    return this.ports.readResource(uri);
  }
  log(level: LogLevel, data: unknown): Promise<void> {
    return this.ports.sendLog(level, data);
  }
  get modelBudget(): ModelBudget | undefined {
    return this.ports.modelUsage ? bindModelBudget(this.ports.modelUsage, this.ports.principal) : undefined;
  }
  get sampling(): SamplingPort | undefined {
    return this.ports.sampling;
  }
  get clientLogLevel(): LogLevel | undefined {
    return this.ports.clientLogLevel?.();
  }
}

/** Builds the context of one request from the ports a transport or server supplies. */
export function createRequestContext(ports: RequestContextPorts): RequestContext {
  return new PortedRequestContext(ports);
}
