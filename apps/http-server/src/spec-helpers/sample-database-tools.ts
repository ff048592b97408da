import { type SqlClient } from '@agent-mcp/context';
import { createThrowawayDatabase } from '@agent-mcp/context/testing';
import { createPgSqlClient } from '@agent-mcp/store';
import { createDatabaseTools, type DatabaseTools, parseDatabaseConfig, sampleDataSql } from '@agent-mcp/tools-database';

/** A database of its own on the test server, loaded with the sample data, and the database tools over it. */
export interface SampleDatabaseTools {
  readonly database: DatabaseTools;
  /** A superuser connection to it, for what the test checks. */
  readonly check: SqlClient;
  /** Closes both and drops the database. */
  close(): Promise<void>;
}

export async function createSampleDatabaseTools(prefix: string): Promise<SampleDatabaseTools> {
  const db = await createThrowawayDatabase({ prefix });
  const check = createPgSqlClient({ connectionString: db.url, poolMax: 2 });
  await check.query(sampleDataSql());
  const database = createDatabaseTools({ config: parseDatabaseConfig({ DATABASE_URL: db.url }), env: {} });
  return {
    database,
    check,
    close: async () => {
      await database.close();
      await check.close();
      await db.drop();
    },
  };
}
