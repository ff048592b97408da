import { z } from 'zod';
import { type Call } from '../call-context';
import { InternalError } from '../errors';
import { ClientRequestError, ClientRequestTimeoutError, ClientUnreachableError, type MessageSink } from '../session';
import { withRelatedTask } from '../tasks/related-task';
import { type ParkedQuestion } from './parked-call';

/**
 * The questions of a 2025-11-25 call that runs as a recorded run (see `parked-call.ts`): the run records each
 * question and waits in its mailbox, as a 2026-07-28 parked call does; the request waiting on the run, on the replica
 * holding the client's session, asks the client on the call's own stream (`elicitation/create`,
 * `sampling/createMessage`, `roots/list` are requests a legacy client takes) and delivers the answer, or why there
 * is none, to the run's mailbox. The answer becomes a recorded step of the run, so a replay reads it instead of
 * asking the client again.
 */

/**
 * The key of a delivered message that carries, instead of the answer, why the client gave none. Not a name a
 * question can have: the run names questions by kind and number or by the tool's key (`approve-...`).
 */
export const NO_ANSWER_KEY = '@no-answer';

/** Why a legacy client gave no answer, as the mailbox carries it (read back with zod: it crossed the database). */
const NoAnswerSchema = z.discriminatedUnion('reason', [
  z.object({ reason: z.literal('timeout'), timeoutMs: z.number().int().nonnegative() }),
  z.object({ reason: z.literal('refused'), code: z.number().int(), message: z.string().max(4096) }),
  z.object({ reason: z.literal('unreachable') }),
]);
type NoAnswer = z.infer<typeof NoAnswerSchema>;

/** How long past the question's own timeout the run waits for the asker's word, which always comes first. */
export const LEGACY_ANSWER_GRACE_MS = 5000;

/** Where {@link askOnCallStream} asks, when not simply on the call's own stream under its own signal. */
export interface AskOptions {
  /** The task the question belongs to: the request carries it as `io.modelcontextprotocol/related-task`. */
  readonly relatedTask?: string;
  /** Bounds the ask instead of the call's signal (a `tasks/result` request, or the task it serves, ending). */
  readonly signal?: AbortSignal;
}

/**
 * Asks `question` of the legacy client whose request `call` waits on the run, on that request's stream, and returns
 * the message to deliver to the run: the answers by question key, or {@link NO_ANSWER_KEY} with why there is none.
 * A question that says by when it must be answered (`answerBy`: its asker may come late, as a task's `tasks/result`
 * does) gives the client only the time left. The ask's cancellation (`options.signal`, default the call's) is not
 * caught: the caller decides what it means.
 */
export async function askOnCallStream(
  call: Call,
  question: ParkedQuestion,
  defaultTimeoutMs: number,
  options: AskOptions = {},
): Promise<Record<string, unknown>> {
  // One question at a time (ParkedInputs), so one request; the loop keeps the shape of the message general.
  const answers: Record<string, unknown> = {};
  const timeoutMs = question.timeoutMs ?? defaultTimeoutMs;
  const signal = options.signal ?? call.signal;
  // Marks the call as having sent something before its response (the server then flushes in order).
  const stream: MessageSink = {
    send: (message) => {
      call.sent = true;
      call.channel.send(options.relatedTask === undefined ? message : withRelatedTask(message, options.relatedTask));
    },
  };
  for (const [key, request] of Object.entries(question.inputRequests)) {
    const left = question.answerBy === undefined ? timeoutMs : Math.min(timeoutMs, question.answerBy - Date.now());
    if (left <= 0) return { [NO_ANSWER_KEY]: { reason: 'timeout', timeoutMs } satisfies NoAnswer };
    try {
      answers[key] = await call.session.request(stream, request.method, request.params, left, signal);
    } catch (error) {
      if (signal.aborted) throw error;
      return { [NO_ANSWER_KEY]: noAnswerOf(error, timeoutMs) };
    }
  }
  return answers;
}

/** Whether `message` is a delivery saying the client cannot be reached (no stream could carry the question). */
export function isUnreachable(message: Record<string, unknown>): boolean {
  return (message[NO_ANSWER_KEY] as NoAnswer | undefined)?.reason === 'unreachable';
}

function noAnswerOf(error: unknown, timeoutMs: number): NoAnswer {
  if (error instanceof ClientRequestTimeoutError) return { reason: 'timeout', timeoutMs };
  if (error instanceof ClientRequestError)
    return { reason: 'refused', code: error.clientCode, message: error.clientMessage.slice(0, 4096) };
  // No stream could carry it (ClientUnreachableError), the session closed, or the stream broke: whatever it was, the
  // run hears that the client cannot be reached rather than waiting out its timeout.
  return { reason: 'unreachable' };
}

/**
 * The error a run's question fails with when the asker delivered why the client gave no answer (the same errors as
 * a 2025-11-25 request on the session raises); `undefined` when `responses` carry an answer.
 */
export function noAnswerError(method: string, responses: Record<string, unknown>): Error | undefined {
  if (!Object.hasOwn(responses, NO_ANSWER_KEY)) return undefined;
  const parsed = NoAnswerSchema.safeParse(responses[NO_ANSWER_KEY]);
  if (!parsed.success) return new InternalError(`The recorded reply to ${method} cannot be read`);
  const why = parsed.data;
  switch (why.reason) {
    case 'timeout':
      return new ClientRequestTimeoutError(method, why.timeoutMs);
    case 'refused':
      return new ClientRequestError(method, why.code, why.message);
    case 'unreachable':
      return new ClientUnreachableError(method);
  }
}
