import type { ClientCapabilities, ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import {
  ANONYMOUS_PRINCIPAL,
  createJsonLogger,
  InMemoryMemoryStore,
  type Logger,
  type MemoryStore,
  type ModelUsageMeter,
  type Principal,
  principalKey,
  type ThreadStore,
  isTerminalStatus,
  type TaskOutcome,
  type TaskRecord,
} from '@agent-mcp/context';
import {
  CancelledError,
  isExposable,
  JsonRpcErrorCode,
  McpCoreError,
  NotFoundError,
  ProtocolError,
  toJsonRpcError,
  UnavailableError,
} from './errors';
import {
  type ClassifiedMessage,
  classifyMessage,
  DEFAULT_MESSAGE_LIMITS,
  errorMessage,
  type JSONRPCNotification,
  type JSONRPCRequest,
  type MessageLimits,
  notificationMessage,
  resultMessage,
} from './protocol/messages';
import {
  parseCallToolParams,
  CancelledParams,
  CompleteParams,
  GetPromptParams,
  InitializeParams,
  PaginatedParams,
  parseParams,
  ReadResourceParams,
  SetLevelParams,
  SubscribeParams,
} from './protocol/params';
import { negotiateProtocolVersion } from './protocol/versions';
import {
  ALL_PROTOCOL_VERSIONS,
  type CachePolicy,
  envelopeVersion,
  MODERN_METHODS,
  modernMethodNotFound,
  modernResult,
  readEnvelope,
} from './protocol/modern';
import {
  createPipeline,
  type Pipeline,
  type PipelineRequest,
  type RequestTarget,
  type TransportInfo,
} from './pipeline';
import { PromptRegistry } from './prompt-registry';
import { ResourceRegistry } from './resource-registry';
import { type MessageSink, type RequestChannel, RequestSession, Session } from './session';
import { type HandlerContext } from './tool-context';
import { type Call, type CallEnvironment, CallContext, ServedCall } from './call-context';
import { RequestAbort } from './request-abort';
import { errorRef, ToolRegistry } from './tool-registry';
import { detachedTaskCall, legacyTaskInputs, TaskCallContext, TaskChannel } from './tasks/task-run';
import { LegacyTaskQuestions } from './tasks/legacy-task-questions';
import { TaskManager, type TaskOptions, taskToWire } from './tasks/task-manager';
import { type DurableTaskCall, parseDurableTaskCall } from './tasks/durable-tasks';
import {
  classifyModern,
  createTaskResult,
  declaresTasksExtension,
  detailedTask,
  missingTasksExtension,
  TASKS_EXTENSION,
} from './tasks/tasks-extension';
import { INPUT_REQUIRED_METHODS, InputParams, type InputSource, InputRound } from './mrtr/input-round';
import { InMemoryRequestStateLedger, type RequestStateLedger } from './mrtr/ledger';
import {
  type ParkedState,
  randomRequestStateKey,
  type RequestStateBinding,
  RequestStateSealer,
} from './mrtr/request-state';
import { type ParkedCallRuns, ParkedInputs, type ParkedRunJournal } from './mrtr/parked-call';
import { ParkedCalls } from './mrtr/parked-calls';
import { type McpObserver, outcomeOf, reportRequest, type RequestOutcome } from './observer';
import { type ChangeFeed } from './listen/change-feed';
import { type ListenLimits } from './listen/listen-hub';
import { Listening } from './listen/listening';
import {
  context,
  inChildSpan,
  incomingContext,
  recordFailure,
  type RequestSpanAttributes,
  startRequestSpan,
  trace,
} from './tracing';

/** Options of {@link McpServer}. */
export interface McpServerOptions {
  /** Server name and version, as sent in `serverInfo`. */
  readonly name: string;
  readonly version: string;
  readonly title?: string;
  /** Guidance for the client's model on how to use this server. */
  readonly instructions?: string;
  readonly tools?: ToolRegistry;
  readonly resources?: ResourceRegistry;
  readonly prompts?: PromptRegistry;
  /** The request pipeline. Default: {@link createPipeline} with allow-all stages (local use). */
  readonly pipeline?: Pipeline;
  /** Server-side log. Default: JSON lines on stderr at `info`. */
  readonly logger?: Logger;
  /** Per-principal memory. Default: a bounded in-process store. */
  readonly memory?: MemoryStore;
  /** How long a request to the client (roots, sampling, elicitation) may wait. Default 60 s. */
  readonly clientRequestTimeoutMs?: number;
  /** Limits on the shape of incoming messages. */
  readonly messageLimits?: Partial<MessageLimits>;
  /**
   * MCP tasks (2025-11-25): tools that allow it can be called as tasks, run in the background and polled.
   * Default: on, with tasks kept in memory; give a `SqlTaskStore` to keep them across restarts and replicas.
   * `false` turns tasks off (task-augmented calls then run as ordinary calls).
   */
  readonly tasks?: TaskOptions | false;
  /**
   * Where conversation threads live, offered to handlers as `context.threads` (agent tools continue them by
   * `threadId`). Register `createThreadTools(store)` of `@agent-mcp/agent-tools` to let clients list, read, fork and delete them.
   * Default: none.
   */
  readonly threads?: ThreadStore;
  /**
   * Per-principal model-token budgets, offered to tools as `ctx.modelBudget`. A tool that finds the caller's
   * budget used up fails the call with a rate-limit error (429, `Retry-After`). Default: no budget.
   */
  readonly modelUsageMeter?: ModelUsageMeter;
  /** Told of every finished request (logs, metrics). Default: none. */
  readonly observer?: McpObserver;
  /** How 2026-07-28 multi-round-trip requests seal and check their `requestState`. */
  readonly requestState?: RequestStateOptions;
  /**
   * Runs for the 2026-07-28 calls of resumable tools (`execution.resumable`): such a call is a run whose steps are
   * recorded, and its questions to the client park the run (`input_required` with a `requestState` naming it) until
   * the client's retry, on any replica, delivers the answers; a run whose replica died resumes on a live one. Define
   * the work of a started call as {@link McpServer.executeParked} before the runs start. Default: none (such a call
   * is run again from the start on each retry, what it learned sealed in the `requestState`).
   */
  readonly parkedCalls?: ParkedCallRuns;
  /**
   * How long a call that must be a recorded run waits for the run engine (it starts with the server) before it is
   * refused with `UNAVAILABLE` and `Retry-After`, in ms: a task of a resumable tool on durable tasks
   * (`TaskOptions.durableReadyWaitMs` overrides it there), and a call of one on recorded parked calls. Default 15 000.
   */
  readonly runEngineWaitMs?: number;
  /** Limits on open 2026-07-28 `subscriptions/listen` streams. Default: 10 per principal, 1000 in all. */
  readonly listen?: ListenLimits;
  /**
   * Where changes of shared state (a resource updated, a task's status) meet the listen streams of every replica
   * (`RedisChangeFeed` for several). Default: this process only. See also {@link McpServer.useChangeFeed}.
   */
  readonly changes?: ChangeFeed;
}

/** Options of the `requestState` of multi-round-trip requests (MCP 2026-07-28). */
export interface RequestStateOptions {
  /**
   * AES-256-GCM key material, 32 bytes or more each: the first seals, all open (rotation). Every replica that
   * may receive a retry needs the same keys. Default: a random key of this process (a retry reaching another
   * process, or this one after a restart, is refused and the client starts over).
   */
  readonly keys?: readonly Uint8Array[];
  /** Where used states are recorded so each opens once. Default: in this process's memory. */
  readonly ledger?: RequestStateLedger;
  /** How long a state may be retried. Default 10 minutes. */
  readonly ttlMs?: number;
}

const TaskParam = z.looseObject({ ttl: z.number().int().positive().optional() }).optional();
const TaskIdParams = z.looseObject({ taskId: z.string().min(1).max(256) });

type MethodHandler = (call: Call) => Promise<Record<string, unknown>> | Record<string, unknown>;

const CAPABILITIES: ServerCapabilities = Object.freeze({
  tools: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  prompts: { listChanged: true },
  completions: {},
  logging: {},
}) as ServerCapabilities;

/**
 * What a 2026-07-28 client is offered: the same features, list changes and resource updates delivered on
 * `subscriptions/listen` streams instead of a session's stream; tasks become the `io.modelcontextprotocol/tasks`
 * extension (whose status notifications ride the listen stream too).
 */
const MODERN_CAPABILITIES: ServerCapabilities = Object.freeze({
  tools: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  prompts: { listChanged: true },
  completions: {},
  logging: {},
}) as ServerCapabilities;

const MODERN_CAPABILITIES_WITH_TASKS: ServerCapabilities = Object.freeze({
  ...MODERN_CAPABILITIES,
  extensions: { [TASKS_EXTENSION]: {} },
}) as ServerCapabilities;

/**
 * Lists and reads are stale at once and private to the caller: the tool set depends on the principal and may
 * change at run time.
 */
const MODERN_CACHE: CachePolicy = Object.freeze({ ttlMs: 0, cacheScope: 'private' });

const CAPABILITIES_WITH_TASKS: ServerCapabilities = Object.freeze({
  ...CAPABILITIES,
  tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } },
}) as ServerCapabilities;

/** The longest wait a timer takes (2^31 - 1 ms, some 24 days): a task that never expires waits that long. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The MCP server core: one instance serves every session of every transport. Per message it checks the
 * envelope, runs the request pipeline, dispatches to a method handler and sends the response on the
 * request's channel. Nothing is constructed per request beyond the request's own context, and nothing per
 * session beyond a small {@link Session} record.
 */
export class McpServer {
  readonly tools: ToolRegistry;
  readonly resources: ResourceRegistry;
  readonly prompts: PromptRegistry;
  readonly logger: Logger;
  /** The MCP tasks of this server; undefined when tasks are off. */
  readonly tasks: TaskManager | undefined;
  /** The conversation threads handlers see as `context.threads`; undefined when the server keeps none. */
  readonly threads: ThreadStore | undefined;
  private readonly memory: MemoryStore;
  private readonly pipeline: Pipeline;
  private readonly clientRequestTimeoutMs: number;
  private readonly limits: MessageLimits;
  private readonly info: { name: string; version: string; title?: string };
  private readonly instructions: string | undefined;
  private readonly handlers = new Map<string, MethodHandler>();
  /** Handlers of methods whose 2026-07-28 form differs (the tasks extension's). */
  private readonly modernHandlers = new Map<string, MethodHandler>();
  private readonly sessions = new Set<Session>();
  private readonly environment: CallEnvironment;
  private readonly observer: McpObserver | undefined;
  private readonly requestStates: RequestStateSealer;
  private readonly listening: Listening;
  private readonly parked: ParkedCalls | undefined;
  /** The questions of 2025-11-25 durable tasks, asked where their client's `tasks/result` is served. */
  private readonly taskQuestions: LegacyTaskQuestions | undefined;
  private accepting = true;

  constructor(options: McpServerOptions) {
    this.logger = options.logger ?? createJsonLogger();
    this.tools = options.tools ?? new ToolRegistry({ logger: this.logger });
    this.resources = options.resources ?? new ResourceRegistry();
    this.prompts = options.prompts ?? new PromptRegistry();
    this.memory = options.memory ?? new InMemoryMemoryStore();
    this.pipeline = options.pipeline ?? createPipeline();
    this.clientRequestTimeoutMs = options.clientRequestTimeoutMs ?? 60_000;
    this.limits = { ...DEFAULT_MESSAGE_LIMITS, ...options.messageLimits };
    this.info = { name: options.name, version: options.version, ...(options.title ? { title: options.title } : {}) };
    this.instructions = options.instructions;
    this.observer = options.observer;
    this.requestStates = new RequestStateSealer({
      keys: options.requestState?.keys ?? [randomRequestStateKey()],
      ledger: options.requestState?.ledger ?? new InMemoryRequestStateLedger(),
      ...(options.requestState?.ttlMs !== undefined ? { ttlMs: options.requestState.ttlMs } : {}),
    });
    this.environment = {
      resources: this.resources,
      memory: this.memory,
      logger: this.logger,
      clientRequestTimeoutMs: this.clientRequestTimeoutMs,
      ...(options.threads ? { threads: options.threads } : {}),
      modelUsage: options.modelUsageMeter,
    };
    this.tasks =
      options.tasks === false
        ? undefined
        : new TaskManager({ durableReadyWaitMs: options.runEngineWaitMs, ...options.tasks }, this.logger);
    const durable = options.tasks === false ? undefined : options.tasks?.durable;
    this.taskQuestions = durable
      ? new LegacyTaskQuestions(durable, this.clientRequestTimeoutMs, this.logger)
      : undefined;
    this.parked = options.parkedCalls
      ? new ParkedCalls({
          runs: options.parkedCalls,
          tools: this.tools,
          environment: this.environment,
          sealer: this.requestStates,
          logger: this.logger,
          bindingOf,
          ...(options.runEngineWaitMs !== undefined ? { engineWaitMs: options.runEngineWaitMs } : {}),
        })
      : undefined;
    this.threads = options.threads;
    this.listening = new Listening(options.listen, this.tasks, this.logger);
    if (options.changes) this.listening.useFeed(options.changes);
    this.registerHandlers();
    this.tools.onChange(() => {
      this.broadcast(notificationMessage('notifications/tools/list_changed'));
      // This process's registry: other replicas have their own.
      this.listening.local({ kind: 'list_changed', list: 'tools' });
    });
    // Raised by the owner of the data behind the resources (shared by the replicas): every replica's listeners hear.
    this.resources.onChange((change) =>
      change.kind === 'updated' ? this.notifyResourceUpdated(change.uri) : this.notifyListChanged('resources'),
    );
  }

  /** Shares changes with the listen streams of other replicas through `feed` (a `RedisChangeFeed`). */
  useChangeFeed(feed: ChangeFeed): void {
    this.listening.useFeed(feed);
  }

  /** Sets the limits on open `subscriptions/listen` streams (the `listen` option, at composition). */
  limitListens(limits: ListenLimits): void {
    this.listening.limit(limits);
  }

  /** Open `subscriptions/listen` streams. */
  get listenCount(): number {
    return this.listening.count;
  }

  /** Ends the listen streams opened on `session`'s connection, each with its result; how many there were. */
  endListens(session: Session): number {
    return this.listening.endAll(session.connection);
  }

  /**
   * Executes the call of a durable task (`TaskOptions.durable`): the work the composition root defines once per
   * process for the durable engine, run on whichever replica takes the task's run from the queue, and again from its
   * record on a live replica if that one dies. The call runs with no live client (see {@link detachedTaskCall}):
   * its progress becomes the task's status message, a 2026-07-28 task asks through the task (`tasks/update`), a
   * 2025-11-25 task through its run, `journal` (see `legacy-task-questions.ts`: whichever replica serves the
   * client's `tasks/result` asks it, and the replica executing the run asks the session the call came on at once
   * when it is open here). A task that has ended is left alone.
   * Resolves with the task's status once its outcome is stored.
   * @throws InvalidTaskRecordError when `input` is not a recorded call; TypeError when tasks are off
   */
  async executeTask(input: unknown, journal: ParkedRunJournal): Promise<string> {
    const tasks = this.tasks;
    if (!tasks) throw new TypeError('This server has tasks turned off: it cannot execute a task');
    const record = parseDurableTaskCall(input);
    return tasks.execute(
      record.taskId,
      principalKey(record.principal),
      async (signal, taskId) => {
        // A question waits as long as the task lives (the run's deadline, if sooner, ends it first).
        const task = await tasks.record(taskId, principalKey(record.principal));
        const left = task.ttlMs === null ? MAX_TIMER_MS : task.createdAt.getTime() + task.ttlMs - Date.now();
        const waitMs = Math.min(MAX_TIMER_MS, Math.max(1, left));
        const questions =
          record.era === 'legacy'
            ? this.legacyTaskInputs(record, journal, signal, waitMs)
            : ParkedInputs.forTask(journal, waitMs, (open) => tasks.runAsks(taskId, open));
        const live = this.liveSessionOf(record);
        const context = this.taskContext(detachedTaskCall(record, signal, questions, live), taskId, tasks);
        return {
          result: (await this.tools.execute(record.tool, record.arguments, context)) as Record<string, unknown>,
        };
      },
      record.era === 'modern' ? classifyModern : undefined,
      // A cancel of the run from any replica (`runs.cancel`, a stranded run) stops the call here at once.
      journal.signal,
    );
  }

  /**
   * Where a 2025-11-25 durable task's questions go: its run (`journal`). A question with no time of its own waits
   * `waitMs` (the task's time left) for a `tasks/result` to ask it.
   */
  private legacyTaskInputs(
    record: DurableTaskCall,
    journal: ParkedRunJournal,
    signal: AbortSignal,
    waitMs: number,
  ): InputSource | undefined {
    if (!this.taskQuestions || !this.tasks) return undefined;
    return legacyTaskInputs({
      record,
      journal,
      signal,
      tasks: this.tasks,
      questions: this.taskQuestions,
      clientRequestTimeoutMs: this.clientRequestTimeoutMs,
      waitMs,
      live: () => this.liveSessionOf(record),
      logger: this.logger,
    });
  }

  /**
   * Executes a parked call (see {@link McpServerOptions.parkedCalls}) from its record, asking through `journal`:
   * the work the composition root defines for the run engine, run on the replica that starts the call and again,
   * from its recorded steps, on a live replica if that one dies. Resolves with the call's outcome, for the run to
   * record. @throws TypeError when the server has no parked calls
   */
  executeParked(input: unknown, journal: ParkedRunJournal): Promise<TaskOutcome> {
    if (!this.parked) throw new TypeError('This server has no parked calls: it cannot execute one');
    return this.parked.execute(input, journal);
  }

  /**
   * The 2025-11-25 session a durable task's call came on, if it is open in this process and still the caller's: its
   * notifications go there, and its questions are asked there at once too. Undefined elsewhere (another replica, a
   * session that ended): the questions wait for the client's `tasks/result`.
   */
  private liveSessionOf(record: DurableTaskCall): Session | undefined {
    if (record.era !== 'legacy' || record.sessionId === undefined) return undefined;
    const owner = principalKey(record.principal);
    for (const session of this.sessions) {
      if (session.id !== record.sessionId || session.closed) continue;
      return principalKey(session.principal ?? ANONYMOUS_PRINCIPAL) === owner ? session : undefined;
    }
    return undefined;
  }

  /** Opens a session for a new connection (stdio) or a new `initialize` (HTTP). */
  openSession(id: string | undefined, transport: TransportInfo): Session {
    if (!this.accepting) throw new UnavailableError('Server is shutting down');
    const session = new Session(id, transport);
    this.sessions.add(session);
    return session;
  }

  /** Ends a session: its running requests are aborted. */
  closeSession(session: Session, reason?: string): void {
    session.close(reason);
    this.sessions.delete(session);
  }

  /** Number of open sessions. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /**
   * Stops taking new sessions and requests (graceful shutdown starts here). Listen streams end now, each answered
   * with its result, so that a drain does not wait for them and their clients know to listen elsewhere.
   */
  stopAccepting(): void {
    this.accepting = false;
    this.listening.endAll();
  }

  get isAccepting(): boolean {
    return this.accepting;
  }

  /** Requests in flight across all sessions. */
  get activeRequests(): number {
    let n = 0;
    for (const s of this.sessions) n += s.activeRequests;
    return n;
  }

  /**
   * Tells subscribed clients that a resource changed: 2025-11-25 sessions subscribed here, and 2026-07-28 listen
   * streams that asked for it on every replica sharing the change feed.
   */
  notifyResourceUpdated(uri: string): void {
    const message = notificationMessage('notifications/resources/updated', { uri });
    for (const session of this.sessions) if (session.isSubscribed(uri)) session.standalone?.send(message);
    this.listening.publish({ kind: 'resource_updated', uri });
  }

  /** Tells clients that the list of resources, prompts or tools changed (listen streams on every replica). */
  notifyListChanged(kind: 'resources' | 'prompts' | 'tools'): void {
    this.broadcast(notificationMessage(`notifications/${kind}/list_changed`));
    this.listening.publish({ kind: 'list_changed', list: kind });
  }

  /**
   * Handles one parsed message. Requests are answered on `channel`. Rejections of notifications and responses
   * by the pipeline (for example failed authentication) are thrown, for the transport to report.
   * `transport` describes the connection this message came on: over HTTP every request carries its own
   * credentials, and it is those, never the ones that opened the session, that the pipeline checks.
   */
  handle(
    session: Session,
    value: unknown,
    channel: RequestChannel,
    transport: TransportInfo = session.transport,
  ): Promise<void> {
    session.touch();
    let classified;
    try {
      classified = classifyMessage(value, this.limits);
    } catch (error) {
      channel.respond(errorMessage(readableId(value), toJsonRpcError(error)), error as McpCoreError);
      return Promise.resolve();
    }
    if (classified.kind !== 'request') return this.onOther(session, classified, transport);
    // Not an async function: a request's promise is its serve()'s own, without a wrapper to settle after it.
    try {
      if (session.era !== 'legacy' && isModernRequest(session, classified.message))
        return this.onModernRequest(session, classified.message, channel, transport);
      return this.onRequest(session, classified.message, channel, transport);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A notification or a client's response to a server request: admitted by the pipeline, then applied. */
  private async onOther(
    session: Session,
    classified: Exclude<ClassifiedMessage, { kind: 'request' }>,
    transport: TransportInfo,
  ): Promise<void> {
    const pipelineRequest = this.pipelineRequest(
      session,
      classified.kind === 'notification' ? classified.message.method : '(response)',
      classified.kind === 'notification'
        ? (classified.message.params as Record<string, unknown> | undefined)
        : undefined,
      transport,
    );
    await this.admit(session, pipelineRequest);
    if (classified.kind === 'response') {
      if (!session.resolveResponse(classified.message)) {
        this.logger.debug('response to an unknown server request', { id: classified.message.id });
      }
      return;
    }
    this.onNotification(session, classified.message);
  }

  /**
   * Admits a transport-level operation on a session that carries no JSON-RPC message (opening the HTTP GET
   * stream, deleting the session): runs the pipeline as `method` and holds the session to its principal.
   * Throws the pipeline's typed error, or `NotFoundError` when another principal presents the session.
   */
  async authorize(session: Session, method: string, transport: TransportInfo): Promise<void> {
    await this.admit(session, this.pipelineRequest(session, method, undefined, transport));
  }

  /**
   * A 2026-07-28 request: checks its envelope and serves it statelessly, in a session of its own that carries
   * what the envelope says (version, client, log level). On a connection (stdio) that session belongs to the
   * connection's, so the connection's cancellations and its end reach it.
   */
  private onModernRequest(
    session: Session,
    request: JSONRPCRequest,
    channel: RequestChannel,
    transport: TransportInfo,
  ): Promise<void> {
    let envelope;
    try {
      envelope = readEnvelope(request.params);
    } catch (error) {
      channel.respond(errorMessage(request.id, toJsonRpcError(error)), error as McpCoreError);
      return Promise.resolve();
    }
    const served = session.era === 'modern' ? session : new RequestSession(session);
    served.era = 'modern';
    served.protocolVersion = envelope.protocolVersion;
    served.clientInfo = envelope.clientInfo;
    served.logLevel = envelope.logLevel;
    // What the client declared for this request: a handler's question to it becomes an input request when the
    // capability is there, -32021 when not.
    served.clientCapabilities = envelope.clientCapabilities as ClientCapabilities;
    return this.onRequest(served, request, channel, transport);
  }

  /**
   * One server span per request (OpenTelemetry's MCP conventions), continuing the client's trace from `_meta` or
   * the HTTP headers. Without a registered SDK the span does not record and the request runs as it is.
   */
  private onRequest(
    session: Session,
    request: JSONRPCRequest,
    channel: RequestChannel,
    transport: TransportInfo,
  ): Promise<void> {
    const params = request.params as Record<string, unknown> | undefined;
    const parent = incomingContext(params, transport);
    const target = targetOf(request.method, params);
    // Built by assignment (no spreads): this runs on every request, traced or not.
    const attributes: RequestSpanAttributes = {
      'mcp.method.name': request.method,
      'jsonrpc.request.id': String(request.id),
      'network.transport': transport.kind === 'http' ? 'tcp' : 'pipe',
    };
    if (session.id) attributes['mcp.session.id'] = session.id;
    if (target?.kind === 'tool') attributes['gen_ai.tool.name'] = target.name;
    const span = startRequestSpan(
      parent,
      request.method,
      target ? (target.kind === 'resource' ? target.uri : target.name) : undefined,
      attributes,
    );
    if (!span.isRecording()) return this.serve(session, request, channel, transport, undefined);
    return context
      .with(trace.setSpan(parent, span), () => this.serve(session, request, channel, transport, span))
      .finally(() => span.end());
  }

  private async serve(
    session: Session,
    request: JSONRPCRequest,
    channel: RequestChannel,
    transport: TransportInfo,
    span: ReturnType<typeof trace.getActiveSpan>,
  ): Promise<void> {
    const { id, method } = request;
    const params = request.params as Record<string, unknown> | undefined;
    const cancellation = new RequestAbort();
    if (!session.track(id, cancellation)) {
      const error = new ProtocolError(
        'DUPLICATE_REQUEST_ID',
        `Invalid Request: request id ${JSON.stringify(id)} is already in use`,
      );
      channel.respond(errorMessage(id, toJsonRpcError(error)), error);
      return;
    }
    const started = this.observer?.onRequestFinished ? performance.now() : 0;
    let pipeline: PipelineRequest | undefined;
    let outcome: RequestOutcome = 'ok';
    let errorCode: string | undefined;
    try {
      if (!this.accepting) throw new UnavailableError('Server is shutting down');
      pipeline = this.pipelineRequest(session, method, params, transport);
      // admit(), inlined: one async function less per request.
      await this.pipeline(pipeline);
      this.holdToPrincipal(session, pipeline);
      const modern = session.era === 'modern';
      // Each era has its own methods: server/discover is modern only, initialize and ping legacy only.
      const offered = modern
        ? MODERN_METHODS.has(method) || this.modernHandlers.has(method)
        : method !== 'server/discover';
      const handler = offered ? (modern && this.modernHandlers.get(method)) || this.handlers.get(method) : undefined;
      if (!handler) {
        if (modern) throw modernMethodNotFound(method);
        throw new ProtocolError('METHOD_NOT_FOUND', `Method not found: ${method}`);
      }
      const call = new ServedCall(session, request, params, channel, pipeline, cancellation);
      let round: InputRound | { parked: ParkedState; responses: Readonly<Record<string, unknown>> } | undefined;
      if (modern && INPUT_REQUIRED_METHODS.has(method)) {
        // Most calls carry neither member: no schema to run and no state to open, so no await either.
        const p = call.params;
        round =
          p?.inputResponses === undefined && p?.requestState === undefined
            ? new InputRound({})
            : await this.openRound(call);
      }
      let result;
      if (round && !(round instanceof InputRound)) {
        result = await this.resumeParked(call, round.parked, round.responses);
      } else {
        call.input = round;
        result = await this.runHandler(handler, call, round);
      }
      if (modern) result = modernResult(method, result, this.info, MODERN_CACHE);
      if (result.isError === true) outcome = 'tool_error';
      // The SDK's client handles notifications a microtask late but responses at once: a response read in
      // the same chunk as the last progress would drop that progress. One macrotask keeps them apart.
      if (call.sent) await new Promise((resolve) => setImmediate(resolve));
      // MCP: no response is sent for a request the client cancelled.
      if (cancellation.aborted) {
        outcome = 'cancelled';
        return;
      }
      channel.respond(resultMessage(id, result));
    } catch (error) {
      if (cancellation.aborted || error instanceof CancelledError) {
        outcome = 'cancelled';
        return;
      }
      ({ outcome, errorCode } = outcomeOf(error));
      let ref: string | undefined;
      if (!isExposable(error)) {
        ref = errorRef();
        this.logger.error('request failed', { method, ref, err: error });
      }
      const rpcError = toJsonRpcError(error, ref);
      // 2026-07-28: a resource that does not exist is invalid params.
      if (session.era === 'modern' && rpcError.code === JsonRpcErrorCode.ResourceNotFound)
        rpcError.code = JsonRpcErrorCode.InvalidParams;
      channel.respond(errorMessage(id, rpcError), error instanceof McpCoreError ? error : undefined);
    } finally {
      session.untrack(id, cancellation);
      if (span) {
        span.setAttribute('mcp.outcome', outcome);
        span.setAttribute('mcp.protocol.version', session.protocolVersion);
        if (errorCode) recordFailure(span, { code: errorCode });
        else if (outcome === 'system') recordFailure(span, new Error('internal'));
      }
      if (this.observer?.onRequestFinished) {
        const target = pipeline?.target ?? targetOf(method, params);
        reportRequest(this.observer, {
          method,
          requestId: id,
          sessionId: session.id,
          transport: transport.kind,
          protocolVersion: session.protocolVersion,
          client: session.clientInfo?.name?.slice(0, 100),
          principal: pipeline?.principal,
          tool: target?.kind === 'tool' ? (this.tools.has(target.name) ? target.name : '(unknown)') : undefined,
          outcome,
          errorCode,
          durationMs: performance.now() - started,
        });
      }
    }
  }

  /**
   * Runs a method handler. A 2026-07-28 call whose handler asked the client something it has not answered yet
   * (the handler failed on the missing answer, or reports the failure as a tool error) answers `input_required`
   * with the questions and a sealed `requestState`; a handler that caught the question and went on answers as it
   * chose.
   */
  private async runHandler(
    handler: MethodHandler,
    call: Call,
    round: InputRound | undefined,
  ): Promise<Record<string, unknown>> {
    let result;
    try {
      result = await handler(call);
    } catch (error) {
      if (round?.refusal) throw round.refusal;
      if (!round?.hasPending || call.signal.aborted) throw error;
      return this.inputRequired(call, round);
    }
    if (round?.refusal) throw round.refusal;
    return round?.hasPending && result.isError === true ? this.inputRequired(call, round) : result;
  }

  /**
   * The round of a modern request that may answer `input_required`: the answers of earlier rounds from its
   * `requestState` (refused when altered, expired, used or another request's) plus those of its `inputResponses`
   * that answer what the state asked; with no state, the `inputResponses` as they are (a first round answered
   * ahead, which the suite's ephemeral flow does).
   */
  private async openRound(
    call: Call,
  ): Promise<InputRound | { parked: ParkedState; responses: Readonly<Record<string, unknown>> }> {
    const p = parseParams(InputParams, call.params, call.request.method);
    if (!p.requestState) return new InputRound({ ...p.inputResponses });
    const carried = await this.requestStates.open(p.requestState, bindingOf(call));
    // The retry of a call parked on its run: its answers go to the run.
    if ('runId' in carried) return { parked: carried, responses: p.inputResponses ?? {} };
    const answers: Record<string, unknown> = { ...carried.answers };
    for (const key of carried.asked)
      if (p.inputResponses && Object.hasOwn(p.inputResponses, key)) answers[key] = p.inputResponses[key];
    return new InputRound(answers, carried.kept);
  }

  /** The retry of a parked call (a state sealed only for `tools/call`, and bound to it). */
  private resumeParked(
    call: Call,
    parked: ParkedState,
    responses: Readonly<Record<string, unknown>>,
  ): Promise<Record<string, unknown>> {
    if (!this.parked || call.request.method !== 'tools/call')
      throw new ProtocolError('REQUEST_STATE_EXPIRED', 'requestState names a call this server cannot continue', {
        data: { reason: 'REQUEST_STATE_EXPIRED' },
      });
    return this.parked.resume(call, parked, parseCallToolParams(call.params).name, responses);
  }

  private inputRequired(call: Call, round: InputRound): Record<string, unknown> {
    return {
      resultType: 'input_required',
      inputRequests: round.inputRequests(),
      requestState: this.requestStates.seal(round.carried(), bindingOf(call)),
    };
  }

  private onNotification(session: Session, notification: JSONRPCNotification): void {
    switch (notification.method) {
      case 'notifications/initialized':
        session.initialized = true;
        return;
      case 'notifications/cancelled': {
        const parsed = CancelledParams.safeParse(notification.params ?? {});
        if (parsed.success && parsed.data.requestId !== undefined)
          session.cancel(parsed.data.requestId, parsed.data.reason);
        return;
      }
      case 'notifications/roots/list_changed':
        session.rootsChanged();
        return;
      default:
        // Unknown notifications are ignored, as JSON-RPC and MCP ask.
        return;
    }
  }

  /** Runs the pipeline, then holds a session to the principal that opened it. */
  private async admit(session: Session, request: PipelineRequest): Promise<void> {
    await this.pipeline(request);
    this.holdToPrincipal(session, request);
  }

  /** Holds a session to the principal that opened it, once the pipeline found who calls. */
  private holdToPrincipal(session: Session, request: PipelineRequest): void {
    const principal = request.principal;
    if (session.principal && principal && !samePrincipal(principal, session.principal)) {
      // Another caller presenting this session id learns nothing: the session does not exist for them.
      throw new NotFoundError('session', session.id ?? '(connection)');
    }
  }

  private pipelineRequest(
    session: Session,
    method: string,
    params: Record<string, unknown> | undefined,
    transport: TransportInfo,
  ): PipelineRequest {
    return {
      method,
      params,
      sessionId: session.id,
      transport,
      target: targetOf(method, params),
      principal: undefined,
      visibility: {},
    };
  }

  private context(call: Call): HandlerContext {
    return new CallContext(this.environment, call);
  }

  private registerHandlers(): void {
    const h = this.handlers;
    h.set('ping', () => ({}));
    h.set('initialize', ({ session, params, pipeline }) => {
      const p = parseParams(InitializeParams, params, 'initialize');
      session.era = 'legacy';
      session.protocolVersion = negotiateProtocolVersion(p.protocolVersion);
      session.clientCapabilities = p.capabilities;
      session.clientInfo = p.clientInfo as typeof session.clientInfo;
      session.principal = pipeline.principal;
      return {
        protocolVersion: session.protocolVersion,
        capabilities: this.tasks ? CAPABILITIES_WITH_TASKS : CAPABILITIES,
        serverInfo: this.info,
        ...(this.instructions ? { instructions: this.instructions } : {}),
      };
    });
    h.set('server/discover', () => ({
      supportedVersions: [...ALL_PROTOCOL_VERSIONS],
      capabilities: this.tasks ? MODERN_CAPABILITIES_WITH_TASKS : MODERN_CAPABILITIES,
      ...(this.instructions ? { instructions: this.instructions } : {}),
    }));
    h.set('tools/list', ({ session, params, pipeline }) => {
      parseParams(PaginatedParams, params, 'tools/list');
      const filter = pipeline.visibility.tool;
      return { tools: session.era === 'modern' ? this.tools.listByName(filter) : this.tools.list(filter) };
    });
    h.set('tools/call', (call) => {
      const p = parseCallToolParams(call.params);
      const filter = call.pipeline.visibility.tool;
      if (this.tasks && call.session.era === 'modern') {
        const task = this.modernToolTask(call, p.name, p.arguments);
        if (task) return task;
      }
      if (call.session.era !== 'modern' && this.tasks) {
        const task =
          call.params?.task === undefined ? undefined : parseParams(TaskParam, call.params.task, 'tools/call task');
        const support = this.tools.get(p.name)?.execution?.taskSupport ?? 'forbidden';
        if (task && this.tools.isCallable(p.name, filter)) {
          if (support === 'forbidden') {
            throw new ProtocolError('TASK_NOT_SUPPORTED', `Tool ${p.name} cannot be called as a task`);
          }
          return this.startToolTask(call, p.name, p.arguments, task.ttl);
        }
        if (!task && support === 'required' && this.tools.isCallable(p.name, filter)) {
          throw new ProtocolError('TASK_REQUIRED', `Tool ${p.name} must be called as a task (params.task)`);
        }
      }
      const name = this.tools.has(p.name) ? p.name : '(unknown)';
      const execute = () => this.tools.execute(p.name, p.arguments, this.context(call), filter);
      return inChildSpan(
        `execute_tool ${name}`,
        { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name },
        () => this.parkedCall(call, p.name, p.arguments, execute) ?? execute(),
      ) as Promise<never>;
    });
    h.set('resources/list', async (call) => {
      parseParams(PaginatedParams, call.params, 'resources/list');
      return { resources: await this.resources.list(this.context(call), call.pipeline.visibility.resource) };
    });
    h.set('resources/templates/list', ({ params }) => {
      parseParams(PaginatedParams, params, 'resources/templates/list');
      return { resourceTemplates: this.resources.listTemplates() };
    });
    h.set('resources/read', (call) => {
      const p = parseParams(ReadResourceParams, call.params, 'resources/read');
      return this.resources.read(p.uri, this.context(call), call.pipeline.visibility.resource) as Promise<never>;
    });
    h.set('resources/subscribe', ({ session, params, pipeline }) => {
      const p = parseParams(SubscribeParams, params, 'resources/subscribe');
      if (pipeline.visibility.resource && !pipeline.visibility.resource(p.uri))
        throw new NotFoundError('resource', p.uri);
      session.subscribe(p.uri);
      return {};
    });
    h.set('resources/unsubscribe', ({ session, params }) => {
      session.unsubscribe(parseParams(SubscribeParams, params, 'resources/unsubscribe').uri);
      return {};
    });
    h.set('prompts/list', ({ params, pipeline }) => {
      parseParams(PaginatedParams, params, 'prompts/list');
      return { prompts: this.prompts.list(pipeline.visibility.prompt) };
    });
    h.set('prompts/get', (call) => {
      const p = parseParams(GetPromptParams, call.params, 'prompts/get');
      return this.prompts.get(
        p.name,
        p.arguments,
        this.context(call),
        call.pipeline.visibility.prompt,
      ) as Promise<never>;
    });
    h.set('completion/complete', async ({ params }) => {
      const p = parseParams(CompleteParams, params, 'completion/complete');
      const args = p.context?.arguments ?? {};
      return (
        p.ref.type === 'ref/prompt'
          ? await this.prompts.complete(p.ref.name, p.argument.name, p.argument.value, args)
          : await this.resources.complete(p.ref.uri, p.argument.name, p.argument.value, args)
      ) as never;
    });
    h.set('logging/setLevel', ({ session, params }) => {
      session.logLevel = parseParams(SetLevelParams, params, 'logging/setLevel').level;
      return {};
    });
    this.modernHandlers.set('subscriptions/listen', (call) =>
      this.listening.serve(call, call.pipeline.visibility.resource),
    );
    const tasks = this.tasks;
    if (!tasks) return;
    this.registerTasksExtension(tasks);
    h.set('tasks/get', async ({ params, pipeline }) =>
      tasks.get(parseParams(TaskIdParams, params, 'tasks/get').taskId, ownerOf(pipeline)),
    );
    h.set('tasks/list', async ({ params, pipeline }) =>
      tasks.list(ownerOf(pipeline), parseParams(PaginatedParams, params, 'tasks/list')?.cursor),
    );
    h.set('tasks/cancel', async ({ params, pipeline }) =>
      tasks.cancel(parseParams(TaskIdParams, params, 'tasks/cancel').taskId, ownerOf(pipeline)),
    );
    h.set('tasks/result', async (call) => {
      const questions = this.taskQuestions;
      const outcome = await tasks.result(
        parseParams(TaskIdParams, call.params, 'tasks/result').taskId,
        ownerOf(call.pipeline),
        call.signal,
        // A 2025-11-25 durable task's questions are asked on this request's stream (the 2025-11-25 tasks spec's
        // place for them); a 2026-07-28 client answers with tasks/update.
        questions && call.session.era !== 'modern' ? { call, questions } : undefined,
      );
      if ('error' in outcome)
        throw new ProtocolError('TASK_FAILED', outcome.error.message, {
          rpcCode: outcome.error.code,
          data: outcome.error.data as Record<string, unknown> | undefined,
        });
      return outcome.result;
    });
  }

  /**
   * The tasks extension's methods (2026-07-28): for a client that declared the extension (-32021 otherwise), bound
   * to the caller's principal; an unknown task is -32602. `tasks/get` inlines the outcome, `tasks/cancel` is an
   * idempotent acknowledgement.
   */
  private registerTasksExtension(tasks: TaskManager): void {
    const m = this.modernHandlers;
    const declared = (call: Call): string => {
      if (!declaresTasksExtension(call.session.clientCapabilities)) throw missingTasksExtension(call.request.method);
      return parseParams(TaskIdParams, call.params, call.request.method).taskId;
    };
    m.set('tasks/get', async (call) => {
      const taskId = declared(call);
      const owner = ownerOf(call.pipeline);
      const task = await tasks.record(taskId, owner);
      const outcome = isTerminalStatus(task.status) ? await tasks.store.outcome(taskId, owner) : undefined;
      return detailedTask(task, outcome, tasks.openInputs(taskId) ?? task.inputRequests);
    });
    m.set('tasks/cancel', async (call) => {
      await tasks.stop(declared(call), ownerOf(call.pipeline));
      return {};
    });
    m.set('tasks/update', async (call) => {
      const taskId = declared(call);
      const { inputResponses } = parseParams(InputParams, call.params, 'tasks/update');
      await tasks.answer(taskId, ownerOf(call.pipeline), inputResponses ?? {});
      return {};
    });
  }

  /**
   * A 2026-07-28 `tools/call` the server answers with a task: the tool supports tasks and the client declared the
   * extension (a tool that requires one gets -32021 from a client that did not). Undefined: serve it as a call.
   * Any `task` param a 2025-11-25 habit leaves in the request changes nothing.
   */
  private modernToolTask(
    call: Call,
    name: string,
    args: Record<string, unknown> | undefined,
  ): Promise<Record<string, unknown>> | undefined {
    const filter = call.pipeline.visibility.tool;
    const support = this.tools.get(name)?.execution?.taskSupport ?? 'forbidden';
    if (support === 'forbidden' || !this.tools.isCallable(name, filter)) return undefined;
    if (!declaresTasksExtension(call.session.clientCapabilities)) {
      if (support === 'required') throw missingTasksExtension(`Tool ${name}`);
      return undefined;
    }
    if (this.tools.get(name)?.execution?.taskStart === 'handler') return this.escalatingCall(call, name, args);
    const tasks = this.tasks as TaskManager;
    const here = () =>
      tasks.begin(
        ownerOf(call.pipeline),
        'tools/call',
        undefined,
        async (signal, taskId) => {
          const run: Call = {
            ...call,
            sent: false,
            channel: new TaskChannel(call.session, taskId),
            signal,
            input: tasks.inputsFor(taskId, signal),
          };
          const context = this.taskContext(run, taskId, tasks);
          return { result: (await this.tools.execute(name, args, context, filter)) as Record<string, unknown> };
        },
        classifyModern,
      );
    return this.durableTask(call, name, args, undefined)
      .then((durable) => durable ?? here())
      .then(createTaskResult);
  }

  /**
   * A 2026-07-28 call of a resumable tool as a parked run (see {@link McpServerOptions.parkedCalls}), when the server
   * has them and the call carries no `requestState` (the retry of a round served by reruns stays one; answers the
   * first request brings ahead go into the run's record); a 2025-11-25 one too when the runs are recorded
   * (`ParkedCallRuns.recorded`): its questions then go through the run. Undefined: serve it as a call; so is a call
   * whose in-process runs are not up yet.
   */
  private parkedCall(
    call: Call,
    name: string,
    args: Record<string, unknown> | undefined,
    inline: () => Promise<unknown>,
  ): Promise<unknown> | undefined {
    if (!this.parked) return undefined;
    if (call.session.era === 'modern' ? call.params?.requestState !== undefined : !this.parked.recorded)
      return undefined;
    if (!this.tools.get(name)?.execution?.resumable || !this.tools.isCallable(name, call.pipeline.visibility.tool))
      return undefined;
    return this.parked.begin(call, name, args).then((result) => result ?? inline());
  }

  /**
   * The task of a resumable tool's call (`execution.resumable`) as a durable run, when the server has durable task
   * runs and their engine is up; undefined: the task runs here.
   */
  private async durableTask(
    call: Call,
    name: string,
    args: Record<string, unknown> | undefined,
    ttlMs: number | undefined,
  ): Promise<TaskRecord | undefined> {
    if (!this.tools.get(name)?.execution?.resumable) return undefined;
    const { session } = call;
    return (this.tasks as TaskManager).beginDurable(ownerOf(call.pipeline), ttlMs, {
      tool: name,
      ...(args ? { arguments: args } : {}),
      principal: call.pipeline.principal ?? ANONYMOUS_PRINCIPAL,
      era: session.era === 'modern' ? 'modern' : 'legacy',
      ...(session.era !== 'modern' && session.id !== undefined ? { sessionId: session.id } : {}),
      protocolVersion: session.protocolVersion,
      ...(session.clientCapabilities
        ? { clientCapabilities: session.clientCapabilities as Record<string, unknown> }
        : {}),
      ...(session.clientInfo ? { clientInfo: session.clientInfo } : {}),
    });
  }

  /** The handler context of a task's run: its progress messages become the task's status message. */
  private taskContext(run: Call, taskId: string, tasks: TaskManager): TaskCallContext {
    return new TaskCallContext(this.environment, run, (message) => {
      void tasks
        .setStatusMessage(taskId, message)
        .catch((error: unknown) => this.logger.warn('task status update failed', { taskId, err: error }));
    });
  }

  /**
   * A call that becomes a task when its handler says so (`ctx.continueAsTask()`): until then it is a plain call
   * (its questions answer input_required); then the task is stored, the request answered with it, and the running
   * handler's result, questions and cancellation become the task's.
   */
  private escalatingCall(
    call: Call,
    name: string,
    args: Record<string, unknown> | undefined,
  ): Promise<Record<string, unknown>> {
    const tasks = this.tasks as TaskManager;
    const filter = call.pipeline.visibility.tool;
    return new Promise((resolve, reject) => {
      let escalated = false;
      let finished: (outcome: TaskOutcome) => void = () => undefined;
      const outcome = new Promise<TaskOutcome>((settle) => (finished = settle));
      call.escalate = async () => {
        const task = await tasks.begin(
          ownerOf(call.pipeline),
          'tools/call',
          undefined,
          (signal, taskId) => {
            signal.addEventListener('abort', () => call.abort?.(signal.reason), { once: true });
            call.input = tasks.inputsFor(taskId, signal);
            (call as { channel: RequestChannel }).channel = new TaskChannel(call.session, taskId);
            return outcome;
          },
          classifyModern,
        );
        escalated = true;
        resolve(createTaskResult(task));
      };
      this.tools.execute(name, args, this.context(call), filter).then(
        (result) => (escalated ? finished({ result: result as Record<string, unknown> }) : resolve(result)),
        (error: unknown) => {
          if (!escalated) return reject(error);
          const rpc = toJsonRpcError(error);
          finished({ error: { code: rpc.code, message: rpc.message, ...(rpc.data ? { data: rpc.data } : {}) } });
        },
      );
    });
  }

  /** Starts a task-augmented `tools/call` in the background and answers with the task. */
  private async startToolTask(
    call: Call,
    name: string,
    args: Record<string, unknown> | undefined,
    ttlMs: number | undefined,
  ): Promise<Record<string, unknown>> {
    const tasks = this.tasks as TaskManager;
    const durable = await this.durableTask(call, name, args, ttlMs);
    if (durable) return { task: taskToWire(durable) };
    const task = await tasks.start(ownerOf(call.pipeline), 'tools/call', ttlMs, async (signal, taskId) => {
      const run: Call = { ...call, sent: false, channel: new TaskChannel(call.session, taskId), signal };
      const result = await this.tools.execute(
        name,
        args,
        this.taskContext(run, taskId, tasks),
        call.pipeline.visibility.tool,
      );
      return { result: result as Record<string, unknown> };
    });
    return { task };
  }

  /**
   * To 2025-11-25 sessions only (one read back from a shared store is known by its `initialized`): a 2026-07-28
   * client, on stdio too, hears of changes only on the listen streams it opened, and only what it asked for.
   */
  private broadcast(message: ReturnType<typeof notificationMessage>): void {
    for (const session of this.sessions)
      if (session.era === 'legacy' || session.initialized) session.standalone?.send(message);
  }
}

/** What a request's `requestState` is bound to: the caller, the method, its name or URI and its arguments. */
function bindingOf(call: Call): RequestStateBinding {
  const target = call.pipeline.target ?? targetOf(call.request.method, call.params);
  return {
    principal: ownerOf(call.pipeline),
    method: call.request.method,
    target: target ? (target.kind === 'resource' ? target.uri : target.name) : '',
    args: call.params?.arguments,
  };
}

/** Whose tasks a request may see: the caller's principal (tasks of the local anonymous user are shared by its sessions). */
function ownerOf(pipeline: PipelineRequest): string {
  return principalKey(pipeline.principal ?? ANONYMOUS_PRINCIPAL);
}

// The same caller: same id in the same tenant, authenticated the same way (an API key named like a token's
// subject is someone else).
function samePrincipal(a: Principal, b: Principal): boolean {
  return principalKey(a) === principalKey(b) && a.via === b.via;
}

function targetOf(method: string, params: Record<string, unknown> | undefined): RequestTarget | undefined {
  if (!params) return undefined;
  switch (method) {
    case 'tools/call':
      return typeof params.name === 'string' ? { kind: 'tool', name: params.name } : undefined;
    case 'resources/read':
    case 'resources/subscribe':
    case 'resources/unsubscribe':
      return typeof params.uri === 'string' ? { kind: 'resource', uri: params.uri } : undefined;
    case 'prompts/get':
      return typeof params.name === 'string' ? { kind: 'prompt', name: params.name } : undefined;
    default:
      return undefined;
  }
}

/**
 * Whether a request is served in the 2026-07-28 era: its session is a modern one, or it carries the envelope
 * (`_meta` with a protocol version), or it is `server/discover`, which only modern clients send.
 */
function isModernRequest(session: Session, request: JSONRPCRequest): boolean {
  return (
    session.era === 'modern' || request.method === 'server/discover' || envelopeVersion(request.params) !== undefined
  );
}

function readableId(value: unknown): string | number | null {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const id = (value as { id?: unknown }).id;
    if (typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id))) return id;
  }
  return null;
}

export type { MessageSink, RequestChannel };
