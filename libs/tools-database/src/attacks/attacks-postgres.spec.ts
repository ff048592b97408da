// The attack suite against real PostgreSQL (127.0.0.1:5432), connected as the least-privileged role.
import { createPostgresEngine } from '../postgres/postgres-engine';
import { defineAttackSuite } from '../spec-helpers/attack-suite';
import { CANARY_CHECK_SQL, createPostgresFixture } from '../spec-helpers/fixtures';

jest.setTimeout(60_000);

defineAttackSuite('PostgreSQL', async () => {
  const fixture = await createPostgresFixture();
  // One pooled connection, so every call reuses the session the previous attack ran on.
  const engine = createPostgresEngine({ connectionString: fixture.readOnlyUrl, poolMax: 1 });
  return {
    engine,
    canary: () => fixture.admin(async (c) => (await c.query(CANARY_CHECK_SQL)).rows[0]),
    close: async () => {
      await engine.close();
      await fixture.drop();
    },
  };
});
