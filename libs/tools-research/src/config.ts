import { z } from 'zod';
import { ConfigError, parseConfig, type SettingDoc } from '@agent-mcp/context';
import { parseNetworks } from './fetch/address-policy';
import { createHostPolicy } from './fetch/host-policy';

const emptyAsUnset = (value: unknown) => (value === '' ? undefined : value);
const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const int = (min: number, max: number, fallback: number) =>
  z.preprocess(emptyAsUnset, z.coerce.number().int().min(min).max(max).default(fallback));
const FLAGS = ['auto', 'true', 'false', '1', '0', 'yes', 'no'] as const;
const flag = (fallback: (typeof FLAGS)[number]) => z.preprocess(emptyAsUnset, z.enum(FLAGS).default(fallback));

/** Environment of the research tools; every key is the variable's name. */
export const ResearchConfigSchema = z.object({
  RESEARCH_TOOLS: flag('auto'),
  RESEARCH_CORPUS_DIR: z.preprocess(emptyAsUnset, z.string().optional()),
  RESEARCH_CORPUS_INDEX: flag('true'),
  RESEARCH_CORPUS_MAX_FILES: int(1, 100_000, 2000),
  RESEARCH_CORPUS_MAX_FILE_BYTES: int(1024, 64 * 1024 * 1024, 1024 * 1024),
  RESEARCH_CORPUS_RESCAN_MS: int(0, 86_400_000, 30_000),
  RESEARCH_CORPUS_WATCH: flag('true'),
  RESEARCH_CLIENT_ROOTS: flag('auto'),
  RESEARCH_WEB_SEARCH: z.preprocess(emptyAsUnset, z.enum(['auto', 'on', 'off']).default('auto')),
  RESEARCH_FETCH_ALLOW_NETWORKS: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .default('')
      .transform((v) => list(v))
      .superRefine((v, ctx) => {
        try {
          parseNetworks(v);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
        }
      }),
  ),
  RESEARCH_FETCH_ALLOW_HOSTS: z.preprocess(emptyAsUnset, z.string().default('').transform(list)),
  RESEARCH_FETCH_DENY_HOSTS: z.preprocess(emptyAsUnset, z.string().default('').transform(list)),
  RESEARCH_FETCH_MAX_BYTES: int(1024, 64 * 1024 * 1024, 2 * 1024 * 1024),
  RESEARCH_FETCH_TIMEOUT_MS: int(100, 300_000, 15_000),
  RESEARCH_FETCH_MAX_REDIRECTS: int(0, 20, 5),
  RESEARCH_AGENT_TIMEOUT_MS: int(1000, 1_800_000, 180_000),
});

/** Parsed, frozen research settings. */
export type ResearchConfig = z.output<typeof ResearchConfigSchema>;

const yes = (v: string) => ['true', '1', 'yes'].includes(v);

/** Reads the research settings from `env` once. @throws ConfigError naming every bad variable. */
export function parseResearchConfig(env: Readonly<Record<string, string | undefined>>): ResearchConfig {
  const picked = Object.fromEntries(Object.keys(ResearchConfigSchema.shape).map((k) => [k, env[k]]));
  const config = parseConfig(ResearchConfigSchema, picked);
  // Host patterns are checked here so a typo fails at start, not on the first fetch.
  for (const [name, hosts] of [
    ['RESEARCH_FETCH_ALLOW_HOSTS', config.RESEARCH_FETCH_ALLOW_HOSTS],
    ['RESEARCH_FETCH_DENY_HOSTS', config.RESEARCH_FETCH_DENY_HOSTS],
  ] as const) {
    try {
      createHostPolicy({ denyHosts: hosts });
    } catch (error) {
      throw new ConfigError([`${name}: ${(error as Error).message}`]);
    }
  }
  return config;
}

const localCallers = (env: Readonly<Record<string, string | undefined>>) => {
  const mode = (env['AUTH_MODE'] ?? '').trim();
  return mode === '' || mode === 'none';
};

/**
 * Whether the apps register the research tool. `auto` (the default) registers it for local use (stdio, or
 * HTTP with `AUTH_MODE` unset or `none`); on a server that authenticates remote callers, letting every
 * principal spend model tokens and make the server fetch pages must be a decision (`RESEARCH_TOOLS=true`).
 */
export function researchToolsEnabled(
  config: ResearchConfig,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  if (config.RESEARCH_TOOLS === 'auto') return localCallers(env);
  return yes(config.RESEARCH_TOOLS);
}

/**
 * Whether documents under the client's roots are indexed. `auto` (the default): only where the callers are
 * local (stdio, or HTTP with `AUTH_MODE` unset or `none`): a remote client naming `file:///` as its root must
 * not make the server read its own disk for it.
 */
export function clientRootsEnabled(config: ResearchConfig, env: Readonly<Record<string, string | undefined>>): boolean {
  if (config.RESEARCH_CLIENT_ROOTS === 'auto') return localCallers(env);
  return yes(config.RESEARCH_CLIENT_ROOTS);
}

/** Whether the agent gets the hosted web search tool: `auto` means the Responses API on api.openai.com. */
export function webSearchEnabled(config: ResearchConfig, env: Readonly<Record<string, string | undefined>>): boolean {
  if (config.RESEARCH_WEB_SEARCH !== 'auto') return config.RESEARCH_WEB_SEARCH === 'on';
  const api = (env['OPENAI_API'] ?? '').trim() || 'responses';
  const base = (env['OPENAI_BASE_URL'] ?? '').trim();
  if (api !== 'responses') return false;
  if (!base) return true;
  try {
    return new URL(base).hostname === 'api.openai.com';
  } catch {
    return false;
  }
}

/** Documentation of every setting, for `--help` and the README. */
export const RESEARCH_SETTINGS: readonly SettingDoc[] = [
  {
    name: 'RESEARCH_TOOLS',
    default: 'auto',
    description:
      'Register research and the research:// document resources; auto: unless AUTH_MODE requires authentication',
  },
  {
    name: 'RESEARCH_CORPUS_DIR',
    default: 'the sample corpus',
    description: 'Folder of .md, .txt and .html documents the research tool searches and cites',
  },
  {
    name: 'RESEARCH_CORPUS_INDEX',
    default: 'true',
    description: 'Index documents with PostgreSQL full-text search (needs the database); false: no document search',
  },
  { name: 'RESEARCH_CORPUS_MAX_FILES', default: '2000', description: 'Most documents indexed per folder' },
  { name: 'RESEARCH_CORPUS_MAX_FILE_BYTES', default: '1048576', description: 'Larger documents are skipped' },
  {
    name: 'RESEARCH_CORPUS_RESCAN_MS',
    default: '30000',
    description: 'A search re-checks files (mtime and hash) when the last check is older than this; 0: every search',
  },
  {
    name: 'RESEARCH_CORPUS_WATCH',
    default: 'true',
    description: 'Watch the folder and re-index changed files soon after they change',
  },
  {
    name: 'RESEARCH_CLIENT_ROOTS',
    default: 'auto',
    description:
      "Also index documents under the client's file:// roots; auto: unless AUTH_MODE requires authentication",
  },
  {
    name: 'RESEARCH_WEB_SEARCH',
    default: 'auto',
    description: 'Hosted web search (on, off); auto: on only with the Responses API on api.openai.com',
  },
  {
    name: 'RESEARCH_FETCH_ALLOW_NETWORKS',
    default: 'none',
    description: 'CIDR networks fetchable although not public, e.g. 127.0.0.1/32 or 10.20.0.0/16 (tests, intranets)',
  },
  {
    name: 'RESEARCH_FETCH_ALLOW_HOSTS',
    default: 'any public host',
    description: 'Comma-separated hosts (example.com, *.example.com); when set, only these are fetched',
  },
  {
    name: 'RESEARCH_FETCH_DENY_HOSTS',
    default: 'none',
    description: 'Comma-separated hosts never fetched (wins over the allow list)',
  },
  {
    name: 'RESEARCH_FETCH_MAX_BYTES',
    default: '2097152',
    description: 'Most bytes of one page read (after decompression)',
  },
  {
    name: 'RESEARCH_FETCH_TIMEOUT_MS',
    default: '15000',
    description: 'Deadline of one page fetch, redirects included',
  },
  {
    name: 'RESEARCH_FETCH_MAX_REDIRECTS',
    default: '5',
    description: 'Most redirects followed; each hop is checked again',
  },
  { name: 'RESEARCH_AGENT_TIMEOUT_MS', default: '180000', description: 'Deadline of one research run' },
];
