// Prometheus metrics of a real server process after real calls: tool-call counters and duration histograms by
// tool, request counters by method, model requests and tokens from an agent call on the scripted model server,
// database pool use, sessions and Node's process metrics; and who may read them.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateTaskResultSchema, GetTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  createScriptedServer,
  errorTurn,
  type ScriptedServer,
  textTurn,
  toolCallTurn,
} from '@agent-mcp/agent-core/testing';
import { createSampleDatabase, type SampleDatabase } from './spec-helpers/sample-database';
import { type ServerProcess, startServerProcess, until } from './spec-helpers/server-process';

/** The value of one sample of the exposition text, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const open = line.indexOf('{');
    const body = open === -1 || open > name.length ? '' : line.slice(open + 1, line.lastIndexOf('}'));
    const have = Object.fromEntries([...body.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('metrics after real calls', () => {
  let scripted: ScriptedServer;
  let database: SampleDatabase;
  let server: ServerProcess;
  beforeAll(async () => {
    scripted = await createScriptedServer({ apiKey: 'test-key' });
    database = await createSampleDatabase();
    server = await startServerProcess({
      DIAGNOSTIC_TOOLS: 'true',
      DATABASE_URL: database.url,
      OPENAI_BASE_URL: scripted.url,
      OPENAI_API_KEY: 'test-key',
      OPENAI_MODEL: 'scripted-model',
    });
  }, 60_000);
  afterAll(async () => {
    await server?.kill();
    await scripted?.close();
    await database?.drop();
  });

  it('counts tool calls by tool and outcome, times them in histograms, and reports model use and the pool', async () => {
    scripted.enqueue(
      toolCallTurn(
        { name: 'run_sql', arguments: { sql: 'SELECT count(*) AS n FROM customers' } },
        { usage: { inputTokens: 120, outputTokens: 30 } },
      ),
      textTurn('There are some customers.', { usage: { inputTokens: 200, outputTokens: 12 } }),
    );
    const client = new Client({ name: 'metrics', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.base}/mcp`)));
    await client.listTools();
    await client.callTool({ name: 'echo', arguments: { message: 'a' } });
    await client.callTool({ name: 'echo', arguments: { message: 'b' } });
    const sql = await client.callTool({ name: 'sql_query', arguments: { sql: 'SELECT 1 AS one' } });
    expect(sql.isError).toBeFalsy();
    const refused = await client.callTool({ name: 'sql_query', arguments: { sql: 'DROP TABLE customers' } });
    expect(refused.isError).toBe(true);
    const agent = await client.callTool({ name: 'database_query', arguments: { question: 'How many customers?' } });
    expect(agent.isError).toBeFalsy();

    const res = await fetch(`${server.base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(sample(text, 'mcp_tool_calls_total', { tool: 'echo', outcome: 'ok' })).toBe(2);
    expect(sample(text, 'mcp_tool_calls_total', { tool: 'sql_query', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'mcp_tool_calls_total', { tool: 'sql_query', outcome: 'tool_error' })).toBe(1);
    expect(sample(text, 'mcp_tool_calls_total', { tool: 'database_query', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'mcp_tool_call_duration_seconds_count', { tool: 'echo', outcome: 'ok' })).toBe(2);
    expect(sample(text, 'mcp_tool_call_duration_seconds_bucket', { tool: 'echo', outcome: 'ok', le: '+Inf' })).toBe(2);
    expect(
      sample(text, 'mcp_tool_call_duration_seconds_sum', { tool: 'database_query', outcome: 'ok' }),
    ).toBeGreaterThan(0);
    expect(sample(text, 'mcp_requests_total', { method: 'tools/list', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'mcp_requests_total', { method: 'initialize', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'mcp_request_duration_seconds_count', { method: 'tools/call', outcome: 'ok' })).toBe(4);
    expect(sample(text, 'agent_model_requests_total', { model: 'scripted-model', status: 'ok' })).toBe(2);
    expect(sample(text, 'agent_model_tokens_total', { model: 'scripted-model', kind: 'input' })).toBe(320);
    expect(sample(text, 'agent_model_tokens_total', { model: 'scripted-model', kind: 'output' })).toBe(42);
    expect(sample(text, 'agent_runs_total', { agent: 'database_agent', outcome: 'completed' })).toBe(1);
    // The agent call went through the run queue, which is empty again.
    expect(sample(text, 'agent_runs_queue_wait_seconds_count', { tool: 'database_query' })).toBe(1);
    expect(sample(text, 'agent_runs_queue_depth', { queue: 'replica' })).toBe(0);
    expect(sample(text, 'agent_runs_running', { queue: 'replica' })).toBe(0);
    // DATABASE_URL: runs are recorded, and their shared queue (read from DBOS's tables) is empty too.
    expect(sample(text, 'agent_runs_queue_depth', { queue: 'shared' })).toBe(0);
    expect(sample(text, 'agent_runs_running', { queue: 'shared' })).toBe(0);
    // Nothing waits, here or on the shared queue (its oldest run's age, from real PostgreSQL: run-queue-sampler.spec).
    expect(sample(text, 'agent_runs_queue_oldest_wait_seconds', { queue: 'replica' })).toBe(0);
    expect(sample(text, 'agent_runs_queue_oldest_wait_seconds', { queue: 'shared' })).toBe(0);
    expect(sample(text, 'agent_runs_resumed_total')).toBe(0);
    expect(sample(text, 'agent_runs_resume_failures_total')).toBe(0);
    expect(sample(text, 'db_pool_connections', { pool: 'database', state: 'max' })).toBe(10);
    expect(sample(text, 'db_pool_connections', { pool: 'database', state: 'total' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'mcp_sessions')).toBe(1);
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_eventloop_lag_seconds')).toBeDefined();
    await client.close();
  });

  it('counts tasks by status', async () => {
    scripted.enqueue(textTurn('Counted in the background.'));
    const client = new Client({ name: 'metrics-tasks', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.base}/mcp`)));
    const before = await (await fetch(`${server.base}/metrics`)).text();
    const waitedBefore = sample(before, 'agent_runs_queue_wait_seconds_count', { tool: 'database_query' }) ?? 0;
    const created = await client.request(
      {
        method: 'tools/call',
        params: { name: 'database_query', arguments: { question: 'How many?' }, task: { ttl: 60_000 } },
      },
      CreateTaskResultSchema,
    );
    const taskId = created.task.taskId;
    const deadline = Date.now() + 15_000;
    let status = created.task.status;
    while (status === 'working' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await client.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema)).status;
    }
    expect(status).toBe('completed');
    const text = await (await fetch(`${server.base}/metrics`)).text();
    expect(sample(text, 'mcp_tasks', { status: 'completed' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'mcp_tasks', { status: 'working' })).toBe(0);
    expect(sample(text, 'mcp_tasks_running')).toBe(0);
    // The task was a run of the shared queue (DATABASE_URL): its wait is observed under its tool, as a call's is.
    expect(sample(text, 'agent_runs_queue_wait_seconds_count', { tool: 'database_query' })).toBe(waitedBefore + 1);
    await client.close();
  });

  it('counts the open 2026-07-28 listen streams', async () => {
    const controller = new AbortController();
    const res = await fetch(`${server.base}/mcp`, {
      method: 'POST',
      signal: controller.signal,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'subscriptions/listen',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 'metrics-listen',
        method: 'subscriptions/listen',
        params: {
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientCapabilities': {},
          },
          notifications: { toolsListChanged: true },
        },
      }),
    });
    const scrape = async () => sample(await (await fetch(`${server.base}/metrics`)).text(), 'mcp_listen_streams');
    try {
      // The acknowledgement came: the stream is open.
      await (res.body as ReadableStream<Uint8Array>).getReader().read();
      expect(await scrape()).toBe(1);
    } finally {
      controller.abort();
    }
    let open = await scrape();
    for (const started = Date.now(); open !== 0 && Date.now() - started < 5000; open = await scrape())
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(open).toBe(0);
  });

  it('counts upstream model failures by model and status', async () => {
    scripted.enqueue(errorTurn(400));
    const client = new Client({ name: 'metrics', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.base}/mcp`)));
    const agent = await client.callTool({ name: 'database_query', arguments: { question: 'How many?' } });
    expect(agent.isError).toBe(true);
    await client.close();
    const text = await (await fetch(`${server.base}/metrics`)).text();
    expect(sample(text, 'agent_model_upstream_errors_total', { model: 'scripted-model', status: '400' })).toBe(1);
    expect(sample(text, 'agent_model_requests_total', { model: 'scripted-model', status: '400' })).toBe(1);
  });
});

describe('metrics access', () => {
  it('requires the bearer token when METRICS_TOKEN is set', async () => {
    const server = await startServerProcess({ METRICS_TOKEN: 'scrape-token-0123456789', DATABASE_TOOLS: 'false' });
    try {
      expect((await fetch(`${server.base}/metrics`)).status).toBe(401);
      expect(
        (await fetch(`${server.base}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status,
      ).toBe(401);
      const ok = await fetch(`${server.base}/metrics`, {
        headers: { authorization: 'Bearer scrape-token-0123456789' },
      });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('# TYPE mcp_requests_total counter');
    } finally {
      await server.kill();
    }
  });

  it('serves them on their own port with METRICS_PORT, and not on the main one', async () => {
    const server = await startServerProcess({ METRICS_PORT: '0', DATABASE_TOOLS: 'false' });
    try {
      await until(() => server.logLines().some((l) => l.msg === 'metrics listening'), 10_000, 'the metrics listener');
      const port = server.logLines().find((l) => l.msg === 'metrics listening')?.port as number;
      expect((await fetch(`${server.base}/metrics`)).status).toBe(404);
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('mcp_sessions');
    } finally {
      await server.kill();
    }
  });
});
