// From the public entry, so that the classes are the runner's own once built (see tsup.config.ts).
import {
  type Model,
  type ModelOutputItem,
  type ModelRequest,
  type ModelResponse,
  type ModelStreamEvent,
  RunCancelledError,
  StreamInterruptedError,
  UpstreamError,
} from '../index';
import { type ScriptedTurn, answerOf, argumentsText, chunkText, isRetryableStatus, retryAfterOf } from './script';

/** Options of {@link createScriptedModel}. */
export interface ScriptedModelOptions {
  /** Reported as the model name. Default `scripted-model`. */
  readonly name?: string;
}

/**
 * An in-process {@link Model} that follows a script: no network, no `openai`. Use it to test your agents'
 * logic (tools, handoffs, guardrails, output types); use {@link createScriptedServer} to test over real HTTP.
 * Faults behave as an adapter's would: `error` turns throw {@link UpstreamError} (retryable per status and
 * `x-should-retry`), `hang` waits for the abort signal, `cut_stream` throws {@link StreamInterruptedError}.
 */
export interface ScriptedModel extends Model {
  /** Every request the runner made, in order. */
  readonly requests: readonly ModelRequest[];
  /** Turns not consumed yet. */
  readonly pending: number;
  /** Appends turns to the script. */
  enqueue(...turns: ScriptedTurn[]): void;
}

/** Creates a {@link ScriptedModel} that answers with `turns`, one per request. */
export function createScriptedModel(
  turns: readonly ScriptedTurn[] = [],
  options: ScriptedModelOptions = {},
): ScriptedModel {
  const queue = [...turns];
  const requests: ModelRequest[] = [];
  let ids = 0;

  const next = async (request: ModelRequest): Promise<ScriptedTurn> => {
    requests.push(request);
    const turn = queue.shift();
    if (!turn) throw new UpstreamError('Scripted model: no turn queued for this request.', { retryable: false });
    if ('delayMs' in turn && turn.delayMs) await abortableSleep(turn.delayMs, request.signal);
    if (turn.type === 'hang') {
      await abortableSleep(Number.POSITIVE_INFINITY, request.signal);
    }
    if (turn.type === 'error') {
      const headers = turn.headers ?? {};
      throw new UpstreamError(`The model server answered ${turn.status}: ${turn.message ?? 'scripted error'}`, {
        status: turn.status,
        retryable: isRetryableStatus(turn.status, headers),
        retryAfterMs: retryAfterOf(headers),
      });
    }
    return turn;
  };

  const respond = (
    turn: Exclude<ScriptedTurn, { type: 'error' | 'hang' | 'cut_stream' }>,
    request: ModelRequest,
  ): ModelResponse => {
    const { text, calls } = answerOf(turn);
    const output: ModelOutputItem[] = [];
    if (text) output.push({ type: 'message', role: 'assistant', content: text });
    for (const call of calls) {
      output.push({
        type: 'function_call',
        callId: call.callId ?? `call_${++ids}`,
        name: call.name,
        arguments: argumentsText(call),
      });
    }
    const input = turn.usage?.inputTokens ?? Math.ceil(JSON.stringify(request.input).length / 4);
    const out = turn.usage?.outputTokens ?? Math.max(1, Math.ceil(text.length / 4));
    return {
      output,
      usage: { requests: 1, inputTokens: input, outputTokens: out, totalTokens: input + out },
      responseId: `scripted_${++ids}`,
    };
  };

  return {
    name: options.name ?? 'scripted-model',
    get requests() {
      return requests;
    },
    get pending() {
      return queue.length;
    },
    enqueue(...more) {
      queue.push(...more);
    },
    async getResponse(request) {
      const turn = await next(request);
      if (turn.type === 'cut_stream') {
        throw new UpstreamError('The connection to the model server failed.', { retryable: true });
      }
      return respond(turn as Exclude<ScriptedTurn, { type: 'error' | 'hang' | 'cut_stream' }>, request);
    },
    async *getStreamedResponse(request): AsyncIterable<ModelStreamEvent> {
      const turn = await next(request);
      const text =
        turn.type === 'cut_stream'
          ? turn.text
          : answerOf(turn as Exclude<ScriptedTurn, { type: 'error' | 'hang' | 'cut_stream' }>).text;
      const chunkDelay = 'chunkDelayMs' in turn ? (turn.chunkDelayMs ?? 0) : 0;
      let sent = '';
      for (const delta of chunkText(text)) {
        if (chunkDelay) await abortableSleep(chunkDelay, request.signal);
        sent += delta;
        yield { type: 'text_delta', delta };
      }
      if (turn.type === 'cut_stream') {
        throw new StreamInterruptedError('The model stream ended before the response completed.', sent);
      }
      yield {
        type: 'response_completed',
        response: respond(turn as Exclude<ScriptedTurn, { type: 'error' | 'hang' | 'cut_stream' }>, request),
      };
    },
  };
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason ?? new RunCancelledError());
    const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
    function done() {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      if (timer) clearTimeout(timer);
      reject(signal.reason ?? new RunCancelledError());
    }
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
