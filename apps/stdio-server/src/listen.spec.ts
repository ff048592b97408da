// subscriptions/listen over real stdio (MCP 2026-07-28): the built app as a child process, the SDK v2 client pinned
// to 2026-07-28. The client opens a listen stream with no initialize, calls go on beside it on the one stdout, and
// when the process is told to stop (SIGTERM) the stream ends gracefully, with the listen request's result, before
// the process exits. With the tasks extension, a support task's status reaches the stream as it changes: waiting for
// the approval, then completed with the ticket written (the model is the scripted OpenAI-compatible server). A
// document of the research corpus edited on disk is reported as notifications/resources/updated for its URI, and one
// added as notifications/resources/list_changed (issue 15).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { createScriptedServer, textTurn, toolCallTurn } from '@agent-mcp/agent-core/testing';

jest.setTimeout(60_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const MAIN = path.resolve(__dirname, '../dist/main.js');

let dataHome: string;
beforeAll(async () => {
  dataHome = await mkdtemp(path.join(tmpdir(), 'stdio-listen-'));
});
afterAll(async () => {
  await rm(dataHome, { recursive: true, force: true });
});

it('opens a listen stream beside calls, and ends it gracefully when the process stops', async () => {
  const env = { ...process.env, XDG_DATA_HOME: dataHome, OPENAI_API_KEY: '', LOG_LEVEL: 'error' } as Record<
    string,
    string
  >;
  delete env['DATABASE_URL'];
  const client = new Client(
    { name: 'desktop-v2', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  const transport = new StdioClientTransport({ command: process.execPath, args: [MAIN], env, stderr: 'pipe' });
  await client.connect(transport);
  try {
    expect(client.getProtocolEra()).toBe('modern');
    expect(client.getServerCapabilities()).toMatchObject({
      tools: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
    });
    const subscription = await client.listen({ toolsListChanged: true, resourceSubscriptions: ['db://tables'] });
    expect(subscription.honoredFilter).toEqual({ toolsListChanged: true, resourceSubscriptions: ['db://tables'] });
    // The stream shares stdout with ordinary calls, which go on while it is open.
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    process.kill(transport.pid as number, 'SIGTERM');
    expect(await subscription.closed).toBe('graceful');
  } finally {
    await client.close();
  }
});

it('tells a listener of a corpus document edited on disk, and that the list changed when one is added', async () => {
  const corpusDir = await mkdtemp(path.join(tmpdir(), 'stdio-listen-corpus-'));
  await writeFile(path.join(corpusDir, 'guide.md'), '# Guide\n\nThe first edition.');
  const env = {
    ...process.env,
    XDG_DATA_HOME: dataHome,
    OPENAI_API_KEY: '',
    RESEARCH_CORPUS_DIR: corpusDir,
    LOG_LEVEL: 'error',
  } as Record<string, string>;
  delete env['DATABASE_URL'];
  const client = new Client(
    { name: 'desktop-v2', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  const seen: Array<{ method: string; uri?: string }> = [];
  for (const method of ['notifications/resources/updated', 'notifications/resources/list_changed'] as const)
    client.setNotificationHandler(method, (n) => {
      seen.push({ method: n.method, uri: (n.params as { uri?: string } | undefined)?.uri });
    });
  const heard = async (method: string, uri?: string) => {
    for (const started = Date.now(); !seen.some((n) => n.method === method && n.uri === uri); await sleep(20))
      if (Date.now() - started > 20_000) throw new Error(`no ${method} ${uri ?? ''}; seen: ${JSON.stringify(seen)}`);
  };
  const uri = 'research://documents/corpus/guide.md';
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [MAIN], env, stderr: 'pipe' }));
  try {
    // The first listing indexes the folder as it stands: the edit below is a change of an indexed document.
    expect((await client.listResources()).resources.map((r) => r.uri)).toContain(uri);
    const subscription = await client.listen({ resourcesListChanged: true, resourceSubscriptions: [uri] });
    await writeFile(path.join(corpusDir, 'guide.md'), '# Guide\n\nThe second edition, revised.');
    await heard('notifications/resources/updated', uri);
    expect((await client.readResource({ uri })).contents[0]).toMatchObject({ text: expect.stringContaining('second') });
    // An edit changes no list.
    expect(seen.some((n) => n.method === 'notifications/resources/list_changed')).toBe(false);
    await writeFile(path.join(corpusDir, 'faq.md'), '# FAQ\n\nQuestions people ask.');
    await heard('notifications/resources/list_changed');
    await subscription.close();
  } finally {
    await client.close();
    await rm(corpusDir, { recursive: true, force: true });
  }
});

/**
 * The SDK v2 client's stdio transport with a tap: `raw()` sends a request the client's codec cannot decode the answer
 * of (a tools/call answered with a task: the SDK v2 client has no tasks extension yet) and takes its response before
 * the client sees it; everything else passes through to the client.
 */
class TapTransport {
  onmessage?: (message: never) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  private readonly waiting = new Map<string, (message: Record<string, unknown>) => void>();
  private next = 0;

  constructor(readonly inner: StdioClientTransport) {}

  async start(): Promise<void> {
    this.inner.onmessage = (message) => {
      const m = message as Record<string, unknown>;
      const waiter = typeof m['id'] === 'string' && !('method' in m) ? this.waiting.get(m['id']) : undefined;
      if (waiter) return waiter(m);
      this.onmessage?.(message as never);
    };
    this.inner.onclose = () => this.onclose?.();
    this.inner.onerror = (error) => this.onerror?.(error);
    await this.inner.start();
  }

  send(...args: Parameters<StdioClientTransport['send']>): Promise<void> {
    return this.inner.send(...args);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  raw(method: string, params: Record<string, unknown>, capabilities: Record<string, unknown>) {
    const id = `raw-${++this.next}`;
    const answered = new Promise<Record<string, unknown>>((resolve) => this.waiting.set(id, resolve));
    const _meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': capabilities,
    };
    void this.inner.send({ jsonrpc: '2.0', id, method, params: { ...params, _meta } } as never);
    return answered;
  }
}

it("reports a support task's status on the listen stream as it changes", async () => {
  const model = await createScriptedServer({ apiKey: 'test-key' });
  model.enqueue(
    toolCallTurn({ name: 'ticket_create', arguments: { subject: 'Call back', body: 'Please call me back.' } }),
    textTurn('A colleague will call you back.'),
  );
  const env = {
    ...process.env,
    XDG_DATA_HOME: dataHome,
    OPENAI_API_KEY: 'test-key',
    OPENAI_BASE_URL: model.url,
    OPENAI_MODEL: 'scripted-model',
    LOG_LEVEL: 'error',
  } as Record<string, string>;
  delete env['DATABASE_URL'];
  const capabilities = { extensions: { 'io.modelcontextprotocol/tasks': {} }, elicitation: { form: {} } };
  const client = new Client(
    { name: 'desktop-v2', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } }, capabilities },
  );
  const tasks: Array<Record<string, unknown>> = [];
  client.fallbackNotificationHandler = async (notification) => {
    if (notification.method === 'notifications/tasks') tasks.push(notification.params as Record<string, unknown>);
  };
  const transport = new TapTransport(
    new StdioClientTransport({ command: process.execPath, args: [MAIN], env, stderr: 'pipe' }),
  );
  await client.connect(transport as never);
  const statusSeen = async (status: string) => {
    for (const started = Date.now(); Date.now() - started < 20_000; await new Promise((r) => setTimeout(r, 20))) {
      const found = tasks.find((t) => t['status'] === status);
      if (found) return found;
    }
    throw new Error(`no ${status} notification; seen: ${JSON.stringify(tasks.map((t) => t['status']))}`);
  };
  try {
    const created = await transport.raw(
      'tools/call',
      { name: 'support', arguments: { message: 'Call me back.', customerId: 4 } },
      capabilities,
    );
    expect(created['result']).toMatchObject({ resultType: 'task' });
    const taskId = String((created['result'] as Record<string, unknown>)['taskId']);
    // `taskIds` is the tasks extension's field of the filter: the SDK v2 client sends it as given, though its
    // honoredFilter (read through its core schema) leaves it out; the notifications below are what it honoured.
    const subscription = await client.listen({ taskIds: [taskId] } as never);
    const waiting = await statusSeen('input_required');
    expect(waiting['taskId']).toBe(taskId);
    const key = Object.keys((waiting['inputRequests'] as object) ?? {})[0] as string;
    expect(key).toMatch(/^approve-cf_/);
    const ack = await transport.raw(
      'tasks/update',
      { taskId, inputResponses: { [key]: { action: 'accept', content: { confirm: true } } } },
      capabilities,
    );
    expect(ack['result']).toMatchObject({ resultType: 'complete' });
    expect(await statusSeen('completed')).toMatchObject({
      taskId,
      result: { structuredContent: { status: 'answered', ticketCreated: { created: true } } },
    });
    await subscription.close();
  } finally {
    await client.close();
    await model.close();
  }
});
