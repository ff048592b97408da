import { createFlatFieldsSerializer, createRedactor, type RedactOptions } from './logger-redact';

/** What the general path writes for `fields`: the redacted copy, serialized. */
const general = (fields: Record<string, unknown>, options?: RedactOptions) =>
  JSON.stringify(createRedactor(options)(fields));
/** The flat serializer's members, as one object. */
const flat = (fields: Record<string, unknown>, options?: RedactOptions) => {
  const members = createFlatFieldsSerializer(options)(fields);
  return members === undefined ? undefined : `{${members.slice(1)}}`;
};

describe('createFlatFieldsSerializer', () => {
  it.each<[string, Record<string, unknown>, RedactOptions | undefined]>([
    [
      'a request line',
      { requestId: 7, sessionId: 's-1', method: 'tools/call', tool: 'echo', outcome: 'ok', durationMs: 0.42 },
      undefined,
    ],
    [
      'strings with bearer credentials and vendor keys',
      { note: 'Bearer abcdefgh12345678 and sk-abcdefghijklmnopqrst' },
      undefined,
    ],
    [
      'secret-named strings, and counts named like secrets',
      { apiKey: 'k', sessionToken: null, inputTokens: 12, hasPassword: true },
      undefined,
    ],
    ['quotes, newlines and unicode', { text: 'a "b"\nc\u2028 é' }, undefined],
    ['undefined values, left out', { a: undefined, b: 1 }, undefined],
    ['a one-segment configured path, numbers too', { ssn: 123456789, other: 'x' }, { paths: ['ssn'] }],
    ['a wildcard path', { a: 'x', b: 2 }, { paths: ['*'] }],
    ['nested paths, which flat fields do not reach', { client: 'x' }, { paths: ['client.note'] }],
    ['a key pattern of its own', { ssn: 'x', name: 'y' }, { keyPattern: /^ssn$/ }],
    ['an object under a secret name', { credentials: { user: 'u' } }, undefined],
  ])('writes %s exactly as the general path does', (_case, fields, options) => {
    expect(flat(fields, options)).toBe(general(fields, options));
  });

  it.each([
    ['an object', { a: { b: 1 } }],
    ['an array', { a: [1] }],
    ['an error', { err: new Error('x') }],
    ['a bigint', { n: 1n }],
  ])('declines fields holding %s, for the general path', (_case, fields) => {
    expect(createFlatFieldsSerializer()(fields)).toBeUndefined();
  });

  it('writes nothing for no fields', () => {
    expect(createFlatFieldsSerializer()({})).toBe('');
  });
});
