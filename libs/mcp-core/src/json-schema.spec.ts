// Tool schemas as MCP advertises them: draft-07 objects spelled so that strict validators (the Inspector's
// `--strict` schema check, single-type dialects such as Gemini's) accept them without a warning.
import { z } from 'zod';
import { toJsonSchema } from './json-schema';

describe('toJsonSchema', () => {
  it('writes a union of primitives as anyOf branches of one type each, not a type array', () => {
    const schema = toJsonSchema(
      z.object({ params: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])).max(3) }),
      'input',
    );
    expect(schema).toMatchObject({
      type: 'object',
      properties: {
        params: {
          type: 'array',
          maxItems: 3,
          items: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'null' }] },
        },
      },
    });
    expect(JSON.stringify(schema)).not.toMatch(/"type":\[/);
  });

  it('keeps the other keywords of a node whose type it splits', () => {
    const schema = toJsonSchema(z.object({ v: z.union([z.string(), z.null()]).describe('A value') }), 'input');
    expect(schema['properties']).toEqual({
      v: { description: 'A value', anyOf: [{ type: 'string' }, { type: 'null' }] },
    });
  });

  it('writes free-form values of a record as additionalProperties: true, at any depth', () => {
    const schema = toJsonSchema(
      z.object({ queries: z.array(z.object({ rows: z.array(z.record(z.string(), z.unknown())) })) }),
      'output',
    );
    expect(schema).toMatchObject({
      properties: {
        queries: {
          items: { properties: { rows: { items: { type: 'object', additionalProperties: true } } } },
        },
      },
    });
  });

  it('leaves a closed object closed and a typed record typed', () => {
    const schema = toJsonSchema(z.object({ tags: z.record(z.string(), z.number()) }).strict(), 'input');
    expect(schema).toMatchObject({
      additionalProperties: false,
      properties: { tags: { type: 'object', additionalProperties: { type: 'number' } } },
    });
  });

  it('refuses a schema that does not describe an object', () => {
    expect(() => toJsonSchema(z.string(), 'input')).toThrow(/must describe an object/);
  });
});
