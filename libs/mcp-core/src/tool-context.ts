import type {
  ClientCapabilities,
  CreateMessageRequestParams,
  CreateMessageResult,
  ElicitRequestParams,
  ElicitResult,
  Implementation,
} from '@modelcontextprotocol/sdk/types.js';
import { type RequestContext } from '@agent-mcp/context';

/** Options of a request the server sends to the client. */
export interface ClientRequestOptions {
  /** Give up after this long. Default: the server's `clientRequestTimeoutMs` (60 s). */
  readonly timeoutMs?: number;
  /** Abandons the request (and tells the client so) when it aborts; the call's own cancellation always does. */
  readonly signal?: AbortSignal;
  /**
   * Names the question for a 2026-07-28 client, which is asked through an `input_required` result and answers
   * in the retry's `inputResponses` under this key. The handler runs again on each retry and gets the answer
   * given under the key, so a key names one question. Default: the kind numbered in asking order
   * (`elicitation-1`, `sampling-1`, `roots-1`, ...), stable as long as the handler asks in the same order.
   */
  readonly key?: string;
}

/**
 * What a handler may ask of the MCP client that made the request. Messages go on the stream of that request,
 * so they reach the client even over Streamable HTTP with no standalone stream open.
 *
 * One API for both protocol eras: a 2025-11-25 session gets the request (`elicitation/create`,
 * `sampling/createMessage`, `roots/list`) on the call's stream and the promise settles with the answer; a
 * 2026-07-28 call, to which the server may send no request, answers `input_required` with the question instead,
 * and the handler runs again on the client's retry, where the same call resolves with the answer. So a handler
 * that asks must be safe to run again up to its questions (no side effect before the answers it needs), and
 * should ask what it can at once (`Promise.all`) to spare the client rounds. A modern client that did not
 * declare the capability gets -32021, a legacy one `CAPABILITY_NOT_SUPPORTED`; check `capabilities` first for a
 * fallback.
 */
export interface ClientInteraction {
  /** The protocol version agreed at initialization. */
  readonly protocolVersion: string;
  /**
   * `modern` (2026-07-28): the server sends the client no request, so a question ends the call with
   * `input_required` and the handler runs again on the retry (or, in a task, waits for `tasks/update`): ask under
   * a stable key and {@link keep} what must not be redone. `legacy` (2025-11-25 and earlier): a question is a
   * request on the call's stream, answered while the handler waits.
   */
  readonly era: 'legacy' | 'modern';
  /**
   * True when this call runs parked on its durable run (a resumable tool, on a server with runs; a 2025-11-25 call
   * only where the runs are recorded in a database): a question waits in the run for the client's answer (a
   * 2026-07-28 client's retry, which may reach another replica; for a 2025-11-25 client, the request waiting on the
   * run asks it on the call's stream) instead of ending the handler, and its answer is recorded with the run. A run resumed after a crash replays the handler from the
   * start with its recorded steps and answers, so ask the same questions, with the same parameters, in the same
   * order; and keep nothing with {@link keep} that a replay needs (it is not recorded). False otherwise.
   */
  readonly parked: boolean;
  /** What the client said it supports; undefined before initialization. */
  readonly capabilities: ClientCapabilities | undefined;
  /** The client's name and version. */
  readonly info: Implementation | undefined;
  /** Sends any request to the client and waits for its result. */
  request<T = Record<string, unknown>>(
    method: string,
    params?: Record<string, unknown>,
    options?: ClientRequestOptions,
  ): Promise<T>;
  /** Sends a notification to the client, tied to the current request. */
  notify(method: string, params?: Record<string, unknown>): Promise<void>;
  /** Asks the user for input through the client (MCP elicitation). Fails when the client does not support it. */
  elicit(params: ElicitRequestParams, options?: ClientRequestOptions): Promise<ElicitResult>;
  /** Asks the client's own model for a completion (MCP sampling). Fails when the client does not support it. */
  createMessage(params: CreateMessageRequestParams, options?: ClientRequestOptions): Promise<CreateMessageResult>;
  /**
   * Keeps a JSON value for this call's next input-required rounds (2026-07-28): sealed in the `requestState`, so
   * the retry finds it on any replica and the client can neither read nor change it. A handler uses it to pick up
   * where it was (a stored proposal's id, say) rather than redo work before its question. In a 2025-11-25 session
   * there are no rounds: the value lives as long as the call.
   */
  keep(name: string, value: unknown): void;
  /** A value kept by {@link keep} in an earlier round of this call; undefined on the first. */
  kept<T = unknown>(name: string): T | undefined;
}

/** The context a tool, resource or prompt handler receives: the request context plus the MCP client. */
export interface HandlerContext extends RequestContext {
  readonly client: ClientInteraction;
  /**
   * From here the call goes on as a task: for a 2026-07-28 client with the tasks extension calling a tool whose
   * `execution.taskStart` is `handler`, the request is answered with the task at once and the handler's result
   * becomes the task's (its later questions wait on `tasks/update`). Anywhere else it resolves at once and the
   * call goes on as it is.
   */
  continueAsTask(): Promise<void>;
}
