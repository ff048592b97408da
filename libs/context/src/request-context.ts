import { type AgentState, scopeMemory } from './agent-state';
import { type Conversation } from './conversation';
import { type Logger, type LogLevel } from './logger';
import { type MemoryStore } from './memory-store';
import { type Principal } from './principal';

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
  /** The conversation of this session. */
  readonly conversation: Conversation;
  /** Preferences, auth and memory of the caller. */
  readonly state: AgentState;
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
}

/** What the server supplies to build a {@link RequestContext}; each transport fills these in. */
export interface RequestContextPorts {
  readonly requestId: string | number;
  readonly sessionId?: string;
  readonly principal: Principal;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly memory: MemoryStore;
  readonly preferences?: Readonly<Record<string, unknown>>;
  /** Returns the session's conversation; called only when a handler touches it. */
  readonly conversation: () => Conversation;
  readonly listRoots: () => Promise<readonly Root[]>;
  readonly sendProgress: (update: ProgressUpdate) => Promise<void>;
  readonly readResource: (uri: string) => Promise<readonly ResourceContent[]>;
  readonly sendLog: (level: LogLevel, data: unknown) => Promise<void>;
}

/** Raised when progress does not grow, which MCP forbids. */
export class ProgressOrderError extends Error {
  readonly code = 'PROGRESS_NOT_INCREASING';
  constructor(previous: number, next: number) {
    super(`Progress must increase: ${next} follows ${previous}`);
    this.name = 'ProgressOrderError';
  }
}

/**
 * Builds the context of one request. Cheap by design: the conversation and state are materialised only when
 * a handler reads them, because most requests never do.
 */
export function createRequestContext(ports: RequestContextPorts): RequestContext {
  let lastProgress = Number.NEGATIVE_INFINITY;
  let conversation: Conversation | undefined;
  let state: AgentState | undefined;
  return {
    requestId: ports.requestId,
    sessionId: ports.sessionId,
    principal: ports.principal,
    signal: ports.signal,
    logger: ports.logger,
    get conversation() {
      return (conversation ??= ports.conversation());
    },
    get state() {
      return (state ??= Object.freeze({
        preferences: ports.preferences ?? {},
        auth: ports.principal,
        memory: scopeMemory(ports.memory, ports.principal),
      }));
    },
    roots: () => ports.listRoots(),
    reportProgress: async (update) => {
      const next: ProgressUpdate =
        typeof update === 'string'
          ? { progress: lastProgress === Number.NEGATIVE_INFINITY ? 1 : lastProgress + 1, message: update }
          : update;
      if (next.progress <= lastProgress) throw new ProgressOrderError(lastProgress, next.progress);
      lastProgress = next.progress;
      await ports.sendProgress(next);
    },
    readResource: (uri) => ports.readResource(uri),
    log: (level, data) => ports.sendLog(level, data),
  };
}
