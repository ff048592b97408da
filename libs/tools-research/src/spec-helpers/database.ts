import { type SqlClient } from '@agent-mcp/context';
import { createPgSqlClient } from '@agent-mcp/store';
import { createThrowawayDatabase } from '@agent-mcp/context/testing';

/** A database of its own for one test file, as a {@link SqlClient}. */
export interface TestDatabase {
  readonly sql: SqlClient;
  readonly url: string;
  drop(): Promise<void>;
}

/** Creates `tresearch_<random>` and a SqlClient on it; drop it after. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const db = await createThrowawayDatabase({ prefix: 'tresearch' });
  const sql = createPgSqlClient({ connectionString: db.url, poolMax: 4 });
  return {
    sql,
    url: db.url,
    drop: async () => {
      await sql.close();
      await db.drop();
    },
  };
}
