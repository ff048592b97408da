import { z } from 'zod';
import { type ScopedMemory } from '@agent-mcp/context';
import { defineTool, type Tool } from '@agent-mcp/mcp-core';

/** Whether `zone` is an IANA time zone this runtime knows (`Europe/Paris`, `UTC`). */
function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The preferences a caller can set: a closed set, each checked, each given to every agent run. Free-form notes are
 * the memory tools' (`memory_set`).
 */
export const PreferencesSchema = z
  .object({
    language: z
      .string()
      .trim()
      .min(1)
      .max(40)
      .describe('The language answers are written in, e.g. "French" or "pt-BR"'),
    tone: z.enum(['neutral', 'formal', 'friendly']).describe('How answers sound'),
    length: z.enum(['brief', 'normal', 'detailed']).describe('How long answers are'),
    timezone: z
      .string()
      .max(64)
      .refine(isTimeZone, 'an IANA time zone, e.g. "Europe/Paris" or "UTC"')
      .describe('The time zone dates and times are given in, e.g. "Europe/Paris"'),
    units: z.enum(['metric', 'imperial']).describe('The units measures are given in'),
  })
  .partial()
  .strict();

/** A caller's preferences: the names of {@link PreferencesSchema} it has set. */
export type Preferences = z.output<typeof PreferencesSchema>;

/** The preference names, in the order they are shown and given to a run. */
export const PREFERENCE_NAMES = Object.freeze(Object.keys(PreferencesSchema.shape) as Array<keyof Preferences>);

/**
 * The caller's preferences as stored; a value that no longer passes its check (written by an older version, or by
 * other code) is left out rather than given to a model.
 */
export async function readPreferences(preferences: ScopedMemory): Promise<Preferences> {
  const stored = await Promise.all(PREFERENCE_NAMES.map(async (name) => [name, await preferences.get(name)] as const));
  const present = Object.fromEntries(stored.filter(([, value]) => value !== undefined));
  const read: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(present)) {
    const checked = PreferencesSchema.shape[name as keyof Preferences].safeParse(value);
    if (checked.success) read[name] = checked.data;
  }
  return read as Preferences;
}

const PreferencesOutput = z.object({ preferences: PreferencesSchema });

const render = ({ preferences }: { preferences: Preferences }) => {
  const lines = PREFERENCE_NAMES.filter((name) => preferences[name] !== undefined).map(
    (name) => `${name}: ${preferences[name]}`,
  );
  return lines.length ? lines.join('\n') : 'No preferences are set.';
};

/**
 * `preferences_get`, `preferences_set` and `preferences_clear`: the caller's preferences ({@link PreferencesSchema}),
 * kept by the server's memory store beside its memory (the application database in the apps) and given to every
 * agent run. Each caller sees and changes only its own.
 */
export function createPreferenceTools(): Tool[] {
  const names = PREFERENCE_NAMES.join(', ');
  const get = defineTool({
    name: 'preferences_get',
    title: 'Show your preferences',
    description:
      `Shows the preferences you set (${names}). The agent tools (database_query, research, support) follow them ` +
      'in every call. Change them with preferences_set; remove them with preferences_clear.',
    inputSchema: z.object({}),
    outputSchema: PreferencesOutput,
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    render,
    async execute(_args, context) {
      return { preferences: await readPreferences(context.state.preferences) };
    },
  });
  const set = defineTool({
    name: 'preferences_set',
    title: 'Set your preferences',
    description:
      'Sets one or more preferences (the others are kept), for the agent tools to follow in later calls, e.g. ' +
      '{ "language": "French", "length": "brief" }. Returns all your preferences.',
    inputSchema: PreferencesSchema.refine((p) => Object.keys(p).length > 0, 'set at least one preference'),
    outputSchema: PreferencesOutput,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    render,
    async execute(args, context) {
      const preferences = context.state.preferences;
      for (const name of PREFERENCE_NAMES) if (args[name] !== undefined) await preferences.set(name, args[name]);
      return { preferences: await readPreferences(preferences) };
    },
  });
  const clear = defineTool({
    name: 'preferences_clear',
    title: 'Remove preferences',
    description: 'Removes the named preferences (names), or all of them (no names). Memory is kept: see memory_clear.',
    inputSchema: z.object({
      names: z
        .array(z.enum(PREFERENCE_NAMES as [keyof Preferences, ...Array<keyof Preferences>]))
        .min(1)
        .optional()
        .describe('The preferences to remove; omit to remove them all'),
    }),
    outputSchema: z.object({ removed: z.number().int() }),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    render: ({ removed }) => `Removed ${removed} preference${removed === 1 ? '' : 's'}.`,
    async execute({ names }, context) {
      const preferences = context.state.preferences;
      const removed = await Promise.all((names ?? PREFERENCE_NAMES).map((name) => preferences.delete(name)));
      return { removed: removed.filter(Boolean).length };
    },
  });
  return [get, set, clear];
}
