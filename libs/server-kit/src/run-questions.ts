import { type DurableRuns, RunNotFoundError } from '@agent-mcp/durable-runs';
import { answerTopic, type ParkedCallRuns, type ParkedQuestion, QUESTION_EVENT } from '@agent-mcp/mcp-core';

/** The questions a recorded run waits on, as whoever asks its client reads and answers them. */
export type RecordedRunQuestions = Pick<ParkedCallRuns, 'question' | 'deliver' | 'watch'>;

/** What a request waiting on a run is woken by: the run's end, or a question it publishes. */
export const QUESTION_WATCH = Object.freeze({ status: true, events: [QUESTION_EVENT] });

/**
 * The questions of recorded runs, the same for a parked call's run and a durable task's: the run publishes the
 * question it waits on as its event {@link QUESTION_EVENT}; an answer is the message of topic `answerTopic(seq)`,
 * sent once per question (its idempotency key), so a repeat delivers nothing; a watch wakes on the run's end or a
 * question published, on any replica.
 */
export function recordedRunQuestions(runs: DurableRuns): RecordedRunQuestions {
  return Object.freeze({
    async question(runId: string) {
      const question = (await runs.readEvent(runId, QUESTION_EVENT, { timeoutMs: 0 })) as ParkedQuestion | undefined;
      // A replay publishes the questions it passes again: one answered already is not the one the run waits on.
      return question && !(await runs.sent(runId, answerKey(question.seq))) ? question : undefined;
    },
    deliver: (runId: string, seq: string, answers: Record<string, unknown>) =>
      delivered(() => runs.send(runId, answerTopic(seq), answers, answerKey(seq))),
    watch: (runId: string) => runs.watch(runId, QUESTION_WATCH),
  });
}

/** The idempotency key of the answers to question `seq`: each question is answered once. */
export function answerKey(seq: string): string {
  return `answer:${seq}`;
}

/** A delivery's result as the port says it. */
export async function delivered(send: () => Promise<boolean>): Promise<'delivered' | 'repeated' | 'gone'> {
  try {
    return (await send()) ? 'delivered' : 'repeated';
  } catch (error) {
    if (error instanceof RunNotFoundError) return 'gone';
    throw error;
  }
}
