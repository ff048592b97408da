import { type AgentErrorCode } from './errors';
import { type Usage } from './usage';

/** Reported when a run starts. */
export interface RunStartedInfo {
  readonly runId: string;
  readonly agent: string;
  /** `runId` of the run that called this one as a tool, for nested runs. */
  readonly parentRunId: string | undefined;
}

/** Reported after every model request attempt, successful or not. */
export interface ModelRequestInfo {
  readonly runId: string;
  readonly agent: string;
  /** Model name, e.g. `gpt-5-mini`. */
  readonly model: string;
  /** 1-based model turn of the run. */
  readonly turn: number;
  /** 1-based attempt within the turn (greater than 1 after retries). */
  readonly attempt: number;
  readonly streamed: boolean;
  /** Wall-clock time of the request, from sending it to the last byte (or the failure). */
  readonly durationMs: number;
  /** Usage of the response, when it succeeded. */
  readonly usage: Usage | undefined;
  /** Set when the attempt failed. */
  readonly error: { readonly code: AgentErrorCode; readonly status: number | undefined } | undefined;
}

/** Reported when a run ends, successfully or not. */
export interface RunFinishedInfo {
  readonly runId: string;
  /** The last agent in charge. */
  readonly agent: string;
  /** The last model used, if a model was reached. */
  readonly model: string | undefined;
  readonly turns: number;
  readonly usage: Usage;
  readonly durationMs: number;
  /** `interrupted`: a tool call needing approval was declined or left pending (see `ApprovalInterruptedError`). */
  readonly outcome: 'completed' | 'failed' | 'interrupted';
  readonly errorCode: AgentErrorCode | undefined;
}

/**
 * Observability hooks: wire them to metrics and traces. Called synchronously on the run's path, so keep them
 * cheap; exceptions they throw are swallowed so that telemetry can never break a run.
 */
export interface RunObserver {
  onRunStarted?(info: RunStartedInfo): void;
  onModelRequest?(info: ModelRequestInfo): void;
  onRunFinished?(info: RunFinishedInfo): void;
}

/** Calls one hook, shielding the run from the observer's failures. */
export function notify<K extends keyof RunObserver>(
  observer: RunObserver | undefined,
  hook: K,
  info: Parameters<NonNullable<RunObserver[K]>>[0],
): void {
  const fn = observer?.[hook] as ((info: unknown) => void) | undefined;
  if (!fn) return;
  try {
    fn.call(observer, info);
  } catch {
    // Telemetry must never change the outcome of a run.
  }
}
