import { type IncomingMessage, type ServerResponse } from 'node:http';
import { ANONYMOUS_PRINCIPAL, principalKey } from '@agent-mcp/context';
import { JsonRpcErrorCode, McpCoreError } from '../../errors';
import { type Session } from '../../session';
import { type Endpoint, SESSION_HEADER, transportInfo } from './endpoint';
import { type EventId, parseEventId } from './event-store';
import { fail, failWith, type HeaderBag, header, methodNotAllowed, refuse } from './http-replies';
import { isModernClient } from './modern-headers';
import { acceptsSse } from './request-guards';
import { SseWriter } from './response-channel';

/**
 * `GET`: opens the session's standalone SSE stream, or resumes a stream with `Last-Event-ID` (a request's, or
 * the standalone one), within the stream limits.
 */
export async function handleGet(ep: Endpoint, req: IncomingMessage, res: ServerResponse, cors: HeaderBag) {
  // A 2026-07-28 client has no stream of its own to open: everything arrives on its requests' responses.
  if (ep.stateless || isModernClient(req)) return methodNotAllowed(res, 'POST', cors);
  if (!acceptsSse(req.headers.accept)) {
    const message = 'Not Acceptable: Accept must include text/event-stream';
    return fail(res, 406, JsonRpcErrorCode.InvalidRequest, message, cors);
  }
  const session = await requestedSession(ep, req, res, cors, '(open_stream)');
  if (!session) return;
  if (session.closed) return fail(res, 404, JsonRpcErrorCode.SessionNotFound, 'Session not found', cors);
  const lastEventId = header(req, 'last-event-id');
  let replayAfter: EventId | undefined;
  if (lastEventId !== undefined) {
    const at = parseEventId(lastEventId);
    if (!at || !ep.streams.ownsStream(session, at)) {
      const message = 'Bad Request: Last-Event-ID does not name a stream of this session';
      return fail(res, 400, JsonRpcErrorCode.InvalidRequest, message, cors);
    }
    if (!ep.streams.isStandalone(session, at)) {
      // A resumed request stream is held like any GET stream: it counts against the same limits.
      if (!admitStream(ep, res, session, cors)) return;
      return ep.streams.resumeRequest(res, at, cors);
    }
    replayAfter = at;
  }
  if (session.localStandalone) {
    const message = 'Conflict: this session already has an open GET stream';
    return fail(res, 409, JsonRpcErrorCode.InvalidRequest, message, cors);
  }
  if (!admitStream(ep, res, session, cors)) return;
  const writer = new SseWriter(res, cors, ep.keepAliveMs);
  ep.writers.add(writer);
  res.once('close', () => ep.writers.delete(writer));
  if (replayAfter) await ep.streams.replayStandalone(session, replayAfter, writer);
  openStandalone(ep, res, session, writer);
}

/** `DELETE`: the client ends its session (everywhere, with shared sessions). */
export async function handleDelete(ep: Endpoint, req: IncomingMessage, res: ServerResponse, cors: HeaderBag) {
  if (ep.stateless || isModernClient(req)) return methodNotAllowed(res, 'POST', cors);
  const session = await requestedSession(ep, req, res, cors, '(end_session)');
  if (!session) return;
  await ep.sessions.end(session);
  res.writeHead(200, cors).end();
}

/**
 * The session `Mcp-Session-Id` names, admitted by the pipeline as `method`: a GET or DELETE carries no JSON-RPC
 * message, and without this a session id alone would open the session's stream or end it. Undefined when
 * refused (the answer is sent).
 */
async function requestedSession(
  ep: Endpoint,
  req: IncomingMessage,
  res: ServerResponse,
  cors: HeaderBag,
  method: string,
): Promise<Session | undefined> {
  const id = header(req, SESSION_HEADER);
  if (id === undefined) {
    const message = 'Bad Request: Mcp-Session-Id header is required';
    return void fail(res, 400, JsonRpcErrorCode.InvalidRequest, message, cors);
  }
  const session = await ep.sessions.find(id, req.socket.remoteAddress);
  if (!session) return void fail(res, 404, JsonRpcErrorCode.SessionNotFound, 'Session not found', cors);
  try {
    await ep.server.authorize(session, method, transportInfo(req));
  } catch (error) {
    if (!(error instanceof McpCoreError)) throw error;
    return void failWith(res, error.httpStatus ?? 403, error, cors);
  }
  return session;
}

/**
 * Counts a GET stream against the limits of its principal and of the server, until `res` closes; false when
 * refused (the answer is sent). Called after authorization, so the principal is the one the session is bound to.
 */
function admitStream(ep: Endpoint, res: ServerResponse, session: Session, cors: HeaderBag): boolean {
  const owner = principalKey(session.principal ?? ANONYMOUS_PRINCIPAL);
  const refused = ep.admission.admit(owner);
  if (refused) {
    refuse(res, refused, cors);
    return false;
  }
  res.once('close', () => ep.admission.release(owner));
  return true;
}

/** Makes `writer` the session's standalone stream, reachable from other replicas while it is open. */
function openStandalone(ep: Endpoint, res: ServerResponse, session: Session, writer: SseWriter): void {
  const sink = ep.streams.standaloneSink(session, writer);
  session.standalone = sink;
  ep.sessions.streamOpened(session);
  ep.sessions.claimStream(session);
  res.once('close', () => {
    ep.sessions.streamClosed(session);
    if (session.localStandalone === sink) {
      session.standalone = undefined;
      ep.sessions.releaseStream(session);
    }
  });
}
