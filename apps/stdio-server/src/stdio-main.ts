import { createJsonLogger, formatSettings, isLevelEnabled, parseConfig } from '@agent-mcp/context';
import { createRequestLogObserver, McpServer, serveStdio } from '@agent-mcp/mcp-core';
import { createToolSet, stateStores, toolSettingsHelp } from './register-tools';
import { STDIO_SERVER_SETTINGS, type StdioServerConfig, StdioServerConfigSchema } from './config';
import type { Tracing } from './observability/tracing';

const NAME = 'openai-agent-mcp';
const VERSION = '0.1.0';

function help(): string {
  return [
    `${NAME} ${VERSION}: OpenAI-powered agents behind the Model Context Protocol, over stdio.`,
    '',
    'Usage: agent-mcp-stdio [--help]',
    '',
    'Speaks MCP (newline-delimited JSON-RPC) on stdin/stdout; logs go to stderr. Exits when stdin closes.',
    'Configuration comes from environment variables:',
    '',
    formatSettings(STDIO_SERVER_SETTINGS),
    ...toolSettingsHelp(),
    '',
  ].join('\n');
}

async function run(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(help());
    return;
  }
  let config: StdioServerConfig;
  try {
    config = parseConfig(StdioServerConfigSchema, process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\nRun with --help to see every setting.\n`);
    process.exitCode = 2;
    return;
  }
  // The dependency-free JSON logger, not pino: desktop clients launch this process often and pino would add
  // tens of milliseconds to every launch. Same line shape and the same redaction as the HTTP server's pino log.
  const logger = createJsonLogger({
    level: config.LOG_LEVEL,
    bindings: { service: NAME },
    redact: { paths: config.LOG_REDACT },
  });
  // The tracing module (and through it the OpenTelemetry SDK) is imported only when an endpoint is set: a launch
  // without tracing loads none of it. Should the SDK fail to load, the client keeps its tools, without traces.
  let tracing: Tracing | undefined;
  if (config.OTEL_EXPORTER_OTLP_ENDPOINT) {
    try {
      const { startTracing } = await import('./observability/tracing');
      tracing = await startTracing({
        endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
        serviceName: config.OTEL_SERVICE_NAME,
        serviceVersion: VERSION,
        scheduleDelayMs: config.OTEL_BSP_SCHEDULE_DELAY,
      });
    } catch (error) {
      logger.error('tracing could not start (OpenTelemetry SDK not loadable); serving without traces', { err: error });
    }
  }
  const tools = await createToolSet({ env: process.env, logger, diagnosticTools: config.DIAGNOSTIC_TOOLS });
  // Tasks and threads in the application database (embedded by default), so they outlive the process.
  const { taskStore, threads } = stateStores(tools.sql);
  const server = new McpServer({
    name: NAME,
    version: VERSION,
    title: 'OpenAI Agent MCP',
    instructions: 'Tools of this server are backed by AI agents; long calls report progress.',
    logger,
    observer: isLevelEnabled('info', config.LOG_LEVEL) ? createRequestLogObserver(logger) : undefined,
    tasks: taskStore ? { store: taskStore } : {},
    threads,
  });
  tools.register(server);

  const connection = serveStdio(server, { maxMessageBytes: config.MAX_MESSAGE_BYTES });
  void connection.closed.then(async () => {
    logger.info('stdin closed; exiting');
    await server.tasks?.close(0);
    await tools.close();
    // The last spans leave before the process does.
    await tracing?.shutdown().catch((error: unknown) => logger.warn('trace export failed at exit', { err: error }));
    process.exit(0);
  });
  const stop = () => connection.close();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void run();
