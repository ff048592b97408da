// What a desktop client's launch loads before the first tools/list is answered: none of the heavy libraries the
// tools use on their first call (the model SDK, PostgreSQL clients, the embedded database, the SQL parser, the MCP
// SDK's schemas, the OpenTelemetry SDK) and not node:http, whose ESM facade loads undici. Timing is measured by
// tools/bench; this guards the causes, which a refactoring could bring back unnoticed.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const MAIN = path.resolve(__dirname, '../dist/main.js');

// Records every module the process loads (ESM and CommonJS, through Node's synchronous hooks) and, at exit, Node's
// own list of the built-in modules it loaded.
const LOAD_HOOK = `
import { registerHooks } from 'node:module';
import { appendFileSync, writeFileSync } from 'node:fs';
const out = process.env.LOADED_MODULES_FILE;
registerHooks({ load(url, context, next) { appendFileSync(out, url + '\\n'); return next(url, context); } });
process.on('exit', () => writeFileSync(out + '.builtin', process.moduleLoadList.join('\\n')));
`;

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'cold', version: '1' } },
});

/** Launches the app, asks for tools/list at once, ends stdin once it is answered; returns what was loaded. */
async function launch(
  dir: string,
  env: Record<string, string>,
): Promise<{ tools: string[]; modules: string[]; builtins: string[] }> {
  const hook = path.join(dir, 'load-hook.mjs');
  const loaded = path.join(dir, 'loaded.txt');
  await writeFile(hook, LOAD_HOOK);
  await writeFile(loaded, '');
  const child = spawn(process.execPath, ['--import', pathToFileURL(hook).href, MAIN], {
    env: { ...process.env, ...env, LOADED_MODULES_FILE: loaded },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const tools = await new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no tools/list answer within 15 s')), 15_000);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      for (const line of out.split('\n')) {
        if (!line.includes('"id":2')) continue;
        clearTimeout(timer);
        resolve((JSON.parse(line) as { result: { tools: Array<{ name: string }> } }).result.tools.map((t) => t.name));
      }
    });
    child.stdin.write(
      `${INITIALIZE}\n{"jsonrpc":"2.0","method":"notifications/initialized"}\n{"jsonrpc":"2.0","id":2,"method":"tools/list"}\n`,
    );
  });
  child.stdin.end();
  expect(await exited).toBe(0);
  const modules = (await readFile(loaded, 'utf8')).split('\n').filter(Boolean);
  const builtins = (await readFile(`${loaded}.builtin`, 'utf8')).split('\n');
  return { tools, modules, builtins };
}

describe('stdio-server cold start', () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(path.join(tmpdir(), 'stdio-cold-'))));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('answers tools/list with every tool without loading what the tools need only when called', async () => {
    const env = { DIAGNOSTIC_TOOLS: 'true', XDG_DATA_HOME: dir } as Record<string, string>;
    const { tools, modules, builtins } = await launch(dir, env);
    // Every library's tools are listed: the database, support and thread tools at least (research too when on).
    for (const name of ['echo', 'sql_query', 'database_query', 'kb_search', 'thread_list'])
      expect(tools).toContain(name);
    const heavy =
      /node_modules\/(openai|pg|pg-[a-z-]+|@electric-sql\/pglite|libpg-query|@modelcontextprotocol\/sdk|@opentelemetry\/(sdk-trace|exporter-[a-z-]+|core|resources|context-async-hooks)|zod|pino|ioredis)\//;
    expect(modules.filter((url) => heavy.test(url))).toEqual([]);
    // The app itself was loaded through the hook, so an empty list above means something.
    expect(modules.some((url) => url.endsWith('/dist/main.js'))).toBe(true);
    expect(
      builtins.filter((m) => /^NativeModule (http|https|worker_threads|internal\/deps\/undici\/undici)$/.test(m)),
    ).toEqual([]);
  }, 30_000);
});
