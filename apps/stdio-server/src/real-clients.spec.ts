// The real-clients suite (issue 15 item 8) over real stdio: each client launches the stdio app itself, as a desktop
// client does, both revisions on the same binary; the app's log goes to a file the suite reads. The scenarios and
// assertions live in @agent-mcp/app-suites.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeRealClients, type RequestLogLine, stderrToFile } from '@agent-mcp/app-suites';

const MAIN = path.resolve(__dirname, '../dist/main.js');

describeRealClients({
  name: 'real stdio',
  start: async (env) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'stdio-clients-'));
    const log = path.join(dir, 'stderr.log');
    const target = stderrToFile(process.execPath, [MAIN], log);
    return {
      target: { ...target, env: { ...env, ...target.env } },
      requestLog: async () =>
        (await readFile(log, 'utf8').catch(() => ''))
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .filter((l) => l['msg'] === 'request') as unknown as RequestLogLine[],
      stop: () => rm(dir, { recursive: true, force: true }),
    };
  },
});
