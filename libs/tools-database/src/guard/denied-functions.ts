/**
 * Functions a read-only caller must never reach, whatever the role's privileges: they read or write files,
 * open large objects or other connections, signal backends, take session locks, change settings, move
 * sequences, sleep, or run SQL given as a string (which would bypass this guard). Names are matched without
 * schema and case-insensitively, so `PG_CATALOG.Set_Config` is caught too.
 */
const EXACT = [
  // settings and sequences
  'set_config',
  'nextval',
  'setval',
  'currval',
  'lastval',
  // large objects
  'loread',
  'lowrite',
  // backend signalling and server control
  'pg_cancel_backend',
  'pg_terminate_backend',
  'pg_reload_conf',
  'pg_rotate_logfile',
  'pg_log_backend_memory_contexts',
  'pg_promote',
  'pg_switch_wal',
  'pg_create_restore_point',
  'pg_start_backup',
  'pg_stop_backup',
  'pg_export_snapshot',
  'pg_import_system_collations',
  'pg_nextoid',
  'pg_notify',
  'pg_current_logfile',
  'pg_truncate_visibility_map',
  'pg_prewarm',
  'pg_current_xact_id',
  'txid_current',
  // functions that execute SQL passed as text
  'ts_stat',
  'ts_rewrite',
] as const;

const PREFIXES = [
  'pg_read_', // pg_read_file, pg_read_binary_file
  'pg_ls_', // pg_ls_dir, pg_ls_logdir, pg_ls_waldir, ...
  'pg_stat_file',
  'pg_file_', // adminpack: pg_file_write, pg_file_rename, pg_file_unlink
  'pg_logdir_',
  'lo_', // lo_import, lo_export, lo_open, lo_get, lo_put, ...
  'dblink', // dblink, dblink_exec, dblink_connect, ...
  'pg_advisory_', // session and transaction advisory locks
  'pg_try_advisory_',
  'pg_sleep',
  'pg_stat_reset',
  'pg_stat_statements_reset',
  'pg_backup_',
  'pg_wal_',
  'pg_create_', // replication slots
  'pg_drop_replication_slot',
  'pg_copy_',
  'pg_replication_',
  'pg_logical_',
  'binary_upgrade_',
  'query_to_xml', // query_to_xml, query_to_xmlschema, query_to_xml_and_xmlschema
  'cursor_to_xml',
  'table_to_xml',
  'schema_to_xml',
  'database_to_xml',
] as const;

const EXACT_SET: ReadonlySet<string> = new Set(EXACT);

/** True when `name` (without schema) is on the deny list. */
export function deniedFunction(name: string): boolean {
  const n = name.toLowerCase();
  if (EXACT_SET.has(n)) return true;
  return PREFIXES.some((p) => n.startsWith(p));
}

/** The deny list, for documentation and tests. */
export const DENIED_FUNCTIONS = Object.freeze({ exact: EXACT, prefixes: PREFIXES });
