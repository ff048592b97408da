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
}

/**
 * What a handler may ask of the MCP client that made the request. Messages go on the stream of that request,
 * so they reach the client even over Streamable HTTP with no standalone stream open.
 */
export interface ClientInteraction {
  /** The protocol version agreed at initialization. */
  readonly protocolVersion: string;
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
}

/** The context a tool, resource or prompt handler receives: the request context plus the MCP client. */
export interface HandlerContext extends RequestContext {
  readonly client: ClientInteraction;
}
