import { UserError } from './errors';
import { type RunResult, type RunStreamEvent } from './events';

/**
 * A run in progress. Iterate it (`for await`) for its events, or `toTextStream()` for the text alone;
 * `await finalResult` for the outcome. The run starts at once and events are buffered until read, so
 * reading them is optional. Breaking out of the iteration does not stop the run: abort its signal for that.
 */
export class StreamedRun<TOutput = string> implements AsyncIterable<RunStreamEvent<TOutput>> {
  /** Resolves with the result, or rejects with the run's {@link AgentError}. */
  readonly finalResult: Promise<RunResult<TOutput>>;
  #queue: (RunStreamEvent<TOutput> | undefined)[] = [];
  #head = 0;
  #done = false;
  #wake: (() => void) | undefined;
  #consumed = false;

  /** @internal Runs are started by {@link runStreamed}. */
  constructor(start: (emit: (event: RunStreamEvent<TOutput>) => void) => Promise<RunResult<TOutput>>) {
    const emit = (event: RunStreamEvent<TOutput>) => this.#push(event);
    this.finalResult = start(emit).then(
      (result) => {
        this.#push({ type: 'run_completed', result });
        this.#end();
        return result;
      },
      (error: unknown) => {
        this.#push({ type: 'error', error: error as never });
        this.#end();
        throw error;
      },
    );
    // Reading only the events is a valid use: the failure is also delivered as an `error` event.
    this.finalResult.catch(() => undefined);
  }

  /** The events, in order; ends after `run_completed` or `error`. Can be iterated once. */
  async *[Symbol.asyncIterator](): AsyncIterator<RunStreamEvent<TOutput>> {
    if (this.#consumed) throw new UserError('A streamed run can only be iterated once.');
    this.#consumed = true;
    for (;;) {
      if (this.#head < this.#queue.length) {
        const event = this.#queue[this.#head] as RunStreamEvent<TOutput>;
        this.#queue[this.#head++] = undefined;
        if (this.#head === this.#queue.length) {
          this.#queue = [];
          this.#head = 0;
        }
        yield event;
        continue;
      }
      if (this.#done) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /** Only the text deltas. Throws the run's error, if it fails, after the text that did arrive. */
  async *toTextStream(): AsyncIterable<string> {
    for await (const event of this) {
      if (event.type === 'text_delta') yield event.delta;
      else if (event.type === 'error') throw event.error;
    }
  }

  #push(event: RunStreamEvent<TOutput>): void {
    this.#queue.push(event);
    this.#signal();
  }

  #end(): void {
    this.#done = true;
    this.#signal();
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
