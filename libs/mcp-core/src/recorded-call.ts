import type { ClientCapabilities, Implementation } from '@modelcontextprotocol/sdk/types.js';
import { type Principal } from '@agent-mcp/context';
import { z } from 'zod';
import { type Call } from './call-context';
import { type InputSource } from './mrtr/input-round';
import { type TransportInfo } from './pipeline';
import { type ProtocolEra, type RequestChannel, Session } from './session';

/**
 * What a run records of a call so that any replica can execute it later with no live client: the tool, its
 * arguments, the principal the pipeline admitted when the request arrived (its credentials are not kept), and what
 * the client declared. Durable tasks and parked calls each extend these fields with their own.
 */

const RecordedPrincipalSchema = z.object({
  id: z.string().min(1),
  tenantId: z.string().optional(),
  scopes: z.array(z.string()),
  via: z.enum(['none', 'api_key', 'oauth']),
  claims: z.record(z.string(), z.unknown()).optional(),
});

/** The fields every recorded call has. */
export const RECORDED_CALL_FIELDS = {
  tool: z.string().min(1).max(256),
  arguments: z.record(z.string(), z.unknown()).optional(),
  principal: RecordedPrincipalSchema,
  protocolVersion: z.string().min(1).max(64),
  clientCapabilities: z.record(z.string(), z.unknown()).optional(),
  clientInfo: z.looseObject({ name: z.string(), version: z.string() }).optional(),
};

/** A recorded call as {@link RECORDED_CALL_FIELDS} reads it, with the principal as the pipeline knows it. */
export interface RecordedCall {
  readonly tool: string;
  readonly arguments?: Record<string, unknown>;
  readonly principal: Principal;
  readonly protocolVersion: string;
  readonly clientCapabilities?: Record<string, unknown>;
  readonly clientInfo?: { readonly name: string; readonly version: string };
}

/** Where a recorded call comes from when a run executes it: no connection at all. */
const DETACHED: TransportInfo = Object.freeze({ kind: 'memory' });

/** A session of its own for a recorded call: what the client declared, no stream. */
export function recordedSession(record: RecordedCall, era: ProtocolEra): Session {
  const session = new Session(undefined, DETACHED);
  session.era = era;
  session.protocolVersion = record.protocolVersion;
  session.clientCapabilities = record.clientCapabilities as ClientCapabilities | undefined;
  session.clientInfo = record.clientInfo as Implementation | undefined;
  session.principal = record.principal;
  return session;
}

/** What differs between the executions of recorded calls: where the call's messages and questions go. */
export interface DetachedParts {
  /** The JSON-RPC id the call is known by (no client sent it). */
  readonly id: string;
  readonly session: Session;
  readonly channel: RequestChannel;
  readonly signal: AbortSignal;
  readonly input?: InputSource;
  /** `_meta` of the call's params (a progress token to relay under, say). */
  readonly meta?: Record<string, unknown>;
}

/**
 * The `tools/call` of a recorded call as a replica executes it, with no live client. The request's credentials were
 * checked when it arrived and cannot be checked again; the access stages that decided which resources and prompts
 * its caller may read ran with them, so reads from inside the call are refused rather than allowed by default.
 */
export function detachedCall(record: RecordedCall, parts: DetachedParts): Call {
  const params = {
    name: record.tool,
    ...(record.arguments ? { arguments: record.arguments } : {}),
    ...(parts.meta ? { _meta: parts.meta } : {}),
  };
  return {
    sent: false,
    session: parts.session,
    request: { jsonrpc: '2.0', id: parts.id, method: 'tools/call', params },
    params,
    channel: parts.channel,
    signal: parts.signal,
    pipeline: {
      method: 'tools/call',
      params,
      sessionId: undefined,
      transport: DETACHED,
      target: { kind: 'tool', name: record.tool },
      principal: record.principal,
      visibility: { resource: () => false, prompt: () => false },
    },
    ...(parts.input ? { input: parts.input } : {}),
  };
}
