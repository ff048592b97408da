import { createJsonLogger, parseConfig } from '@agent-mcp/context';
import { serveStdio } from '@agent-mcp/mcp-core';
import { AGENT_MCP_IDENTITY, createAgentMcpServer, formatHelp, runEntryPoint, wantsHelp } from '@agent-mcp/server-kit';
import { STDIO_SERVER_SETTINGS, StdioServerConfigSchema } from './config';

const HELP = {
  identity: AGENT_MCP_IDENTITY,
  over: 'stdio',
  usage: 'agent-mcp-stdio [--help]',
  about: ['Speaks MCP (newline-delimited JSON-RPC) on stdin/stdout; logs go to stderr. Exits when stdin closes.'],
  settings: STDIO_SERVER_SETTINGS,
};

runEntryPoint(async () => {
  if (wantsHelp()) return void process.stdout.write(formatHelp(HELP));
  const config = parseConfig(StdioServerConfigSchema, process.env);
  // The dependency-free JSON logger, not pino: desktop clients launch this process often and pino would add
  // tens of milliseconds to every launch. Same line shape and the same redaction as the HTTP server's pino log.
  const logger = createJsonLogger({
    level: config.LOG_LEVEL,
    bindings: { service: AGENT_MCP_IDENTITY.name },
    redact: { paths: config.LOG_REDACT },
  });
  const composed = await createAgentMcpServer({
    env: process.env,
    settings: config,
    transport: { kind: 'stdio' },
    logger,
  });
  const connection = serveStdio(composed.server, { maxMessageBytes: config.MAX_MESSAGE_BYTES });
  void connection.closed.then(async () => {
    logger.info('stdin closed; exiting');
    await composed.close();
    process.exit(0);
  });
  const stop = () => connection.close();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
});
