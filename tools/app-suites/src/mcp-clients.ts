import { execFile } from 'node:child_process';
import path from 'node:path';
import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioV2 } from '@modelcontextprotocol/client/stdio';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as StdioV1 } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport as HttpV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { MCPServerStdio, MCPServerStreamableHttp } from '@openai/agents';

/**
 * Where a client finds the app: the HTTP app's URL, or the command line that launches the stdio app (each client
 * launches its own process, as a desktop client does).
 */
export type AppTarget =
  | { readonly kind: 'http'; readonly url: string }
  | {
      readonly kind: 'stdio';
      readonly command: string;
      readonly args: readonly string[];
      /** Set for the app on top of the client's own environment. */
      readonly env: Readonly<Record<string, string>>;
    };

/**
 * A stdio command line that runs `command args` with its stderr appended to `file` (`APP_STDERR_FILE`): the stdio
 * app's log, whoever launches it.
 */
export function stderrToFile(
  command: string,
  args: readonly string[],
  file: string,
): Extract<AppTarget, { kind: 'stdio' }> {
  return {
    kind: 'stdio',
    command: '/bin/sh',
    args: [path.join(__dirname, 'stderr-to-file.sh'), command, ...args],
    env: { APP_STDERR_FILE: file },
  };
}

/** A tool call's result as every client hands it back. */
export interface ToolResult {
  readonly isError?: boolean;
  readonly structuredContent?: unknown;
  readonly content?: unknown;
  readonly _meta?: Record<string, unknown>;
}

/** One connection of a real client to the app: what the suite asks of any of them. */
export interface ToolClient {
  listToolNames(): Promise<string[]>;
  callTool(name: string, args: Record<string, unknown>): Promise<ToolResult>;
  close(): Promise<void>;
}

/** A real MCP client as its users run it, and the protocol revision it is expected to speak to our app. */
export interface RealClient {
  /** How test names call it. */
  readonly label: string;
  /** The `clientInfo.name` it announces, by which the app's request log names it. */
  readonly clientName: string;
  /** The revision every one of its requests is served in. */
  readonly revision: '2026-07-28' | '2025-11-25';
  connect(target: AppTarget): Promise<ToolClient>;
}

/** The client's environment with the target's laid over, without a tracing endpoint the test machine may set. */
function stdioEnv(target: Extract<AppTarget, { kind: 'stdio' }>): Record<string, string> {
  const env = { ...process.env, ...target.env } as Record<string, string>;
  delete env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  return env;
}

type Negotiation = NonNullable<ConstructorParameters<typeof ClientV2>[1]>['versionNegotiation'];

/** The official SDK v2 client (`@modelcontextprotocol/client`), pinned to a revision or in `auto` mode. */
export function sdkV2Client(mode: 'auto' | '2026-07-28'): RealClient {
  const clientName = mode === 'auto' ? 'sdk-v2-auto' : 'sdk-v2-pinned';
  const versionNegotiation: Negotiation = mode === 'auto' ? { mode: 'auto' } : { mode: { pin: mode } };
  return {
    label: `the SDK v2 client ${mode === 'auto' ? 'in auto mode' : 'pinned to 2026-07-28'}`,
    clientName,
    revision: '2026-07-28',
    async connect(target) {
      const client = new ClientV2({ name: clientName, version: '1.0.0' }, { versionNegotiation });
      await client.connect(
        target.kind === 'http'
          ? new HttpV2(new URL(target.url))
          : new StdioV2({ command: target.command, args: [...target.args], env: stdioEnv(target) }),
      );
      return {
        listToolNames: async () => (await client.listTools()).tools.map((t) => t.name),
        callTool: async (name, args) => (await client.callTool({ name, arguments: args })) as ToolResult,
        close: () => client.close(),
      };
    },
  };
}

/** The official SDK v1 client (`@modelcontextprotocol/sdk` 1.x), which speaks 2025-11-25 only. */
export function sdkV1Client(): RealClient {
  const clientName = 'sdk-v1';
  return {
    label: 'the SDK v1 client',
    clientName,
    revision: '2025-11-25',
    async connect(target) {
      const client = new ClientV1({ name: clientName, version: '1.0.0' });
      const transport =
        target.kind === 'http'
          ? new HttpV1(new URL(target.url))
          : new StdioV1({ command: target.command, args: [...target.args], env: stdioEnv(target) });
      await client.connect(transport);
      return {
        listToolNames: async () => (await client.listTools()).tools.map((t) => t.name),
        callTool: async (name, args) => (await client.callTool({ name, arguments: args })) as ToolResult,
        close: async () => {
          if (transport instanceof HttpV1) await transport.terminateSession().catch(() => undefined);
          await client.close();
        },
      };
    },
  };
}

/** The OpenAI Agents SDK's MCP server classes (`@openai/agents`), as an agent built with it reaches our tools. */
export function openaiAgentsClient(): RealClient {
  const clientName = 'openai-agents';
  return {
    label: 'the OpenAI Agents SDK',
    clientName,
    revision: '2026-07-28',
    async connect(target) {
      // `name` is the clientInfo name the SDK announces.
      const server =
        target.kind === 'http'
          ? new MCPServerStreamableHttp({ url: target.url, name: clientName, cacheToolsList: false })
          : new MCPServerStdio({
              command: target.command,
              args: [...target.args],
              env: stdioEnv(target),
              name: clientName,
              cacheToolsList: false,
            });
      await server.connect();
      return {
        listToolNames: async () => (await server.listTools()).map((t) => t.name),
        callTool: async (name, args) => (await server.callToolResult(name, args)) as ToolResult,
        close: () => server.close(),
      };
    },
  };
}

const INSPECTOR_ROOT = path.dirname(require.resolve('@modelcontextprotocol/inspector/package.json'));
const INSPECTOR = path.join(
  INSPECTOR_ROOT,
  (require(`${INSPECTOR_ROOT}/package.json`) as { bin: Record<string, string> }).bin['mcp-inspector'],
);

/**
 * The MCP Inspector's command line (`mcp-inspector --cli`), one process per call as a user runs it, with its
 * `--protocol-era` (its default is legacy).
 */
export function inspectorCli(era: 'default' | 'auto' | 'modern'): RealClient {
  return {
    label: `the Inspector CLI (${era === 'default' ? 'its default era' : `--protocol-era ${era}`})`,
    clientName: 'inspector-cli',
    revision: era === 'default' ? '2025-11-25' : '2026-07-28',
    async connect(target) {
      const base = [
        ...(era === 'default' ? [] : ['--protocol-era', era]),
        ...(target.kind === 'http'
          ? [target.url, '--transport', 'http']
          : [...Object.entries(target.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), target.command, ...target.args]),
      ];
      const run = async (options: string[]) => JSON.parse(await inspect([...base, ...options])) as unknown;
      return {
        listToolNames: async () =>
          ((await run(['--method', 'tools/list'])) as { tools: Array<{ name: string }> }).tools.map((t) => t.name),
        callTool: async (name, args) =>
          (await run([
            '--method',
            'tools/call',
            '--tool-name',
            name,
            '--tool-args-json',
            JSON.stringify(args),
          ])) as ToolResult,
        close: async () => undefined,
      };
    },
  };
}

function inspect(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [INSPECTOR, '--cli', ...args], { timeout: 30_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}
