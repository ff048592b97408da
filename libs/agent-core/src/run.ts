import { type Agent, type AgentOutput, type AgentOutputType } from './agent';
import { ApprovalGate, ApprovalInterruptedError, type ApprovalPort } from './approval';
import {
  type AgentError,
  DeadlineExceededError,
  GuardrailTripwireError,
  MaxTokensExceededError,
  MaxTurnsExceededError,
  ModelBehaviorError,
  RunCancelledError,
  StreamInterruptedError,
  SystemError,
  UpstreamError,
  UserError,
  isAgentError,
} from './errors';
import { type RunResult, type RunStreamEvent } from './events';
import { type GuardrailResult } from './guardrails';
import { passThroughJournal, type RunJournal } from './journal';
import { handoffToolName } from './handoff';
import {
  type AgentItem,
  type FunctionCallItem,
  type FunctionCallOutputItem,
  type Model,
  type ModelProvider,
  type ModelRequest,
  type ModelResponse,
  type ToolDefinition,
} from './model';
import { type ModelRequestInfo, type RunFinishedInfo, type RunObserver, notify } from './observer';
import { endSpan, RunTrace, startChildSpan, withSpan } from './tracing';
import { getDefaultModelProvider } from './openai/provider';
import { MAX_RETRY_AFTER_MS, type ResolvedRetry, type RetryOptions, resolveRetry, retryDelayMs } from './retry';
import { StreamedRun } from './streamed-run';
import { type FunctionTool, type ToolContext } from './tool';
import { wrapUntrusted } from './untrusted';
import { EMPTY_USAGE, type Usage, addUsage } from './usage';

/** Per-run bounds. A run that reaches one ends with the matching {@link LimitExceededError}. */
export interface RunLimits {
  /** Model turns allowed (one model response each). Default 10. */
  readonly maxTurns?: number;
  /** Input + output tokens allowed over all turns, checked after each response. Default: unbounded. */
  readonly maxTotalTokens?: number;
  /** Wall-clock deadline for the whole run, retries and tools included. Default: none. */
  readonly timeoutMs?: number;
}

/** Options of {@link run} and {@link runStreamed}. */
export interface RunOptions {
  /** Cancels the run: the in-flight model request and every running tool are aborted. */
  readonly signal?: AbortSignal;
  readonly limits?: RunLimits;
  /** Resolves agents' model names. Default: the OpenAI provider configured from the environment. */
  readonly modelProvider?: ModelProvider;
  /** Retries of failed model requests. */
  readonly retry?: RetryOptions;
  /** Observability hooks. */
  readonly observer?: RunObserver;
  /**
   * Asks a person before each call of a tool marked `needsApproval` (agents called as tools inherit it). Without
   * it such calls never run. A `declined` or `pending` answer ends the run with {@link ApprovalInterruptedError}.
   */
  readonly approve?: ApprovalPort;
  /**
   * Records each completed step, and replays the steps a previous run on the same journal completed (see
   * {@link RunJournal}). Default: nothing recorded, every run starts afresh.
   */
  readonly journal?: RunJournal;
}

/** A run's input: a user message, or a conversation. */
export type RunInput = string | readonly AgentItem[];

const DEFAULT_MAX_TURNS = 10;
const TOOL_ERROR = "the tool's error message, which can quote what the tool read";

/**
 * Runs an agent until it produces a final output: model turn, then the tools it asked for (concurrently),
 * then the next turn, following handoffs, within the run's limits.
 *
 * @returns the result; `finalOutput` is the text, or the parsed output of the agent's `outputType`.
 * @throws AgentError subclasses only: {@link UpstreamError}, {@link ModelBehaviorError}, a
 *   {@link LimitExceededError}, {@link RunCancelledError}, {@link GuardrailTripwireError}, {@link UserError}
 *   (including {@link MissingConfigError}), {@link ApprovalInterruptedError} (with `options.approve`) or
 *   {@link SystemError}.
 */
export function run<TOutput extends AgentOutputType>(
  agent: Agent<TOutput>,
  input: RunInput,
  options: RunOptions = {},
): Promise<RunResult<AgentOutput<TOutput>>> {
  return executeRun(agent, input, scopeOf(options, undefined), undefined);
}

/**
 * Like {@link run}, streaming: returns at once a {@link StreamedRun} to iterate for events
 * (`text_delta`, `tool_call_started`, ...), read as text with `toTextStream()`, or await with `finalResult`.
 */
export function runStreamed<TOutput extends AgentOutputType>(
  agent: Agent<TOutput>,
  input: RunInput,
  options: RunOptions = {},
): StreamedRun<AgentOutput<TOutput>> {
  return new StreamedRun<AgentOutput<TOutput>>((emit) => executeRun(agent, input, scopeOf(options, undefined), emit));
}

/** What a run inherits from a run that called it as a tool. */
interface Scope {
  readonly signal: AbortSignal | undefined;
  readonly provider: ModelProvider | undefined;
  readonly retry: ResolvedRetry;
  readonly observer: RunObserver | undefined;
  readonly maxTurns: number;
  readonly maxTotalTokens: number | undefined;
  readonly timeoutMs: number | undefined;
  readonly deadlineAt: number | undefined;
  readonly parentRunId: string | undefined;
  /** Shared with nested runs, so one run's approvals are asked one at a time. */
  readonly approvals: ApprovalGate | undefined;
  readonly journal: RunJournal;
}

function scopeOf(options: RunOptions, parent: Scope | undefined): Scope {
  const limits = options.limits ?? {};
  const timeoutMs = limits.timeoutMs;
  if (timeoutMs !== undefined && !(timeoutMs > 0)) throw new UserError('limits.timeoutMs must be positive.');
  return {
    signal: options.signal,
    provider: options.modelProvider,
    retry: resolveRetry(options.retry),
    observer: options.observer,
    maxTurns: limits.maxTurns ?? DEFAULT_MAX_TURNS,
    maxTotalTokens: limits.maxTotalTokens,
    timeoutMs,
    deadlineAt: timeoutMs === undefined ? parent?.deadlineAt : Date.now() + timeoutMs,
    parentRunId: parent?.parentRunId,
    approvals: options.approve ? new ApprovalGate(options.approve) : parent?.approvals,
    journal: options.journal ?? passThroughJournal(),
  };
}

/** What a tool call's nested runs inherit from the run that made the call. */
interface CallLink {
  readonly scope: Scope;
  readonly runId: string;
  /** The journal of runs started by this call. */
  readonly journal: RunJournal;
  readonly addUsage: (u: Usage) => void;
  /** What the call's nested runs used so far. */
  readonly nestedUsage: () => Usage;
  /** What the call kept for its tool's `restore` (`ToolContext.keep`). */
  readonly kept: unknown[];
}

/** Links a tool call's context to its run, so that an agent used as a tool inherits the run's scope. */
const toolScopes = new WeakMap<ToolContext, CallLink>();

/** @internal Runs `agent` for {@link Agent.asTool}; its usage is added to the calling run's usage. */
export async function runAsTool(agent: Agent<AgentOutputType>, input: string, context: ToolContext): Promise<unknown> {
  const parent = toolScopes.get(context);
  const scope: Scope = parent
    ? { ...parent.scope, signal: context.signal, parentRunId: parent.runId, journal: parent.journal }
    : scopeOf({ signal: context.signal }, undefined);
  const result = await executeRun(agent, input, scope, undefined);
  parent?.addUsage(result.usage);
  return result.finalOutput;
}

/** Tools, handoffs and definitions of an agent, computed once per agent. */
interface AgentPlan {
  readonly tools: ReadonlyMap<string, FunctionTool>;
  readonly handoffs: ReadonlyMap<string, Agent<AgentOutputType>>;
  readonly definitions: readonly ToolDefinition[];
}

const plans = new WeakMap<Agent<AgentOutputType>, AgentPlan>();

const NO_PARAMETERS = Object.freeze({ type: 'object', properties: {}, required: [], additionalProperties: false });

function planOf(agent: Agent<AgentOutputType>): AgentPlan {
  let plan = plans.get(agent);
  if (plan) return plan;
  const tools = new Map<string, FunctionTool>();
  const definitions: ToolDefinition[] = [];
  for (const t of agent.tools) {
    if (t.type === 'function') tools.set(t.name, t);
    definitions.push(t.definition);
  }
  const handoffs = new Map<string, Agent<AgentOutputType>>();
  for (const target of agent.handoffs) {
    const name = handoffToolName(target.name);
    if (tools.has(name) || handoffs.has(name)) {
      throw new UserError(`Agent "${agent.name}": the handoff tool name "${name}" is used twice.`);
    }
    handoffs.set(name, target);
    definitions.push({
      type: 'function',
      name,
      description: target.handoffDescription ?? `Hand the conversation over to the agent "${target.name}".`,
      parameters: NO_PARAMETERS,
      strict: true,
    });
  }
  plan = { tools, handoffs, definitions };
  plans.set(agent, plan);
  return plan;
}

type Emit = ((event: RunStreamEvent<never>) => void) | undefined;

/** Runs one journal step; refused once the run is aborted, so a cancelled run starts no step, recorded or not. */
type StepFn = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

function stepsOf(journal: RunJournal, signal: AbortSignal): StepFn {
  return (name, fn) => (signal.aborted ? Promise.reject(signal.reason as Error) : journal.step(name, fn));
}

/** One controller per run, fed by the caller's signal and the deadline: everything in the run listens to it only. */
function runAbort(scope: Scope) {
  const controller = new AbortController();
  const onCallerAbort = () => controller.abort(new RunCancelledError());
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (scope.signal?.aborted) controller.abort(new RunCancelledError());
  else scope.signal?.addEventListener('abort', onCallerAbort, { once: true });
  return {
    signal: controller.signal,
    /** Starts the deadline's clock; `deadlineAt` is absolute, so a replayed run keeps its original deadline. */
    armDeadline(deadlineAt: number | undefined) {
      if (deadlineAt === undefined || controller.signal.aborted) return;
      timer = setTimeout(
        () => controller.abort(new DeadlineExceededError(scope.timeoutMs ?? 0)),
        Math.max(0, deadlineAt - Date.now()),
      );
    },
    release() {
      if (timer) clearTimeout(timer);
      scope.signal?.removeEventListener('abort', onCallerAbort);
      // Anything still running (a tool that ignored its signal, a stream) is released.
      if (!controller.signal.aborted) controller.abort(RUN_ENDED);
    },
  };
}

async function executeRun<TOutput extends AgentOutputType>(
  startAgent: Agent<TOutput>,
  input: RunInput,
  callerScope: Scope,
  emit: Emit,
): Promise<RunResult<AgentOutput<TOutput>>> {
  const runId = callerScope.journal.runId;
  const startedAt = performance.now();
  const abort = runAbort(callerScope);
  const signal = abort.signal;
  const step = stepsOf(callerScope.journal, signal);
  let scope = callerScope;
  let agent: Agent<AgentOutputType> = startAgent;
  let usage = EMPTY_USAGE;
  let turns = 0;
  let modelName: string | undefined;
  let partialText = '';
  const finished = (outcome: RunFinishedInfo['outcome'], errorCode: RunFinishedInfo['errorCode']) =>
    notify(scope.observer, 'onRunFinished', {
      runId,
      agent: agent.name,
      model: modelName,
      turns,
      usage,
      durationMs: performance.now() - startedAt,
      outcome,
      errorCode,
    });

  notify(scope.observer, 'onRunStarted', { runId, agent: agent.name, parentRunId: scope.parentRunId });
  const spans = new RunTrace(agent.name, runId);

  try {
    const history: AgentItem[] =
      typeof input === 'string' ? [{ type: 'message', role: 'user', content: input }] : [...input];
    const firstNew = history.length;
    if (signal.aborted) throw signal.reason;
    if (scope.deadlineAt !== undefined) {
      const { deadlineAt } = scope;
      scope = { ...scope, deadlineAt: await step('run.deadline', () => Promise.resolve(deadlineAt)) };
    }
    abort.armDeadline(scope.deadlineAt);
    emit?.({ type: 'agent_updated', agent: agent.name });
    await checkInputGuardrails(agent, history, signal, step);

    for (;;) {
      if (turns >= scope.maxTurns) throw new MaxTurnsExceededError(scope.maxTurns);
      const turn = (turns += 1);
      spans.startTurn(turn, agent.name);
      const plan = planOf(agent);
      const model = await resolveModel(agent, scope.provider);
      modelName = model.name;
      const request: ModelRequest = {
        instructions: agent.instructions,
        input: history.slice(),
        tools: plan.definitions,
        outputSchema: agent.outputSchema,
        settings: agent.modelSettings,
        signal,
        timeoutMs: scope.deadlineAt === undefined ? undefined : Math.max(0, scope.deadlineAt - Date.now()),
      };
      partialText = '';
      const turnContext = { scope, runId, agent: agent.name, turn, emit, onText: (t: string) => (partialText += t) };
      const response = await step(`turn.${turn}.model`, () =>
        spans.inTurn(() => callModel(model, request, turnContext)),
      );
      partialText = '';
      usage = addUsage(usage, response.usage);
      emit?.({ type: 'usage', agent: agent.name, turn, usage: response.usage, total: usage });
      if (scope.maxTotalTokens !== undefined && usage.totalTokens > scope.maxTotalTokens) {
        throw new MaxTokensExceededError(scope.maxTotalTokens, usage.totalTokens);
      }
      history.push(...response.output);

      const calls = response.output.filter((i): i is FunctionCallItem => i.type === 'function_call');
      if (calls.length === 0) {
        const text = response.output.map((i) => (i.type === 'message' ? i.content : '')).join('');
        const finalOutput = parseFinalOutput(agent, text);
        await checkOutputGuardrails(agent, finalOutput, signal, step);
        finished('completed', undefined);
        spans.end();
        const items = history.slice(firstNew);
        return {
          runId,
          finalOutput: finalOutput as AgentOutput<TOutput>,
          text,
          items,
          usage,
          turns,
          lastAgent: agent.name,
        };
      }

      const link = { scope, runId, signal, emit, step, turn };
      const { outputs, next, nested } = await spans.inTurn(() => runCalls(calls, plan, agent.name, link));
      usage = addUsage(usage, nested);
      history.push(...outputs);
      if (next) {
        emit?.({ type: 'handoff', from: agent.name, to: next.name });
        agent = next;
        emit?.({ type: 'agent_updated', agent: agent.name });
      }
    }
  } catch (err) {
    const error = toAgentError(err, signal);
    if (error instanceof DeadlineExceededError && partialText && error.partialText === undefined) {
      error.partialText = partialText;
    }
    finished(error instanceof ApprovalInterruptedError ? 'interrupted' : 'failed', error.code);
    spans.end(error);
    throw error;
  } finally {
    abort.release();
  }
}

/** Abort reason for work still pending when a run has already ended. */
const RUN_ENDED = new RunCancelledError('The run has ended.');

async function checkInputGuardrails(
  agent: Agent<AgentOutputType>,
  history: readonly AgentItem[],
  signal: AbortSignal,
  step: StepFn,
): Promise<void> {
  if (agent.inputGuardrails.length === 0) return;
  await step('guardrails.input', () =>
    checkGuardrails(
      'input',
      agent.inputGuardrails.map((g) => ({
        name: g.name,
        run: () => g.execute({ input: history as AgentItem[], agentName: agent.name, signal }),
      })),
      signal,
    ),
  );
}

async function checkOutputGuardrails(
  agent: Agent<AgentOutputType>,
  finalOutput: unknown,
  signal: AbortSignal,
  step: StepFn,
): Promise<void> {
  if (agent.outputGuardrails.length === 0) return;
  await step('guardrails.output', () =>
    checkGuardrails(
      'output',
      agent.outputGuardrails.map((g) => ({
        name: g.name,
        run: () => g.execute({ output: finalOutput as never, agentName: agent.name, signal }),
      })),
      signal,
    ),
  );
}

/** Where a turn's tool calls run: the run, its signal and stream, its journal and the turn's number. */
interface TurnLink {
  readonly scope: Scope;
  readonly runId: string;
  readonly signal: AbortSignal;
  readonly emit: Emit;
  readonly step: StepFn;
  readonly turn: number;
}

/** A call of the turn, checked before anything runs: an output already decided, or a tool to invoke. */
type PreparedCall = Pick<FunctionCallItem, 'callId' | 'name' | 'arguments'> &
  ({ readonly output: string } | { readonly tool: FunctionTool; readonly value: unknown });

/**
 * Runs a turn's function calls concurrently; the first handoff in the turn wins, later ones are refused.
 * Approvals are decided first (`turn.<n>.plan`), so a replay asks no `needsApproval` again.
 */
async function runCalls(
  calls: readonly FunctionCallItem[],
  plan: AgentPlan,
  agentName: string,
  link: TurnLink,
): Promise<{ outputs: FunctionCallOutputItem[]; next: Agent<AgentOutputType> | undefined; nested: Usage }> {
  let next: Agent<AgentOutputType> | undefined;
  let nested = EMPTY_USAGE;
  const names = stepNames(calls, link.turn);
  const prepared = calls.map((call) => (plan.handoffs.has(call.name) ? undefined : prepareCall(call, plan)));
  const contexts = prepared.map((p, i) =>
    p && 'tool' in p ? contextOf(p, agentName, link, names[i] ?? '') : undefined,
  );
  const verdicts = await planApprovals(prepared, contexts, link);
  const addNested = (u: Usage) => (nested = addUsage(nested, u));
  const outputs = await Promise.all(
    calls.map((call, i): FunctionCallOutputItem | Promise<FunctionCallOutputItem> => {
      const target = plan.handoffs.get(call.name);
      const p = prepared[i];
      if (p)
        return runTool(p, agentName, link, {
          name: names[i] ?? '',
          verdict: verdicts[call.callId],
          context: contexts[i],
          addUsage: addNested,
        });
      if (next) {
        return {
          type: 'function_call_output',
          callId: call.callId,
          output: `Handoff refused: already transferred to "${next.name}".`,
        };
      }
      next = target;
      return {
        type: 'function_call_output',
        callId: call.callId,
        output: JSON.stringify({ assistant: target?.name }),
      };
    }),
  );
  return { outputs, next, nested };
}

/** The calls' step names (`turn.<n>.tool.<callId>`), unique within the turn even if the model repeats an id. */
function stepNames(calls: readonly FunctionCallItem[], turn: number): string[] {
  const seen = new Map<string, number>();
  return calls.map((call) => {
    const n = (seen.get(call.callId) ?? 0) + 1;
    seen.set(call.callId, n);
    return `turn.${turn}.tool.${call.callId}${n > 1 ? `~${n}` : ''}`;
  });
}

/** Finds the call's tool and validates its arguments; what the model must be told instead is decided here. */
function prepareCall(call: FunctionCallItem, plan: AgentPlan): PreparedCall {
  const t = plan.tools.get(call.name);
  const base = { callId: call.callId, name: call.name, arguments: call.arguments };
  if (!t) {
    const available = [...plan.tools.keys()].join(', ') || 'none';
    return { ...base, output: `Error: there is no tool named "${call.name}". Available tools: ${available}.` };
  }
  let parsed: ReturnType<FunctionTool['parse']>;
  try {
    parsed = t.parse(call.arguments.trim() === '' ? {} : JSON.parse(call.arguments));
  } catch {
    parsed = { ok: false, message: `Invalid arguments for tool "${t.name}": not valid JSON.` };
  }
  return parsed.ok ? { ...base, tool: t, value: parsed.value } : { ...base, output: `Error: ${parsed.message}` };
}

/** A call's context, linked to the run so that an agent used as a tool runs on the call's child journal. */
function contextOf(call: PreparedCall, agentName: string, link: TurnLink, stepName: string): ToolContext {
  const idempotencyKey = link.scope.journal.stepKey(stepName);
  const kept: unknown[] = [];
  const context: ToolContext = {
    signal: link.signal,
    callId: call.callId,
    agentName,
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    keep: (value) => void kept.push(value),
  };
  let nested = EMPTY_USAGE;
  toolScopes.set(context, {
    scope: link.scope,
    runId: link.runId,
    journal: link.scope.journal.child(stepName),
    addUsage: (u) => (nested = addUsage(nested, u)),
    nestedUsage: () => nested,
    kept,
  });
  return context;
}

/**
 * Which calls need a person's yes: `true`, or the message of a `needsApproval` that failed (the call then fails
 * as a tool would). Recorded as the step `turn.<n>.plan`; skipped when no tool of the turn can need approval.
 */
async function planApprovals(
  prepared: readonly (PreparedCall | undefined)[],
  contexts: readonly (ToolContext | undefined)[],
  link: TurnLink,
): Promise<Record<string, true | string>> {
  const asks = prepared.flatMap((p, i) => {
    const context = contexts[i];
    return p && 'tool' in p && p.tool.needsApproval && context ? [{ p, check: p.tool.needsApproval, context }] : [];
  });
  if (asks.length === 0) return {};
  return link.step(`turn.${link.turn}.plan`, async () => {
    const verdicts: Record<string, true | string> = {};
    await Promise.all(
      asks.map(async ({ p, check, context }) => {
        try {
          if (await raceAbort(check(p.value, context), link.signal)) verdicts[p.callId] = true;
        } catch (err) {
          if (link.signal.aborted) throw link.signal.reason;
          verdicts[p.callId] = messageOf(err);
        }
      }),
    );
    return verdicts;
  });
}

/** What a tool call produced, as recorded by its step. */
interface ToolOutcome {
  readonly output: string;
  readonly isError: boolean;
  /** What its nested runs (an agent used as a tool) used, so that a replay still counts it against the budget. */
  readonly usage?: Usage;
  /** What the call kept for its tool's `restore`, so that a replay puts back what the call changed. */
  readonly kept?: readonly unknown[];
}

/** Where a prepared call runs: its step name, the plan's verdict, its context, and where its nested usage goes. */
interface CallSite {
  readonly name: string;
  readonly verdict: true | string | undefined;
  readonly context: ToolContext | undefined;
  readonly addUsage: (u: Usage) => void;
}

async function runTool(
  call: PreparedCall,
  agentName: string,
  link: TurnLink,
  at: CallSite,
): Promise<FunctionCallOutputItem> {
  const { emit } = link;
  const { callId, name } = call;
  emit?.({ type: 'tool_call_started', agent: agentName, callId, name, arguments: call.arguments });
  const outcome: ToolOutcome =
    'tool' in call && at.context
      ? await invokeTool(call, agentName, link, { ...at, context: at.context })
      : { output: 'output' in call ? call.output : '', isError: true };
  if (outcome.usage) at.addUsage(outcome.usage);
  emit?.({
    type: 'tool_call_finished',
    agent: agentName,
    callId,
    name,
    output: outcome.output,
    isError: outcome.isError,
  });
  return { type: 'function_call_output', callId: call.callId, output: outcome.output };
}

/** Asks for the approval the plan requires (its own step), then runs the tool as the step `turn.<n>.tool.<callId>`. */
async function invokeTool(
  call: Extract<PreparedCall, { tool: FunctionTool }>,
  agentName: string,
  link: TurnLink,
  at: CallSite & { context: ToolContext },
): Promise<ToolOutcome> {
  const { tool: t, value, callId } = call;
  const { signal, step } = link;
  let context = at.context;
  try {
    if (typeof at.verdict === 'string') return { output: failedOutput(t.name, at.verdict), isError: true };
    if (at.verdict === true) {
      const gate = link.scope.approvals;
      // Fail closed: a call that needs a yes never runs where nobody can be asked.
      if (!gate) throw new UserError(`it needs a person's approval and this run cannot ask for it, so it was not run`);
      // Recorded as `true`, or `{ record }` when the approver keeps something with its yes.
      const approvalStep = at.name.replace('.tool.', '.approval.');
      const idempotencyKey = link.scope.journal.stepKey(approvalStep);
      const granted = await step(approvalStep, () =>
        raceAbort(
          gate
            .ask({
              tool: t.name,
              arguments: value,
              callId,
              agentName,
              signal,
              ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
            })
            .then((record): true | { record: unknown } => (record === undefined ? true : { record })),
          signal,
        ),
      );
      if (typeof granted === 'object') {
        context = { ...context, approval: granted.record };
        const callLink = toolScopes.get(at.context);
        if (callLink) toolScopes.set(context, callLink);
      }
    }
    let ran = false;
    const outcome = await step(at.name, async (): Promise<ToolOutcome> => {
      ran = true;
      const span = startChildSpan(`execute_tool ${t.name}`, {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': t.name,
        'gen_ai.tool.call.id': callId,
      });
      const callLink = toolScopes.get(context);
      const kept = () => (callLink?.kept.length ? { kept: callLink.kept } : {});
      try {
        const result = await withSpan(span, () => raceAbort(t.invoke(value, context), signal));
        endSpan(span);
        const output = typeof result === 'string' ? result : (JSON.stringify(result) ?? '');
        const usage = callLink?.nestedUsage();
        return { output, isError: false, ...(usage?.requests ? { usage } : {}), ...kept() };
      } catch (err) {
        endSpan(span, err instanceof Error ? err.name : 'error');
        // Recorded as the call's result, so a replay does not run a failed call again; an abort or an
        // interrupted approval is not a result and ends the run unrecorded.
        if (signal.aborted || err instanceof ApprovalInterruptedError) throw err;
        return { output: failedOutput(t.name, messageOf(err)), isError: true, ...kept() };
      }
    });
    // Replayed from the record, the call did not run: its tool puts back what the call changed in its own state.
    if (!ran && t.restore) for (const value of outcome.kept ?? []) t.restore(value);
    return outcome;
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    // A declined or pending approval ends the run; it is not a tool failure the model could work around.
    if (err instanceof ApprovalInterruptedError) throw err;
    return { output: failedOutput(t.name, messageOf(err)), isError: true };
  }
}

/**
 * The model can often recover from a failed call (other arguments, another tool), so the failure becomes the
 * tool's result. Fenced: an error can quote what the tool read (a database error quotes the row it could not cast).
 */
function failedOutput(toolName: string, message: string): string {
  return `Error: the tool "${toolName}" failed. Its error message:\n${wrapUntrusted(toolName, message, TOOL_ERROR)}`;
}

async function resolveModel(agent: Agent<AgentOutputType>, provider: ModelProvider | undefined): Promise<Model> {
  if (agent.model !== undefined && typeof agent.model !== 'string') return agent.model;
  return (provider ?? getDefaultModelProvider()).getModel(agent.model);
}

/** Where a model turn happens, for retries and observer reports. */
interface TurnContext {
  readonly scope: Scope;
  readonly runId: string;
  readonly agent: string;
  readonly turn: number;
  readonly emit: Emit;
  readonly onText: (delta: string) => void;
}

/**
 * One model turn under the run's retry policy: retry what the server marks retryable, waiting what it asks
 * (`retry-after`) or a jittered backoff, but never past the deadline, and never once streamed text reached the
 * caller (a retry would repeat it).
 */
async function callModel(model: Model, request: ModelRequest, ctx: TurnContext): Promise<ModelResponse> {
  const { retry, observer, deadlineAt } = ctx.scope;
  const streamed = ctx.emit !== undefined;
  for (let attempt = 1; ; attempt++) {
    const started = performance.now();
    let emittedText = false;
    const span = startChildSpan(
      `chat ${model.name}`,
      { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model.name, 'agent.attempt': attempt },
      'client',
    );
    const report = (outcome: Pick<ModelRequestInfo, 'usage' | 'error'>) =>
      notify(observer, 'onModelRequest', {
        runId: ctx.runId,
        agent: ctx.agent,
        model: model.name,
        turn: ctx.turn,
        attempt,
        streamed,
        durationMs: performance.now() - started,
        ...outcome,
      });
    try {
      let response: ModelResponse | undefined;
      if (!streamed) {
        response = await model.getResponse(request);
      } else {
        for await (const event of model.getStreamedResponse(request)) {
          if (event.type === 'text_delta') {
            emittedText = true;
            ctx.onText(event.delta);
            ctx.emit?.({ type: 'text_delta', agent: ctx.agent, delta: event.delta });
          } else {
            response = event.response;
          }
        }
        if (!response) throw new StreamInterruptedError('The model stream ended before the response completed.', '');
      }
      if (request.signal.aborted) throw request.signal.reason;
      if (span) {
        span.setAttribute('gen_ai.usage.input_tokens', response.usage.inputTokens);
        span.setAttribute('gen_ai.usage.output_tokens', response.usage.outputTokens);
      }
      endSpan(span);
      report({ usage: response.usage, error: undefined });
      return response;
    } catch (err) {
      const error = toAgentError(err, request.signal);
      endSpan(span, error instanceof UpstreamError && error.status !== undefined ? String(error.status) : error.code);
      report({
        usage: undefined,
        error: { code: error.code, status: error instanceof UpstreamError ? error.status : undefined },
      });
      if (!(error instanceof UpstreamError)) throw error;
      if (!error.retryable || emittedText || attempt >= retry.maxAttempts) throw error.withAttempts(attempt);
      const delay = retryDelayMs(retry, attempt, error.retryAfterMs);
      if (delay > MAX_RETRY_AFTER_MS || (deadlineAt !== undefined && Date.now() + delay >= deadlineAt)) {
        throw error.withAttempts(attempt);
      }
      await sleep(delay, request.signal);
    }
  }
}

function parseFinalOutput(agent: Agent<AgentOutputType>, text: string): unknown {
  const type = agent.outputType;
  if (!type) return text;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ModelBehaviorError(`Agent "${agent.name}": the final output is not valid JSON.`);
  }
  const parsed = type.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ModelBehaviorError(
      `Agent "${agent.name}": the final output does not match the output type (${issue?.path.join('.') || '(root)'}: ${issue?.message}).`,
    );
  }
  return parsed.data;
}

async function checkGuardrails(
  kind: 'input' | 'output',
  guardrails: readonly { name: string; run: () => GuardrailResult | Promise<GuardrailResult> }[],
  signal: AbortSignal,
): Promise<true> {
  const results = await raceAbort(
    Promise.all(
      guardrails.map(async (g) => {
        try {
          return { name: g.name, result: await g.run() };
        } catch (err) {
          if (isAgentError(err)) throw err;
          throw new SystemError(`The ${kind} guardrail "${g.name}" failed: ${messageOf(err)}`);
        }
      }),
    ),
    signal,
  );
  const tripped = results.find((r) => r.result.tripwireTriggered);
  if (tripped) throw new GuardrailTripwireError(tripped.name, kind, tripped.result.info);
  return true;
}

/** Settles with `promise`, or rejects with the signal's reason as soon as it aborts (even if `promise` never settles). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err as Error);
      },
    );
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return raceAbort(
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => clearTimeout(t), { once: true });
    }),
    signal,
  );
}

function toAgentError(err: unknown, signal: AbortSignal): AgentError {
  // Whatever surfaced (an SDK abort error, a tool's rejection), an aborted run ends with the abort's own reason.
  if (signal.aborted && isAgentError(signal.reason)) {
    return signal.reason;
  }
  if (isAgentError(err)) return err;
  return new SystemError(`Unexpected failure: ${messageOf(err)}`);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
