// The official MCP Inspector's command line, as a user would run it: its strict schema check (`--strict`: the
// portability lint of every tool's input and output schema) finds nothing in the stdio server's tools. Listing and
// calling tools in each protocol era is in the real-clients suite (real-clients.spec.ts).
import { execFile } from 'node:child_process';
import path from 'node:path';

const MAIN = path.resolve(__dirname, '../dist/main.js');
const INSPECTOR_ROOT = path.dirname(require.resolve('@modelcontextprotocol/inspector/package.json'));
const INSPECTOR = path.join(
  INSPECTOR_ROOT,
  (require(`${INSPECTOR_ROOT}/package.json`) as { bin: Record<string, string> }).bin['mcp-inspector'],
);

/**
 * Runs the Inspector's CLI against the built stdio server, with the server's `env` (`-e`) and the CLI's `options`
 * (method, format); rejects on a non-zero exit.
 */
function inspect(env: readonly string[], options: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [INSPECTOR, '--cli', ...env.flatMap((e) => ['-e', e]), process.execPath, MAIN, ...options],
      { timeout: 30_000 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve({ stdout, stderr }),
    );
  });
}

describe('MCP Inspector CLI', () => {
  it('finds no schema portability error or warning in any tool with --strict', async () => {
    // Every tool the default configuration offers (database, support, research, threads) and the diagnostic ones.
    const { stdout, stderr } = await inspect(
      ['DIAGNOSTIC_TOOLS=true', 'DATABASE_EMBEDDED_DIR=memory'],
      ['--strict', '--format', 'json', '--method', 'tools/list'],
    );
    const envelope = JSON.parse(stdout) as { result: { tools: Array<{ name: string }> }; schemaFindings?: unknown };
    expect(envelope.result.tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(['sql_query', 'database_query', 'research', 'support', 'thread_list', 'echo']),
    );
    expect(envelope.schemaFindings).toBeUndefined();
    expect(stderr).not.toMatch(/Warning:|Error:|portability/);
  });
});
