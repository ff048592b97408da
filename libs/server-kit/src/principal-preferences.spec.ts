// The seed's AgentState.preferences made real (issue 14 item 4), on both engines the server keeps its state in: a
// caller's preferences persist in the application database (PostgreSQL at DATABASE_URL, the embedded PGlite
// otherwise) across a reopen, apart from its memory; an agent run is given them fenced; the caller sees and clears
// them with preferences_get and preferences_clear.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMemoryTools, createPreferenceTools, withPrincipalMemory } from '@agent-mcp/agent-tools';
import { ANONYMOUS_PRINCIPAL, createAgentState, noopLogger } from '@agent-mcp/context';
import { createThrowawayDatabase, type ThrowawayDatabase } from '@agent-mcp/context/testing';
import { connectLinkedClient, createTestServer } from '@agent-mcp/mcp-core/testing';
import { openApplicationDatabase } from '@agent-mcp/store';

jest.setTimeout(120_000);

let postgres: ThrowawayDatabase;
let dir: string;
beforeAll(async () => {
  postgres = await createThrowawayDatabase({ prefix: 'tprefs' });
  dir = await mkdtemp(path.join(tmpdir(), 'principal-preferences-'));
});
afterAll(async () => {
  await postgres?.drop();
  await rm(dir, { recursive: true, force: true });
});

const engines: Array<[string, () => Record<string, string>]> = [
  ['PostgreSQL', () => ({ DATABASE_URL: postgres.url })],
  ['the embedded PGlite', () => ({ APPLICATION_DATABASE_DIR: path.join(dir, 'db') })],
];

describe.each(engines)('on %s', (_engine, env) => {
  async function open() {
    const db = openApplicationDatabase({ env: env(), logger: noopLogger });
    const server = createTestServer({ memory: db.memory });
    for (const tool of [...createPreferenceTools(), ...createMemoryTools()]) server.tools.register(tool);
    const { client } = await connectLinkedClient(server);
    return {
      db,
      call: async (name: string, args: Record<string, unknown> = {}) =>
        (await client.callTool({ name, arguments: args })).structuredContent,
      close: async () => (await client.close(), await db.close()),
    };
  }

  it('keeps preferences across a reopen, apart from memory, gives them to a run fenced, and clears them', async () => {
    const first = await open();
    try {
      expect(await first.call('preferences_set', { language: 'French', length: 'brief' })).toEqual({
        preferences: { language: 'French', length: 'brief' },
      });
      await first.call('memory_set', { key: 'team', value: 'Billing' });
    } finally {
      await first.close();
    }

    const again = await open();
    try {
      expect(await again.call('preferences_get')).toEqual({ preferences: { language: 'French', length: 'brief' } });
      expect(await again.call('memory_get')).toEqual({ entries: [{ key: 'team', value: 'Billing' }] });
      const state = createAgentState(again.db.memory, ANONYMOUS_PRINCIPAL);
      const [given] = (await withPrincipalMemory({ state }, 'Hi')) as unknown as Array<{ content: string }>;
      expect(given?.content).toMatch(/<untrusted-data source="preferences"[^>]*>\nlanguage: French\nlength: brief\n/);
      expect(given?.content).toMatch(/<untrusted-data source="memory"[^>]*>\nteam: Billing\n/);

      expect(await again.call('memory_clear')).toEqual({ removed: 1 });
      expect(await again.call('preferences_clear', { names: ['length'] })).toEqual({ removed: 1 });
      expect(await again.call('preferences_get')).toEqual({ preferences: { language: 'French' } });
      expect(await again.call('preferences_clear')).toEqual({ removed: 1 });
      expect(await withPrincipalMemory({ state }, 'Hi')).toBe('Hi');
    } finally {
      await again.close();
    }
  });
});
