import { type z } from 'zod';
import { type SupportAction } from '../support-actions';
import { type Priority, storeError } from '../support-tools';
import { type SupportRun } from './support-run';

/** What a write tool call of the model comes to once bound to the request. */
export type WritePlan =
  | { readonly kind: 'write'; readonly action: SupportAction }
  /** Nothing can be written (no customer, no ticket): `reason` goes to the model. */
  | { readonly kind: 'refused'; readonly detail: string; readonly reason: string };

/**
 * Turns a write tool call of the model into the exact action it would write; store failures as tool errors.
 * `approvalKey`: the key of the call's approval step, which a ticket's key is made from (see {@link ticketKey}).
 */
export type WritePlanner = (
  name: string,
  args: unknown,
  signal: AbortSignal,
  approvalKey?: string,
) => Promise<WritePlan>;

/**
 * The planner of one run. A ticket is opened for the customer the caller named (or the given ticket's), never
 * one the model picks, under its call's own key ({@link ticketKey}); a reply goes on the given ticket, or the one
 * this run opened.
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

  async function planCreate(args: unknown, signal: AbortSignal, approvalKey: string | undefined): Promise<WritePlan> {
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
    const idempotencyKey = await ticketKey(approvalKey);
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

  return (name, args, signal, approvalKey) =>
    (name === 'ticket_create' ? planCreate(args, signal, approvalKey) : planReply(args, signal)).catch((e: unknown) => {
      throw storeError(e);
    });
}

/**
 * The key a ticket of the agent is opened under, made once, when its call is approved, and carried by the approved
 * action from then on (the approval's record, a pending confirmation, a 2026-07-28 call's kept approvals): so the
 * ticket is written once per call, and two calls (two runs, or two calls of one run) open two tickets.
 * - In a recorded run: from the key of the call's approval step (`ApprovalRequest.idempotencyKey`), the same on
 *   every replay of the run, hashed to a fixed length (a step key can be longer than a stored key may be). A run
 *   resumed after a crash plans the same action, and its write step, run again, finds the ticket it opened.
 * - In a run that records nothing (no step key; nothing replays there): a random one. The approval records the
 *   action with it, so every write of that approved action (a retry of its confirmation, a later round of the call)
 *   uses it; a planned action that is never approved opens nothing.
 *
 * Tickets opened before this key was per call carry `support:<sha256 of the request>`; a stored confirmation that
 * holds such a key is still written under it, as stored.
 */
export async function ticketKey(approvalKey: string | undefined): Promise<string> {
  return `ticket:${approvalKey === undefined ? globalThis.crypto.randomUUID() : await sha256(approvalKey)}`;
}

/** Whether `key` was made by {@link ticketKey}: a ticket found under it was opened by the same approved call. */
export function isCallKey(key: string): boolean {
  return key.startsWith('ticket:');
}

/** The hex SHA-256 of `text`: keys of a fixed length from texts of any length. */
export async function sha256(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
