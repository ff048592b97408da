import { ValidationError } from '../errors';
import { CallToolParams, parseCallToolParams } from './params';

describe('parseCallToolParams', () => {
  it.each([
    ['a name alone', { name: 'echo' }],
    ['arguments', { name: 'echo', arguments: { message: 'hi', n: [1] } }],
    ['a progress token and other _meta keys', { name: 'echo', _meta: { progressToken: 7, 'example.com/k': 1 } }],
    ['members it does not know', { name: 'echo', task: { ttl: 5 }, extra: true }],
  ])('accepts %s as zod does, with the name and arguments as sent', (_case, params) => {
    const parsed = parseCallToolParams(params);
    expect(CallToolParams.safeParse(params).success).toBe(true);
    expect([parsed.name, parsed.arguments]).toEqual([params.name, (params as { arguments?: unknown }).arguments]);
  });

  it.each([
    ['no params', undefined],
    ['an empty name', { name: '' }],
    ['a name that is not a string', { name: 3 }],
    ['arguments that are an array', { name: 'echo', arguments: [1] }],
    ['arguments that are null', { name: 'echo', arguments: null }],
    ['a progress token that is an object', { name: 'echo', _meta: { progressToken: {} } }],
    ['_meta that is a string', { name: 'echo', _meta: 'x' }],
  ])('refuses %s as zod does, naming what is wrong', (_case, params) => {
    expect(CallToolParams.safeParse(params).success).toBe(false);
    expect(() => parseCallToolParams(params)).toThrow(ValidationError);
    expect(() => parseCallToolParams(params)).toThrow(/Invalid params for tools\/call/);
  });
});
