// Configuration of the database tools: defaults, parsing, and errors that name the variable.
import { ConfigError } from '@agent-mcp/context';
import { DATABASE_SETTINGS, DatabaseConfigSchema, databaseToolsEnabled, parseDatabaseConfig } from './config';

describe('parseDatabaseConfig', () => {
  it('defaults to the embedded engine with bounded limits', () => {
    expect(parseDatabaseConfig({})).toEqual({
      DATABASE_URL: undefined,
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
    const config = parseDatabaseConfig({ DATABASE_URL: 'postgresql://ro@db:5432/shop', DATABASE_SCHEMAS: 'sales, public', DATABASE_TOOLS: 'no', PATH: '/bin' });
    expect(config).toMatchObject({ DATABASE_URL: 'postgresql://ro@db:5432/shop', DATABASE_SCHEMAS: ['sales', 'public'], DATABASE_TOOLS: 'no' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every bad variable at once', () => {
    expect(() => parseDatabaseConfig({ DATABASE_URL: 'mysql://x', DATABASE_MAX_ROWS: '0', DATABASE_DEFAULT_TENANT: "a'b" })).toThrow(ConfigError);
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
