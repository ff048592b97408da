import type * as LibPgQuery from 'libpg-query';
import { loadDependency } from '../load-dependency';
import { DatabaseError, SqlRefusedError } from '../errors';
import { ALLOWED_EXPLAIN_OPTIONS, ALLOWED_NODES } from './allowed-nodes';
import { deniedFunction } from './denied-functions';

/**
 * What kind of statement passed the guard; decides how it is executed. `trusted` marks our own SQL (schema
 * introspection, the role audit), made by {@link trustedStatement} and never from caller text.
 */
export type StatementKind = 'select' | 'explain' | 'show' | 'trusted';

/** A statement the guard accepted. Only these reach an engine. */
export interface CheckedStatement {
  /** The caller's SQL, exactly as given. */
  readonly sql: string;
  readonly kind: StatementKind;
  /**
   * The text an engine sends: the caller's one statement alone (without a trailing semicolon or comments
   * around it), re-parsed and checked to be exactly the statement the guard accepted. Sent in one
   * extended-protocol message, with the protocol's row limit bounding what comes back.
   */
  readonly text: string;
  /**
   * For `select`, the statement wrapped in `DECLARE ... NO SCROLL CURSOR FOR`, for engines whose driver has
   * no protocol row limit and fetch rows in bounded batches instead (the embedded engine). Re-parsed and
   * checked to be one DECLARE whose query is the caller's statement.
   */
  readonly cursorText?: string;
  /** Highest `$n` the statement uses. */
  readonly parameterCount: number;
}

/** Options of {@link createStatementGuard}. */
export interface StatementGuardOptions {
  /** Longest SQL accepted, in characters. Default 100 000. */
  readonly maxLength?: number;
  /** How many verdicts to remember (the guard is deterministic in the SQL text). Default 1000. */
  readonly cacheSize?: number;
}

/** Checks SQL with the real PostgreSQL parser before anything runs. */
export interface StatementGuard {
  /**
   * Accepts exactly one read-only statement: SELECT (CTEs without data-modifying statements), VALUES,
   * EXPLAIN without ANALYZE, SHOW. Everything else, and any call of a denied function, is refused.
   *
   * @throws SqlRefusedError naming the rule that refused it; `DatabaseError` `SQL_INVALID` when it does not parse.
   */
  check(sql: string): Promise<CheckedStatement>;
}

/** Wraps SQL written by this library (never by a caller or a model) so engines run it on the safe path. */
export function trustedStatement(sql: string): CheckedStatement {
  return Object.freeze({ sql, kind: 'trusted', text: sql, parameterCount: 0 });
}

/** The cursor name engines fetch from; a caller cannot name it because DECLARE/FETCH are refused. */
export const CURSOR_NAME = 'agent_mcp_cursor';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface ParsedStatement {
  readonly stmt: Record<string, Json>;
  readonly stmt_location?: number;
  readonly stmt_len?: number;
}

const DML = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);
const STATEMENT_NAMES: Readonly<Record<string, string>> = {
  InsertStmt: 'INSERT',
  UpdateStmt: 'UPDATE',
  DeleteStmt: 'DELETE',
  MergeStmt: 'MERGE',
  CopyStmt: 'COPY',
  DoStmt: 'DO',
  VariableSetStmt: 'SET/RESET',
  TransactionStmt: 'transaction control',
  CreateStmt: 'CREATE TABLE',
  DropStmt: 'DROP',
  TruncateStmt: 'TRUNCATE',
  GrantStmt: 'GRANT/REVOKE',
  CallStmt: 'CALL',
  DeclareCursorStmt: 'DECLARE',
  FetchStmt: 'FETCH',
  PrepareStmt: 'PREPARE',
  ExecuteStmt: 'EXECUTE',
  ListenStmt: 'LISTEN',
  NotifyStmt: 'NOTIFY',
  LockStmt: 'LOCK',
  VacuumStmt: 'VACUUM/ANALYZE',
  DiscardStmt: 'DISCARD',
  LoadStmt: 'LOAD',
  AlterSystemStmt: 'ALTER SYSTEM',
  CreateTableAsStmt: 'CREATE TABLE AS',
};

const ALLOWED_SUMMARY = 'allowed: SELECT, VALUES, EXPLAIN without ANALYZE, SHOW';

/** Creates a {@link StatementGuard}. */
export function createStatementGuard(options: StatementGuardOptions = {}): StatementGuard {
  const maxLength = options.maxLength ?? 100_000;
  const cacheSize = options.cacheSize ?? 1000;
  // Verdicts (accepted statements and refusals alike) by SQL text, least recently used evicted first.
  const cache = new Map<string, Promise<CheckedStatement>>();

  async function evaluate(sql: string): Promise<CheckedStatement> {
    if (sql.length > maxLength)
      throw new SqlRefusedError('too_long', `the statement is longer than ${maxLength} characters`);
    // The parser reads a C string and stops at a NUL, so it would check only the text before one while the
    // rest still travelled to the server: refuse it (PostgreSQL accepts no NUL in a statement either).
    const nul = sql.indexOf('\0');
    if (nul >= 0) {
      throw new DatabaseError(
        'SQL_INVALID',
        `The SQL holds a NUL character (at character ${nul + 1}), which no statement may hold. Nothing was executed.`,
        {
          position: nul + 1,
        },
      );
    }
    const stmts = sql.trim() === '' ? [] : await parseStatements(sql);
    if (stmts.length === 0) throw new SqlRefusedError('empty_statement', 'there is no statement to run');
    if (stmts.length > 1) {
      throw new SqlRefusedError('single_statement', `exactly one statement is allowed, got ${stmts.length}`);
    }
    const [only] = stmts;
    const [type, body] = nodeOf(only.stmt);
    const kind = topLevelKind(type, body);
    const params = { max: 0 };
    walk(only.stmt, params);
    const text = sliceStatement(sql, only);
    await verifyIsolated(text, only.stmt);
    if (kind !== 'select') return Object.freeze({ sql, kind, text, parameterCount: params.max });
    const cursorText = `DECLARE ${CURSOR_NAME} NO SCROLL CURSOR FOR\n${text}\n`;
    await verifyWrapped(cursorText, only.stmt);
    return Object.freeze({ sql, kind, text, cursorText, parameterCount: params.max });
  }

  return {
    check(sql: string): Promise<CheckedStatement> {
      const hit = cache.get(sql);
      if (hit) {
        cache.delete(sql);
        cache.set(sql, hit);
        return hit;
      }
      const verdict = evaluate(sql);
      // Keep the rejection observed so an unawaited cached refusal never counts as unhandled.
      verdict.catch(() => undefined);
      cache.set(sql, verdict);
      if (cache.size > cacheSize) cache.delete(cache.keys().next().value as string);
      return verdict;
    },
  };
}

let parser: typeof LibPgQuery | undefined;

async function parseStatements(sql: string): Promise<readonly ParsedStatement[]> {
  parser ??= loadDependency<typeof LibPgQuery>('libpg-query');
  try {
    const result = (await parser.parse(sql)) as unknown as { stmts?: ParsedStatement[] };
    return result.stmts ?? [];
  } catch (error) {
    const details = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    const position = details?.cursorPosition;
    throw new DatabaseError(
      'SQL_INVALID',
      `The SQL does not parse: ${(error as Error).message}${position === undefined ? '' : ` (at character ${position + 1})`}. Nothing was executed.`,
      position === undefined ? undefined : { position: position + 1 },
    );
  }
}

function topLevelKind(type: string, body: Record<string, Json>): 'select' | 'explain' | 'show' {
  switch (type) {
    case 'SelectStmt':
      return 'select';
    case 'VariableShowStmt':
      return 'show';
    case 'ExplainStmt': {
      for (const option of (body.options as Json[] | undefined) ?? []) {
        const [, def] = nodeOf(option as Record<string, Json>);
        const name = String(def.defname).toLowerCase();
        if (name === 'analyze') throw new SqlRefusedError('explain_analyze', 'EXPLAIN ANALYZE executes the statement');
        if (!ALLOWED_EXPLAIN_OPTIONS.has(name))
          throw new SqlRefusedError('explain_option', `EXPLAIN option ${name.toUpperCase()} is not allowed`);
      }
      const [inner] = nodeOf(body.query as Record<string, Json>);
      if (inner !== 'SelectStmt')
        throw new SqlRefusedError('statement_type', `EXPLAIN of ${describe(inner)} is not allowed; ${ALLOWED_SUMMARY}`);
      return 'explain';
    }
    default:
      throw new SqlRefusedError('statement_type', `${describe(type)} is not a read-only statement; ${ALLOWED_SUMMARY}`);
  }
}

/** Checks every node of the tree against the allowlist, the deny list and the clause rules. */
function walk(value: Json, params: { max: number }): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, params);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const keys = Object.keys(value);
  // A wrapped node is an object with one key naming its type in PascalCase; other objects are fields.
  if (keys.length === 1 && /^[A-Z]/.test(keys[0])) {
    const type = keys[0];
    const body = value[type] as Record<string, Json>;
    checkNode(type, body, params);
    walk(body, params);
    return;
  }
  for (const key of keys) {
    if (key === 'intoClause') throw new SqlRefusedError('select_into', 'SELECT INTO creates a table');
    walk(value[key], params);
  }
}

function checkNode(type: string, body: Record<string, Json>, params: { max: number }): void {
  if (type === 'LockingClause')
    throw new SqlRefusedError('locking_clause', 'FOR UPDATE/SHARE locking clauses take row locks');
  if (DML.has(type))
    throw new SqlRefusedError('data_modifying_cte', `${describe(type)} inside a statement modifies data`);
  if (!ALLOWED_NODES.has(type))
    throw new SqlRefusedError('node_not_allowed', `${describe(type)} is not allowed in a read-only query`);
  if (type === 'FuncCall') {
    const parts = (body.funcname as Json[]).map((p) => String((p as { String: { sval: string } }).String.sval));
    const name = parts[parts.length - 1];
    if (deniedFunction(name))
      throw new SqlRefusedError('denied_function', `function ${parts.join('.')}() is on the deny list`);
  } else if (type === 'ParamRef') {
    params.max = Math.max(params.max, Number(body.number ?? 0));
  }
}

function nodeOf(node: Record<string, Json>): [string, Record<string, Json>] {
  const type = Object.keys(node)[0];
  return [type, node[type] as Record<string, Json>];
}

function describe(type: string): string {
  return STATEMENT_NAMES[type] ?? type;
}

/** The statement's own text, without a trailing semicolon; locations are UTF-8 byte offsets. */
function sliceStatement(sql: string, stmt: ParsedStatement): string {
  const bytes = Buffer.from(sql, 'utf8');
  const start = stmt.stmt_location ?? 0;
  const end = stmt.stmt_len ? start + stmt.stmt_len : bytes.length;
  return bytes.subarray(start, end).toString('utf8');
}

/** Defence in depth: the statement's own text must parse as exactly the statement that was checked. */
async function verifyIsolated(text: string, original: Record<string, Json>): Promise<void> {
  const stmts = await parseStatements(text);
  if (stmts.length !== 1 || stripLocations(stmts[0].stmt) !== stripLocations(original)) {
    throw new SqlRefusedError('single_statement', 'the statement could not be isolated for execution');
  }
}

/** Defence in depth: the wrapped text must parse as one DECLARE whose query is the caller's statement. */
async function verifyWrapped(text: string, original: Record<string, Json>): Promise<void> {
  const stmts = await parseStatements(text);
  const declared =
    stmts.length === 1 ? (stmts[0].stmt as { DeclareCursorStmt?: { query?: Json } }).DeclareCursorStmt : undefined;
  if (!declared || stripLocations(declared.query) !== stripLocations(original)) {
    throw new SqlRefusedError('single_statement', 'the statement could not be isolated for execution');
  }
}

// Byte offsets into the text (`location`, and in PostgreSQL 18 `rexpr_list_start`/`_end`) shift with the wrapper.
const POSITION_KEY = /^location$|_(location|start|end)$/;

function stripLocations(value: Json | undefined): string {
  return JSON.stringify(value, (key, v: unknown) => (typeof v === 'number' && POSITION_KEY.test(key) ? undefined : v));
}
