import { type ColumnInfo, type JsonValue, type QueryResult, type RawResult } from './types';

// Names of common built-in types by OID (pg_type), for column metadata.
const TYPE_NAMES: Readonly<Record<number, string>> = {
  16: 'bool',
  17: 'bytea',
  18: 'char',
  19: 'name',
  20: 'int8',
  21: 'int2',
  23: 'int4',
  25: 'text',
  26: 'oid',
  114: 'json',
  142: 'xml',
  700: 'float4',
  701: 'float8',
  790: 'money',
  1042: 'bpchar',
  1043: 'varchar',
  1082: 'date',
  1083: 'time',
  1114: 'timestamp',
  1184: 'timestamptz',
  1186: 'interval',
  1266: 'timetz',
  1700: 'numeric',
  2950: 'uuid',
  3802: 'jsonb',
  1000: 'bool[]',
  1005: 'int2[]',
  1007: 'int4[]',
  1016: 'int8[]',
  1009: 'text[]',
  1015: 'varchar[]',
  1021: 'float4[]',
  1022: 'float8[]',
  1231: 'numeric[]',
  2205: 'regclass',
  2206: 'regtype',
  24: 'regproc',
  705: 'unknown',
};

/** Text of a value as PostgreSQL sends it, made JSON: numbers, booleans and JSON parsed; the rest kept as text. */
export function toJsonValue(text: string | null, oid: number): JsonValue {
  if (text === null) return null;
  switch (oid) {
    case 16:
      return text === 't';
    case 21:
    case 23:
    case 26:
      return Number(text);
    case 20:
    case 1700: {
      // Exact decimals stay text when a double would change them (more than 15 significant digits).
      const digits = text.replace(/^-/, '').replace('.', '').replace(/^0+/, '');
      const n = Number(text);
      return Number.isFinite(n) && /^-?\d+(\.\d+)?$/.test(text) && digits.length <= 15 ? n : text;
    }
    case 700:
    case 701: {
      const n = Number(text);
      return Number.isFinite(n) ? n : text;
    }
    case 114:
    case 3802:
      try {
        return JSON.parse(text) as JsonValue;
      } catch {
        return text;
      }
    default:
      return text;
  }
}

/** Column metadata with unique names. */
export function columnsOf(fields: RawResult['fields']): ColumnInfo[] {
  const seen = new Map<string, number>();
  return fields.map((f) => {
    const n = (seen.get(f.name) ?? 0) + 1;
    seen.set(f.name, n);
    return { name: n === 1 ? f.name : `${f.name}_${n}`, type: TYPE_NAMES[f.dataTypeID] ?? `oid:${f.dataTypeID}` };
  });
}

/** Turns an engine's raw result into the public {@link QueryResult}. */
export function toQueryResult(raw: RawResult): QueryResult {
  const columns = columnsOf(raw.fields);
  const rows = raw.rows.map((values) => {
    const row: Record<string, JsonValue> = {};
    for (let i = 0; i < columns.length; i++)
      row[columns[i].name] = toJsonValue(values[i] ?? null, raw.fields[i].dataTypeID);
    return row;
  });
  return {
    columns,
    rows,
    rowCount: rows.length,
    truncated: raw.truncated,
    ...(raw.truncatedBy ? { truncatedBy: raw.truncatedBy } : {}),
  };
}

/** Bytes a row's values take as UTF-8 text; what the byte cap counts. */
export function rowBytes(values: ReadonlyArray<string | null>): number {
  let n = 0;
  for (const v of values) n += v === null ? 1 : Buffer.byteLength(v, 'utf8');
  return n;
}

/** Parameters as text: PostgreSQL infers their types from the statement. */
export function paramText(params: readonly unknown[] | undefined): Array<string | null> {
  return (params ?? []).map((p) => {
    if (p === null || p === undefined) return null;
    if (typeof p === 'string') return p;
    if (typeof p === 'number' || typeof p === 'boolean' || typeof p === 'bigint') return String(p);
    return JSON.stringify(p);
  });
}
