import { type IncomingMessage, type ServerResponse } from 'node:http';
import { JsonRpcErrorCode, McpCoreError, toJsonRpcError } from '../../errors';
import { errorMessage, parseJsonMessage, type RequestId } from '../../protocol/messages';
import { SUPPORTED_PROTOCOL_VERSIONS } from '../../protocol/versions';
import { type Session } from '../../session';
import { type Endpoint, SESSION_HEADER, transportInfo, VERSION_HEADER } from './endpoint';
import { fail, failWith, type HeaderBag, header, REJECTING_CHANNEL } from './http-replies';
import { isModernPost, modernHeaderProblem } from './modern-headers';
import { acceptsJsonAndSse, BodyTimeoutError, BodyTooLargeError, isJsonContentType, readBody } from './request-guards';

/** A POSTed message that passed the HTTP checks. */
interface PostedMessage {
  readonly value: unknown;
  readonly version: string | undefined;
  /** The request's method and params ('' and undefined for anything else). */
  readonly method: string;
  readonly params: unknown;
  /** A request (else a notification or a response), and its id. */
  readonly isRequest: boolean;
  readonly requestId: RequestId;
  readonly isInitialize: boolean;
}

/** The session a POST is served in, and the headers of its answer. */
interface PostSession {
  readonly session: Session;
  readonly headers: HeaderBag;
}

/** Serves one POST to the endpoint: a JSON-RPC request, notification or response. */
export async function handlePost(ep: Endpoint, req: IncomingMessage, res: ServerResponse, cors: HeaderBag) {
  const posted = await readPostedMessage(ep, req, res, cors);
  if (!posted) return;
  if (posted.isRequest && isModernPost(req, posted)) return serveModern(ep, req, res, cors, posted);
  if (posted.version !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(posted.version)) {
    const message = `Bad Request: unsupported MCP-Protocol-Version ${JSON.stringify(posted.version)}`;
    return fail(res, 400, JsonRpcErrorCode.InvalidRequest, message, cors);
  }
  const target = await postSession(ep, req, res, cors, posted);
  if (!target) return;
  if (!posted.isRequest) return serveNotification(ep, req, res, cors, target.session, posted.value);
  return serveRequest(ep, req, res, target, posted);
}

/** Checks the POST's headers and reads its body; undefined when refused (the answer is sent). */
async function readPostedMessage(
  ep: Endpoint,
  req: IncomingMessage,
  res: ServerResponse,
  cors: HeaderBag,
): Promise<PostedMessage | undefined> {
  if (!isJsonContentType(req.headers['content-type'])) {
    const message = 'Unsupported Media Type: Content-Type must be application/json';
    return void fail(res, 415, JsonRpcErrorCode.InvalidRequest, message, cors);
  }
  if (!acceptsJsonAndSse(req.headers.accept)) {
    const message = 'Not Acceptable: Accept must include application/json and text/event-stream';
    return void fail(res, 406, JsonRpcErrorCode.InvalidRequest, message, cors);
  }
  const version = header(req, VERSION_HEADER);
  let value: unknown;
  try {
    value = parseJsonMessage(await readBody(req, ep.maxBodyBytes, ep.bodyTimeoutMs));
  } catch (error) {
    return void refuseBody(ep, res, error, cors);
  }
  if (Array.isArray(value)) {
    const message = 'Invalid Request: JSON-RPC batches are not supported';
    return void fail(res, 400, JsonRpcErrorCode.InvalidRequest, message, cors);
  }
  const m = value as { method?: unknown; id?: unknown; params?: unknown } | null;
  const isRequest = !!m && typeof m === 'object' && typeof m.method === 'string' && 'id' in m;
  return {
    value,
    version,
    method: isRequest ? (m.method as string) : '',
    params: isRequest ? m.params : undefined,
    isRequest,
    requestId: isRequest ? (m.id as RequestId) : 0,
    isInitialize: isRequest && m.method === 'initialize',
  };
}

/** Answers a body that could not be read: too slow (408), too large (413), not JSON (400). */
function refuseBody(ep: Endpoint, res: ServerResponse, error: unknown, cors: HeaderBag): void {
  if (error instanceof BodyTimeoutError) {
    res.setHeader('connection', 'close');
    const message = `Request Timeout: body not received within ${ep.bodyTimeoutMs} ms`;
    return fail(res, 408, JsonRpcErrorCode.InvalidRequest, message, cors);
  }
  if (error instanceof BodyTooLargeError) {
    res.setHeader('connection', 'close');
    const message = `Payload Too Large: body exceeds ${ep.maxBodyBytes} bytes`;
    return fail(res, 413, JsonRpcErrorCode.InvalidRequest, message, cors);
  }
  if (error instanceof McpCoreError) return failWith(res, 400, error, cors);
  throw error;
}

/**
 * The session a POST belongs to: a fresh one per POST when stateless, a new one for `initialize`, else the one
 * `Mcp-Session-Id` names (from any replica, with shared sessions). Undefined when refused (the answer is sent).
 */
async function postSession(
  ep: Endpoint,
  req: IncomingMessage,
  res: ServerResponse,
  cors: HeaderBag,
  posted: PostedMessage,
): Promise<PostSession | undefined> {
  if (ep.stateless) {
    const session = ep.server.openSession(undefined, transportInfo(req));
    if (posted.version) session.protocolVersion = posted.version;
    return { session, headers: cors };
  }
  const id = header(req, SESSION_HEADER);
  if (posted.isInitialize) {
    if (id !== undefined) {
      const message = 'Bad Request: initialize must not carry an Mcp-Session-Id';
      return void fail(res, 400, JsonRpcErrorCode.InvalidRequest, message, cors);
    }
    const session = ep.sessions.open(ep.newSessionId(), req.socket.remoteAddress);
    return { session, headers: { ...cors, [SESSION_HEADER]: session.id as string } };
  }
  if (id === undefined) {
    const message = 'Bad Request: Mcp-Session-Id header is required';
    return void fail(res, 400, JsonRpcErrorCode.InvalidRequest, message, cors);
  }
  const session = await ep.sessions.find(id, req.socket.remoteAddress);
  if (!session) return void fail(res, 404, JsonRpcErrorCode.SessionNotFound, 'Session not found', cors);
  return { session, headers: cors };
}

/** Notifications and responses are acknowledged with 202 and no body. */
async function serveNotification(
  ep: Endpoint,
  req: IncomingMessage,
  res: ServerResponse,
  cors: HeaderBag,
  session: Session,
  value: unknown,
): Promise<void> {
  try {
    // Each POST is authenticated on its own credentials, not on those of the request that opened the session.
    const forward = ep.sessions.forwardOf(session, value);
    await ep.server.handle(session, value, REJECTING_CHANNEL, transportInfo(req));
    await ep.sessions.persist(session);
    if (forward) await ep.sessions.tell(forward);
    res.writeHead(202, cors).end();
  } catch (error) {
    failWith(res, error instanceof McpCoreError ? (error.httpStatus ?? 400) : 400, error, cors);
  } finally {
    if (ep.stateless) ep.server.closeSession(session);
  }
}

/** Serves a request on its own response: JSON, or an SSE stream once it sends anything before its answer. */
async function serveRequest(
  ep: Endpoint,
  req: IncomingMessage,
  res: ServerResponse,
  { session, headers }: PostSession,
  posted: PostedMessage,
): Promise<void> {
  const stream = ep.streams.openRequest(res, headers, session, posted.requestId);
  const opening = posted.isInitialize && !ep.stateless;
  let counted = false;
  try {
    if (opening) {
      ep.sessions.add(session);
      counted = true;
      ep.sessions.streamOpened(session);
    }
    // Stateless, the sessions share nothing: the request is simply handled.
    await ep.sessions.serve(session, posted.value, stream.channel, transportInfo(req));
    // An initialize that failed (bad params, refused by the pipeline) leaves no session behind.
    if (opening && !session.clientInfo) ep.sessions.delete(session, 'initialize failed');
  } finally {
    stream.finish();
    if (counted) ep.sessions.streamClosed(session);
    if (ep.stateless) ep.server.closeSession(session);
  }
}

/**
 * A 2026-07-28 request: its headers checked against its body, then served on its own, in a session that lives
 * as long as the request. Closing the response stream is how a modern client cancels: the call stops.
 */
async function serveModern(
  ep: Endpoint,
  req: IncomingMessage,
  res: ServerResponse,
  cors: HeaderBag,
  posted: PostedMessage,
): Promise<void> {
  const tool = posted.method === 'tools/call' ? (posted.params as { name?: unknown } | undefined)?.name : undefined;
  const problem = modernHeaderProblem(
    req,
    posted,
    typeof tool === 'string' ? ep.server.tools.paramHeaders(tool) : undefined,
  );
  if (problem) {
    const body = JSON.stringify(errorMessage(posted.requestId, toJsonRpcError(problem)));
    res.writeHead(problem.httpStatus ?? 400, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      ...cors,
    });
    res.end(body);
    return;
  }
  const session = ep.server.openSession(undefined, transportInfo(req));
  session.era = 'modern';
  const stream = ep.streams.openRequest(res, cors, session, posted.requestId);
  try {
    await ep.server.handle(session, posted.value, stream.channel, transportInfo(req));
  } finally {
    stream.finish();
    ep.server.closeSession(session);
  }
}
