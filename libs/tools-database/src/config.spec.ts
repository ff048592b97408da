// Configuration of the database tools: defaults, parsing, and errors that name the variable.
import { ConfigError } from '@agent-mcp/context';
import {
  DATABASE_SETTINGS,
  DatabaseConfigSchema,
  databaseToolsEnabled,
  embeddedDataDir,
  parseDatabaseConfig,
} from './config';

describe('parseDatabaseConfig', () => {
  it('defaults to the embedded engine with bounded limits', () => {
    expect(parseDatabaseConfig({})).toEqual({
      DATABASE_URL: undefined,
      DATABASE_QUERY_URL: undefined,
      DATABASE_TOOLS: 'auto',
      DATABASE_POOL_MAX: 10,
      DATABASE_STATEMENT_TIMEOUT_MS: 10_000,
      DATABASE_MAX_ROWS: 500,
      DATABASE_MAX_BYTES: 1_048_576,
      DATABASE_SCHEMAS: ['public'],
      DATABASE_DEFAULT_TENANT: 'acme',
      DATABASE_EMBEDDED_DIR: undefined,
      DATABASE_AGENT_TIMEOUT_MS: 120_000,
    });
  });

  it('parses values and ignores unrelated variables', () => {
    const config = parseDatabaseConfig({
      DATABASE_URL: 'postgresql://ro@db:5432/shop',
      DATABASE_SCHEMAS: 'sales, public',
      DATABASE_TOOLS: 'no',
      PATH: '/bin',
    });
    expect(config).toMatchObject({
      DATABASE_URL: 'postgresql://ro@db:5432/shop',
      DATABASE_SCHEMAS: ['sales', 'public'],
      DATABASE_TOOLS: 'no',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every bad variable at once', () => {
    expect(() =>
      parseDatabaseConfig({ DATABASE_URL: 'mysql://x', DATABASE_MAX_ROWS: '0', DATABASE_DEFAULT_TENANT: "a'b" }),
    ).toThrow(ConfigError);
    try {
      parseDatabaseConfig({ DATABASE_URL: 'mysql://x', DATABASE_MAX_ROWS: '0' });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        expect.stringMatching(/^DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/),
        expect.stringMatching(/^DATABASE_MAX_ROWS: /),
      ]);
    }
  });

  it('documents exactly the settings it reads', () => {
    expect(DATABASE_SETTINGS.map((s) => s.name)).toEqual(Object.keys(DatabaseConfigSchema.shape));
  });
});

describe('embeddedDataDir', () => {
  it('persists under XDG_DATA_HOME, else ~/.local/share, and keeps memory when asked or with no home', () => {
    expect(embeddedDataDir(parseDatabaseConfig({}), { XDG_DATA_HOME: '/data', HOME: '/home/u' })).toBe(
      '/data/agent-mcp/embedded-db',
    );
    expect(embeddedDataDir(parseDatabaseConfig({}), { HOME: '/home/u' })).toBe(
      '/home/u/.local/share/agent-mcp/embedded-db',
    );
    expect(embeddedDataDir(parseDatabaseConfig({ DATABASE_EMBEDDED_DIR: '/srv/db' }), { HOME: '/home/u' })).toBe(
      '/srv/db',
    );
    expect(
      embeddedDataDir(parseDatabaseConfig({ DATABASE_EMBEDDED_DIR: 'memory' }), { HOME: '/home/u' }),
    ).toBeUndefined();
    expect(embeddedDataDir(parseDatabaseConfig({}), {})).toBeUndefined();
  });
});

describe('DATABASE_QUERY_URL', () => {
  it('needs DATABASE_URL beside it', () => {
    expect(() => parseDatabaseConfig({ DATABASE_QUERY_URL: 'postgres://ro@db/shop' })).toThrow(
      /DATABASE_QUERY_URL: needs DATABASE_URL/,
    );
    expect(
      parseDatabaseConfig({ DATABASE_URL: 'postgres://app@db/shop', DATABASE_QUERY_URL: 'postgres://ro@db/shop' })
        .DATABASE_QUERY_URL,
    ).toBe('postgres://ro@db/shop');
  });
});

describe('databaseToolsEnabled', () => {
  it('registers the tools for local use and leaves them off behind authentication unless asked', () => {
    const auto = parseDatabaseConfig({});
    expect(databaseToolsEnabled(auto, {})).toBe(true);
    expect(databaseToolsEnabled(auto, { AUTH_MODE: 'none' })).toBe(true);
    expect(databaseToolsEnabled(auto, { AUTH_MODE: 'oauth' })).toBe(false);
    expect(databaseToolsEnabled(parseDatabaseConfig({ DATABASE_TOOLS: 'true' }), { AUTH_MODE: 'api-key' })).toBe(true);
    expect(databaseToolsEnabled(parseDatabaseConfig({ DATABASE_TOOLS: 'false' }), {})).toBe(false);
  });
});
