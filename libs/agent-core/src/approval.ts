import { AgentError } from './errors';

/**
 * A tool call that waits for a person's yes before it runs: a tool marked `needsApproval` (see `tool()`) that
 * the model asked for, with the arguments it gave, already validated.
 */
export interface ApprovalRequest {
  /** The tool's name. */
  readonly tool: string;
  /** The parsed, validated arguments of the call. */
  readonly arguments: unknown;
  /** The id the model gave this call. */
  readonly callId: string;
  /** Name of the agent whose model asked for the call. */
  readonly agentName: string;
  /** Aborts when the run is cancelled or reaches its deadline: stop asking then. */
  readonly signal: AbortSignal;
  /**
   * The key of this approval's step in its run (where the run has a journal): the same when a run resumed after a
   * crash asks again for an approval it had not got, so anything the approver writes before asking (a stored
   * confirmation) can be keyed by it and written once.
   */
  readonly idempotencyKey?: string;
}

/**
 * A person's answer, as the approver reports it:
 * - `approved`: run the tool now;
 * - `declined`: never run it; the run ends;
 * - `pending`: nobody could answer now (for example the user interface cannot ask); the approver has kept
 *   what it needs to run the action later by other means, and the run ends without running it.
 */
export type ApprovalDecision =
  | {
      readonly decision: 'approved';
      /**
       * What the approver keeps with its yes (JSON): recorded with the approval's step and handed to the call as
       * `ToolContext.approval`, the same when a run resumed after a crash replays the approval instead of asking
       * (what exactly was approved, a confirmation to spend with the write).
       */
      readonly record?: unknown;
    }
  | {
      readonly decision: 'declined' | 'pending';
      /** A sentence for the caller, e.g. "The user declined opening the ticket." */
      readonly message?: string;
    };

/**
 * Asks a person whether a tool call may run. Supplied by whoever runs the agent ({@link RunOptions.approve}):
 * agent-core knows nothing of how the question reaches a person (a dialog, a protocol request, a stored
 * confirmation). Throwing counts as the tool failing: the call does not run and the model reads the error.
 */
export type ApprovalPort = (request: ApprovalRequest) => Promise<ApprovalDecision>;

/**
 * A call that needed approval was declined, or is left pending: the run ended there, without running it.
 * `runAgentTool` turns it into an `interrupted` outcome; {@link run} throws it.
 */
export class ApprovalInterruptedError extends AgentError {
  readonly code = 'approval_interrupted' as const;
  readonly decision: 'declined' | 'pending';
  readonly tool: string;
  readonly arguments: unknown;
  readonly callId: string;
  /** The approver's own sentence, when it gave one. */
  readonly reason: string | undefined;

  constructor(request: Omit<ApprovalRequest, 'signal'>, decision: 'declined' | 'pending', message?: string) {
    super(
      message ??
        (decision === 'declined'
          ? `The call of "${request.tool}" was declined, so it did not run.`
          : `The call of "${request.tool}" waits for approval and has not run.`),
    );
    this.decision = decision;
    this.tool = request.tool;
    this.arguments = request.arguments;
    this.callId = request.callId;
    this.reason = message;
  }
}

/**
 * One run's approvals: asked one at a time (two writes of one turn never put two questions to a person at
 * once), and none after the first `declined` or `pending`, which ends the run.
 */
export class ApprovalGate {
  private chain: Promise<unknown> = Promise.resolve();
  private interrupted: ApprovalInterruptedError | undefined;

  constructor(private readonly port: ApprovalPort) {}

  /**
   * Resolves with the approver's `record` when the call is approved; rejects with {@link ApprovalInterruptedError}
   * otherwise.
   */
  ask(request: ApprovalRequest): Promise<unknown> {
    const asked = this.chain.then(async () => {
      if (this.interrupted) throw this.interrupted;
      const answer = await this.port(request);
      if (answer.decision === 'approved') return answer.record;
      const { signal: _signal, ...call } = request;
      this.interrupted = new ApprovalInterruptedError(
        call,
        answer.decision === 'pending' ? 'pending' : 'declined',
        answer.message,
      );
      throw this.interrupted;
    });
    this.chain = asked.catch(() => undefined);
    return asked;
  }
}
