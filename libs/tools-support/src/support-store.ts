import { SqlError, type SqlQueryable } from '@agent-mcp/context';

/** One article found by {@link SupportStore.searchArticles}. */
export interface ArticleHit {
  readonly id: number;
  readonly slug: string;
  readonly title: string;
  readonly tags: string[];
  /** `ts_rank` of the article for the query; higher is better. */
  readonly rank: number;
  /** The best passages, matches between `**`. */
  readonly snippet: string;
}

export interface Customer {
  readonly id: number;
  readonly name: string;
  readonly email: string;
  readonly country: string;
  readonly tier: string;
  readonly createdAt: string;
  readonly orders: number;
  readonly openTickets: number;
}

export interface TicketMessage {
  readonly id: number;
  readonly author: 'customer' | 'agent';
  readonly body: string;
  readonly createdAt: string;
}

export interface Ticket {
  readonly id: number;
  readonly customerId: number;
  readonly subject: string;
  readonly status: string;
  readonly priority: string;
  readonly openedAt: string;
  readonly messages: TicketMessage[];
}

export interface NewTicket {
  readonly customerId: number;
  readonly subject: string;
  readonly body: string;
  readonly priority: 'low' | 'normal' | 'high' | 'urgent';
  readonly idempotencyKey: string;
}

/**
 * The support tables (`kb_articles`, `customers`, `orders`, `support_tickets`, `ticket_messages`; created by
 * `support-schema.ts` where missing) through the application's trusted `SqlClient`. That connection
 * is the tables' owner, not subject to row-level security, so every statement names the tenant itself, and a
 * row of another tenant is indistinguishable from a missing one (`undefined`).
 */
export interface SupportStore {
  searchArticles(tenantId: string, query: string, limit: number, signal?: AbortSignal): Promise<ArticleHit[]>;
  findCustomer(
    tenantId: string,
    by: { id?: number; email?: string },
    signal?: AbortSignal,
  ): Promise<Customer | undefined>;
  getTicket(tenantId: string, ticketId: number, signal?: AbortSignal): Promise<Ticket | undefined>;
  /**
   * Creates a ticket with its first message, exactly once per `(tenant, idempotencyKey)`: a retry, concurrent
   * or after a restart, returns the ticket the first call created and writes nothing. `undefined` when the
   * customer does not exist in the tenant.
   */
  createTicket(
    tenantId: string,
    ticket: NewTicket,
    signal?: AbortSignal,
  ): Promise<{ ticket: Ticket; created: boolean } | undefined>;
  /** The ticket an earlier `createTicket` with this key opened in the tenant, if any (a read: writes nothing). */
  ticketByIdempotencyKey(tenantId: string, idempotencyKey: string, signal?: AbortSignal): Promise<Ticket | undefined>;
  /** The reply an earlier keyed `reply` on `ticketId` wrote under this key in the tenant, if any (a read). */
  replyByIdempotencyKey(
    tenantId: string,
    idempotencyKey: string,
    ticketId: number,
    signal?: AbortSignal,
  ): Promise<TicketMessage | undefined>;
  /**
   * Adds a message to a ticket of the tenant; `undefined` when there is no such ticket. With `idempotencyKey`,
   * exactly once per `(tenant, idempotencyKey)`: a repeat, concurrent or after a restart, returns the message the
   * first call wrote and writes nothing.
   */
  reply(
    tenantId: string,
    ticketId: number,
    author: 'customer' | 'agent',
    body: string,
    signal?: AbortSignal,
    idempotencyKey?: string,
  ): Promise<TicketMessage | undefined>;
}

// Natural-language questions: any term may match (OR), ranked by how many and where (title weighs more).
const ARTICLE_SEARCH_SQL = `
SELECT a.id, a.slug, a.title, a.tags, ts_rank(a.search, q.query)::float8 AS rank,
       ts_headline('english', a.body, q.query, 'MaxFragments=2, MinWords=8, MaxWords=30, StartSel=**, StopSel=**, FragmentDelimiter=" … "') AS snippet
FROM kb_articles a,
     (SELECT to_tsquery('english', replace(plainto_tsquery('english', $2)::text, ' & ', ' | ')) AS query) q
WHERE a.tenant_id = $1 AND a.search @@ q.query
ORDER BY rank DESC, a.id
LIMIT $3`;

const CUSTOMER_SQL = `
SELECT c.id, c.name, c.email, c.country, c.tier, to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at,
       (SELECT count(*)::int FROM orders o WHERE o.tenant_id = c.tenant_id AND o.customer_id = c.id) AS orders,
       (SELECT count(*)::int FROM support_tickets t WHERE t.tenant_id = c.tenant_id AND t.customer_id = c.id AND t.status IN ('open', 'pending')) AS open_tickets
FROM customers c
WHERE c.tenant_id = $1 AND ($2::int IS NULL OR c.id = $2::int) AND ($3::text IS NULL OR lower(c.email) = lower($3::text))
ORDER BY c.id
LIMIT 1`;

const TICKET_SQL = `
SELECT id, customer_id, subject, status, priority, to_char(opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS opened_at
FROM support_tickets WHERE tenant_id = $1 AND id = $2`;

const MESSAGES_SQL = `
SELECT id, author, body, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at
FROM ticket_messages WHERE tenant_id = $1 AND ticket_id = $2 ORDER BY created_at, id LIMIT 200`;

// One statement: the ticket and its first message, or nothing when the key was used before (or the customer
// is not the tenant's). A concurrent twin waits on the unique index, then does nothing.
const CREATE_TICKET_SQL = `
WITH inserted AS (
  INSERT INTO support_tickets (tenant_id, customer_id, subject, body, status, priority, opened_at, idempotency_key)
  SELECT $1, c.id, $3, $4, 'open', $5, now(), $6 FROM customers c WHERE c.tenant_id = $1 AND c.id = $2
  ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
  RETURNING id
), first_message AS (
  INSERT INTO ticket_messages (tenant_id, ticket_id, author, body)
  SELECT $1, id, 'customer', $4 FROM inserted
  RETURNING ticket_id
)
SELECT ticket_id AS id FROM first_message`;

const EXISTING_TICKET_SQL = `SELECT id FROM support_tickets WHERE tenant_id = $1 AND idempotency_key = $2`;

const REPLY_SQL = `
WITH ticket AS (
  UPDATE support_tickets SET status = CASE WHEN $3 = 'agent' AND status = 'open' THEN 'pending' WHEN $3 = 'customer' AND status <> 'open' THEN 'open' ELSE status END
  WHERE tenant_id = $1 AND id = $2
  RETURNING id
)
INSERT INTO ticket_messages (tenant_id, ticket_id, author, body)
SELECT $1, id, $3, $4 FROM ticket
RETURNING id, author, body, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at`;

// The keyed reply: the ticket is touched and the message written only while the key is unused; the key row is
// written in the same statement, so a concurrent twin fails on the key's primary key and reads the winner's reply.
const KEYED_REPLY_SQL = `
WITH ticket AS (
  UPDATE support_tickets SET status = CASE WHEN $3 = 'agent' AND status = 'open' THEN 'pending' WHEN $3 = 'customer' AND status <> 'open' THEN 'open' ELSE status END
  WHERE tenant_id = $1 AND id = $2
    AND NOT EXISTS (SELECT 1 FROM ticket_reply_keys k WHERE k.tenant_id = $1 AND k.idempotency_key = $5)
  RETURNING id
), message AS (
  INSERT INTO ticket_messages (tenant_id, ticket_id, author, body)
  SELECT $1, id, $3, $4 FROM ticket
  RETURNING id, author, body, created_at
), keyed AS (
  INSERT INTO ticket_reply_keys (tenant_id, idempotency_key, message_id) SELECT $1, $5, id FROM message
)
SELECT id, author, body, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at FROM message`;

const KEYED_REPLY_EXISTING_SQL = `
SELECT m.id, m.author, m.body, to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at
FROM ticket_reply_keys k JOIN ticket_messages m ON m.id = k.message_id AND m.tenant_id = k.tenant_id
WHERE k.tenant_id = $1 AND k.idempotency_key = $2 AND m.ticket_id = $3`;

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const opts = (signal: AbortSignal | undefined) => (signal ? { signal } : {});

/**
 * The {@link SupportStore} over `sql`: the application's client, or a transaction it opened (so a write can
 * commit or roll back together with other statements, as `support_confirm` does with its confirmation).
 */
export function createSupportStore(sql: SqlQueryable): SupportStore {
  async function getTicket(tenantId: string, ticketId: number, signal?: AbortSignal): Promise<Ticket | undefined> {
    const found = await sql.query(TICKET_SQL, [tenantId, ticketId], opts(signal));
    const t = found.rows[0];
    if (!t) return undefined;
    const messages = await sql.query(MESSAGES_SQL, [tenantId, ticketId], opts(signal));
    return {
      id: num(t['id']),
      customerId: num(t['customer_id']),
      subject: String(t['subject']),
      status: String(t['status']),
      priority: String(t['priority']),
      openedAt: String(t['opened_at']),
      messages: messages.rows.map(toMessage),
    };
  }

  return {
    async searchArticles(tenantId, query, limit, signal) {
      const result = await sql.query(ARTICLE_SEARCH_SQL, [tenantId, query, limit], opts(signal));
      return result.rows.map((r) => ({
        id: num(r['id']),
        slug: String(r['slug']),
        title: String(r['title']),
        tags: toStringArray(r['tags']),
        rank: Math.round(num(r['rank']) * 10_000) / 10_000,
        snippet: String(r['snippet']),
      }));
    },

    async findCustomer(tenantId, by, signal) {
      const result = await sql.query(CUSTOMER_SQL, [tenantId, by.id ?? null, by.email ?? null], opts(signal));
      const c = result.rows[0];
      if (!c) return undefined;
      return {
        id: num(c['id']),
        name: String(c['name']),
        email: String(c['email']),
        country: String(c['country']),
        tier: String(c['tier']),
        createdAt: String(c['created_at']),
        orders: num(c['orders']),
        openTickets: num(c['open_tickets']),
      };
    },

    getTicket,

    async createTicket(tenantId, t, signal) {
      const inserted = await sql.query(
        CREATE_TICKET_SQL,
        [tenantId, t.customerId, t.subject, t.body, t.priority, t.idempotencyKey],
        opts(signal),
      );
      const newId = inserted.rows[0]?.['id'];
      if (newId !== undefined)
        return { ticket: (await getTicket(tenantId, num(newId), signal)) as Ticket, created: true };
      // Read committed: this new statement sees the twin that won the key, even if it committed meanwhile.
      const existing = await sql.query(EXISTING_TICKET_SQL, [tenantId, t.idempotencyKey], opts(signal));
      const existingId = existing.rows[0]?.['id'];
      if (existingId === undefined) return undefined;
      const ticket = await getTicket(tenantId, num(existingId), signal);
      return ticket ? { ticket, created: false } : undefined;
    },

    async ticketByIdempotencyKey(tenantId, idempotencyKey, signal) {
      const existing = await sql.query(EXISTING_TICKET_SQL, [tenantId, idempotencyKey], opts(signal));
      const id = existing.rows[0]?.['id'];
      return id === undefined ? undefined : getTicket(tenantId, num(id), signal);
    },

    async replyByIdempotencyKey(tenantId, idempotencyKey, ticketId, signal) {
      const existing = await sql.query(KEYED_REPLY_EXISTING_SQL, [tenantId, idempotencyKey, ticketId], opts(signal));
      const row = existing.rows[0];
      return row ? toMessage(row) : undefined;
    },

    async reply(tenantId, ticketId, author, body, signal, idempotencyKey) {
      if (idempotencyKey === undefined) {
        const result = await sql.query(REPLY_SQL, [tenantId, ticketId, author, body], opts(signal));
        const row = result.rows[0];
        return row ? toMessage(row) : undefined;
      }
      const params = [tenantId, ticketId, author, body, idempotencyKey];
      const written = await sql.query(KEYED_REPLY_SQL, params, opts(signal)).catch((error: unknown) => {
        // A concurrent twin won the key: its reply is the one, read below.
        if (error instanceof SqlError && error.sqlstate === '23505') return { rows: [] };
        throw error;
      });
      const row = written.rows[0];
      if (row) return toMessage(row);
      const existing = await sql.query(KEYED_REPLY_EXISTING_SQL, [tenantId, idempotencyKey, ticketId], opts(signal));
      const first = existing.rows[0];
      return first ? toMessage(first) : undefined;
    },
  };
}

function toMessage(r: Record<string, unknown>): TicketMessage {
  return {
    id: num(r['id']),
    author: r['author'] === 'agent' ? 'agent' : 'customer',
    body: String(r['body']),
    createdAt: String(r['created_at']),
  };
}

// pg parses text[] into an array; PGlite too, but a driver without the parser answers the literal `{a,b}`.
function toStringArray(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string' && value.startsWith('{')) return value.slice(1, -1).split(',').filter(Boolean);
  return [];
}

/** Whether `error` is the database refusing a value (bad input), as opposed to the database failing. */
export function isRefusedValue(error: unknown): boolean {
  return error instanceof SqlError && error.code === 'SQL_FAILED' && /^(22|23)/.test(error.sqlstate ?? '');
}
