// Proves another team can build its own MCP server from the published packages (issue 3, item 8):
// tools/example-consumer, installed outside the repo with the `npm pack` tarballs of the libs it uses,
// type-checks against their declarations and serves its own tool to the MCP SDK's real Client over stdio.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ts from 'typescript';
import { installPacked, packLibs } from './support/packed-libs';
import { nodeBin, workspacePackages, workspaceRoot, type WorkspacePackage } from './support/workspace';

const exampleDir = join(workspaceRoot, 'tools', 'example-consumer');
const libs = workspacePackages('libs');

/** The libs the example depends on, with the workspace libs those depend on in turn. */
function libsNeeded(): WorkspacePackage[] {
  const byName = new Map(libs.map((lib) => [lib.manifest.name, lib]));
  const needed = new Map<string, WorkspacePackage>();
  const visit = (dir: string) => {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    for (const dep of Object.keys(manifest.dependencies ?? {})) {
      const lib = byName.get(dep);
      if (lib && !needed.has(dep)) {
        needed.set(dep, lib);
        visit(join(workspaceRoot, lib.dir));
      }
    }
  };
  visit(exampleDir);
  return [...needed.values()];
}

let workDir: string;
let projectDir: string;
let client: Client;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'agent-mcp-example-'));
  projectDir = join(workDir, 'example-consumer');
  cpSync(exampleDir, projectDir, { recursive: true, filter: (src) => !/node_modules|eslint\.config/.test(src) });
  const needed = libsNeeded();
  const packDir = join(workDir, 'packs');
  const packs = await packLibs(needed, packDir);
  await installPacked(projectDir, packDir, packs, needed);
}, 200_000);

afterAll(async () => {
  await client?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

it('uses only the packed libraries, not the workspace', () => {
  const installed = JSON.parse(readFileSync(join(projectDir, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  expect(installed.dependencies['@agent-mcp/mcp-core']).toMatch(/^file:.*\.tgz$/);
});

it('type-checks against the installed declarations', () => {
  const program = ts.createProgram([join(projectDir, 'src', 'server.ts')], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    // What Node's type stripping can run as it is.
    erasableSyntaxOnly: true,
    verbatimModuleSyntax: true,
    skipLibCheck: true,
    types: ['node'],
    typeRoots: [join(workspaceRoot, 'node_modules', '@types')],
  });
  const diagnostics = ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  expect(diagnostics).toEqual([]);
});

describe('driven by the MCP SDK Client over stdio', () => {
  beforeAll(async () => {
    client = new Client({ name: 'workspace-checks', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({ command: nodeBin, args: ['src/server.ts'], cwd: projectDir, stderr: 'pipe' }),
    );
  }, 30_000);

  it('reports the server it is talking to', () => {
    expect(client.getServerVersion()).toMatchObject({ name: 'word-tools', version: '1.0.0' });
  });

  it('lists the tool with its JSON Schemas', async () => {
    const { tools } = await client.listTools(undefined, { timeout: 10_000 });
    expect(tools.map((t) => t.name)).toEqual(['word_count']);
    expect(tools[0]?.inputSchema).toMatchObject({
      type: 'object',
      properties: { text: { type: 'string' } },
      required: ['text'],
    });
    expect(tools[0]?.outputSchema).toMatchObject({ type: 'object', properties: { words: { type: 'integer' } } });
    expect(tools[0]?.annotations).toMatchObject({ readOnlyHint: true });
  });

  it('calls the tool and gets structured content with a text rendering', async () => {
    const result = await client.callTool({ name: 'word_count', arguments: { text: 'hello MCP  world' } }, undefined, {
      timeout: 10_000,
    });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ words: 3, characters: 16 });
    const text = (result.content as { type: string; text?: string }[]).find((c) => c.type === 'text')?.text ?? '';
    expect(JSON.parse(text)).toEqual({ words: 3, characters: 16 });
  });
});
