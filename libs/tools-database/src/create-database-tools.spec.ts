// Which connections createDatabaseTools makes: the application's own (`sql`, DATABASE_URL) apart from the one
// caller and model SQL runs on (DATABASE_QUERY_URL), on a real PostgreSQL server.
import { createDatabaseTools } from './create-database-tools';
import { parseDatabaseConfig } from './config';
import { createPostgresFixture, type PostgresFixture } from './spec-helpers/fixtures';

jest.setTimeout(60_000);

let fixture: PostgresFixture;
beforeAll(async () => {
  fixture = await createPostgresFixture('CREATE TABLE app_notes (id int PRIMARY KEY, body text NOT NULL);');
});
afterAll(() => fixture.drop());

it('writes the application state on DATABASE_URL and runs caller SQL as the DATABASE_QUERY_URL role', async () => {
  const config = parseDatabaseConfig({ DATABASE_URL: fixture.adminUrl, DATABASE_QUERY_URL: fixture.readOnlyUrl });
  const tools = createDatabaseTools({ config, env: {} });
  try {
    expect(tools.sql.kind).toBe('postgres');
    await tools.sql.query('INSERT INTO app_notes (id, body) VALUES ($1, $2)', [1, 'from the application']);
    expect(await tools.engine.auditRole()).toEqual({ role: fixture.role, problems: [] });
    const read = await tools.runner.run('SELECT body FROM app_notes', { tenantId: 'acme' });
    expect(read.rows).toEqual([{ body: 'from the application' }]);
    await expect(tools.runner.run('SELECT count(*) FROM pg_sleep(0)', { tenantId: 'acme' })).rejects.toMatchObject({
      code: 'SQL_REFUSED',
    });
  } finally {
    await tools.close();
  }
  await expect(tools.sql.query('SELECT 1')).rejects.toMatchObject({ code: 'SQL_CLOSED' });
});

it('uses DATABASE_URL for both when DATABASE_QUERY_URL is unset', async () => {
  const tools = createDatabaseTools({ config: parseDatabaseConfig({ DATABASE_URL: fixture.readOnlyUrl }), env: {} });
  try {
    expect((await tools.engine.auditRole()).role).toBe(fixture.role);
    await expect(tools.sql.query('INSERT INTO app_notes (id, body) VALUES (2, $1)', ['x'])).rejects.toMatchObject({
      code: 'SQL_FAILED',
      sqlstate: '25006',
    });
  } finally {
    await tools.close();
  }
});

it("hands out the embedded engine's trusted client when DATABASE_URL is unset", async () => {
  const tools = createDatabaseTools({ env: {} });
  expect(tools.engine.kind).toBe('embedded');
  expect(tools.sql.kind).toBe('embedded');
  await tools.close();
});
