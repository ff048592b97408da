import { CancelledError, ProtocolError } from '../errors';
import {
  INPUT_METHODS,
  type InputRequest,
  type InputSource,
  notAnInputRequest,
  parseAnswer,
  QuestionNames,
} from '../mrtr/input-round';

interface Waiting {
  readonly request: InputRequest;
  readonly promise: Promise<Record<string, unknown>>;
  readonly resolve: (answer: Record<string, unknown>) => void;
  readonly reject: (error: Error) => void;
}

/**
 * The questions of a 2026-07-28 task's run (tasks extension): the run goes on in the background, so a question
 * waits for its answer instead of ending the call. The task shows `input_required` with the open questions on
 * `tasks/get`, and `tasks/update` delivers answers (some or all); when none is left open the task is `working`
 * again. Questions asked together are reported together.
 */
export class TaskInputs implements InputSource {
  private readonly waiting = new Map<string, Waiting>();
  private readonly names = new QuestionNames();
  private readonly keptValues: Record<string, unknown> = {};
  private reportScheduled = false;

  constructor(
    signal: AbortSignal,
    /** Told the open questions after each change (empty: none left). */
    private readonly onChange: (open: Readonly<Record<string, InputRequest>>) => void,
  ) {
    signal.addEventListener(
      'abort',
      () => {
        const reason = signal.reason instanceof Error ? signal.reason : new CancelledError('Task cancelled');
        for (const entry of this.waiting.values()) entry.reject(reason);
        this.waiting.clear();
      },
      { once: true },
    );
  }

  ask(method: string, params: Record<string, unknown> | undefined, key?: string): Promise<Record<string, unknown>> {
    const kind = INPUT_METHODS[method];
    if (!kind) return Promise.reject(notAnInputRequest(method));
    const name = key ?? this.names.next(kind);
    const open = this.waiting.get(name);
    if (open) return open.promise;
    let resolve!: Waiting['resolve'];
    let reject!: Waiting['reject'];
    const promise = new Promise<Record<string, unknown>>((res, rej) => ((resolve = res), (reject = rej)));
    this.waiting.set(name, { request: { method, params: params ?? {} }, promise, resolve, reject });
    this.scheduleReport();
    return promise;
  }

  keep(name: string, value: unknown): void {
    this.keptValues[name] = value;
  }

  kept(name: string): unknown {
    return this.keptValues[name];
  }

  /** The questions still open, by key. */
  open(): Record<string, InputRequest> {
    return Object.fromEntries([...this.waiting].map(([key, entry]) => [key, entry.request]));
  }

  /**
   * Delivers the answers to open questions; answers to anything else are ignored. A malformed answer is a -32602
   * naming its key, and nothing of this update is delivered.
   */
  answer(responses: Readonly<Record<string, unknown>>): void {
    const delivered: Array<[string, Record<string, unknown>]> = [];
    for (const [key, value] of Object.entries(responses)) {
      const entry = this.waiting.get(key);
      if (!entry) continue;
      const answer = parseAnswer(entry.request.method, key, value);
      if (answer instanceof ProtocolError) throw answer;
      delivered.push([key, answer]);
    }
    if (delivered.length === 0) return;
    for (const [key, answer] of delivered) {
      this.waiting.get(key)?.resolve(answer);
      this.waiting.delete(key);
    }
    this.onChange(this.open());
  }

  /** One report for the questions a handler asks together (`Promise.all`), after they are all asked. */
  private scheduleReport(): void {
    if (this.reportScheduled) return;
    this.reportScheduled = true;
    setImmediate(() => {
      this.reportScheduled = false;
      if (this.waiting.size > 0) this.onChange(this.open());
    });
  }
}
