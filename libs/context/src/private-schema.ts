import { ContextError } from './errors';
import { type SqlClient, type SqlQueryable } from './sql-client';

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

/** A schema name a store was given is not a plain identifier (it goes into the SQL text). */
export class InvalidSchemaNameError extends ContextError {
  readonly code = 'SCHEMA_NAME_INVALID';
  constructor(readonly schema: string) {
    super(`Invalid schema name "${schema}": use lower-case letters, digits and _`);
  }
}

/** Checks a schema name the stores put into their SQL text; throws {@link InvalidSchemaNameError} on anything but a plain identifier. */
export function checkSchemaName(schema: string): string {
  if (!IDENT.test(schema)) throw new InvalidSchemaNameError(schema);
  return schema;
}

/**
 * A once-only creator of a store's tables in a schema of the application's own, out of reach of the role that
 * runs callers' SQL (`REVOKE ALL ... FROM PUBLIC`). The first call runs `create` in a transaction that holds an
 * advisory lock named after the schema, then one named `lockName` (two replicas starting together would race on
 * `CREATE ... IF NOT EXISTS`, which is not safe under concurrency; the schema's lock also covers different stores
 * creating one schema at once, and taking it first keeps the order the same everywhere); later calls share its
 * promise, and a failure lets the next call try again.
 */
export function privateSchemaCreator(
  sql: SqlClient,
  schema: string,
  lockName: string,
  create: (tx: SqlQueryable) => Promise<void>,
): () => Promise<void> {
  let ready: Promise<void> | undefined;
  return () =>
    (ready ??= sql
      .transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`agent-mcp schema ${schema}`]);
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockName]);
        await tx.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await tx.query(`REVOKE ALL ON SCHEMA ${schema} FROM PUBLIC`);
        await create(tx);
      })
      .catch((error: unknown) => {
        ready = undefined;
        throw error;
      }));
}
