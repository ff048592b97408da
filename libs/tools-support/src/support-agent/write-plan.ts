import { type z } from 'zod';
import { type SupportAction } from '../support-actions';
import { type Ticket } from '../support-store';
import { type Priority, storeError } from '../support-tools';
import { type SupportRun } from './support-run';

/** What a write tool call of the model comes to once bound to the request. */
export type WritePlan =
  | { readonly kind: 'write'; readonly action: SupportAction }
  /** Nothing can be written (no customer, no ticket): `reason` goes to the model. */
  | { readonly kind: 'refused'; readonly detail: string; readonly reason: string }
  /** This request opened its ticket before (a retry): nothing to write. */
  | { readonly kind: 'existing'; readonly ticket: Ticket };

/** Turns a write tool call of the model into the exact action it would write; store failures as tool errors. */
export type WritePlanner = (name: string, args: unknown, signal: AbortSignal) => Promise<WritePlan>;

/**
 * The planner of one run. A ticket is opened for the customer the caller named (or the given ticket's), never
 * one the model picks, under a key derived from the request, so the same request retried opens no second one;
 * a reply goes on the given ticket, or the one this run opened.
 */
export function createWritePlanner(run: SupportRun): WritePlanner {
  const { store, tenant, given } = run;
  let owner: Promise<number | undefined> | undefined;
  const ownerOf = (signal: AbortSignal) =>
    (owner ??=
      given.customerId !== undefined
        ? Promise.resolve(given.customerId)
        : given.ticketId !== undefined
          ? store.getTicket(tenant, given.ticketId, signal).then((t) => t?.customerId)
          : Promise.resolve(undefined));

  async function planCreate(args: unknown, signal: AbortSignal): Promise<WritePlan> {
    const { subject, body, priority } = args as { subject: string; body: string; priority?: z.output<typeof Priority> };
    const customer = await ownerOf(signal);
    if (customer === undefined) {
      return {
        kind: 'refused',
        detail: 'no customer given',
        reason: 'No customer is known for this conversation, so no ticket can be opened; ask the customer to sign in.',
      };
    }
    if (!(await store.findCustomer(tenant, { id: customer }, signal)))
      return {
        kind: 'refused',
        detail: `customer ${customer}: not found`,
        reason: `No customer ${customer} was found.`,
      };
    const idempotencyKey = `support:${await sha256(`${tenant}\n${customer}\n${given.ticketId ?? ''}\n${run.message}`)}`;
    const existing = await store.ticketByIdempotencyKey(tenant, idempotencyKey, signal);
    if (existing) return { kind: 'existing', ticket: existing };
    return {
      kind: 'write',
      action: {
        tool: 'ticket_create',
        arguments: { customerId: customer, subject, body, priority: priority ?? 'normal', idempotencyKey },
      },
    };
  }

  async function planReply(args: unknown, signal: AbortSignal): Promise<WritePlan> {
    const { body } = args as { body: string };
    const target = given.ticketId ?? run.out.ticketCreated?.id;
    if (target === undefined)
      return {
        kind: 'refused',
        detail: 'no ticket in this conversation',
        reason: 'There is no ticket in this conversation to reply on.',
      };
    if (!(await store.getTicket(tenant, target, signal)))
      return { kind: 'refused', detail: `ticket ${target}: not found`, reason: `No ticket ${target} was found.` };
    return { kind: 'write', action: { tool: 'ticket_reply', arguments: { ticketId: target, body } } };
  }

  return (name, args, signal) =>
    (name === 'ticket_create' ? planCreate(args, signal) : planReply(args, signal)).catch((e: unknown) => {
      throw storeError(e);
    });
}

/** The hex SHA-256 of `text`: keys of a fixed length from texts of any length. */
export async function sha256(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
