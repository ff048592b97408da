// The built app's first tools/list, before any tool was called or the database started, is exactly what the tool
// libraries register when created eagerly in this process from their sources: same tools, same order, same JSON
// Schemas. The launch is tuned (bundled, minified, built-ins without side effects, SDK schemas and tracing loaded
// on first use); this proves none of that changes what a client sees.
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { noopLogger } from '@agent-mcp/context';
import { McpServer } from '@agent-mcp/mcp-core';
import { createToolSet, stateStores } from '@agent-mcp/server-kit';

const MAIN = path.resolve(__dirname, '../dist/main.js');

it('lists the same tools with the same schemas as the libraries register eagerly', async () => {
  // One environment for both: the libraries decide from it which tools exist and what their schemas allow.
  const env = { ...process.env, DIAGNOSTIC_TOOLS: 'true' } as Record<string, string>;
  delete env['OTEL_EXPORTER_OTLP_ENDPOINT'];

  const tools = await createToolSet({ env, logger: noopLogger, diagnosticTools: true });
  let eager: unknown[];
  try {
    const { taskStore, threads } = stateStores(tools.sql);
    const server = new McpServer({
      name: 'eager',
      version: '0',
      logger: noopLogger,
      tasks: taskStore ? { store: taskStore } : {},
      threads,
    });
    tools.register(server);
    eager = server.tools.list();
  } finally {
    await tools.close();
  }

  const client = new Client({ name: 'desktop', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [MAIN], env, stderr: 'pipe' }));
  try {
    const { tools: listed } = await client.listTools();
    expect(listed.length).toBeGreaterThan(10);
    expect(listed).toEqual(eager);
  } finally {
    await client.close();
  }
}, 60_000);
