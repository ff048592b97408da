// JSON-RPC 2.0 message checks before dispatch: the limits on a message's nesting and size (invalid request, -32600).
import { ProtocolError } from '../errors';
import { classifyMessage } from './messages';

const LIMITS = { maxDepth: 4, maxNodes: 20 };

function request(params: Record<string, unknown>): Record<string, unknown> {
  return { jsonrpc: '2.0', id: 1, method: 'tools/call', params };
}

function refusal(value: unknown, limits = LIMITS): string {
  try {
    classifyMessage(value, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe('INVALID_REQUEST');
    return (error as ProtocolError).message;
  }
  throw new Error('the message was accepted');
}

test('a request at the depth and value limits is accepted', () => {
  // root (1) > params (2) > arguments (3) > list (4); 20 values in all.
  const value = request({ name: 'echo', arguments: { list: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] } });
  expect(classifyMessage(value, LIMITS)).toEqual({ kind: 'request', message: value });
});

test('an object one level deeper than the limit is refused', () => {
  expect(refusal(request({ arguments: { deep: { deeper: { deepest: 1 } } } }))).toBe(
    'Invalid Request: message is nested deeper than 4 levels',
  );
});

test('a message with one value more than the limit is refused', () => {
  const value = request({ name: 'echo', arguments: { list: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13] } });
  expect(refusal(value)).toBe('Invalid Request: message has more than 20 values');
});

test('a message breaking both limits names the one met first, last key first', () => {
  // Walked depth first from the last key: `wide` (too many values) comes before `deep` (too deep), and back.
  const wide = Array.from({ length: 30 }, (_, i) => i);
  const deep = { a: { b: { c: 1 } } };
  expect(refusal(request({ deep, wide }))).toBe('Invalid Request: message has more than 20 values');
  expect(refusal(request({ wide, deep }))).toBe('Invalid Request: message is nested deeper than 4 levels');
});

test('a configured depth limit beyond what recursion is trusted with is still enforced', () => {
  let nested: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < 3000; i++) nested = { nested };
  expect(classifyMessage(request({ nested }), { maxDepth: 5000, maxNodes: 100_000 }).kind).toBe('request');
  expect(refusal(request({ nested }), { maxDepth: 2000, maxNodes: 100_000 })).toBe(
    'Invalid Request: message is nested deeper than 2000 levels',
  );
});
