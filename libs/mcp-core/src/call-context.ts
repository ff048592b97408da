import type {
  ClientCapabilities,
  CreateMessageRequestParams,
  CreateMessageResult,
  ElicitRequestParams,
  ElicitResult,
  Implementation,
} from '@modelcontextprotocol/sdk/types.js';
import {
  ANONYMOUS_PRINCIPAL,
  type AgentState,
  bindModelBudget,
  createAgentState,
  isLevelEnabled,
  type Logger,
  type LogLevel,
  type MemoryStore,
  type ModelBudget,
  type ModelUsageMeter,
  nextProgress,
  type Principal,
  type ProgressUpdate,
  type ResourceContent,
  type Root,
  type ThreadStore,
  type SamplingPort,
} from '@agent-mcp/context';
import { CallSampling } from './call-sampling';
import { ProtocolError } from './errors';
import { type JSONRPCMessage, type JSONRPCRequest, notificationMessage } from './protocol/messages';
import { missingClientCapability } from './protocol/modern';
import { ListRootsResult } from './protocol/params';
import { INPUT_METHODS, type InputSource } from './mrtr/input-round';
import { type PipelineRequest } from './pipeline';
import { type ResourceRegistry } from './resource-registry';
import { type RequestAbort } from './request-abort';
import { type RequestChannel, type Session } from './session';
import { type ClientInteraction, type ClientRequestOptions, type HandlerContext } from './tool-context';

/** What every call context shares: the server's parts, built once. */
export interface CallEnvironment {
  readonly resources: ResourceRegistry;
  readonly memory: MemoryStore;
  readonly logger: Logger;
  readonly clientRequestTimeoutMs: number;
  readonly threads?: ThreadStore;
  /** Per-principal model-token budgets, when the server has them. */
  readonly modelUsage?: ModelUsageMeter;
}

/** A request being served, as method handlers see it. */
export interface Call {
  /** Set when the handler sent a message on the channel before its response. */
  sent: boolean;
  readonly session: Session;
  readonly request: JSONRPCRequest;
  readonly params: Record<string, unknown> | undefined;
  readonly channel: RequestChannel;
  readonly signal: AbortSignal;
  readonly pipeline: PipelineRequest;
  /**
   * The multi-round-trip round of a 2026-07-28 request that may answer `input_required` (tools/call,
   * prompts/get, resources/read): where the client's answers are found and unanswered questions collected.
   */
  input?: InputSource;
  /** Turns the call into a task (tools whose `execution.taskStart` is `handler`); set until it has. */
  escalate?: () => Promise<void>;
  /** Cancels the call (the request's own abort), for a task that took it over. */
  readonly abort?: (reason: unknown) => void;
}

/**
 * The {@link Call} the server builds for a request: its signal comes from the request's {@link RequestAbort}, made
 * only when a handler or tool asks for it. A class, so the lazy `signal` is a prototype getter (an accessor on an
 * object literal would make every call a slow dictionary object); copies made with a spread are plain calls that
 * name their own `signal`.
 */
export class ServedCall implements Call {
  sent = false;
  input?: InputSource;
  escalate?: () => Promise<void>;
  readonly abort: (reason: unknown) => void;

  constructor(
    readonly session: Session,
    readonly request: JSONRPCRequest,
    readonly params: Record<string, unknown> | undefined,
    readonly channel: RequestChannel,
    readonly pipeline: PipelineRequest,
    readonly cancellation: RequestAbort,
  ) {
    this.abort = (reason) => cancellation.abort(reason);
  }

  get signal(): AbortSignal {
    return this.cancellation.signal;
  }
}

/** Whether a call was cancelled, without building its AbortSignal where nothing has asked for it yet. */
function callCancelled(call: Call): boolean {
  return call instanceof ServedCall ? call.cancellation.aborted : call.signal.aborted;
}

/**
 * The {@link HandlerContext} of one call. Classes rather than closures and literal getters: one is built for
 * every tool call, and this keeps that to a single small allocation.
 */
export class CallContext implements HandlerContext {
  private lastProgress = Number.NEGATIVE_INFINITY;
  private stateValue: AgentState | undefined;
  private clientValue: CallClient | undefined;
  private samplingValue: CallSampling | undefined;

  constructor(
    private readonly env: CallEnvironment,
    private readonly call: Call,
  ) {}

  get requestId(): string | number {
    return this.call.request.id;
  }
  get sessionId(): string | undefined {
    return this.call.session.id;
  }
  get principal(): Principal {
    return this.call.pipeline.principal ?? ANONYMOUS_PRINCIPAL;
  }
  get signal(): AbortSignal {
    return this.call.signal;
  }
  /** True once the call was cancelled; cheaper than `signal.aborted` where nothing asked for the signal. */
  get cancelled(): boolean {
    return callCancelled(this.call);
  }
  get logger(): Logger {
    return this.env.logger;
  }
  get threads(): ThreadStore | undefined {
    return this.env.threads;
  }
  get state(): AgentState {
    return (this.stateValue ??= createAgentState(this.env.memory, this.principal));
  }
  get modelBudget(): ModelBudget | undefined {
    return this.env.modelUsage ? bindModelBudget(this.env.modelUsage, this.principal) : undefined;
  }
  get client(): ClientInteraction {
    return (this.clientValue ??= new CallClient(this, this.call.session, this.env.clientRequestTimeoutMs));
  }

  get clientLogLevel(): LogLevel | undefined {
    return this.call.session.logLevel;
  }

  /** The client's model over `sampling/createMessage`, when the client declared the sampling capability. */
  get sampling(): SamplingPort | undefined {
    const capability = this.call.session.clientCapabilities?.sampling;
    if (!capability) return undefined;
    return (this.samplingValue ??= new CallSampling(this.client, capability.tools !== undefined));
  }

  roots(): Promise<readonly Root[]> {
    // A 2025-11-25 call running as a recorded run asks through its run too (see legacy-questions.ts).
    if (this.call.session.era === 'modern' || this.call.input?.recorded) {
      // Asked of a modern client through input requests, and only when it declared roots (as the legacy path).
      if (!this.call.session.clientCapabilities?.roots) return Promise.resolve([]);
      return this.ask('roots/list', {}).then((r) => ListRootsResult.parse(r).roots);
    }
    return this.call.session.roots(
      this.channel(),
      this.env.clientRequestTimeoutMs,
      (r) => ListRootsResult.parse(r).roots,
    );
  }

  async reportProgress(update: ProgressUpdate | string): Promise<void> {
    const next = nextProgress(this.lastProgress, update);
    this.lastProgress = next.progress;
    const token = (this.call.params?._meta as { progressToken?: string | number } | undefined)?.progressToken;
    if (token === undefined || callCancelled(this.call)) return;
    this.send(notificationMessage('notifications/progress', { progressToken: token, ...next }));
  }

  async readResource(uri: string): Promise<readonly ResourceContent[]> {
    return (await this.env.resources.read(uri, this, this.call.pipeline.visibility.resource)).contents;
  }

  async log(level: LogLevel, data: unknown): Promise<void> {
    if (callCancelled(this.call)) return;
    const threshold = this.call.session.logLevel;
    // 2026-07-28: a client that names no log level in the request gets no log notifications.
    if (!threshold && this.call.session.era === 'modern') return;
    if (threshold && !isLevelEnabled(level, threshold)) return;
    this.send(notificationMessage('notifications/message', { level, data }));
  }

  continueAsTask(): Promise<void> {
    const escalate = this.call.escalate;
    this.call.escalate = undefined;
    return escalate ? escalate() : Promise.resolve();
  }

  /** Where a 2026-07-28 call's questions go (its round, or its task's run), if it may ask. */
  get round(): InputSource | undefined {
    return this.call.input;
  }

  /**
   * A 2026-07-28 call's question to the client: answered from the request's `inputResponses`, or collected for
   * the `input_required` result (see {@link InputRound}).
   */
  ask(
    method: string,
    params: Record<string, unknown> | undefined,
    key?: string,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>> {
    const round = this.call.input;
    if (!round) {
      return Promise.reject(
        new ProtocolError(
          'CLIENT_REQUEST_UNAVAILABLE',
          `${this.call.request.method} cannot ask a 2026-07-28 client anything (only tools/call, prompts/get and resources/read may answer input_required)`,
          { data: { method } },
        ),
      );
    }
    return round.ask(method, params, key, timeoutMs);
  }

  /** Sends a message on the request's channel, remembering that the response must wait a tick (see server). */
  send(message: JSONRPCMessage): void {
    this.call.sent = true;
    this.call.channel.send(message);
  }

  /** The request's channel, marking sends as above. */
  channel(): RequestChannel {
    return { send: (m) => this.send(m), respond: (m, e) => this.call.channel.respond(m, e) };
  }
}

/** {@link ClientInteraction} for one call: requests go on the call's own stream. */
class CallClient implements ClientInteraction {
  private local: Map<string, unknown> | undefined;

  constructor(
    private readonly context: CallContext,
    private readonly session: Session,
    private readonly timeoutMs: number,
  ) {}

  get protocolVersion(): string {
    return this.session.protocolVersion;
  }
  get era(): 'legacy' | 'modern' {
    return this.session.era === 'modern' ? 'modern' : 'legacy';
  }
  get parked(): boolean {
    return this.context.round?.recorded === true;
  }
  get capabilities(): ClientCapabilities | undefined {
    return this.session.clientCapabilities;
  }
  get info(): Implementation | undefined {
    return this.session.clientInfo;
  }

  request<T = Record<string, unknown>>(
    method: string,
    params?: Record<string, unknown>,
    options?: ClientRequestOptions,
  ): Promise<T> {
    // 2026-07-28: the server sends no request to the client; the question becomes an input request.
    if (this.session.era === 'modern') {
      const capability = INPUT_METHODS[method];
      if (capability && !this.session.clientCapabilities?.[capability]) throw missingClientCapability(capability);
      return this.context.ask(method, params, options?.key) as Promise<T>;
    }
    // A 2025-11-25 call running as a recorded run: the question is the run's, asked by the request waiting on it
    // (legacy-questions.ts), so a replay after a crash reads the answer instead of asking again. The call's own
    // cancellation ends the run, and with it the wait.
    if (this.context.round?.recorded)
      return this.context.ask(method, params, options?.key, options?.timeoutMs) as Promise<T>;
    const signal = options?.signal ? AbortSignal.any([this.context.signal, options.signal]) : this.context.signal;
    return this.session.request(
      this.context.channel(),
      method,
      params,
      options?.timeoutMs ?? this.timeoutMs,
      signal,
    ) as Promise<T>;
  }

  keep(name: string, value: unknown): void {
    const round = this.context.round;
    if (round) round.keep(name, value);
    else (this.local ??= new Map()).set(name, value);
  }

  kept<T = unknown>(name: string): T | undefined {
    const round = this.context.round;
    return (round ? round.kept(name) : this.local?.get(name)) as T | undefined;
  }

  async notify(method: string, params?: Record<string, unknown>): Promise<void> {
    this.context.send(notificationMessage(method, params));
  }

  elicit(params: ElicitRequestParams, options?: ClientRequestOptions): Promise<ElicitResult> {
    this.require('elicitation');
    return this.request<ElicitResult>('elicitation/create', params as Record<string, unknown>, options);
  }

  createMessage(params: CreateMessageRequestParams, options?: ClientRequestOptions): Promise<CreateMessageResult> {
    this.require('sampling');
    return this.request<CreateMessageResult>('sampling/createMessage', params as Record<string, unknown>, options);
  }

  private require(capability: 'elicitation' | 'sampling'): void {
    // 2026-07-28: a client that did not declare the capability in this request's envelope is told which one the
    // call needs (-32021); one that did is asked through an input request.
    if (this.session.era === 'modern') {
      if (!this.session.clientCapabilities?.[capability]) throw missingClientCapability(capability);
      return;
    }
    if (!this.session.clientCapabilities?.[capability]) {
      throw new ProtocolError('CAPABILITY_NOT_SUPPORTED', `The client does not support ${capability}`, {
        data: { capability },
      });
    }
  }
}
