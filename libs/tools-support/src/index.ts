/**
 * `@agent-mcp/tools-support`: customer-support MCP tools over the application's database.
 *
 * - {@link createSupportTools}: `kb_search` (ranked full-text over help-centre articles, with passages),
 *   `customer_lookup`, `ticket_get`, `ticket_create` (exactly once per idempotency key, also under concurrent
 *   retries and across restarts), `ticket_reply`, and `support`, an agent that answers from the help centre and
 *   opens or updates a ticket, reporting what it did.
 * - Approvals: every write of the `support` agent is approved by the user first, through MCP elicitation when
 *   the client supports it, else as a pending confirmation (stored in PostgreSQL, one-time, expiring) that
 *   `support_confirm` writes exactly once.
 * - Tenancy from the caller's principal only; another tenant's row reads exactly like a missing one. Text from
 *   tickets and articles reaches models fenced as untrusted data.
 *
 * @packageDocumentation
 */
export { createSupportTools, type SupportTools, type SupportToolsOptions } from './create-support-tools';
export { SUPPORT_ERROR_CODES, type SupportErrorCode } from './errors';
export {
  parseSupportConfig,
  supportToolsEnabled,
  SupportConfigSchema,
  SUPPORT_SETTINGS,
  type SupportConfig,
} from './config';
export {
  createSupportStore,
  type SupportStore,
  type ArticleHit,
  type Customer,
  type Ticket,
  type TicketMessage,
  type NewTicket,
} from './support-store';
export {
  KbSearchOutputSchema,
  CustomerLookupOutputSchema,
  TicketGetOutputSchema,
  TicketCreateOutputSchema,
  TicketReplyOutputSchema,
} from './support-tools';
export { SupportOutputSchema } from './support-agent-tool';
export { SupportConfirmOutputSchema } from './support-confirm-tool';
export { SupportActionSchema, type SupportAction } from './support-actions';

/** Package version, kept in step with package.json. */
export const VERSION = '0.1.0';
