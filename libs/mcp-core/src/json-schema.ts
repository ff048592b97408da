import { z } from 'zod';

/**
 * JSON Schema of a zod object, as MCP advertises tool and prompt schemas. Draft-07, as the SDK's own server
 * does: clients validate `structuredContent` with Ajv, whose default dialect it is. Spelled so that every
 * client's validator takes it without a warning (the Inspector's `--strict` schema check): one `type` per
 * schema (zod writes a union of primitives as a `type` array, which single-type dialects such as Gemini's
 * reject), and `additionalProperties: true` rather than the empty schema zod writes for `z.unknown()` values.
 */
export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> & { type: 'object' } {
  const json = z.toJSONSchema(schema, { target: 'draft-7', io, unrepresentable: 'any' }) as Record<string, unknown>;
  if (json.type !== 'object') {
    throw new TypeError(`A tool schema must describe an object, got ${JSON.stringify(json.type)}`);
  }
  return portable(json) as Record<string, unknown> & { type: 'object' };
}

/** Keywords whose value is one subschema. */
const SUBSCHEMA = ['items', 'additionalProperties', 'not', 'contains', 'propertyNames', 'if', 'then', 'else'];
/** Keywords whose value is a list of subschemas. */
const SUBSCHEMA_LIST = ['anyOf', 'allOf', 'oneOf', 'items'];
/** Keywords whose value maps names to subschemas. */
const SUBSCHEMA_MAP = ['properties', 'patternProperties', 'definitions', '$defs', 'dependencies'];

/** `node` with the portable spellings, rewritten in a copy (zod's output is not shared, but stays untouched). */
function portable(node: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...node };
  for (const key of SUBSCHEMA) {
    const sub = out[key];
    if (isSchema(sub)) out[key] = portable(sub);
  }
  for (const key of SUBSCHEMA_LIST) {
    const list = out[key];
    if (Array.isArray(list)) out[key] = list.map((sub: unknown) => (isSchema(sub) ? portable(sub) : sub));
  }
  for (const key of SUBSCHEMA_MAP) {
    const map = out[key];
    if (isSchema(map))
      out[key] = Object.fromEntries(Object.entries(map).map(([k, sub]) => [k, isSchema(sub) ? portable(sub) : sub]));
  }
  // An empty schema accepts anything: for extra properties, say so with the boolean the keyword takes.
  if (isSchema(out['additionalProperties']) && Object.keys(out['additionalProperties']).length === 0)
    out['additionalProperties'] = true;
  const type = out['type'];
  if (Array.isArray(type) && out['anyOf'] === undefined) {
    delete out['type'];
    out['anyOf'] = type.map((t: unknown) => ({ type: t }));
  }
  return out;
}

function isSchema(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
