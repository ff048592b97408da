import { z } from 'zod';

/**
 * JSON Schema of a zod object, as MCP advertises tool and prompt schemas. Draft-07, as the SDK's own server
 * does: clients validate `structuredContent` with Ajv, whose default dialect it is.
 */
export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> & { type: 'object' } {
  const json = z.toJSONSchema(schema, { target: 'draft-7', io, unrepresentable: 'any' }) as Record<string, unknown>;
  if (json.type !== 'object') {
    throw new TypeError(`A tool schema must describe an object, got ${JSON.stringify(json.type)}`);
  }
  return json as Record<string, unknown> & { type: 'object' };
}
