import { type IncomingMessage } from 'node:http';
import { type TransportInfo } from '../../pipeline';
import { type McpServer } from '../../server';
import { type HttpSessions } from './http-sessions';
import { type OriginGuard } from './request-guards';
import { type SseWriter } from './response-channel';
import { type ResumableStreams } from './resumable-streams';
import { type StreamAdmission } from './stream-admission';

/** The collaborators and settings of one Streamable HTTP endpoint, built once by `createStreamableHttpHandler`. */
export interface Endpoint {
  readonly server: McpServer;
  /** Every POST served on its own, without sessions. */
  readonly stateless: boolean;
  readonly sessions: HttpSessions;
  readonly streams: ResumableStreams;
  readonly admission: StreamAdmission;
  readonly guard: OriginGuard;
  /** Open standalone GET streams, ended with a retry hint at graceful shutdown. */
  readonly writers: Set<SseWriter>;
  readonly newSessionId: () => string;
  readonly maxBodyBytes: number;
  readonly bodyTimeoutMs: number;
  readonly keepAliveMs: number;
}

export const SESSION_HEADER = 'mcp-session-id';
export const VERSION_HEADER = 'mcp-protocol-version';

/** What the pipeline learns about the connection a message came on: each request brings its own headers. */
export function transportInfo(req: IncomingMessage): TransportInfo {
  return { kind: 'http', remoteAddress: req.socket.remoteAddress, headers: req.headers };
}

/** CORS headers for an allowed `Origin`; none for other origins or requests without one. */
export function corsHeaders(guard: OriginGuard, req: IncomingMessage): Record<string, string> {
  const origin = req.headers.origin;
  if (!origin || !guard.allowsOrigin(origin)) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': 'mcp-session-id, mcp-protocol-version',
    vary: 'origin',
  };
}
