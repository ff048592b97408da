// Issue 15 item 8, written once and run over each transport: the real MCP clients people use — the official SDK v2
// client pinned to 2026-07-28 and in auto mode, the SDK v1 client, the OpenAI Agents SDK and the Inspector CLI —
// list and call the app's tools, and the app's request log shows which protocol revision served each request.
import { createScriptedServer, type ScriptedServer } from '@agent-mcp/agent-core/testing';
import { callEveryTool, EVERY_TOOL_NAMES } from './every-tool';
import {
  type AppTarget,
  inspectorCli,
  openaiAgentsClient,
  type RealClient,
  sdkV1Client,
  sdkV2Client,
} from './mcp-clients';

/** The fields of one request log line (`msg: "request"`) the suite reads. */
export interface RequestLogLine {
  readonly method: string;
  readonly protocolVersion: string;
  readonly client?: string;
  readonly outcome: string;
  readonly tool?: string;
}

/** The app as the clients find it, and what it logged. */
export interface AppUnderTest {
  readonly target: AppTarget;
  /** The request log lines the app (every process of it) wrote so far, in order. */
  requestLog(): Promise<RequestLogLine[]>;
  stop(): Promise<void>;
}

/** How the suite reaches one app: starts it (or, for stdio, prepares its command line) with `env` laid over. */
export interface RealClientsDriver {
  /** How test names call the transport, e.g. `Streamable HTTP`, `real stdio`. */
  readonly name: string;
  start(env: Record<string, string>): Promise<AppUnderTest>;
}

/** The clients that list and call every tool. */
const FULL_CLIENTS: readonly RealClient[] = [
  sdkV2Client('2026-07-28'),
  sdkV2Client('auto'),
  sdkV1Client(),
  openaiAgentsClient(),
];

/** The Inspector runs a process (and over stdio an app) per call: it lists and calls one tool in each era it offers. */
const INSPECTOR_ERAS: readonly RealClient[] = [inspectorCli('default'), inspectorCli('auto'), inspectorCli('modern')];

/** Declares the real-clients suite for the app `driver` reaches; call it once at the top of a spec file. */
export function describeRealClients(driver: RealClientsDriver): void {
  jest.setTimeout(120_000);
  let scripted: ScriptedServer;
  let app: AppUnderTest;

  beforeAll(async () => {
    scripted = await createScriptedServer({ apiKey: 'test-key' });
    app = await driver.start({
      DIAGNOSTIC_TOOLS: 'true',
      DATABASE_EMBEDDED_DIR: 'memory',
      OPENAI_API_KEY: 'test-key',
      OPENAI_BASE_URL: scripted.url,
      OPENAI_MODEL: 'scripted',
      LOG_LEVEL: 'info',
    });
  });
  afterAll(async () => {
    await app?.stop();
    await scripted?.close();
  });

  describe.each(FULL_CLIENTS.map((c) => [c.label, c] as const))(`%s over ${driver.name}`, (_label, client) => {
    it(`lists every tool and calls each one, every request served in ${client.revision}`, async () => {
      const mark = (await app.requestLog()).length;
      const connection = await client.connect(app.target);
      try {
        const names = await connection.listToolNames();
        expect([...names].sort()).toEqual([...EVERY_TOOL_NAMES].sort());
        // 2026-07-28 asks for a deterministic order: ours is by name.
        if (client.revision === '2026-07-28') expect(names).toEqual([...names].sort());
        await callEveryTool(connection, scripted);
      } finally {
        await connection.close();
      }
      await expectServedIn(app, mark, client, EVERY_TOOL_NAMES.length);
    });
  });

  describe.each(INSPECTOR_ERAS.map((c) => [c.label, c] as const))(`%s over ${driver.name}`, (_label, client) => {
    it(`lists the tools and calls one in ${client.revision}`, async () => {
      const mark = (await app.requestLog()).length;
      const connection = await client.connect(app.target);
      expect([...(await connection.listToolNames())].sort()).toEqual([...EVERY_TOOL_NAMES].sort());
      expect((await connection.callTool('echo', { message: 'inspected' })).structuredContent).toEqual({
        message: 'inspected',
      });
      await expectServedIn(app, mark, client, 1);
    });
  });
}

/**
 * Every request `client` sent since the log held `mark` lines was served in its expected revision (waiting for its
 * `calls` tool calls to be logged: the HTTP app writes its log in batches); a 2026-07-28 client opened no session.
 */
async function expectServedIn(app: AppUnderTest, mark: number, client: RealClient, calls: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  let served: RequestLogLine[] = [];
  for (;;) {
    served = (await app.requestLog()).slice(mark).filter((l) => l.client === client.clientName);
    if (served.filter((l) => l.method === 'tools/call').length >= calls || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(served.filter((l) => l.method === 'tools/call')).toHaveLength(calls);
  expect([...new Set(served.map((l) => l.protocolVersion))]).toEqual([client.revision]);
  const methods = new Set(served.map((l) => l.method));
  if (client.revision === '2026-07-28') expect(methods.has('initialize')).toBe(false);
  else expect(methods.has('initialize')).toBe(true);
}
