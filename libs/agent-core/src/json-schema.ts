import { z } from 'zod';

/** JSON Schema of a zod schema, and whether it qualifies for OpenAI's strict mode. */
export interface JsonSchemaInfo {
  readonly schema: Record<string, unknown>;
  readonly strict: boolean;
}

/**
 * Converts a zod schema once; callers cache the result (conversion is not free). The `output` view is used
 * because it closes objects (`additionalProperties: false`), which strict mode needs.
 */
export function toJsonSchema(schema: z.ZodType): JsonSchemaInfo {
  const json = z.toJSONSchema(schema, { target: 'draft-7', io: 'output', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  delete json['$schema'];
  return { schema: json, strict: isStrictCompatible(json) };
}

/**
 * Strict mode requires every object to list all its properties as required and forbid others. A schema with
 * optional fields is still usable, just without constrained decoding, so we detect rather than rewrite.
 */
function isStrictCompatible(node: unknown): boolean {
  if (Array.isArray(node)) return node.every(isStrictCompatible);
  if (node === null || typeof node !== 'object') return true;
  const obj = node as Record<string, unknown>;
  if (obj['type'] === 'object') {
    if (obj['additionalProperties'] !== false) return false;
    const props = Object.keys((obj['properties'] as Record<string, unknown> | undefined) ?? {});
    const required = new Set((obj['required'] as string[] | undefined) ?? []);
    if (!props.every((p) => required.has(p))) return false;
  }
  return Object.values(obj).every(isStrictCompatible);
}
