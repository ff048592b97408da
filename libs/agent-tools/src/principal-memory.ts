import { z } from 'zod';
import { type AgentItem, type RunInput, wrapUntrusted } from '@agent-mcp/agent-core';
import { type RequestContext, type ScopedMemory } from '@agent-mcp/context';
import { defineTool, type Tool, ToolError } from '@agent-mcp/mcp-core';
import { PREFERENCE_NAMES, type Preferences, readPreferences } from './principal-preferences';

/** Bounds of a principal's memory as the memory tools write it and the agent tools read it. */
export const MEMORY_LIMITS = Object.freeze({
  /** Most entries one principal keeps. */
  maxEntries: 50,
  /** Longest key. */
  maxKeyLength: 64,
  /** Longest value, in characters. */
  maxValueLength: 2000,
  /** Most characters of memory an agent run is given; newer entries past it are left out (and said so). */
  maxContextChars: 8000,
});

const Key = z
  .string()
  .min(1)
  .max(MEMORY_LIMITS.maxKeyLength)
  .regex(/^[a-z0-9][a-z0-9_.-]*$/, 'lower-case letters, digits, "_", "." and "-", starting with a letter or digit')
  .describe('A short name, e.g. "language", "tone", "team"');

const EntrySchema = z.object({ key: z.string(), value: z.string() });

/** The caller's memory entries, oldest first; values that are not text (written by other code) are shown as JSON. */
export async function readMemory(memory: ScopedMemory): Promise<Array<{ key: string; value: string }>> {
  const keys = (await memory.keys()).slice(0, MEMORY_LIMITS.maxEntries * 2);
  const entries = await Promise.all(
    keys.map(async (key) => {
      const value = await memory.get<unknown>(key);
      return value === undefined
        ? undefined
        : { key, value: typeof value === 'string' ? value : JSON.stringify(value) };
    }),
  );
  return entries.filter((e): e is { key: string; value: string } => e !== undefined);
}

/**
 * `memory_get`, `memory_set` and `memory_clear`: a principal's saved preferences and notes (the memory agent tools
 * are given as context), kept by the server's memory store (the application database in the apps). Each caller
 * sees and changes only its own; the sizes are bounded ({@link MEMORY_LIMITS}).
 */
export function createMemoryTools(): Tool[] {
  const get = defineTool({
    name: 'memory_get',
    title: 'Show what the agents remember about you',
    description:
      'Lists your saved preferences and notes (key and text), oldest first. The agent tools (database_query, research, ' +
      'support) are given these with every call. Change them with memory_set; remove them with memory_clear.',
    inputSchema: z.object({}),
    outputSchema: z.object({ entries: z.array(EntrySchema) }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    render: ({ entries }) =>
      entries.length ? entries.map((e) => `${e.key}: ${e.value}`).join('\n') : 'Nothing is remembered about you.',
    async execute(_args, context) {
      return { entries: await readMemory(context.state.memory) };
    },
  });
  const set = defineTool({
    name: 'memory_set',
    title: 'Remember a preference or note',
    description:
      'Saves a preference or note under a key (replacing what the key held), for the agent tools to take into ' +
      `account in later calls, e.g. key "language", value "Answer in French". At most ${MEMORY_LIMITS.maxEntries} ` +
      `entries of ${MEMORY_LIMITS.maxValueLength} characters.`,
    inputSchema: z.object({
      key: Key,
      value: z.string().trim().min(1).max(MEMORY_LIMITS.maxValueLength).describe('What to remember'),
    }),
    outputSchema: z.object({ key: z.string(), value: z.string(), entries: z.number().int() }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    render: ({ key, entries }) => `Remembered "${key}" (${entries} entr${entries === 1 ? 'y' : 'ies'} saved).`,
    async execute({ key, value }, context) {
      const memory = context.state.memory;
      const keys = await memory.keys();
      if (!keys.includes(key) && keys.length >= MEMORY_LIMITS.maxEntries)
        throw new ToolError(
          `You have ${keys.length} entries saved, the most kept; remove some with memory_clear first.`,
          { code: 'MEMORY_FULL' },
        );
      await memory.set(key, value);
      return { key, value, entries: keys.includes(key) ? keys.length : keys.length + 1 };
    },
  });
  const clear = defineTool({
    name: 'memory_clear',
    title: 'Forget a preference or everything',
    description:
      'Removes one saved entry (key), or every entry you saved (no key). Threads are kept: see thread_delete.',
    inputSchema: z.object({ key: Key.optional().describe('The entry to remove; omit to remove them all') }),
    outputSchema: z.object({ removed: z.number().int() }),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    render: ({ removed }) => `Removed ${removed} entr${removed === 1 ? 'y' : 'ies'}.`,
    async execute({ key }, context) {
      const memory = context.state.memory;
      const keys = key === undefined ? await memory.keys() : [key];
      const removed = await Promise.all(keys.map((k) => memory.delete(k)));
      return { removed: removed.filter(Boolean).length };
    },
  });
  return [get, set, clear];
}

/** What {@link withPrincipalMemory} needs of the request: the caller's state, when the server keeps one. */
export type MemoryContext = Partial<Pick<RequestContext, 'state'>>;

/**
 * `input` with the caller's preferences (`preferences_set`) and saved notes (`memory_set`) before it, each fenced as
 * text the user wrote (so they can set the tone or the language, never make the agent call tools or reveal data),
 * the notes within {@link MEMORY_LIMITS.maxContextChars}. Neither, or a store that cannot be read: `input`
 * unchanged (a run never fails for its context).
 */
export async function withPrincipalMemory(context: MemoryContext, input: RunInput): Promise<RunInput> {
  if (!context.state) return input;
  let entries: Array<{ key: string; value: string }>;
  let preferences: Preferences;
  try {
    [entries, preferences] = await Promise.all([
      readMemory(context.state.memory),
      readPreferences(context.state.preferences),
    ]);
  } catch {
    return input;
  }
  const set = PREFERENCE_NAMES.filter((name) => preferences[name] !== undefined);
  if (entries.length === 0 && set.length === 0) return input;
  const lines: string[] = [];
  let chars = 0;
  for (const { key, value } of entries) {
    const line = `${key}: ${value}`;
    if (chars + line.length > MEMORY_LIMITS.maxContextChars) {
      lines.push(`(${entries.length - lines.length} more entries left out)`);
      break;
    }
    lines.push(line);
    chars += line.length;
  }
  const blocks = [
    ...(set.length
      ? [
          wrapUntrusted(
            'preferences',
            set.map((name) => `${name}: ${preferences[name]}`).join('\n'),
            "the user's preferences",
          ),
        ]
      : []),
    ...(lines.length ? [wrapUntrusted('memory', lines.join('\n'), "the user's saved preferences and notes")] : []),
  ];
  const item: AgentItem = {
    type: 'message',
    role: 'user',
    content:
      'Preferences and notes I saved for you (take them into account for language, tone and what you know of me):\n' +
      blocks.join('\n'),
  };
  const items: readonly AgentItem[] =
    typeof input === 'string' ? [{ type: 'message', role: 'user', content: input }] : input;
  return [item, ...items];
}
