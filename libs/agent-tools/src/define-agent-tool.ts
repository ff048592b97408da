import { type z } from 'zod';
import {
  type Agent,
  type AgentOutput,
  type AgentOutputType,
  type ApprovalPort,
  createOpenAIProvider,
  type ModelProvider,
  type RunInput,
  type RunObserver,
  type RunQueue,
} from '@agent-mcp/agent-core';
import {
  defineTool,
  type HandlerContext,
  type Tool,
  type ToolInputSchema,
  type ToolOutputSchema,
  toolResponse,
  type ToolReturn,
} from '@agent-mcp/mcp-core';
import { type AgentBudgetRequest, type AgentRunPolicy, agentBudgetShape } from './budgets';
import { mapAgentError } from './map-agent-error';
import { agentRunMeta, type AgentToolInterruption, type AgentToolOutcome, runAgentTool } from './run-agent-tool';
import { agentThreadShape } from './thread-turns';

/**
 * The arguments every agent tool takes beside its own, to spread into its input schema: the budgets
 * (`maxTurns`, `maxTokens`, `deadlineSeconds`) and the conversation thread (`threadId`).
 *
 * @example
 * inputSchema: z.object({ question: z.string(), ...agentCallShape })
 */
export const agentCallShape = { ...agentBudgetShape, ...agentThreadShape } as const;

/** The parsed {@link agentCallShape} arguments. */
export interface AgentCallArgs extends AgentBudgetRequest {
  readonly threadId?: string | undefined;
}

interface AgentRunBase<TOutput extends AgentOutputType> {
  /** The agent of this call (its tools usually close over the call's context). */
  readonly agent: Agent<TOutput>;
  readonly input: RunInput;
  /** The budget asked for. Default: the call's `maxTurns`, `maxTokens` and `deadlineSeconds`. */
  readonly budget?: AgentBudgetRequest;
  /** Overrides the tool's model provider for this call (for example, wrapped with a fallback). */
  readonly modelProvider?: ModelProvider;
}

/**
 * One call's run, as {@link AgentToolDefinition.prepare} returns it: the agent, its input, and how its outcome
 * becomes the tool's structured output. With `approve`, a declined or pending write ends the run with an
 * `interrupted` outcome, which `finish` receives too.
 */
export type AgentRun<TOutput extends AgentOutputType, TResult> = AgentRunBase<TOutput> &
  (
    | {
        readonly approve?: undefined;
        finish(outcome: AgentToolOutcome<AgentOutput<TOutput>>): TResult | Promise<TResult>;
      }
    | {
        readonly approve: ApprovalPort;
        finish(outcome: AgentToolOutcome<AgentOutput<TOutput>> | AgentToolInterruption): TResult | Promise<TResult>;
      }
  );

/** What an agent-backed MCP tool declares; see {@link defineAgentTool}. */
export interface AgentToolDefinition<
  I extends ToolInputSchema,
  O extends ToolOutputSchema,
  TOutput extends AgentOutputType = undefined,
> {
  readonly name: string;
  readonly title?: string;
  readonly description: string;
  /** The tool's arguments, with {@link agentCallShape} spread in. */
  readonly inputSchema: I;
  readonly outputSchema: O;
  readonly annotations?: Tool['annotations'];
  /**
   * Default `{ taskSupport: 'optional', resumable: true }`: an agent run is long, so clients may run it as a task,
   * and a task's run resumes on another replica from its recorded steps if its own dies (its writes are keyed by
   * step). What is given here is laid over that default.
   */
  readonly execution?: Tool['execution'];
  /** Text of the result, from the structured output. */
  render(output: z.output<O>): string;
  /** The server's caps and defaults of one call (a tool may tighten the server's for itself). */
  readonly policy: AgentRunPolicy;
  /** Default: the OpenAI provider configured from `env`, created on the first call. */
  readonly modelProvider?: ModelProvider;
  /** Where the default provider reads its settings. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Told of every run and model request (metrics, traces). */
  readonly observer?: RunObserver;
  /** The queue every call's run goes through (see {@link AgentToolOptions.runs}). Default: none, runs start at once. */
  readonly runs?: RunQueue;
  /**
   * Builds one call's run from its arguments and context. Anything it throws is mapped like the run's own errors;
   * `modelProvider` is the tool's provider (to ask, say, whether the server has a model at all).
   */
  prepare(
    args: z.output<I>,
    context: HandlerContext,
    tool: { readonly modelProvider: ModelProvider },
  ): AgentRun<TOutput, z.input<O>> | Promise<AgentRun<TOutput, z.input<O>>>;
}

/**
 * An MCP tool backed by an agent, the one way every agent tool is built: it runs the call's agent through
 * {@link runAgentTool} (progress and heartbeat, client logs, cancellation, budgets capped by the policy, the
 * caller's model-token budget, the thread named by `threadId`, the client's model when the server has none),
 * answers with the structured output, its text and `_meta.agentRun`, and maps every failure once, through
 * {@link mapAgentError}.
 */
export function defineAgentTool<I extends ToolInputSchema, O extends ToolOutputSchema, TOutput extends AgentOutputType>(
  definition: AgentToolDefinition<I, O, TOutput>,
): Tool<I, O> {
  const { name, policy } = definition;
  let provider = definition.modelProvider;
  const modelProvider = () => (provider ??= createOpenAIProvider({ env: definition.env }));
  return defineTool<I, O>({
    name,
    ...(definition.title ? { title: definition.title } : {}),
    description: definition.description,
    inputSchema: definition.inputSchema,
    outputSchema: definition.outputSchema,
    ...(definition.annotations ? { annotations: definition.annotations } : {}),
    execution: { taskSupport: 'optional', resumable: true, ...definition.execution },
    render: definition.render as Tool<I, O>['render'],
    async execute(args, context) {
      try {
        const run = await definition.prepare(args, context, { modelProvider: modelProvider() });
        const call = args as AgentCallArgs;
        const options = {
          context,
          policy,
          budget: run.budget ?? {
            maxTurns: call.maxTurns,
            maxTokens: call.maxTokens,
            deadlineSeconds: call.deadlineSeconds,
          },
          ...(call.threadId ? { threadId: call.threadId } : {}),
          modelProvider: run.modelProvider ?? modelProvider(),
          source: name,
          // A 2026-07-28 call may be rerun on the client's retry: its model turns are kept between the rounds. A call
          // parked on its run is not rerun (its turns are recorded steps of the run).
          ...(context.client.parked ? {} : { rounds: context.client }),
          ...(definition.observer ? { observer: definition.observer } : {}),
          ...(definition.runs ? { runs: definition.runs } : {}),
        };
        let output: z.input<O>;
        let outcome: AgentToolOutcome<AgentOutput<TOutput>> | AgentToolInterruption;
        if (run.approve) {
          const done = await runAgentTool(run.agent, run.input, { ...options, approve: run.approve });
          [output, outcome] = [await run.finish(done), done];
        } else {
          const done = await runAgentTool(run.agent, run.input, options);
          [output, outcome] = [await run.finish(done), done];
        }
        return toolResponse<z.input<O>>({
          content: [{ type: 'text', text: definition.render(output as z.output<O>) }],
          structuredContent: output,
          _meta: agentRunMeta(outcome),
        }) as ToolReturn<O>;
      } catch (error) {
        throw mapAgentError(error, name);
      }
    },
  });
}
