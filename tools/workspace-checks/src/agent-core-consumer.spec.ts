// Proves another team can run agents with the published agent-core (issue 4, "done when"): a consumer project,
// installed outside the repo from the `npm pack` tarball and configured only by OPENAI_* environment variables,
// runs an agent with a tool call and a final answer on both wire APIs, plain and streamed, as ESM and as CJS,
// against the scripted OpenAI-compatible server over real HTTP.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScriptedServer, type ScriptedServer, textTurn, toolCallTurn } from '@agent-mcp/agent-core/testing';
import { installPacked, packLibs, writeManifest } from './support/packed-libs';
import { childEnv, nodeBin, run, workspacePackages } from './support/workspace';

// agent-core and the workspace libs it depends on (the neutral context), packed and installed together as npm would.
const libs = workspacePackages('libs');
const coreManifest = libs.find((lib) => lib.manifest.name === '@agent-mcp/agent-core')?.manifest as
  { dependencies?: Record<string, string> } | undefined;
const agentCore = libs.filter(
  (lib) => lib.manifest.name === '@agent-mcp/agent-core' || lib.manifest.name in (coreManifest?.dependencies ?? {}),
);

// The same program in both module systems: a tool, an agent, a plain or a streamed run.
const program = (load: string) => `${load}
const add = tool({ name: 'add', description: 'Adds two numbers', parameters: z.object({ a: z.number(), b: z.number() }), execute: async ({ a, b }) => String(a + b) });
const agent = new Agent({ name: 'calc', instructions: 'Use the add tool.', tools: [add] });
async function main() {
  if (process.argv[2] === 'streamed') {
    const stream = runStreamed(agent, 'What is 2+3?');
    const types = new Set();
    let text = '';
    for await (const event of stream) {
      types.add(event.type);
      if (event.type === 'text_delta') text += event.delta;
    }
    const result = await stream.finalResult;
    console.log(JSON.stringify({ text, finalOutput: result.finalOutput, turns: result.turns, types: [...types] }));
  } else {
    const result = await run(agent, 'What is 2+3?');
    console.log(JSON.stringify({ finalOutput: result.finalOutput, turns: result.turns, usage: result.usage }));
  }
}
main().catch((error) => { console.error(error.code, error.message); process.exit(1); });
`;

let workDir: string;
let projectDir: string;
let server: ScriptedServer;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'agent-mcp-agent-consumer-'));
  projectDir = join(workDir, 'consumer');
  writeManifest(projectDir, {
    name: 'agent-consumer',
    private: true,
    dependencies: { '@agent-mcp/agent-core': '*', zod: '^4.0.0' },
  });
  const packs = await packLibs(agentCore, join(workDir, 'packs'));
  await installPacked(projectDir, join(workDir, 'packs'), packs, agentCore);
  writeFileSync(
    join(projectDir, 'consumer.mjs'),
    program(`import { z } from 'zod';\nimport { Agent, run, runStreamed, tool } from '@agent-mcp/agent-core';`),
  );
  writeFileSync(
    join(projectDir, 'consumer.cjs'),
    program(
      `const { z } = require('zod');\nconst { Agent, run, runStreamed, tool } = require('@agent-mcp/agent-core');`,
    ),
  );
  server = await createScriptedServer({ apiKey: 'sk-consumer-test' });
}, 200_000);

afterAll(async () => {
  await server?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

const cases = (['responses', 'chat'] as const).flatMap((api) =>
  (['plain', 'streamed'] as const).flatMap((mode) =>
    (['consumer.mjs', 'consumer.cjs'] as const).map((file) => [api, mode, file] as const),
  ),
);

it.each(cases)('%s API, %s run, %s: a tool call, then the final answer', async (api, mode, file) => {
  server.enqueue(toolCallTurn({ name: 'add', arguments: { a: 2, b: 3 } }), textTurn('2 + 3 = 5'));
  const before = server.requests.length;
  const result = await run(nodeBin, [file, mode], {
    cwd: projectDir,
    timeoutMs: 60_000,
    env: {
      ...childEnv,
      OPENAI_API_KEY: 'sk-consumer-test',
      OPENAI_BASE_URL: server.url,
      OPENAI_MODEL: 'scripted-model',
      OPENAI_API: api,
    },
  });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const out = JSON.parse(result.stdout.trim()) as {
    finalOutput: string;
    turns: number;
    text?: string;
    types?: string[];
  };
  expect(out.finalOutput).toBe('2 + 3 = 5');
  expect(out.turns).toBe(2);
  if (mode === 'streamed') {
    expect(out.text).toBe('2 + 3 = 5');
    expect(out.types).toEqual(
      expect.arrayContaining(['tool_call_started', 'tool_call_finished', 'text_delta', 'run_completed']),
    );
  }
  const sent = server.requests.slice(before);
  expect(sent).toHaveLength(2);
  expect(sent.every((r) => r.path === (api === 'chat' ? '/v1/chat/completions' : '/v1/responses'))).toBe(true);
  // The tool's result went back to the model on the second request.
  expect(sent[1].rawBody).toContain('5');
});
