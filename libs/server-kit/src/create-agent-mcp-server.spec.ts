// createAgentMcpServer: one direction (registry, pipeline, tools, server), a team's own tools beside or instead of
// ours, the application database for tasks and threads whatever tools are on, what start-up says about exposure,
// and configuration mistakes thrown as typed errors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { createJsonLogger, parseConfig } from '@agent-mcp/context';
import { SqlTaskStore, SqlThreadStore } from '@agent-mcp/store';
import { defineTool } from '@agent-mcp/mcp-core';
import { createAgentMcpServer } from './create-agent-mcp-server';
import { isConfigurationError } from './entry-point';
import { sharedSettingsShape } from './settings';
import { TOOL_GROUPS } from './exposure';

const dir = mkdtempSync(path.join(tmpdir(), 'server-kit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const wordCount = defineTool({
  name: 'word_count',
  description: 'Counts the words of a text.',
  inputSchema: z.object({ text: z.string().max(1000) }),
  outputSchema: z.object({ words: z.number().int() }),
  annotations: { readOnlyHint: true },
  execute: ({ text }) => ({ words: text.split(/\s+/).filter(Boolean).length }),
});

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createJsonLogger({ level: 'info', write: (line) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

// The server's LOG_LEVEL decides whether start-up says what it offers (stdio's default is warning).
const LOCAL = { DATABASE_EMBEDDED_DIR: 'memory', LOG_LEVEL: 'info' };

describe('createAgentMcpServer', () => {
  it("serves a team's own tools only, keeping threads for them, and says why each built-in group is off", async () => {
    const { logger, lines } = capturingLogger();
    const composed = await createAgentMcpServer({
      env: LOCAL,
      transport: { kind: 'stdio' },
      logger,
      identity: { name: 'word-tools', version: '1.0.0' },
      builtinTools: false,
      tools: (target) => target.tools.register(wordCount),
    });
    try {
      const names = composed.server.tools.list().map((t) => t.name);
      expect(names).toEqual(['word_count']);
      expect(lines.find((l) => l['msg'] === 'tools offered')).toMatchObject({ tools: names, count: 1 });
      const off = lines.filter((l) => l['msg'] === 'tools left off');
      expect(off.map((l) => l['group'])).toEqual(Object.keys(TOOL_GROUPS));
      expect(off.every((l) => String(l['reason']).includes('builtinTools: false'))).toBe(true);
      // Tasks and threads live in the application database (here the embedded one), not in memory.
      expect(composed.server.tasks?.store).toBeInstanceOf(SqlTaskStore);
      expect(composed.server.threads).toBeInstanceOf(SqlThreadStore);
    } finally {
      await composed.close();
    }
  }, 60_000);

  it('offers every built-in group by default to a local caller, with the tools TOOL_GROUPS names', async () => {
    const { logger, lines } = capturingLogger();
    const composed = await createAgentMcpServer({
      env: { ...LOCAL, DIAGNOSTIC_TOOLS: 'true', RESEARCH_CORPUS_INDEX: 'false' },
      transport: { kind: 'stdio' },
      logger,
    });
    try {
      const names = composed.server.tools.list().map((t) => t.name);
      for (const { tools } of Object.values(TOOL_GROUPS)) expect(names).toEqual(expect.arrayContaining([...tools]));
      expect([...names].sort()).toEqual(
        Object.values(TOOL_GROUPS)
          .flatMap((g) => g.tools)
          .sort(),
      );
      expect(lines.filter((l) => l['msg'] === 'tools left off')).toEqual([]);
      expect(composed.exposure.decisions.every((d) => d.offered)).toBe(true);
    } finally {
      await composed.close();
    }
  }, 60_000);

  it('keeps state durable and names the setting when authentication leaves a group off', async () => {
    const { logger, lines } = capturingLogger();
    const composed = await createAgentMcpServer({
      env: { ...LOCAL, AUTH_MODE: 'api-key', SUPPORT_TOOLS: 'false' },
      transport: { kind: 'stdio' },
      logger,
    });
    try {
      expect(composed.server.tasks?.store).toBeInstanceOf(SqlTaskStore);
      const off = Object.fromEntries(
        lines.filter((l) => l['msg'] === 'tools left off').map((l) => [l['group'], String(l['reason'])]),
      );
      expect(off['database']).toBe(
        'DATABASE_TOOLS=auto (the default) offers these to local callers only, and AUTH_MODE=api-key authenticates ' +
          'remote ones: set DATABASE_TOOLS=true to offer them to authenticated callers',
      );
      expect(off['support']).toBe('SUPPORT_TOOLS=false: set SUPPORT_TOOLS=true to offer them');
      expect(off['echo']).toBe('DIAGNOSTIC_TOOLS=false (the default): set DIAGNOSTIC_TOOLS=true to offer them');
    } finally {
      await composed.close();
    }
  }, 60_000);

  it('throws a configuration error for a bad POLICY_FILE before any tool opened anything', async () => {
    const policy = path.join(dir, 'policy.json');
    writeFileSync(policy, '{ "tools": { "echo": { "enabld": false } } }');
    const failure = await createAgentMcpServer({
      env: { ...LOCAL, POLICY_FILE: policy },
      transport: { kind: 'stdio' },
      logger: capturingLogger().logger,
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isConfigurationError(failure)).toBe(true);
    expect((failure as Error).message).toContain('POLICY_FILE');
  });

  it('refuses to guess the settings of an HTTP server (an unread AUTH_MODE would serve without authentication)', async () => {
    await expect(
      createAgentMcpServer({
        env: { ...LOCAL, AUTH_MODE: 'api-key' },
        transport: { kind: 'http', location: { resource: () => 'http://127.0.0.1:1/mcp' } },
        logger: capturingLogger().logger,
      }),
    ).rejects.toThrow(/needs `settings`/);
  });

  it('refuses a short REQUEST_STATE_KEY as a configuration error that names the variable, never the value', async () => {
    const short = 'c2hvcnQta2V5';
    const failure = await createAgentMcpServer({
      env: { ...LOCAL, REQUEST_STATE_KEY: short },
      transport: { kind: 'stdio' },
      logger: capturingLogger().logger,
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isConfigurationError(failure)).toBe(true);
    expect((failure as Error).message).toMatch(/REQUEST_STATE_KEY.*at least 32/s);
    expect((failure as Error).message).not.toContain(short);
  });

  it.each([
    ['one replica: a note', {}, {}, 'info'],
    ['REDIS_URL (replicas): a warning', {}, { REDIS_URL: 'redis://127.0.0.1:6379' }, 'warning'],
    ['REQUEST_STATE_KEY given: nothing', { REQUEST_STATE_KEY: 'k'.repeat(44) }, {}, undefined],
  ])(
    'says at start-up when an HTTP server seals input-required state with a key of its own; %s',
    async (_n, env, auth, level) => {
      const { logger, lines } = capturingLogger();
      // The authentication settings come from the app's own schema; only REDIS_URL matters here.
      const settings = { ...parseConfig(z.object(sharedSettingsShape('http')), { ...LOCAL, ...env }), ...auth };
      const composed = await createAgentMcpServer({
        env: LOCAL,
        settings,
        transport: { kind: 'http', location: { resource: () => 'http://127.0.0.1:1/mcp' } },
        logger,
        builtinTools: false,
      });
      try {
        const note = lines.find((l) => String(l['msg']).startsWith('REQUEST_STATE_KEY is not set'));
        expect(note?.['level']).toBe(level);
      } finally {
        await composed.close();
      }
    },
    60_000,
  );
});
