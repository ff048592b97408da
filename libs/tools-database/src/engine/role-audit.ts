import { type RoleAudit } from './types';

/** Privileges that break least privilege, read in one row. Runs as the role the engine queries with. */
export const ROLE_AUDIT_SQL = `
SELECT current_user AS role, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls, r.rolreplication,
  has_database_privilege(current_database(), 'CREATE') AS db_create,
  has_database_privilege(current_database(), 'TEMPORARY') AS db_temp,
  (SELECT string_agg(n.nspname, ', ' ORDER BY n.nspname) FROM pg_namespace n
    WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' AND has_schema_privilege(n.oid, 'CREATE')) AS create_schemas,
  (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
      AND has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')) AS writable_tables,
  (SELECT string_agg(g, ', ' ORDER BY g) FROM unnest(ARRAY['pg_read_server_files', 'pg_write_server_files',
      'pg_execute_server_program', 'pg_signal_backend', 'pg_write_all_data']) AS g
    WHERE EXISTS (SELECT 1 FROM pg_roles WHERE rolname = g) AND pg_has_role(current_user, g, 'MEMBER')) AS server_roles
FROM pg_roles r WHERE r.rolname = current_user`;

/** Turns the audit row into problems a human can act on. */
export function auditProblems(row: Record<string, unknown>): RoleAudit {
  const problems: string[] = [];
  if (row['rolsuper'] === true) problems.push('is a superuser');
  if (row['rolcreaterole'] === true) problems.push('can create roles');
  if (row['rolcreatedb'] === true) problems.push('can create databases');
  if (row['rolbypassrls'] === true) problems.push('bypasses row-level security');
  if (row['rolreplication'] === true) problems.push('has replication rights');
  if (row['db_create'] === true) problems.push('can create schemas in the database');
  if (row['db_temp'] === true) problems.push('can create temporary tables');
  if (row['create_schemas']) problems.push(`can create objects in schemas: ${String(row['create_schemas'])}`);
  if (Number(row['writable_tables'] ?? 0) > 0) problems.push(`can write to ${String(row['writable_tables'])} table(s)`);
  if (row['server_roles']) problems.push(`is a member of ${String(row['server_roles'])}`);
  return { role: String(row['role']), problems };
}
