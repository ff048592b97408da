// `research` as a new user meets it: the built stdio app on its defaults (embedded database, the sample corpus),
// a desktop client over real stdio, the scripted OpenAI-compatible server as the model (both wire APIs are
// covered in tools-research; one here, since each start of the embedded database costs seconds).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { createScriptedServer, jsonTurn, type ScriptedServer, toolCallTurn } from '@agent-mcp/agent-core/testing';

const MAIN = path.resolve(__dirname, '../dist/main.js');
const CORPUS = path.resolve(__dirname, '../../../libs/tools-research/corpus');

describe('research on the stdio app defaults', () => {
  let model: ScriptedServer;
  let dataHome: string;

  beforeAll(async () => {
    model = await createScriptedServer({ apiKey: 'test-key' });
    dataHome = await mkdtemp(path.join(tmpdir(), 'stdio-research-'));
  });
  afterAll(async () => {
    await model.close();
    await rm(dataHome, { recursive: true, force: true });
  });

  it('cites a real file of the sample corpus', async () => {
    const uri = 'research://documents/corpus/model-context-protocol.md';
    const quote = "sends a `progressToken` in the request's `_meta`";
    model.enqueue(
      toolCallTurn({ name: 'search_documents', arguments: { query: 'progress token' } }),
      toolCallTurn({ name: 'read_document', arguments: { uri } }),
      jsonTurn({ answer: 'The client puts a progress token in the request [1].', citations: [{ source: 1, quote }] }),
    );
    const env = { ...process.env, OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: model.url, OPENAI_API: 'chat', XDG_DATA_HOME: dataHome } as Record<string, string>;
    delete env['DATABASE_URL'];
    const client = new Client({ name: 'desktop', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [MAIN], env, stderr: 'pipe' }));
    try {
      const result = await client.callTool({ name: 'research', arguments: { question: 'How does a client ask for progress?' } }, undefined, { timeout: 90_000 });
      const out = result.structuredContent as { answer: string; citations: Array<{ title: string; url_or_uri: string; quote: string }> };
      expect(out.citations).toEqual([{ title: 'The Model Context Protocol in brief', url_or_uri: uri, quote }]);
      expect(await readFile(path.join(CORPUS, 'model-context-protocol.md'), 'utf8')).toContain(quote);
      expect(out.answer).toMatch(/^The client puts a progress token in the request \[1\]\./);
      const read = await client.readResource({ uri });
      expect((read.contents[0] as { text: string }).text).toContain(quote);
    } finally {
      await client.close();
    }
  }, 120_000);
});
