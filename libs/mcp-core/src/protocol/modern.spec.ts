import { ProtocolError } from '../errors';
import { META, modernResult, readEnvelope } from './modern';

const WELL_FORMED = {
  [META.protocolVersion]: '2026-07-28',
  [META.clientCapabilities]: { sampling: {} },
  [META.clientInfo]: { name: 'spec-client', version: '1.0.0' },
  [META.logLevel]: 'info',
};

function refusal(meta: Record<string, unknown>): { code: string; data: unknown } {
  try {
    readEnvelope({ _meta: meta });
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return { code: (error as ProtocolError).code, data: (error as ProtocolError).data };
  }
  throw new Error('the envelope was accepted');
}

describe('readEnvelope', () => {
  it('reads what a well-formed envelope says about its client', () => {
    expect(readEnvelope({ _meta: WELL_FORMED })).toEqual({
      protocolVersion: '2026-07-28',
      clientCapabilities: { sampling: {} },
      clientInfo: { name: 'spec-client', version: '1.0.0' },
      logLevel: 'info',
    });
  });

  it.each([
    ['a version that is not a string', { [META.protocolVersion]: 20260728 }, META.protocolVersion],
    ['an empty version', { [META.protocolVersion]: '' }, META.protocolVersion],
    ['capabilities that are an array', { [META.clientCapabilities]: [] }, META.clientCapabilities],
    ['capabilities that are null', { [META.clientCapabilities]: null }, META.clientCapabilities],
    ['client info without a version', { [META.clientInfo]: { name: 'x' } }, META.clientInfo],
    ['client info that is a string', { [META.clientInfo]: 'x' }, META.clientInfo],
    ['a log level that does not exist', { [META.logLevel]: 'verbose' }, META.logLevel],
  ])('refuses %s as malformed, naming the key', (_case, change, key) => {
    expect(refusal({ ...WELL_FORMED, ...change })).toEqual({
      code: 'INVALID_ENVELOPE',
      data: { malformed: [key] },
    });
  });

  it('refuses an envelope missing its required keys, naming them', () => {
    expect(refusal({ [META.clientInfo]: WELL_FORMED[META.clientInfo] })).toEqual({
      code: 'INVALID_ENVELOPE',
      data: { missing: [META.protocolVersion, META.clientCapabilities] },
    });
  });

  it('refuses a version it does not speak with the ones it does', () => {
    expect(refusal({ ...WELL_FORMED, [META.protocolVersion]: '2099-01-01' })).toMatchObject({
      code: 'UNSUPPORTED_PROTOCOL_VERSION',
      data: { requested: '2099-01-01' },
    });
  });
});

describe('modernResult', () => {
  const info = { name: 'spec-server', version: '1.0.0' };
  const cache = { ttlMs: 5000, cacheScope: 'private' as const };

  it('marks a tool result complete and names the server, leaving the handler result as it was', () => {
    const result = { content: [{ type: 'text', text: 'hi' }] };
    expect(modernResult('tools/call', result, info, cache)).toEqual({
      content: [{ type: 'text', text: 'hi' }],
      resultType: 'complete',
      _meta: { [META.serverInfo]: info },
    });
    expect(result).toEqual({ content: [{ type: 'text', text: 'hi' }] });
  });

  it("keeps the handler's own _meta keys and cache settings beside the server's", () => {
    const result = { tools: [], ttlMs: 10, _meta: { 'example.com/k': 1 } };
    expect(modernResult('tools/list', result, info, cache)).toEqual({
      tools: [],
      resultType: 'complete',
      ttlMs: 10,
      cacheScope: 'private',
      _meta: { 'example.com/k': 1, [META.serverInfo]: info },
    });
  });

  it('gives an input_required answer no cache settings', () => {
    const shaped = modernResult('resources/read', { resultType: 'input_required', inputRequests: {} }, info, cache);
    expect(shaped).not.toHaveProperty('ttlMs');
    expect(shaped.resultType).toBe('input_required');
  });
});
