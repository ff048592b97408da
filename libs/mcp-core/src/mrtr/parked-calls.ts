import { ANONYMOUS_PRINCIPAL, type LogLevel, type Logger, principalKey, type TaskOutcome } from '@agent-mcp/context';
import { type Call, type CallEnvironment, CallContext } from '../call-context';
import { CancelledError, isExposable, ProtocolError, toJsonRpcError } from '../errors';
import { detachedCall, recordedSession } from '../recorded-call';
import { requireRunEngine, RUN_ENGINE_WAIT_MS } from '../run-engine';
import { errorRef, type ToolRegistry } from '../tool-registry';
import { parseAnswer } from './input-round';
import { askOnCallStream } from './legacy-questions';
import {
  type LegacyAsker,
  type ParkedCall,
  type ParkedCallRuns,
  ParkedInputs,
  type ParkedQuestion,
  type ParkedRunJournal,
  type ParkedRunWatch,
  parseParkedCall,
} from './parked-call';
import { type ParkedState, type RequestStateBinding, type RequestStateSealer } from './request-state';
import { PROGRESS_EVENT, ProgressForwarder, ProgressPublisher, RELAY_TOKEN, RelayChannel } from './run-progress';

/** How long a call on in-process runs waits for them before it is served by reruns instead (they start at once). */
const READY_WAIT_MS = 1000;
/**
 * How long a waiting request waits for a wake of its run's watch before it looks anyway, ms: a wake from another
 * replica can be lost (a dropped connection); the watch itself wakes it at once otherwise.
 */
const LOOK_AGAIN_MS = 3000;

/** What {@link ParkedCalls} needs of the server. */
export interface ParkedCallsOptions {
  readonly runs: ParkedCallRuns;
  readonly tools: ToolRegistry;
  readonly environment: CallEnvironment;
  readonly sealer: RequestStateSealer;
  readonly logger: Logger;
  /** What a request's `requestState` is bound to. */
  readonly bindingOf: (call: Call) => RequestStateBinding;
  /** How long a call waits for recorded runs' engine before it is refused (`requireRunEngine`). Default 15 s. */
  readonly engineWaitMs?: number;
}

/**
 * The 2026-07-28 calls of resumable tools served as runs (see `parked-call.ts`): the first request starts the run
 * here and waits for its outcome or its first question; a retry delivers its answers to the run, wherever it runs,
 * and waits the same way. While a request waits on the replica running the call, the call's progress and log
 * messages reach it; a 2026-07-28 request waiting on another replica gets its progress through the run (recorded
 * runs: see `run-progress.ts`), as it gets the run's outcome and questions.
 */
export class ParkedCalls {
  /** The request waiting on each run of this process (its messages' destination). */
  private readonly waiting = new Map<string, Call>();
  /** Runs executing in this process, to stop at once on a cancel. */
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly options: ParkedCallsOptions) {}

  /** Whether the runs are recorded (`ParkedCallRuns.recorded`): 2025-11-25 calls become runs too. */
  get recorded(): boolean {
    return this.options.runs.recorded === true;
  }

  /**
   * Starts the call `name` as a run and waits for its outcome or its first question. Recorded runs: the call waits
   * for their engine as a task does, and is refused with `UNAVAILABLE` if it is not up in time (run unrecorded, it
   * could not be resumed). In-process runs: `undefined` when they are not defined yet (the call is then served as
   * it is, rerun on each retry).
   * @throws UnavailableError
   */
  async begin(
    call: Call,
    name: string,
    args: Record<string, unknown> | undefined,
  ): Promise<Record<string, unknown> | undefined> {
    const { runs } = this.options;
    if (runs.recorded) await requireRunEngine(runs, this.options.engineWaitMs ?? RUN_ENGINE_WAIT_MS, 'this call');
    else if (!(await runs.ready(READY_WAIT_MS))) return undefined;
    const principal = call.pipeline.principal ?? ANONYMOUS_PRINCIPAL;
    const { session } = call;
    const record: ParkedCall = {
      runId: globalThis.crypto.randomUUID(),
      tool: name,
      ...(args ? { arguments: args } : {}),
      principal,
      protocolVersion: session.protocolVersion,
      ...(session.clientCapabilities
        ? { clientCapabilities: session.clientCapabilities as Record<string, unknown> }
        : {}),
      ...(session.clientInfo ? { clientInfo: session.clientInfo } : {}),
      ...(session.logLevel ? { logLevel: session.logLevel } : {}),
      ...(session.era === 'modern' ? {} : { era: 'legacy' as const }),
      ...(session.era === 'modern' && call.params?.inputResponses
        ? { answersAhead: call.params.inputResponses as Record<string, Record<string, unknown>> }
        : {}),
    };
    // Waiting before it starts: its first progress messages come here.
    this.waiting.set(record.runId, call);
    try {
      await runs.start(record, principalKey(principal), call.signal);
      return await this.until(call, record.runId, undefined);
    } finally {
      if (this.waiting.get(record.runId) === call) this.waiting.delete(record.runId);
    }
  }

  /**
   * The retry of a parked call: delivers the answers to the question its state names and waits for the run's
   * outcome or its next question. A retry that does not answer that question (no `inputResponses`, or none under
   * its key) is asked it again, its state still good. Refused (-32602) when the run has moved past that question
   * (it was answered: the state was used), when the run is no longer running, and when an answer is malformed
   * (nothing is delivered then, and the state stays good).
   */
  async resume(
    call: Call,
    parked: ParkedState,
    name: string,
    responses: Readonly<Record<string, unknown>>,
  ): Promise<Record<string, unknown>> {
    const { runs } = this.options;
    if (!this.options.tools.isCallable(name, call.pipeline.visibility.tool)) throw gone();
    const question = await runs.question(parked.runId);
    if (!question || question.seq !== parked.seq) throw replayed();
    const answers = answersTo(question, responses);
    // Nothing delivered and nothing used: the client is asked the same question, until the same expiry.
    if (!answers) return this.asking(call, parked.runId, question, parked.expiresAt);
    const delivered = await runs.deliver(parked.runId, parked.seq, answers);
    if (delivered === 'repeated') throw replayed();
    if (delivered === 'gone') throw gone();
    this.waiting.set(parked.runId, call);
    try {
      return await this.until(call, parked.runId, parked.seq);
    } finally {
      if (this.waiting.get(parked.runId) === call) this.waiting.delete(parked.runId);
    }
  }

  /**
   * Executes a parked call from its record: the work the composition root defines for the run engine, on the
   * replica that starts the run and again, from its recorded steps, on a live one if that replica dies. Resolves
   * with the call's outcome (its result, or the JSON-RPC error it failed with), which the run records.
   */
  async execute(input: unknown, journal: ParkedRunJournal): Promise<TaskOutcome> {
    const record = parseParkedCall(input);
    const controller = new AbortController();
    this.running.set(record.runId, controller);
    // A cancel from another replica reaches the run here through its journal (this.running is this process's only).
    const cancelled = () => controller.abort(journal.signal?.reason);
    if (journal.signal?.aborted) cancelled();
    journal.signal?.addEventListener('abort', cancelled, { once: true });
    // Only a recorded 2026-07-28 call's retry can wait on another replica (a 2025-11-25 one waits on its session's).
    const publisher =
      this.options.runs.recorded && record.era !== 'legacy'
        ? new ProgressPublisher(
            (report) => journal.publish(PROGRESS_EVENT, report),
            (error) => this.options.logger.warn('parked call: progress not published', { err: error }),
          )
        : undefined;
    try {
      const call = this.detachedCall(record, controller.signal, journal, publisher);
      const result = await this.options.tools.execute(
        record.tool,
        record.arguments,
        new CallContext(this.options.environment, call),
      );
      return { result: result as Record<string, unknown> };
    } catch (error) {
      let ref: string | undefined;
      if (!isExposable(error)) {
        ref = errorRef();
        this.options.logger.error('parked call failed', { tool: record.tool, ref, err: error });
      }
      const rpc = toJsonRpcError(error, ref);
      return { error: { code: rpc.code, message: rpc.message, ...(rpc.data ? { data: rpc.data } : {}) } };
    } finally {
      publisher?.close();
      journal.signal?.removeEventListener('abort', cancelled);
      this.running.delete(record.runId);
    }
  }

  /**
   * Waits for the run's outcome, or for a question other than `answered`; a cancelled request cancels the run. A
   * 2025-11-25 call's question is asked on the call's stream here and answered into the run, and the wait goes on.
   */
  private async until(call: Call, runId: string, answered: string | undefined): Promise<Record<string, unknown>> {
    const legacy = call.session.era !== 'modern';
    // A cancelled request stops the run here at once (its SQL statement, its model request), not at the next look.
    const stop = () => this.running.get(runId)?.abort(call.signal.reason);
    call.signal.addEventListener('abort', stop, { once: true });
    // Opened before the first look: a change between a look and the wait still wakes it.
    const { runs } = this.options;
    const forwarder = !legacy && runs.progress ? ProgressForwarder.of(call) : undefined;
    const watch = runs.watch(runId, { progress: forwarder !== undefined });
    try {
      return await this.waitFor(call, runId, answered, legacy, watch, forwarder);
    } finally {
      watch.close();
      call.signal.removeEventListener('abort', stop);
    }
  }

  /**
   * The loop of {@link until}: the run's outcome, else its question, looked at when the run's watch wakes (its
   * outcome or question may have changed), when the request is cancelled, and at least every `LOOK_AGAIN_MS`.
   */
  private async waitFor(
    call: Call,
    runId: string,
    answered: string | undefined,
    legacy: boolean,
    watch: ParkedRunWatch,
    forwarder: ProgressForwarder | undefined,
  ): Promise<Record<string, unknown>> {
    const { runs } = this.options;
    for (;;) {
      if (call.signal.aborted) {
        this.running.get(runId)?.abort(call.signal.reason);
        await runs.cancel(runId);
        throw new CancelledError('Request cancelled');
      }
      // Run here, its progress comes straight to this request (the relay); run elsewhere, through the run.
      if (forwarder && !this.running.has(runId)) forwarder.forward(await runs.progress?.(runId));
      const outcome = await runs.outcome(runId, 0);
      if (outcome) {
        if ('result' in outcome) return outcome.result;
        throw new ProtocolError('TASK_FAILED', outcome.error.message, {
          rpcCode: outcome.error.code,
          data: outcome.error.data as Record<string, unknown> | undefined,
        });
      }
      const question = await runs.question(runId);
      if (question && question.seq !== answered && legacy) {
        const answers = await askOnCallStream(call, question, this.options.environment.clientRequestTimeoutMs).catch(
          (error: unknown) => {
            // Cancelled while asking: the run is cancelled at the top of the loop.
            if (call.signal.aborted) return undefined;
            throw error;
          },
        );
        if (!answers) continue;
        // `repeated` or `gone`: answered already, or the run ended; its outcome is read next either way.
        await runs.deliver(runId, question.seq, answers);
        answered = question.seq;
      } else if (question && question.seq !== answered) return this.asking(call, runId, question);
      await watch.next(LOOK_AGAIN_MS, call.signal);
    }
  }

  /** The `input_required` answer asking `question`, its state good until `expiresAt` (default: the full TTL). */
  private asking(call: Call, runId: string, question: ParkedQuestion, expiresAt?: number): Record<string, unknown> {
    const parked = { runId, seq: question.seq, ...(expiresAt === undefined ? {} : { expiresAt }) };
    return {
      resultType: 'input_required',
      inputRequests: question.inputRequests,
      requestState: this.options.sealer.sealParked(parked, this.options.bindingOf(call)),
    };
  }

  /** The call as a run executes it: a session of its own, its questions through the run, its messages relayed. */
  private detachedCall(
    record: ParkedCall,
    signal: AbortSignal,
    journal: ParkedRunJournal,
    publisher: ProgressPublisher | undefined,
  ): Call {
    const session = recordedSession(record, record.era ?? 'modern');
    session.logLevel = record.logLevel as LogLevel | undefined;
    const legacy: LegacyAsker | undefined =
      record.era === 'legacy'
        ? {
            waitMs: (timeoutMs) =>
              this.waiting.has(record.runId) ? (timeoutMs ?? this.options.environment.clientRequestTimeoutMs) : 0,
          }
        : undefined;
    return detachedCall(record, {
      id: `run:${record.runId}`,
      session,
      channel: new RelayChannel(() => this.waiting.get(record.runId), publisher),
      signal,
      input: new ParkedInputs(journal, this.options.sealer.ttl, legacy, record.answersAhead),
      meta: { progressToken: RELAY_TOKEN },
    });
  }
}

/**
 * The answers to `question` from a retry's `inputResponses`: `undefined` when one is missing (the retry does not
 * answer this question: it is asked again); -32602 for a malformed one.
 */
function answersTo(
  question: ParkedQuestion,
  responses: Readonly<Record<string, unknown>>,
): Record<string, unknown> | undefined {
  // Only the question's own answers travel; anything else the retry brought is ignored, as in a round.
  const answers: Record<string, unknown> = {};
  for (const [key, request] of Object.entries(question.inputRequests)) {
    if (!Object.hasOwn(responses, key)) return undefined;
    const answer = parseAnswer(request.method, key, responses[key]);
    if (answer instanceof ProtocolError) throw answer;
    answers[key] = answer;
  }
  return answers;
}

function replayed(): ProtocolError {
  return new ProtocolError(
    'REQUEST_STATE_REPLAYED',
    'requestState was already used: its question has been answered; send the requestState of the latest answer',
    { data: { reason: 'REQUEST_STATE_REPLAYED' } },
  );
}

function gone(): ProtocolError {
  return new ProtocolError(
    'REQUEST_STATE_EXPIRED',
    'requestState names a call that is no longer running (it ended, or its server restarted): call again without requestState and inputResponses to start over',
    { data: { reason: 'REQUEST_STATE_EXPIRED' } },
  );
}
