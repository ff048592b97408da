import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { type Principal } from '@agent-mcp/context';
import { type AccessDecision, AuthConfigError } from './decisions';
import { missingScopes } from './scopes';

// RFC 6749 §3.3 scope-token: printable ASCII without space, `"` and `\`.
const Scope = z
  .string()
  .regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'a scope is printable ASCII without spaces, quotes or backslashes');
const Scopes = z.array(Scope);

const LimitSchema = z.strictObject({
  /** Calls allowed per window, per principal. */
  points: z.int().min(1),
  windowSeconds: z.int().min(1).max(86_400),
});

const ToolPolicySchema = z.strictObject({
  /** Scopes needed to see and call the tool; replaces the default that its annotations give. */
  scopes: Scopes.optional(),
  /** False switches the tool off for everyone: hidden, and calling it fails as if it did not exist. */
  enabled: z.boolean().default(true),
  /** This tool's own call limit per principal, instead of the server-wide per-tool limit. */
  rateLimit: LimitSchema.optional(),
});

const ResourcePolicySchema = z.strictObject({
  /** A URI, or a prefix ending with `*` (`db://tables/*`). The longest matching rule applies. */
  match: z.string().min(1),
  scopes: Scopes.default([]),
  enabled: z.boolean().default(true),
});

const PromptPolicySchema = z.strictObject({ scopes: Scopes.optional(), enabled: z.boolean().default(true) });

/**
 * The permissions file (`POLICY_FILE`). Every part is optional; an empty object is the default policy:
 * read-only tools need `defaults.readScopes` (none), every other tool `defaults.writeScopes`, and tools marked
 * destructive `defaults.destructiveScopes` (the write scopes unless set).
 */
export const PolicySchema = z.strictObject({
  defaults: z
    .strictObject({
      readScopes: Scopes.default([]),
      writeScopes: Scopes.default(['tools:write']),
      destructiveScopes: Scopes.optional(),
      resourceScopes: Scopes.default([]),
      promptScopes: Scopes.default([]),
    })
    .prefault({}),
  tools: z.record(z.string().min(1), ToolPolicySchema).default({}),
  resources: z.array(ResourcePolicySchema).default([]),
  prompts: z.record(z.string().min(1), PromptPolicySchema).default({}),
});

/** The policy file's contents as written. */
export type PolicyInput = z.input<typeof PolicySchema>;
export type PolicyData = z.output<typeof PolicySchema>;

/** The MCP tool annotations that drive default permissions. */
export interface ToolHints {
  /** MCP default: false, so a tool without annotations counts as one that writes. */
  readonly readOnlyHint?: boolean;
  /** MCP default: true for tools that are not read-only. */
  readonly destructiveHint?: boolean;
}

/** A call limit: `points` calls per `windowSeconds`. */
export interface CallLimit {
  readonly points: number;
  readonly windowSeconds: number;
}

/** Compiled permissions: answers which scopes each tool, resource and prompt needs, and who may use it. */
export interface Policy {
  /** Whether `principal` may see and call tool `name`, given its annotations. */
  tool(principal: Principal, name: string, hints: ToolHints | undefined): AccessDecision;
  resource(principal: Principal, uri: string): AccessDecision;
  prompt(principal: Principal, name: string): AccessDecision;
  /** Scopes a tool needs (empty for none); undefined when the tool is switched off. */
  toolScopes(name: string, hints: ToolHints | undefined): readonly string[] | undefined;
  /** The tool's own call limit, if the policy sets one. */
  toolLimit(name: string): CallLimit | undefined;
  /** Every scope the policy mentions, for `scopes_supported` in the Protected Resource Metadata. */
  readonly scopes: readonly string[];
}

/** Parses a policy (for example the JSON of `POLICY_FILE`); throws {@link AuthConfigError} with the first problem. */
export function parsePolicy(input: unknown, source = 'policy'): PolicyData {
  const parsed = PolicySchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AuthConfigError(`POLICY_FILE: ${source}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

/** Reads, validates and compiles a policy file. */
export function loadPolicyFile(file: string): Policy {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new AuthConfigError(`POLICY_FILE: ${code ? `cannot read ${file}: ${code}` : `${file} is not valid JSON`}`, {
      cause: error,
    });
  }
  return createPolicy(parsePolicy(json, file));
}

const ALLOWED: AccessDecision = Object.freeze({ allowed: true });
const DISABLED: AccessDecision = Object.freeze({ allowed: false, reason: 'disabled' });

/** Compiles a parsed policy. */
export function createPolicy(data: PolicyData = parsePolicy({})): Policy {
  const { defaults } = data;
  const destructive = defaults.destructiveScopes ?? defaults.writeScopes;
  const resourceRules = [...data.resources].sort((a, b) => b.match.length - a.match.length);

  const decide = (principal: Principal, required: readonly string[] | undefined): AccessDecision => {
    if (required === undefined) return DISABLED;
    const missing = missingScopes(principal.scopes, required);
    return missing.length === 0 ? ALLOWED : { allowed: false, reason: 'insufficient_scope', requiredScopes: required };
  };

  const toolScopes = (name: string, hints: ToolHints | undefined): readonly string[] | undefined => {
    const rule = data.tools[name];
    if (rule && !rule.enabled) return undefined;
    if (rule?.scopes) return rule.scopes;
    if (hints?.readOnlyHint === true) return defaults.readScopes;
    return hints?.destructiveHint === false ? defaults.writeScopes : destructive;
  };

  const resourceScopes = (uri: string): readonly string[] | undefined => {
    const rule = resourceRules.find((r) =>
      r.match.endsWith('*') ? uri.startsWith(r.match.slice(0, -1)) : uri === r.match,
    );
    if (!rule) return defaults.resourceScopes;
    return rule.enabled ? rule.scopes : undefined;
  };

  const promptScopes = (name: string): readonly string[] | undefined => {
    const rule = data.prompts[name];
    if (rule && !rule.enabled) return undefined;
    return rule?.scopes ?? defaults.promptScopes;
  };

  const all = new Set<string>([
    ...defaults.readScopes,
    ...defaults.writeScopes,
    ...destructive,
    ...defaults.resourceScopes,
    ...defaults.promptScopes,
    ...Object.values(data.tools).flatMap((t) => t.scopes ?? []),
    ...data.resources.flatMap((r) => r.scopes),
    ...Object.values(data.prompts).flatMap((p) => p.scopes ?? []),
  ]);

  return {
    tool: (principal, name, hints) => decide(principal, toolScopes(name, hints)),
    resource: (principal, uri) => decide(principal, resourceScopes(uri)),
    prompt: (principal, name) => decide(principal, promptScopes(name)),
    toolScopes,
    toolLimit: (name) => data.tools[name]?.rateLimit,
    scopes: Object.freeze([...all].sort()),
  };
}
