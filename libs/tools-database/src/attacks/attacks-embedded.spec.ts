// The attack suite against the embedded engine (PGlite in a worker), as its read-only role.
import { trustedStatement } from '../guard/statement-guard';
import { defineAttackSuite } from '../spec-helpers/attack-suite';
import { CANARY_CHECK_SQL, createTestEmbeddedEngine } from '../spec-helpers/fixtures';

jest.setTimeout(180_000);

defineAttackSuite('the embedded engine', async () => {
  const engine = createTestEmbeddedEngine();
  await engine.ready();
  return {
    engine,
    canary: async () =>
      (await engine.execute(trustedStatement(CANARY_CHECK_SQL), { maxRows: 1, maxBytes: 10_000, timeoutMs: 30_000 }))
        .rows[0],
    close: () => engine.close(),
  };
});
