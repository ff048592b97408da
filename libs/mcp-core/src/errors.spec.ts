// The error model: typed errors keep their message and stable code on the wire; anything else is hidden.
import { join } from 'node:path';
import { codeSpans, readmeTable } from '@agent-mcp/context/testing';
import {
  AuthenticationError,
  CancelledError,
  InternalError,
  MCP_ERRORS,
  MCP_LOCAL_ERROR_CODES,
  type McpErrorCode,
  type McpErrorSpec,
  type McpLocalError,
  NotFoundError,
  PermissionError,
  ProtocolError,
  RateLimitError,
  toJsonRpcError,
  ToolError,
  UnavailableError,
  UpstreamModelError,
  ValidationError,
} from './errors';
import { BusMessageTooLargeError } from './session-bus';
import { SessionRecordTooLargeError } from './session-store';
import { InvalidTaskRecordError } from './tasks/durable-tasks';
import { ToolRegistrationError } from './tool-registry';
import { BodyTimeoutError, BodyTooLargeError } from './transports/http/request-guards';
import { HttpServerLimitsError } from './transports/http/server-limits';
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from './protocol/versions';

describe('toJsonRpcError', () => {
  it('maps typed errors to their JSON-RPC code with a stable string code', () => {
    expect(toJsonRpcError(new NotFoundError('tool', 'x'))).toEqual({
      code: -32602,
      message: 'Tool not found: x',
      data: { code: 'TOOL_NOT_FOUND', name: 'x' },
    });
    expect(toJsonRpcError(new NotFoundError('resource', 'a://b'))).toMatchObject({
      code: -32002,
      data: { code: 'RESOURCE_NOT_FOUND', uri: 'a://b' },
    });
    expect(toJsonRpcError(new ValidationError('bad', [{ path: 'a', message: 'Required' }]))).toMatchObject({
      code: -32602,
      data: { issues: [{ path: 'a' }] },
    });
    expect(toJsonRpcError(new ToolError('closed'))).toMatchObject({ message: 'closed', data: { code: 'TOOL_FAILED' } });
  });

  it('never shows the message, stack or cause of an unexpected error', () => {
    const leaky = new Error('connect ECONNREFUSED 10.0.0.5:5432 at /srv/app/db.js password=hunter2');
    const wire = JSON.stringify(toJsonRpcError(leaky, 'r1'));
    expect(wire).toBe(
      JSON.stringify({ code: -32603, message: 'Internal error', data: { code: 'INTERNAL_ERROR', ref: 'r1' } }),
    );
    expect(JSON.stringify(toJsonRpcError(new InternalError('db down', { cause: leaky })))).not.toContain('hunter2');
  });
});

describe('protocol versions', () => {
  it('match the SDK we speak through', async () => {
    const sdk = await import('@modelcontextprotocol/sdk/types.js');
    expect(LATEST_PROTOCOL_VERSION).toBe(sdk.LATEST_PROTOCOL_VERSION);
    expect([...SUPPORTED_PROTOCOL_VERSIONS]).toEqual(sdk.SUPPORTED_PROTOCOL_VERSIONS);
  });
});

/** The rows of the table under `heading` in the README's "Errors" section: the first column's code, the rest. */
function readmeRows(heading: string): Map<string, string[]> {
  const rows = readmeTable(join(__dirname, '..', 'README.md'), '## Errors', heading);
  return new Map(rows.map(([code, ...rest]) => [codeSpans(code ?? '')[0] ?? '', rest]));
}

describe('the error catalogue', () => {
  it('is the README table of errors a client reads: code, kind, JSON-RPC code and HTTP status, both ways', () => {
    const documented = Object.fromEntries(
      [...readmeRows('**Errors a client reads.**')].map(([code, [kind, rpc, http]]) => [code, { kind, rpc, http }]),
    );
    const catalogued = Object.fromEntries(
      Object.entries(MCP_ERRORS).map(([code, spec]: [string, McpErrorSpec]) => [
        code,
        {
          kind: spec.kind,
          rpc: code === 'TASK_FAILED' ? "the call's" : String(spec.rpcCode),
          http: spec.modernHttpStatus
            ? `${spec.modernHttpStatus} on 2026-07-28`
            : spec.httpStatus === undefined
              ? '—'
              : String(spec.httpStatus),
        },
      ]),
    );
    expect(documented).toEqual(catalogued);
  });

  it('is the README table of local errors, each class carrying its code', () => {
    const local: McpLocalError[] = [
      new ToolRegistrationError('x'),
      new HttpServerLimitsError('x'),
      new BodyTooLargeError(1),
      new BodyTimeoutError(1),
      new SessionRecordTooLargeError(1),
      new BusMessageTooLargeError(1),
      new InvalidTaskRecordError('x'),
    ];
    const documented = Object.fromEntries([...readmeRows('**Errors that stay local.**')].map(([c, [cls]]) => [c, cls]));
    expect(documented).toEqual(Object.fromEntries(local.map((e) => [e.code, `\`${e.name}\``])));
    expect(Object.keys(documented).sort()).toEqual([...MCP_LOCAL_ERROR_CODES].sort());
    for (const error of local) expect(toJsonRpcError(error).data).toEqual({ code: 'INTERNAL_ERROR' });
  });

  it('gives every typed error the kind, JSON-RPC code and HTTP status of its code', () => {
    const errors = [
      new ValidationError('bad'),
      new NotFoundError('session', 's'),
      new AuthenticationError(),
      new RateLimitError(2),
      new PermissionError(),
      new UnavailableError('busy'),
      new CancelledError(),
      new UpstreamModelError('down'),
      new InternalError(),
      new ProtocolError('HEADER_MISMATCH', 'x'),
    ];
    for (const error of errors) {
      const spec: McpErrorSpec = MCP_ERRORS[error.code as McpErrorCode];
      expect([error.kind, error.rpcCode, error.httpStatus]).toEqual([spec.kind, spec.rpcCode, spec.httpStatus]);
    }
    expect(new ToolError('x', { code: 'SQL_REFUSED' })).toMatchObject({ code: 'SQL_REFUSED', kind: 'tool' });
  });
});
