import { type AuthConfigError } from '@agent-mcp/auth';
import { ConfigError, formatSettings, type SettingDoc } from '@agent-mcp/context';
import { type ServerIdentity } from './identity';
import { toolSettingsHelp } from './tool-set';

/** Whether the command line asks for `--help` (or `-h`). */
export function wantsHelp(argv: readonly string[] = process.argv): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/** What `--help` says about one entry point; the settings of the tool libraries are added to it. */
export interface HelpOptions {
  readonly identity: ServerIdentity;
  /** The transport, as in "over stdio". */
  readonly over: string;
  /** The command and its arguments, as in "agent-mcp-stdio [--help]". */
  readonly usage: string;
  /** What the process serves and where, in a line or two. */
  readonly about: readonly string[];
  /** The entry point's own settings and the shared ones. */
  readonly settings: readonly SettingDoc[];
}

/** The `--help` text of an entry point: its settings and every setting of the libraries behind the tools. */
export function formatHelp(options: HelpOptions): string {
  const { name, version } = options.identity;
  return [
    `${name} ${version}: OpenAI-powered agents behind the Model Context Protocol, over ${options.over}.`,
    '',
    `Usage: ${options.usage}`,
    '',
    ...options.about,
    'Configuration comes from environment variables:',
    '',
    formatSettings(options.settings),
    ...toolSettingsHelp(),
    '',
  ].join('\n');
}

/** Whether `error` is a mistake in the configuration (an environment variable, a policy or API keys file). */
export function isConfigurationError(error: unknown): error is ConfigError | AuthConfigError {
  // By its stable code, not its class: importing the class would load the auth library into every launch.
  return (
    error instanceof ConfigError ||
    (error instanceof Error && (error as Partial<AuthConfigError>).code === 'AUTH_CONFIG_INVALID')
  );
}

/**
 * Runs an entry point's start-up. A configuration mistake is printed and the process exits with status 2 at
 * once, whatever start-up had opened before it (a Redis client, a file watcher, a pool would otherwise keep it
 * alive, neither listening nor exiting); any other start-up failure is printed and exits with status 1.
 */
export function runEntryPoint(start: () => Promise<void>): void {
  start().catch((error: unknown) => {
    if (isConfigurationError(error)) {
      const message = error instanceof ConfigError ? error.message : `Invalid configuration:\n  - ${error.message}`;
      process.stderr.write(`${message}\n\nRun with --help to see every setting.\n`);
      process.exit(2);
    }
    process.stderr.write(
      `Start-up failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
