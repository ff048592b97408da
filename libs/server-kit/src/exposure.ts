import { type Logger } from '@agent-mcp/context';

/**
 * The memory and preference tools: what the agent tools are given of each caller, offered in the threads group
 * beside any agent tool group (see {@link TOOL_GROUPS}).
 */
export const MEMORY_TOOLS = [
  'memory_get',
  'memory_set',
  'memory_clear',
  'preferences_get',
  'preferences_set',
  'preferences_clear',
] as const;

/**
 * The groups of built-in tools. The thread tools are always offered, and the memory and preference tools
 * (`memory_*`, `preferences_*`: what the agent tools are given of each caller) with any agent tool group; with
 * `builtinTools: false`, none of these is. Each other group is switched by one setting.
 */
export type ToolGroup = 'threads' | 'echo' | 'database' | 'support' | 'research';

/** The setting that switches each group and the tools it holds (a spec holds these equal to the libraries'). */
export const TOOL_GROUPS: Readonly<
  Record<ToolGroup, { readonly setting: string | undefined; readonly tools: readonly string[] }>
> = Object.freeze({
  threads: {
    setting: undefined,
    tools: ['thread_list', 'thread_get', 'thread_fork', 'thread_delete', ...MEMORY_TOOLS],
  },
  echo: { setting: 'DIAGNOSTIC_TOOLS', tools: ['echo'] },
  database: { setting: 'DATABASE_TOOLS', tools: ['sql_query', 'database_query'] },
  support: {
    setting: 'SUPPORT_TOOLS',
    tools: [
      'kb_search',
      'customer_lookup',
      'ticket_get',
      'ticket_create',
      'ticket_reply',
      'support',
      'support_confirm',
    ],
  },
  research: { setting: 'RESEARCH_TOOLS', tools: ['research'] },
});

/** What was decided for one group, and why. */
export interface GroupDecision {
  readonly group: ToolGroup;
  readonly offered: boolean;
  /** Why, in words an operator can act on: the setting, its value and what to change. */
  readonly reason: string;
}

/** Which tool groups the server offers; said at start-up by {@link logExposure}. */
export interface ToolExposure {
  readonly decisions: readonly GroupDecision[];
  offers(group: ToolGroup): boolean;
}

/**
 * Turns each group's setting into a decision with its reason. `auto` (the default of the database, support and
 * research groups) offers a group to local callers only (stdio, or HTTP without `AUTH_MODE`): giving SQL, model
 * tokens or page fetches to every authenticated remote principal is a decision (`true`), and the reason says so.
 */
export function decideExposure(
  env: Readonly<Record<string, string | undefined>>,
  switched: Readonly<Record<Exclude<ToolGroup, 'threads'>, boolean>>,
): ToolExposure {
  const auth = (env['AUTH_MODE'] ?? '').trim();
  const offered: Record<ToolGroup, boolean> = { threads: true, ...switched };
  const decisions = (Object.keys(TOOL_GROUPS) as ToolGroup[]).map((group): GroupDecision => {
    const { setting } = TOOL_GROUPS[group];
    if (setting === undefined) return { group, offered: true, reason: 'always offered' };
    const raw = (env[setting] ?? '').trim();
    const value = raw === '' ? (group === 'echo' ? 'false' : 'auto') : raw;
    const isDefault = raw === '' ? ' (the default)' : '';
    let reason: string;
    if (offered[group]) {
      reason =
        value === 'auto' ? `${setting}=auto${isDefault}: callers are local (no AUTH_MODE)` : `${setting}=${value}`;
    } else if (value === 'auto') {
      reason =
        `${setting}=auto${isDefault} offers these to local callers only, and AUTH_MODE=${auth} authenticates ` +
        `remote ones: set ${setting}=true to offer them to authenticated callers`;
    } else {
      reason = `${setting}=${value}${isDefault}: set ${setting}=true to offer them`;
    }
    return { group, offered: offered[group], reason };
  });
  return {
    decisions,
    offers: (group) => offered[group],
  };
}

/** No built-in group: a server that offers only its caller's own tools (and the thread tools). */
export function noBuiltinTools(): ToolExposure {
  const decisions = (Object.keys(TOOL_GROUPS) as ToolGroup[]).map((group): GroupDecision => ({
    group,
    offered: false,
    reason: 'the server offers its own tools only (builtinTools: false)',
  }));
  return { decisions, offers: () => false };
}

/**
 * Says at start-up what the server offers: every tool registered (the built-in groups, the thread tools and any
 * tools of the caller's own) and, for each group left off, its tools and why.
 */
export function logExposure(logger: Logger, exposure: ToolExposure, registered: readonly string[]): void {
  logger.info('tools offered', { count: registered.length, tools: registered });
  for (const decision of exposure.decisions) {
    if (decision.offered) continue;
    logger.info('tools left off', {
      group: decision.group,
      tools: TOOL_GROUPS[decision.group].tools,
      reason: decision.reason,
    });
  }
}
