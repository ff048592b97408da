import { type ModelUsageObserver, principalKey, type RequestContext, withModelBudget } from '@agent-mcp/context';
import {
  type Agent,
  type AgentOutput,
  type AgentOutputType,
  ApprovalInterruptedError,
  type ApprovalPort,
  getDefaultModelProvider,
  LimitExceededError,
  MissingConfigError,
  type Model,
  type ModelProvider,
  type RetryOptions,
  type RunInput,
  type RunJournal,
  type RunQueue,
  type RunObserver,
  type RunResult,
  runStreamed,
  type Usage,
} from '@agent-mcp/agent-core';
import { type AgentBudget, type AgentBudgetRequest, type AgentRunPolicy, resolveBudget } from './budgets';
import { InputPause, type RoundMemory, TurnReplay } from './input-rounds';
import { RunReporter } from './run-reporter';
import { createSamplingModel } from './sampling-model';
import { withPrincipalMemory } from './principal-memory';
import { openThreadTurn } from './thread-turns';

const EMPTY_USAGE: Usage = Object.freeze({ requests: 0, inputTokens: 0, outputTokens: 0, totalTokens: 0 });

/**
 * What {@link runAgentTool} needs of the request it serves: the neutral request context of
 * `@agent-mcp/context` (an MCP tool passes its handler context as it is).
 */
export type AgentToolContext = Pick<RequestContext, 'signal' | 'reportProgress' | 'log'> & {
  /** Where the conversation threads live; with `principal`, every run belongs to a thread (see {@link AgentToolOptions.threadId}). */
  readonly threads?: RequestContext['threads'];
  readonly principal?: RequestContext['principal'];
  /** Text and tool steps are logged only to a client that set a log level, and only at or above it. */
  readonly clientLogLevel?: RequestContext['clientLogLevel'];
  /** The client's own model; used when the server has no model configured (see {@link AgentToolOptions.sampling}). */
  readonly sampling?: RequestContext['sampling'];
  /** The caller's model-token budget: checked before the run, charged with what the server's model used. */
  readonly modelBudget?: RequestContext['modelBudget'];
  /** The caller's state: its saved preferences and notes are given to the agent, fenced (see withPrincipalMemory). */
  readonly state?: RequestContext['state'];
};

/** Options of {@link runAgentTool}. */
export interface AgentToolOptions {
  /** The request being served: cancellation, progress, client log, the client's model. */
  readonly context: AgentToolContext;
  /** The server's caps (and defaults); see {@link loadAgentRunPolicy}. */
  readonly policy: AgentRunPolicy;
  /** What the caller asked for (the {@link agentBudgetShape} arguments); capped by `policy`. */
  readonly budget?: AgentBudgetRequest;
  /** The server's model provider. Default: OpenAI configured from the environment. */
  readonly modelProvider?: ModelProvider;
  /**
   * `fallback` (default): when the provider has no API key (it raises {@link MissingConfigError}) and the client can
   * sample, the run uses the client's model. `off`: never.
   */
  readonly sampling?: 'fallback' | 'off';
  /** Names the tool in log messages sent to the client (and in thread messages). Default: the agent's name. */
  readonly source?: string;
  /**
   * Continue this conversation thread: its earlier messages come before `input`, and the run's question and
   * answer are added to it. Omitted: a new thread. Needs `context.threads` (the server keeps threads).
   */
  readonly threadId?: string;
  readonly retry?: RetryOptions;
  readonly observer?: RunObserver;
  /**
   * Asks a person before each call of a tool marked `needsApproval` (see {@link ApprovalPort}). With it, a
   * declined or pending call ends the run with an `interrupted` outcome ({@link AgentToolInterruption});
   * without it, such calls never run.
   */
  readonly approve?: ApprovalPort;
  /**
   * The queue every run goes through (`createLocalRuns()` of `@agent-mcp/durable-runs`): the call waits for a slot,
   * bounded per server and per caller, and the run's steps go through the journal it gives. Without it the run
   * starts at once and records nothing.
   */
  readonly runs?: RunQueue;
  /**
   * What the call keeps between the rounds of a 2026-07-28 multi-round-trip request (`ctx.client`, which
   * `defineAgentTool` passes): the server model's turns are kept there, so the run the client's retry starts
   * again replays them instead of asking the model anew (a planned write is not planned twice).
   */
  readonly rounds?: RoundMemory;
}

/** Where the model of a run came from. */
export type AgentModelSource = 'server' | 'client-sampling';

/** Usage of one agent tool call, for the result's `_meta`. */
export interface AgentToolUsage {
  /** The last model that answered (for sampling: the name the client gave). */
  readonly model: string | undefined;
  /** `server`: the server's model provider; `client-sampling`: the caller's own model over MCP sampling. */
  readonly modelSource: AgentModelSource;
  readonly turns: number;
  readonly requests: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
  /** Token counts are estimates (sampling reports none). */
  readonly tokensEstimated: boolean;
  readonly durationMs: number;
}

/** One tool call the agent made. */
export interface AgentToolStep {
  readonly turn: number;
  readonly tool: string;
  readonly isError: boolean;
}

/** Why a run stopped before its answer. */
export interface AgentStop {
  /** Which budget ran out. */
  readonly reason: 'max_turns' | 'max_tokens' | 'deadline';
  /** A sentence for the caller, e.g. "The turn budget (3 turns) ran out." */
  readonly message: string;
}

/** How an agent tool call ended: with its answer, or stopped by a budget with what it had done. */
export type AgentToolOutcome<T> = AgentToolResultOf<T> & {
  /** The conversation thread of the call, when the server keeps threads: pass it back to continue. */
  readonly threadId?: string;
};

type AgentToolResultOf<T> =
  | {
      readonly status: 'completed';
      readonly output: T;
      /** The answer's text (the JSON text for structured output). */
      readonly text: string;
      readonly result: RunResult<T>;
      readonly steps: readonly AgentToolStep[];
      readonly usage: AgentToolUsage;
      readonly budget: AgentBudget;
    }
  | {
      readonly status: 'stopped';
      readonly stop: AgentStop;
      /** Text the model wrote before it stopped; never a complete answer. */
      readonly partialText: string;
      /** A readable account for the caller: what was done and why it stopped. */
      readonly summary: string;
      readonly steps: readonly AgentToolStep[];
      readonly usage: AgentToolUsage;
      readonly budget: AgentBudget;
    };

/**
 * How an agent tool call ended when a tool call needing approval was declined or left pending (only with
 * {@link AgentToolOptions.approve}): the run stopped there and that call did not run.
 */
export interface AgentToolInterruption {
  readonly status: 'interrupted';
  readonly interruption: {
    /** `declined`: the person said no; `pending`: nobody could answer now (the approver kept the action). */
    readonly decision: 'declined' | 'pending';
    readonly tool: string;
    /** The call's validated arguments. */
    readonly arguments: unknown;
    readonly callId: string;
    /** The approver's own sentence, when it gave one. */
    readonly message?: string;
  };
  /** A readable account for the caller: what was done and why the run stopped. */
  readonly summary: string;
  readonly steps: readonly AgentToolStep[];
  readonly usage: AgentToolUsage;
  readonly budget: AgentBudget;
  /** The conversation thread of the call, when the server keeps threads. */
  readonly threadId?: string;
}

/**
 * Runs an agent for a tool call, the way every agent-backed tool should: the run streams progress (a running
 * message per step and a heartbeat at least every `policy.heartbeatSeconds`) and log messages (text and tool
 * steps) through the request context; `context.signal` aborts it whole (model request and running tools); the
 * caller's budget, capped by the policy, bounds turns, tokens and time; with no server model configured, the
 * client's own model (sampling) can stand in.
 *
 * A budget that runs out is an outcome, not an error: the result says what was done and why it stopped. The
 * caller's model-token budget (`context.modelBudget`), when the server keeps one, is checked before the run and
 * charged with the tokens of the server's model (not with the client's own, under sampling).
 *
 * @throws the run's other {@link AgentError}s as they are: {@link RunCancelledError} when the request was
 *   cancelled, {@link UpstreamError}, {@link MissingConfigError} (no model and no sampling), and so on; and
 *   `ModelBudgetExceededError` from `@agent-mcp/context` when the caller's token budget is used up.
 *
 * @example
 * const outcome = await runAgentTool(agent, question, { context: ctx, policy, budget: { maxTurns }, modelProvider });
 * if (outcome.status === 'stopped') return toolResponse({ content: [{ type: 'text', text: outcome.summary }], _meta: agentRunMeta(outcome) });
 *
 * With `options.approve`, the outcome may also be {@link AgentToolInterruption} (`status: 'interrupted'`).
 *
 * A question to a 2026-07-28 client (an approval through elicitation, a turn of the client's model through
 * sampling) ends the run at once and is thrown as it is (mcp-core's input-required signal), so the call answers
 * `input_required`; on the retry the run starts again and finds the answer (see `options.rounds`).
 */
export function runAgentTool<TOutput extends AgentOutputType>(
  agent: Agent<TOutput>,
  input: RunInput,
  options: AgentToolOptions & { readonly approve: ApprovalPort },
): Promise<AgentToolOutcome<AgentOutput<TOutput>> | AgentToolInterruption>;
export function runAgentTool<TOutput extends AgentOutputType>(
  agent: Agent<TOutput>,
  input: RunInput,
  options: AgentToolOptions & { readonly approve?: undefined },
): Promise<AgentToolOutcome<AgentOutput<TOutput>>>;
export function runAgentTool<TOutput extends AgentOutputType>(
  agent: Agent<TOutput>,
  input: RunInput,
  options: AgentToolOptions,
): Promise<AgentToolOutcome<AgentOutput<TOutput>> | AgentToolInterruption>;
export function runAgentTool<TOutput extends AgentOutputType>(
  agent: Agent<TOutput>,
  input: RunInput,
  options: AgentToolOptions,
): Promise<AgentToolOutcome<AgentOutput<TOutput>> | AgentToolInterruption> {
  return withModelBudget(options.context, async (charging) => {
    const { context, policy } = options;
    const reporter = new RunReporter(context, {
      heartbeatMs: policy.heartbeatSeconds * 1000,
      logLevel: policy.logLevel,
      source: options.source ?? agent.name,
    });
    try {
      const { runs } = options;
      if (!runs) return await runInThread(agent, input, options, charging, reporter, undefined);
      const request = {
        principal: context.principal ? principalKey(context.principal) : '-:anonymous',
        kind: options.source ?? agent.name,
        signal: context.signal,
        onQueued: () => reporter.enter('waiting for a free run slot'),
      };
      return await runs.run(request, (journal) => runInThread(agent, input, options, charging, reporter, journal));
    } finally {
      reporter.stop();
    }
  });
}

/** The run inside its conversation thread: the thread's earlier turns before it, its answer added after it. */
async function runInThread<TOutput extends AgentOutputType>(
  agent: Agent<TOutput>,
  input: RunInput,
  options: AgentToolOptions,
  charging: ModelUsageObserver,
  reporter: RunReporter,
  journal: RunJournal | undefined,
): Promise<AgentToolOutcome<AgentOutput<TOutput>> | AgentToolInterruption> {
  const { context } = options;
  // Opening a thread reads the database (seconds on a cold embedded engine): progress moves from here on.
  if (context.threads && context.principal) reporter.enter('opening the conversation');
  // Keyed by the run's step: a run resumed after a crash (or executed again) records its turn once, and two runs
  // inside one task's run (which share its id) have keys of their own (stepKey carries their place in it).
  const writeKey = journal?.stepKey('thread.record');
  const thread = await openThreadTurn(context, options.threadId, input, options.source ?? agent.name, writeKey);
  // The caller's saved preferences come first; they are context of the run, not turns of the thread.
  const withMemory = await withPrincipalMemory(context, thread ? thread.input : input);
  const outcome = await runMetered(agent, withMemory, options, charging, reporter, journal);
  if (!thread) return outcome;
  const threadId = await thread.record(outcome.status === 'completed' ? outcome.text : outcome.summary);
  return { ...outcome, threadId };
}

async function runMetered<TOutput extends AgentOutputType>(
  agent: Agent<TOutput>,
  input: RunInput,
  options: AgentToolOptions,
  charging: ModelUsageObserver,
  reporter: RunReporter,
  journal: RunJournal | undefined,
): Promise<AgentToolResultOf<AgentOutput<TOutput>> | AgentToolInterruption> {
  const { context, policy } = options;
  const budget = resolveBudget(options.budget ?? {}, policy);
  const startedAt = performance.now();
  const pause = new InputPause();
  const chooser = new ModelChooser(
    options.modelProvider ?? getDefaultModelProvider(),
    options.sampling === 'off' ? undefined : context.sampling,
    options.sampling !== 'off',
    pause,
    options.rounds,
  );
  const steps: AgentToolStep[] = [];
  // The same on every replay of a recorded run: one resumed after a crash between its charge and its recorded end
  // finishes again and is not charged twice.
  const chargeKey = journal?.stepKey('model-budget.charge');
  let total: Usage = EMPTY_USAGE;
  let turns = 0;
  let partialText = '';
  let model: string | undefined;
  const observer: RunObserver = {
    onRunStarted: (info) => {
      charging.onRunStarted(info);
      options.observer?.onRunStarted?.(info);
    },
    onModelRequest: (info) => {
      if (!info.error) model = info.model;
      options.observer?.onModelRequest?.(info);
    },
    onRunFinished: (info) => {
      // The client pays for its own model: only the server's model is charged to the caller's budget.
      if (chooser.source === 'server') charging.onRunFinished(chargeKey ? { ...info, key: chargeKey } : info);
      options.observer?.onRunFinished?.(info);
    },
  };
  const usage = (): AgentToolUsage => ({
    model,
    modelSource: chooser.source,
    turns,
    requests: total.requests,
    inputTokens: total.inputTokens,
    outputTokens: total.outputTokens,
    totalTokens: total.totalTokens,
    tokensEstimated: chooser.source === 'client-sampling',
    durationMs: Math.round(performance.now() - startedAt),
  });

  reporter.enter('asking the model');
  const stream = runStreamed(agent, input, {
    signal: context.signal,
    modelProvider: chooser,
    limits: { maxTurns: budget.maxTurns, maxTotalTokens: budget.maxTokens, timeoutMs: budget.deadlineSeconds * 1000 },
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.approve ? { approve: pause.approvals(options.approve) } : {}),
    ...(journal ? { journal } : {}),
    observer,
  });
  try {
    for await (const event of stream) {
      if (event.type === 'usage') {
        total = event.total;
        turns = event.turn;
      } else if (event.type === 'text_delta') {
        partialText += event.delta;
      } else if (event.type === 'tool_call_started') {
        partialText = ''; // Text before a tool call was that turn's preamble; keep only the latest turn's.
      } else if (event.type === 'tool_call_finished') {
        steps.push({ turn: reporter.currentTurn, tool: event.name, isError: event.isError });
      }
      reporter.onEvent(event);
    }
    const result = await stream.finalResult;
    return {
      status: 'completed',
      output: result.finalOutput,
      text: result.text,
      result,
      steps,
      usage: usage(),
      budget,
    };
  } catch (error) {
    // The run ended on a question to the client: the call answers input_required (no outcome, no thread turn).
    if (pause.signal && !context.signal.aborted) throw pause.signal;
    if (error instanceof ApprovalInterruptedError && !context.signal.aborted) {
      const done = usage();
      const interruption = {
        decision: error.decision,
        tool: error.tool,
        arguments: error.arguments,
        callId: error.callId,
        ...(error.reason ? { message: error.reason } : {}),
      };
      return {
        status: 'interrupted',
        interruption,
        summary: summariseInterruption(interruption, steps, done),
        steps,
        usage: done,
        budget,
      };
    }
    if (!(error instanceof LimitExceededError) || context.signal.aborted) throw error;
    const stop = stopOf(error, budget);
    const done = usage();
    return {
      status: 'stopped',
      stop,
      partialText,
      summary: summarise(stop, steps, done, partialText),
      steps,
      usage: done,
      budget,
    };
  }
}

/**
 * The agent tool result's `_meta` entry: `{ agentRun: { status, model, modelSource, turns, usage, durationMs, ... } }`.
 * Spread it into the tool response's `_meta`.
 */
export function agentRunMeta(outcome: AgentToolOutcome<unknown> | AgentToolInterruption): {
  agentRun: Record<string, unknown>;
} {
  const { usage, budget } = outcome;
  return {
    agentRun: {
      status: outcome.status,
      ...(outcome.status === 'stopped' ? { stopReason: outcome.stop.reason } : {}),
      ...(outcome.status === 'interrupted'
        ? { interruption: { decision: outcome.interruption.decision, tool: outcome.interruption.tool } }
        : {}),
      ...(outcome.threadId ? { threadId: outcome.threadId } : {}),
      model: usage.model ?? null,
      modelSource: usage.modelSource,
      turns: usage.turns,
      usage: {
        requests: usage.requests,
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        totalTokens: usage.totalTokens,
        ...(usage.tokensEstimated ? { estimated: true } : {}),
      },
      durationMs: usage.durationMs,
      toolCalls: outcome.steps.length,
      budget: {
        maxTurns: budget.maxTurns,
        maxTokens: budget.maxTokens,
        deadlineSeconds: budget.deadlineSeconds,
        ...(budget.capped.length ? { capped: budget.capped } : {}),
      },
    },
  };
}

/**
 * The server's provider, or the client's model when the server has no key: decided on the first model request,
 * since that is when a provider without a key says so.
 */
class ModelChooser implements ModelProvider {
  source: AgentModelSource = 'server';

  constructor(
    private readonly provider: ModelProvider,
    private readonly sampling: AgentToolContext['sampling'],
    /** Whether a client that samples would have lent its model (the tool allows the fallback). */
    private readonly samplingAllowed: boolean,
    private readonly pause: InputPause,
    rounds: RoundMemory | undefined,
  ) {
    this.replay = rounds && new TurnReplay(rounds);
  }

  private readonly replay: TurnReplay | undefined;

  async getModel(name: string | undefined): Promise<Model> {
    if (this.source === 'client-sampling' && this.sampling) return this.clientModel(this.sampling);
    let model: Model;
    try {
      model = await this.provider.getModel(name);
    } catch (error) {
      if (!(error instanceof MissingConfigError)) throw error;
      if (!this.sampling) throw forMcpUser(error, this.samplingAllowed);
      this.source = 'client-sampling';
      return this.clientModel(this.sampling);
    }
    // The server's model answers again on every rerun unless its turns are kept (the client's are: its answers).
    return this.replay ? this.replay.wrap(model) : model;
  }

  private clientModel(sampling: NonNullable<AgentToolContext['sampling']>): Model {
    return this.pause.model(createSamplingModel(sampling));
  }
}

/**
 * The provider's advice is for code that builds it (`createOpenAIProvider({ apiKey })`); the person calling a tool
 * can only change the server's settings or use another client, so say that.
 */
function forMcpUser(error: MissingConfigError, samplingAllowed: boolean): MissingConfigError {
  return new MissingConfigError(
    error.variable,
    `This MCP server has no model configured: set ${error.variable} in the environment the server runs with ` +
      '(for a desktop client, the "env" of its entry for this server) and restart it' +
      (samplingAllowed
        ? ", or call the tool from an MCP client that supports sampling, which lends the client's own model."
        : '.'),
  );
}

function stopOf(error: LimitExceededError, budget: AgentBudget): AgentStop {
  switch (error.limit) {
    case 'turns':
      return {
        reason: 'max_turns',
        message: `The turn budget (${budget.maxTurns} turns) ran out before the agent had an answer.`,
      };
    case 'tokens':
      return {
        reason: 'max_tokens',
        message: `The token budget (${budget.maxTokens} tokens) ran out before the agent had an answer.`,
      };
    case 'deadline':
      return {
        reason: 'deadline',
        message: `The time budget (${budget.deadlineSeconds} s) ran out before the agent had an answer.`,
      };
  }
}

function summariseInterruption(
  interruption: AgentToolInterruption['interruption'],
  steps: readonly AgentToolStep[],
  usage: AgentToolUsage,
): string {
  const head =
    interruption.decision === 'declined'
      ? `Stopped: the call of ${interruption.tool} was declined, so it did not run.`
      : `Paused: the call of ${interruption.tool} waits for approval and has not run.`;
  const lines = [head];
  if (interruption.message) lines.push(interruption.message);
  lines.push(`Done so far: ${doneSoFar(steps, usage)}`);
  return lines.join('\n');
}

function doneSoFar(steps: readonly AgentToolStep[], usage: AgentToolUsage): string {
  const counts = new Map<string, { calls: number; failed: number }>();
  for (const s of steps) {
    const c = counts.get(s.tool) ?? { calls: 0, failed: 0 };
    c.calls += 1;
    if (s.isError) c.failed += 1;
    counts.set(s.tool, c);
  }
  const done =
    counts.size === 0
      ? 'It made no tool calls.'
      : `It made ${steps.length} tool call${steps.length === 1 ? '' : 's'}: ${[...counts]
          .map(([tool, c]) => `${tool} ×${c.calls}${c.failed ? ` (${c.failed} failed)` : ''}`)
          .join(', ')}.`;
  return `${usage.turns} model turn${usage.turns === 1 ? '' : 's'}, ${usage.totalTokens} tokens${usage.tokensEstimated ? ' (estimated)' : ''}, ${(usage.durationMs / 1000).toFixed(1)} s. ${done}`;
}

function summarise(
  stop: AgentStop,
  steps: readonly AgentToolStep[],
  usage: AgentToolUsage,
  partialText: string,
): string {
  const lines = [`Stopped without an answer. ${stop.message}`, `Done so far: ${doneSoFar(steps, usage)}`];
  if (partialText.trim()) lines.push(`Last text before the stop (incomplete): ${partialText.trim().slice(0, 500)}`);
  lines.push('Ask again with a larger budget (maxTurns, maxTokens, deadlineSeconds) or a narrower question.');
  return lines.join('\n');
}
