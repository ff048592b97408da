import { z } from 'zod';
import { LOG_LEVELS } from '@agent-mcp/context';
import { ValidationError, type ValidationIssue } from '../errors';

/**
 * Params of the requests this server answers, checked with zod. Loose objects: unknown members are kept and
 * ignored, as MCP asks of receivers, so newer clients keep working.
 */
const meta = z.looseObject({ progressToken: z.union([z.string(), z.number()]).optional() }).optional();

export const InitializeParams = z.looseObject({
  protocolVersion: z.string(),
  capabilities: z.looseObject({}),
  clientInfo: z.looseObject({ name: z.string(), version: z.string() }),
  _meta: meta,
});

export const PaginatedParams = z.looseObject({ cursor: z.string().optional(), _meta: meta }).optional();

export const CallToolParams = z.looseObject({
  name: z.string().min(1),
  arguments: z.record(z.string(), z.unknown()).optional(),
  _meta: meta,
});

/**
 * `tools/call` params, read on every call: well-formed ones (a name, arguments an object or absent, `_meta` an
 * object whose progress token is a string or number) are checked by hand and used as they came; zod checks the
 * others, to word what is wrong. The tool's own input schema checks the arguments themselves.
 */
export function parseCallToolParams(value: unknown): z.output<typeof CallToolParams> {
  if (isWellFormedCall(value)) return value as z.output<typeof CallToolParams>;
  return parseParams(CallToolParams, value, 'tools/call');
}

function isWellFormedCall(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  if (typeof value.name !== 'string' || value.name.length === 0) return false;
  if (value.arguments !== undefined && !isPlainObject(value.arguments)) return false;
  const m = value._meta;
  if (m === undefined) return true;
  if (!isPlainObject(m)) return false;
  const token = m.progressToken;
  return token === undefined || typeof token === 'string' || typeof token === 'number';
}

/** A JSON object: not null, not an array. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export const ReadResourceParams = z.looseObject({ uri: z.string().min(1), _meta: meta });
export const SubscribeParams = ReadResourceParams;

export const GetPromptParams = z.looseObject({
  name: z.string().min(1),
  arguments: z.record(z.string(), z.string()).optional(),
  _meta: meta,
});

export const SetLevelParams = z.looseObject({ level: z.enum(LOG_LEVELS), _meta: meta });

export const CompleteParams = z.looseObject({
  ref: z.discriminatedUnion('type', [
    z.looseObject({ type: z.literal('ref/prompt'), name: z.string() }),
    z.looseObject({ type: z.literal('ref/resource'), uri: z.string() }),
  ]),
  argument: z.looseObject({ name: z.string(), value: z.string() }),
  context: z.looseObject({ arguments: z.record(z.string(), z.string()).optional() }).optional(),
  _meta: meta,
});

export const CancelledParams = z.looseObject({
  requestId: z.union([z.string(), z.number()]).optional(),
  reason: z.string().optional(),
});

/** Results of the requests the server sends to clients. */
export const ListRootsResult = z.looseObject({
  roots: z.array(z.looseObject({ uri: z.string(), name: z.string().optional() })).max(10_000),
});

/** Parses `value` with `schema`, raising a {@link ValidationError} that lists every issue. */
export function parseParams<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ValidationError(
    `Invalid params for ${what}: ${summarise(parsed.error.issues)}`,
    issuesOf(parsed.error.issues),
  );
}

export function issuesOf(issues: readonly z.core.$ZodIssue[]): ValidationIssue[] {
  return issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}

export function summarise(issues: readonly z.core.$ZodIssue[]): string {
  return issuesOf(issues)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ');
}
