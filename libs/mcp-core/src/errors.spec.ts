// The error model: typed errors keep their message and stable code on the wire; anything else is hidden.
import { NotFoundError, SystemError, toJsonRpcError, ToolError, ValidationError } from './errors';
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
    expect(JSON.stringify(toJsonRpcError(new SystemError('db down', { cause: leaky })))).not.toContain('hunter2');
  });
});

describe('protocol versions', () => {
  it('match the SDK we speak through', async () => {
    const sdk = await import('@modelcontextprotocol/sdk/types.js');
    expect(LATEST_PROTOCOL_VERSION).toBe(sdk.LATEST_PROTOCOL_VERSION);
    expect([...SUPPORTED_PROTOCOL_VERSIONS]).toEqual(sdk.SUPPORTED_PROTOCOL_VERSIONS);
  });
});
