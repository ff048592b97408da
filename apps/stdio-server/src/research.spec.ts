// `research` as a new user meets it: the built stdio app on its defaults (embedded database, the sample corpus),
// a desktop client over real stdio, the scripted OpenAI-compatible server as the model (both wire APIs are
// covered in tools-research; one here, since each start of the embedded database costs seconds), with progress
// that a heartbeat keeps moving; and with no key at all, the desktop client's own model through sampling.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  type CreateMessageRequest,
  CreateMessageRequestSchema,
  type CreateMessageResultWithTools,
} from '@modelcontextprotocol/sdk/types.js';
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

  const appEnv = (extra: Record<string, string>) => {
    const env = { ...process.env, XDG_DATA_HOME: dataHome, ...extra } as Record<string, string>;
    delete env['DATABASE_URL'];
    return env;
  };

  it('cites a real file of the sample corpus, with progress all along', async () => {
    const uri = 'research://documents/corpus/model-context-protocol.md';
    const quote = "sends a `progressToken` in the request's `_meta`";
    model.enqueue(
      toolCallTurn({ name: 'search_documents', arguments: { query: 'progress token' } }),
      toolCallTurn({ name: 'read_document', arguments: { uri } }),
      // A slow last turn: the heartbeat (every 0.2 s here, 10 s by default) keeps progress moving meanwhile.
      jsonTurn(
        { answer: 'The client puts a progress token in the request [1].', citations: [{ source: 1, quote }] },
        { delayMs: 1000 },
      ),
    );
    const env = appEnv({
      OPENAI_API_KEY: 'test-key',
      OPENAI_BASE_URL: model.url,
      OPENAI_API: 'chat',
      AGENT_HEARTBEAT_SECONDS: '0.2',
    });
    const client = new Client({ name: 'desktop', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [MAIN], env, stderr: 'pipe' }));
    try {
      const progress: string[] = [];
      const result = await client.callTool(
        { name: 'research', arguments: { question: 'How does a client ask for progress?' } },
        undefined,
        {
          timeout: 90_000,
          onprogress: (p) => void progress.push(p.message ?? ''),
          resetTimeoutOnProgress: true,
        },
      );
      const out = result.structuredContent as {
        answer: string;
        citations: Array<{ title: string; url_or_uri: string; quote: string }>;
      };
      expect(out.citations).toEqual([{ title: 'The Model Context Protocol in brief', url_or_uri: uri, quote }]);
      expect(await readFile(path.join(CORPUS, 'model-context-protocol.md'), 'utf8')).toContain(quote);
      expect(out.answer).toMatch(/^The client puts a progress token in the request \[1\]\./);
      const read = await client.readResource({ uri });
      expect((read.contents[0] as { text: string }).text).toContain(quote);
      expect(progress).toEqual(
        expect.arrayContaining([
          'turn 1: calling search_documents',
          'turn 2: calling read_document',
          'turn 3: asking the model',
        ]),
      );
      expect(progress.filter((m) => m.startsWith('turn 3: still asking the model')).length).toBeGreaterThanOrEqual(1);
      expect(result._meta).toMatchObject({
        agentRun: { status: 'completed', modelSource: 'server', turns: 3, threadId: expect.any(String) },
      });
    } finally {
      await client.close();
    }
  }, 120_000);

  it("with no key, answers on the desktop client's own model through sampling, citing the sample corpus", async () => {
    const uri = 'research://documents/corpus/model-context-protocol.md';
    const quote = "sends a `progressToken` in the request's `_meta`";
    model.reset();
    const asked: CreateMessageRequest['params'][] = [];
    // The client's model, scripted: it searches, reads, then answers with the JSON the tool asked for.
    const answers: CreateMessageResultWithTools[] = [
      {
        model: 'desktop-model',
        role: 'assistant',
        stopReason: 'toolUse',
        content: { type: 'tool_use', id: 'tu_1', name: 'search_documents', input: { query: 'progress token' } },
      },
      {
        model: 'desktop-model',
        role: 'assistant',
        stopReason: 'toolUse',
        content: { type: 'tool_use', id: 'tu_2', name: 'read_document', input: { uri } },
      },
      {
        model: 'desktop-model',
        role: 'assistant',
        stopReason: 'endTurn',
        content: {
          type: 'text',
          text: JSON.stringify({ answer: 'The client sends a progress token [1].', citations: [{ source: 1, quote }] }),
        },
      },
    ];
    const client = new Client({ name: 'desktop', version: '1.0.0' }, { capabilities: { sampling: { tools: {} } } });
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
      asked.push(request.params);
      const answer = answers[asked.length - 1];
      if (!answer) throw new Error('the scripted client model has no more answers');
      return answer;
    });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [MAIN],
        env: appEnv({ OPENAI_API_KEY: '', OPENAI_BASE_URL: model.url }),
        stderr: 'pipe',
      }),
    );
    try {
      const result = await client.callTool(
        { name: 'research', arguments: { question: 'How does a client ask for progress?' } },
        undefined,
        { timeout: 90_000 },
      );
      expect(result.isError).toBeFalsy();
      const out = result.structuredContent as {
        status: string;
        answer: string;
        citations: Array<{ title: string; url_or_uri: string; quote: string }>;
      };
      expect(out.status).toBe('answered');
      expect(out.answer).toMatch(/^The client sends a progress token \[1\]\./);
      expect(out.citations).toEqual([{ title: 'The Model Context Protocol in brief', url_or_uri: uri, quote }]);
      expect(result._meta).toMatchObject({
        agentRun: { modelSource: 'client-sampling', model: 'desktop-model', turns: 3, usage: { estimated: true } },
      });
      // The function tools carry the run: no hosted web search on the client's model.
      expect(asked[0]?.tools?.map((t) => t.name)).toEqual(['search_documents', 'read_document', 'fetch_url']);
      expect(JSON.stringify(asked[2]?.messages.at(-1))).toMatch(/tool_result[^]*Source \[1\]:[^]*untrusted-data/);
      // The model server is configured but has no key: it is never asked.
      expect(model.requests).toHaveLength(0);
    } finally {
      await client.close();
    }
  }, 120_000);
});
