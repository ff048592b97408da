import { NotFoundError, type ResourceRegistry } from '@agent-mcp/mcp-core';
import { type QueryEngine } from './engine/types';
import { describeTable, listTables, type TableSummary } from './schema';
import { asMcpCall } from './tools/tool-errors';

/** Options of {@link registerSchemaResources}. */
export interface SchemaResourcesOptions {
  readonly engine: QueryEngine;
  readonly schemas: readonly string[];
  readonly timeoutMs: number;
}

/** URI of the list of tables. */
export const TABLES_URI = 'db://tables';
/** URI template of one table's description. */
export const TABLE_URI_TEMPLATE = 'db://tables/{name}';

function tableUri(t: TableSummary): string {
  return `${TABLES_URI}/${encodeURIComponent(t.name)}`;
}

/**
 * The schema as MCP resources: `db://tables` (every readable table with its row estimate) and
 * `db://tables/{name}` (columns, types, keys, indexes, row estimate), listed and completable.
 */
export function registerSchemaResources(resources: ResourceRegistry, options: SchemaResourcesOptions): void {
  // An engine's error reaches the client as the same code and message (a ToolError), as the tools' do.
  const read = (signal: AbortSignal) =>
    asMcpCall(() => listTables(options.engine, { schemas: options.schemas, timeoutMs: options.timeoutMs, signal }));
  resources.register({
    uri: TABLES_URI,
    name: 'tables',
    metadata: {
      title: 'Database tables',
      description: 'Tables and views the server can read, with estimated row counts; each links to its description.',
      mimeType: 'application/json',
    },
    read: async (ctx) =>
      JSON.stringify({ tables: (await read(ctx.signal)).map((t) => ({ ...t, uri: tableUri(t) })) }, null, 2),
  });
  resources.registerTemplate({
    uriTemplate: TABLE_URI_TEMPLATE,
    name: 'table',
    metadata: {
      title: 'Database table',
      description: 'Columns, types, primary and foreign keys, indexes and estimated row count of one table.',
      mimeType: 'application/json',
    },
    list: async (ctx) =>
      (await read(ctx.signal)).map((t) => ({
        uri: tableUri(t),
        name: t.name,
        title: `Table ${t.schema}.${t.name}`,
        ...(t.description ? { description: t.description } : {}),
        mimeType: 'application/json',
      })),
    complete: {
      name: async (value) => {
        const tables = await asMcpCall(() =>
          listTables(options.engine, { schemas: options.schemas, timeoutMs: options.timeoutMs }),
        );
        return tables.map((t) => t.name).filter((n) => n.startsWith(value));
      },
    },
    read: async (uri, { name }, ctx) => {
      const described = await asMcpCall(() =>
        describeTable(options.engine, decodeURIComponent(name), {
          schemas: options.schemas,
          timeoutMs: options.timeoutMs,
          signal: ctx.signal,
        }),
      );
      if (!described) throw new NotFoundError('resource', uri);
      return JSON.stringify(described, null, 2);
    },
  });
}
