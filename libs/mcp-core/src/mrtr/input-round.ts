import { z } from 'zod';
import { ProtocolError } from '../errors';
import { summarise } from '../protocol/params';
import { type RoundState } from './request-state';

/**
 * One round of a multi-round-trip request (MCP 2026-07-28): the server sends no request to a modern client, so a
 * handler that asks the client something (elicitation, sampling, roots) is answered from the retry's
 * `inputResponses` when they hold the answer, and otherwise the question is collected and the call ends with
 * `resultType: "input_required"`. The handler runs again on the retry, from the start, and this time finds the
 * answer: its questions are named by key, given or numbered in the order they are asked.
 */

/** The requests a modern call may embed, with the client capability each needs. */
export const INPUT_METHODS: Readonly<Record<string, 'elicitation' | 'sampling' | 'roots'>> = Object.freeze({
  'elicitation/create': 'elicitation',
  'sampling/createMessage': 'sampling',
  'roots/list': 'roots',
});

/** The methods whose modern requests may answer `input_required` (what the spec allows). */
export const INPUT_REQUIRED_METHODS: ReadonlySet<string> = new Set(['tools/call', 'prompts/get', 'resources/read']);

/**
 * Whether `error` is the signal of a question without an answer yet: a handler that catches errors broadly must
 * let it through (rethrow it) for the call to answer `input_required`.
 */
export function isInputRequired(error: unknown): error is InputRequiredSignal {
  return error instanceof InputRequiredSignal;
}

/** Thrown into a handler whose question has no answer yet; the server turns it into `input_required`. */
export class InputRequiredSignal extends Error {
  constructor(readonly key: string) {
    super(`The client's answer to input request ${JSON.stringify(key)} is needed first`);
    this.name = 'InputRequiredSignal';
  }
}

/** One embedded request of an `input_required` result. */
export interface InputRequest {
  readonly method: string;
  readonly params: Record<string, unknown>;
}

const ANSWER_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  'elicitation/create': z.looseObject({
    action: z.enum(['accept', 'decline', 'cancel']),
    content: z.record(z.string(), z.unknown()).optional(),
  }),
  'sampling/createMessage': z.looseObject({
    role: z.enum(['user', 'assistant']),
    content: z.unknown(),
    model: z.string(),
  }),
  'roots/list': z.looseObject({ roots: z.array(z.looseObject({ uri: z.string() })) }),
};

/** The client's answer to `method` under `key`, checked; a -32602 naming the key when it has the wrong shape. */
export function parseAnswer(method: string, key: string, value: unknown): Record<string, unknown> | ProtocolError {
  const schema = ANSWER_SCHEMAS[method];
  const parsed = schema ? schema.safeParse(value) : undefined;
  if (parsed?.success) return parsed.data as Record<string, unknown>;
  return new ProtocolError(
    'INVALID_INPUT_RESPONSE',
    `inputResponses.${key} is not a valid ${method} result${parsed ? `: ${summarise(parsed.error.issues)}` : ''}`,
  );
}

/** Names questions asked without a key: the kind numbered in asking order (`elicitation-1`, `sampling-2`...). */
export class QuestionNames {
  private readonly numbered = new Map<string, number>();

  next(kind: string): string {
    const n = (this.numbered.get(kind) ?? 0) + 1;
    this.numbered.set(kind, n);
    return `${kind}-${n}`;
  }

  /** Notes `name`, given to a question of `kind` before (a recorded one): the next is numbered past it. */
  seen(kind: string, name: string): void {
    const n = name.startsWith(`${kind}-`) ? Number(name.slice(kind.length + 1)) : NaN;
    if (Number.isInteger(n) && n > (this.numbered.get(kind) ?? 0)) this.numbered.set(kind, n);
  }
}

/** A 2026-07-28 call's questions to its client and what it keeps between them: a round, a task's run, a parked run. */
export interface InputSource {
  /** True for a call parked on its durable run: see `ClientInteraction.parked`. */
  readonly recorded?: boolean;
  /** `timeoutMs`: how long the client is given, where a question can say it (a 2025-11-25 call's recorded run). */
  ask(
    method: string,
    params: Record<string, unknown> | undefined,
    key?: string,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  keep(name: string, value: unknown): void;
  kept(name: string): unknown;
}

/** A -32603 for a request the server may not send a 2026-07-28 client. */
export function notAnInputRequest(method: string): ProtocolError {
  return new ProtocolError(
    'CLIENT_REQUEST_UNAVAILABLE',
    `A 2026-07-28 client takes no ${method} request from the server`,
  );
}

/** `inputResponses` and `requestState` of a request, as the wire carries them. */
export const InputParams = z.looseObject({
  inputResponses: z.record(z.string().max(256), z.looseObject({})).optional(),
  requestState: z
    .string()
    .min(1)
    .max(1024 * 1024)
    .optional(),
});

/** The questions and answers of one call's round. */
export class InputRound implements InputSource {
  // Made on the first question: most calls ask none, and every modern call that may ask gets a round.
  private pendingQuestions: Map<string, InputRequest> | undefined;
  private usedAnswers: Record<string, unknown> | undefined;
  private questionNames: QuestionNames | undefined;
  /**
   * The first malformed answer the handler met: the request's fault, answered as -32602 whatever the handler
   * made of it (a tool would otherwise report it as its own error).
   */
  refusal: ProtocolError | undefined;

  private readonly keptValues: Record<string, unknown>;

  /**
   * `answers`: those carried over from earlier rounds plus the ones this request brought; `kept`: what the
   * handler kept in earlier rounds.
   */
  constructor(
    private readonly answers: Readonly<Record<string, unknown>>,
    kept: Readonly<Record<string, unknown>> = {},
  ) {
    this.keptValues = { ...kept };
  }

  private get pending(): Map<string, InputRequest> {
    return (this.pendingQuestions ??= new Map());
  }

  /** Keeps a JSON value for the next rounds (sealed in `requestState`, so the client cannot read or change it). */
  keep(name: string, value: unknown): void {
    this.keptValues[name] = value === undefined ? undefined : JSON.parse(JSON.stringify(value));
  }

  /** A value kept in an earlier round (or this one). */
  kept(name: string): unknown {
    return this.keptValues[name];
  }

  /**
   * The answer to `method` with `params` under `key` (default: the method's kind numbered in asking order,
   * `elicitation-1`, `sampling-2`...), or a rejection with {@link InputRequiredSignal} that records the question.
   */
  ask(method: string, params: Record<string, unknown> | undefined, key?: string): Promise<Record<string, unknown>> {
    const kind = INPUT_METHODS[method];
    if (!kind) return Promise.reject(notAnInputRequest(method));
    const name = key ?? (this.questionNames ??= new QuestionNames()).next(kind);
    if (Object.hasOwn(this.answers, name)) {
      const answer = parseAnswer(method, name, this.answers[name]);
      if (answer instanceof ProtocolError) {
        this.refusal ??= answer;
        return Promise.reject(this.refusal);
      }
      (this.usedAnswers ??= {})[name] = answer;
      return Promise.resolve(answer);
    }
    if (!this.pending.has(name)) this.pending.set(name, { method, params: params ?? {} });
    return Promise.reject(new InputRequiredSignal(name));
  }

  /** Whether the handler asked something not yet answered. */
  get hasPending(): boolean {
    return this.pendingQuestions !== undefined && this.pendingQuestions.size > 0;
  }

  /** The `inputRequests` of the `input_required` result. */
  inputRequests(): Record<string, InputRequest> {
    return Object.fromEntries(this.pending);
  }

  /** What the next round must know: the answers used so far and the keys just asked. */
  carried(): RoundState {
    return { answers: { ...this.usedAnswers }, asked: [...this.pending.keys()], kept: { ...this.keptValues } };
  }
}
