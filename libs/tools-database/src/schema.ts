import { trustedStatement } from './guard/statement-guard';
import { type QueryEngine } from './engine/types';

/** A table (or view) the connected role can read. */
export interface TableSummary {
  readonly schema: string;
  readonly name: string;
  readonly kind: 'table' | 'view' | 'materialized view' | 'foreign table' | 'partitioned table';
  /** The planner's estimate (`pg_class.reltuples`); null when the table was never analysed. */
  readonly rowEstimate: number | null;
  readonly description: string | null;
}

/** One column of a table. */
export interface ColumnDescription {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
  readonly default: string | null;
  readonly description: string | null;
}

/** Columns, keys and size of a table. */
export interface TableDescription extends TableSummary {
  readonly columns: readonly ColumnDescription[];
  readonly primaryKey: readonly string[];
  /** Foreign keys as PostgreSQL prints them, e.g. `FOREIGN KEY (customer_id) REFERENCES customers(id)`. */
  readonly foreignKeys: readonly string[];
  readonly indexes: readonly string[];
}

const KINDS: Readonly<Record<string, TableSummary['kind']>> = {
  r: 'table',
  v: 'view',
  m: 'materialized view',
  f: 'foreign table',
  p: 'partitioned table',
};

const LIST_SQL = `
SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
  CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint END AS row_estimate,
  obj_description(c.oid, 'pg_class') AS description
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname = ANY ($1::text[]) AND has_table_privilege(c.oid, 'SELECT')
ORDER BY 1, 2`;

const DESCRIBE_SQL = `
WITH t AS (
  SELECT c.oid, n.nspname, c.relname, c.relkind, c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relname = $1 AND n.nspname = ANY ($2::text[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND has_table_privilege(c.oid, 'SELECT')
  ORDER BY array_position($2::text[], n.nspname::text) LIMIT 1
)
SELECT t.nspname AS schema, t.relname AS name, t.relkind::text AS kind,
  CASE WHEN t.reltuples < 0 THEN NULL ELSE t.reltuples::bigint END AS row_estimate,
  obj_description(t.oid, 'pg_class') AS description,
  (SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'nullable', NOT a.attnotnull,
      'default', pg_get_expr(d.adbin, d.adrelid), 'description', col_description(t.oid, a.attnum)) ORDER BY a.attnum)
    FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
  (SELECT json_agg(a.attname ORDER BY array_position(k.conkey, a.attnum)) FROM pg_constraint k
    JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)
    WHERE k.conrelid = t.oid AND k.contype = 'p') AS primary_key,
  (SELECT json_agg(pg_get_constraintdef(k.oid) ORDER BY k.conname) FROM pg_constraint k WHERE k.conrelid = t.oid AND k.contype = 'f') AS foreign_keys,
  (SELECT json_agg(pg_get_indexdef(i.indexrelid) ORDER BY i.indexrelid) FROM pg_index i WHERE i.indrelid = t.oid) AS indexes
FROM t`;

/** Options of schema reads. */
export interface SchemaReadOptions {
  /** Schemas to look in, in search order. */
  readonly schemas: readonly string[];
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

function summary(row: Record<string, unknown>): TableSummary {
  return {
    schema: String(row['schema']),
    name: String(row['name']),
    kind: KINDS[String(row['kind'])] ?? 'table',
    rowEstimate: row['row_estimate'] === null ? null : Number(row['row_estimate']),
    description: (row['description'] as string | null) ?? null,
  };
}

/** Tables and views of the configured schemas that the connected role may read. */
export async function listTables(engine: QueryEngine, options: SchemaReadOptions): Promise<TableSummary[]> {
  const result = await engine.execute(trustedStatement(LIST_SQL), {
    params: [arrayLiteral(options.schemas)],
    maxRows: 10_000,
    maxBytes: 8 * 1024 * 1024,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
  });
  return result.rows.map(summary);
}

/** Columns, keys, indexes and row estimate of one table; undefined when no readable table has that name. */
export async function describeTable(
  engine: QueryEngine,
  name: string,
  options: SchemaReadOptions,
): Promise<TableDescription | undefined> {
  const result = await engine.execute(trustedStatement(DESCRIBE_SQL), {
    params: [name, arrayLiteral(options.schemas)],
    maxRows: 1,
    maxBytes: 8 * 1024 * 1024,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
  });
  const row = result.rows[0];
  if (!row) return undefined;
  return {
    ...summary(row),
    columns: (row['columns'] as unknown as ColumnDescription[] | null) ?? [],
    primaryKey: (row['primary_key'] as unknown as string[] | null) ?? [],
    foreignKeys: (row['foreign_keys'] as unknown as string[] | null) ?? [],
    indexes: (row['indexes'] as unknown as string[] | null) ?? [],
  };
}
