import { quoteIdent, quoteLiteral } from '../engine/session-sql';

/** Options of {@link readOnlyRoleSql}. */
export interface ReadOnlyRoleOptions {
  /** Role name. Default `mcp_readonly`. */
  readonly role?: string;
  /** Schema whose tables the role may read. Default `public`. */
  readonly schema?: string;
  /** Password for a login role; omit for peer/trust/certificate authentication. */
  readonly password?: string;
  /** Make the role able to log in (a real server). Default true. */
  readonly login?: boolean;
}

/** Default name of the read-only role. */
export const DEFAULT_READONLY_ROLE = 'mcp_readonly';

/**
 * Most disk one statement of the role may spill to temporary files (sorts, hashes). The embedded engine,
 * whose session never logs in as the role, starts PostgreSQL with the same limit.
 */
export const READONLY_TEMP_FILE_LIMIT = '256MB';

/**
 * SQL that creates (or tightens) the least-privileged role the server connects as: SELECT on the schema's
 * tables and nothing else. No DML, no CREATE (schema or database), no TEMP (revoked from PUBLIC, because a
 * grant to PUBLIC cannot be withheld from one role), no membership in `pg_read_server_files` and friends, and
 * server-side defaults that keep it read-only and bounded even for a client that skips our transaction.
 * Run it as the database owner or a superuser; it is idempotent.
 */
export function readOnlyRoleSql(options: ReadOnlyRoleOptions = {}): string {
  const role = options.role ?? DEFAULT_READONLY_ROLE;
  const schema = options.schema ?? 'public';
  const r = quoteIdent(role);
  const s = quoteIdent(schema);
  const login = options.login === false ? 'NOLOGIN' : 'LOGIN';
  return `
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${quoteLiteral(role)}) THEN
    EXECUTE format('CREATE ROLE %I', ${quoteLiteral(role)});
  END IF;
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM %I', current_database(), ${quoteLiteral(role)});
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), ${quoteLiteral(role)});
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pg_read_server_files') THEN
    EXECUTE format('REVOKE pg_read_server_files, pg_write_server_files, pg_execute_server_program FROM %I', ${quoteLiteral(role)});
  END IF;
END $$;
ALTER ROLE ${r} ${login} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT CONNECTION LIMIT 64${
    options.password === undefined ? '' : ` PASSWORD ${quoteLiteral(options.password)}`
  };
ALTER ROLE ${r} SET default_transaction_read_only = on;
ALTER ROLE ${r} SET statement_timeout = '30s';
ALTER ROLE ${r} SET idle_in_transaction_session_timeout = '60s';
ALTER ROLE ${r} SET temp_file_limit = ${quoteLiteral(READONLY_TEMP_FILE_LIMIT)};
REVOKE CREATE ON SCHEMA ${s} FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA ${s} FROM ${r};
GRANT USAGE ON SCHEMA ${s} TO ${r};
GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO ${r};
ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT SELECT ON TABLES TO ${r};
`;
}
