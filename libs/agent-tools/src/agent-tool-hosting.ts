import { type ModelProvider, type RunObserver, type RunQueue } from '@agent-mcp/agent-core';

/**
 * What an agent tool's runs take from the server that hosts them: their model provider, the environment the
 * defaults read, the observer told of every run and the queue every run goes through. Every tool library
 * (`@agent-mcp/tools-*`) takes these from its composition root and hands them to `defineAgentTool` with
 * {@link hostedBy}, so they are declared, documented and forwarded in one place.
 */
export interface AgentToolHosting {
  /**
   * Model provider; default: the OpenAI provider configured from `env`, created on the first call. With no key,
   * an agent tool runs on the client's own model (MCP sampling) where the client offers it.
   */
  readonly modelProvider?: ModelProvider;
  /** Environment the settings and the default model provider read. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Told of every run and model request (the app's metrics and traces). */
  readonly runObserver?: RunObserver;
  /** The queue every call's run goes through (per-server and per-caller limits, step journals). Default: none. */
  readonly runs?: RunQueue;
}

/** The fields of an agent tool's definition that `hosting` sets: only those it names (no `undefined` members). */
export interface HostedAgentTool {
  readonly modelProvider?: ModelProvider;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly observer?: RunObserver;
  readonly runs?: RunQueue;
}

/** The hosting of an agent tool, as the fields of its definition: spread it into `defineAgentTool`'s argument. */
export function hostedBy(hosting: AgentToolHosting): HostedAgentTool {
  return {
    ...(hosting.modelProvider ? { modelProvider: hosting.modelProvider } : {}),
    ...(hosting.env ? { env: hosting.env } : {}),
    ...(hosting.runObserver ? { observer: hosting.runObserver } : {}),
    ...(hosting.runs ? { runs: hosting.runs } : {}),
  };
}
