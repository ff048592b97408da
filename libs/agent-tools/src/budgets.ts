import { z } from 'zod';
import { LOG_LEVELS, type LogLevel, parseConfig, type SettingDoc } from '@agent-mcp/context';

/**
 * What the server allows one agent call: each value is both the default (when the caller asks for nothing) and
 * the cap (a caller may ask for less, never for more). Read once from the environment by
 * {@link loadAgentRunPolicy}; a tool may tighten it for itself.
 */
export interface AgentRunPolicy {
  /** Most model turns per call. */
  readonly maxTurns: number;
  /** Most tokens (input + output, all turns) per call. */
  readonly maxTokens: number;
  /** Most wall-clock seconds per call. */
  readonly deadlineSeconds: number;
  /** Longest gap between two progress notifications of a running call, in seconds. */
  readonly heartbeatSeconds: number;
  /** Level of the log messages that carry the run's text and tool steps to the client; `off` sends none. */
  readonly logLevel: LogLevel | 'off';
}

const emptyAsUnset = (value: unknown) => (value === '' ? undefined : value);

const PolicySchema = z.object({
  AGENT_MAX_TURNS: z.preprocess(emptyAsUnset, z.coerce.number().int().min(1).max(100).default(10)),
  AGENT_MAX_TOKENS: z.preprocess(emptyAsUnset, z.coerce.number().int().min(1000).max(10_000_000).default(200_000)),
  AGENT_MAX_DEADLINE_SECONDS: z.preprocess(emptyAsUnset, z.coerce.number().min(1).max(3600).default(300)),
  // Clients commonly reset a 60 s timeout on progress; 15 s keeps well inside it. Fractions serve tests.
  AGENT_HEARTBEAT_SECONDS: z.preprocess(emptyAsUnset, z.coerce.number().min(0.05).max(15).default(10)),
  AGENT_LOG_LEVEL: z.preprocess(emptyAsUnset, z.enum([...LOG_LEVELS, 'off']).default('info')),
});

/** Documentation of every agent-run setting, for `--help` and the README. */
export const AGENT_RUN_SETTINGS: readonly SettingDoc[] = [
  {
    name: 'AGENT_MAX_TURNS',
    default: '10',
    description: 'Most model turns of one agent tool call; a call may ask for fewer (maxTurns)',
  },
  {
    name: 'AGENT_MAX_TOKENS',
    default: '200000',
    description: 'Most tokens (input + output) of one agent tool call; a call may ask for fewer (maxTokens)',
  },
  {
    name: 'AGENT_MAX_DEADLINE_SECONDS',
    default: '300',
    description: 'Most seconds one agent tool call may run; a call may ask for less (deadlineSeconds)',
  },
  {
    name: 'AGENT_HEARTBEAT_SECONDS',
    default: '10',
    description: 'Longest gap between progress notifications of a running agent call (at most 15)',
  },
  {
    name: 'AGENT_LOG_LEVEL',
    default: 'info',
    description: 'MCP log level of the text and tool steps an agent call streams to the client; off: none',
  },
];

/**
 * Reads `AGENT_MAX_TURNS`, `AGENT_MAX_TOKENS`, `AGENT_MAX_DEADLINE_SECONDS`, `AGENT_HEARTBEAT_SECONDS` and
 * `AGENT_LOG_LEVEL` once. Empty values count as unset.
 *
 * @throws ConfigError naming every bad variable.
 */
export function loadAgentRunPolicy(env: Readonly<Record<string, string | undefined>> = process.env): AgentRunPolicy {
  const picked = Object.fromEntries(Object.keys(PolicySchema.shape).map((k) => [k, env[k]]));
  const parsed = parseConfig(PolicySchema, picked);
  return Object.freeze({
    maxTurns: parsed.AGENT_MAX_TURNS,
    maxTokens: parsed.AGENT_MAX_TOKENS,
    deadlineSeconds: parsed.AGENT_MAX_DEADLINE_SECONDS,
    heartbeatSeconds: parsed.AGENT_HEARTBEAT_SECONDS,
    logLevel: parsed.AGENT_LOG_LEVEL,
  });
}

/** The caps one tool sets below the server's policy (each only lowers, never raises). */
export interface PolicyCaps {
  readonly maxTurns?: number | undefined;
  readonly deadlineSeconds?: number | undefined;
}

/**
 * The policy a tool runs under: `base` (the server's, or read from `env` when none is given) with `caps` lowering
 * its turns and deadline. Every agent tool takes an optional policy and its own tighter limits; this is the one
 * place that combines them, so a tool can never raise what the server allows.
 */
export function tightenPolicy(
  base: AgentRunPolicy | undefined,
  env: Readonly<Record<string, string | undefined>> | undefined,
  caps: PolicyCaps,
): AgentRunPolicy {
  const policy = base ?? loadAgentRunPolicy(env);
  return Object.freeze({
    ...policy,
    maxTurns: Math.min(policy.maxTurns, caps.maxTurns ?? policy.maxTurns),
    deadlineSeconds: Math.min(policy.deadlineSeconds, caps.deadlineSeconds ?? policy.deadlineSeconds),
  });
}

/**
 * The budget arguments every agent tool accepts, to spread into its input schema:
 * `z.object({ question: z.string(), ...agentBudgetShape })`. All optional; the server's policy caps each.
 */
export const agentBudgetShape = {
  maxTurns: z
    .number()
    .int()
    .min(1)
    .max(100)
    .optional()
    .describe('Most model turns for this call (the server may allow fewer).'),
  maxTokens: z
    .number()
    .int()
    .min(100)
    .max(10_000_000)
    .optional()
    .describe('Most tokens (input + output, all turns) for this call (the server may allow fewer).'),
  deadlineSeconds: z
    .number()
    .min(1)
    .max(3600)
    .optional()
    .describe('Most seconds this call may run (the server may allow fewer).'),
} as const;

/** The budget a caller asked for (the parsed {@link agentBudgetShape} fields). */
export interface AgentBudgetRequest {
  readonly maxTurns?: number | undefined;
  readonly maxTokens?: number | undefined;
  readonly deadlineSeconds?: number | undefined;
}

/** The budget a call runs under. */
export interface AgentBudget {
  readonly maxTurns: number;
  readonly maxTokens: number;
  readonly deadlineSeconds: number;
  /** Which requested values the policy lowered. */
  readonly capped: readonly ('maxTurns' | 'maxTokens' | 'deadlineSeconds')[];
}

/** The caller's request, each value capped by the policy; unset values take the policy's. */
export function resolveBudget(requested: AgentBudgetRequest, policy: AgentRunPolicy): AgentBudget {
  const capped: AgentBudget['capped'][number][] = [];
  const pick = (key: 'maxTurns' | 'maxTokens' | 'deadlineSeconds', cap: number): number => {
    const asked = requested[key];
    if (asked === undefined) return cap;
    if (asked > cap) capped.push(key);
    return Math.min(asked, cap);
  };
  return Object.freeze({
    maxTurns: pick('maxTurns', policy.maxTurns),
    maxTokens: pick('maxTokens', policy.maxTokens),
    deadlineSeconds: pick('deadlineSeconds', policy.deadlineSeconds),
    capped: Object.freeze(capped),
  });
}
