import { type ApprovalPort, type ToolContext } from '@agent-mcp/agent-core';
import { type Logger, principalKey } from '@agent-mcp/context';
import { type HandlerContext, isInputRequired } from '@agent-mcp/mcp-core';
import { askSupportApproval, type SupportApproval } from '../approvals';
import { supportError } from '../errors';
import { type SupportConfirmations, TooManyPendingError } from '../confirmations';
import { type ConfirmedWriter } from '../confirmed-write';
import { performSupportAction, type SupportAction, type SupportActionResult } from '../support-actions';
import { storeError } from '../support-tools';
import { type SupportProposal } from './support-output';
import { type SupportChange, type SupportRun } from './support-run';
import { createWritePlanner, isCallKey, sha256 } from './write-plan';

/** A write a round of a 2026-07-28 call made, kept for the rounds after it. */
interface KeptWrite {
  readonly confirmationId: string;
  readonly action: SupportAction;
  readonly result: SupportActionResult;
}
const KEPT_WRITES = 'support.writes';

/** Options of {@link createSupportWrites}. */
export interface SupportWritesOptions {
  /** The request: the client the user is asked through. */
  readonly context: HandlerContext;
  readonly confirmations: SupportConfirmations;
  readonly confirmationTtlSeconds: number;
  /** Spends a stored action's confirmation with its write (an approval given through an input request). */
  readonly writeConfirmed: ConfirmedWriter;
  readonly logger: Logger;
}

/** The write side of one run: the approver the runner asks first, then the writes the agent's tools make. */
export interface SupportWrites {
  /** Asks the user about the exact action a write tool call comes to (elicitation, else a pending confirmation). */
  readonly approve: ApprovalPort;
  /** Whether a write tool call would write anything (else it reports why not, without asking). */
  needsApproval(
    name: 'ticket_create' | 'ticket_reply',
  ): (args: unknown, c: { signal: AbortSignal }) => Promise<boolean>;
  /**
   * Makes the write the user approved for the call, or says why there is nothing to write; what it did is kept
   * with the call's step (`call.keep`). A ticket is opened under the key its approved action carries (made from the
   * approval's step, see `ticketKey`), a reply under the call's `idempotencyKey`: a step run again after a crash
   * finds what it wrote and writes nothing.
   */
  write(
    name: 'ticket_create' | 'ticket_reply',
    args: unknown,
    call: Pick<ToolContext, 'signal' | 'idempotencyKey' | 'keep' | 'approval'>,
  ): Promise<string>;
  /** The write the user declined or was left waiting for `support_confirm`, if any. */
  proposal(): SupportProposal | undefined;
}

/** What the approver keeps with a yes (recorded with the approval's step): the exact action, and its confirmation. */
interface Approved {
  readonly action: SupportAction;
  readonly confirmationId?: string;
}

/**
 * Every write of the `support` agent waits for the user's yes to its exact action: the approver records the
 * approved action with its yes (`ApprovalDecision.record`), and the tool writes that action, not the model's
 * arguments again; a run resumed after a crash gets it from the record.
 */
export function createSupportWrites(run: SupportRun, options: SupportWritesOptions): SupportWrites {
  const planned = createWritePlanner(run);
  let proposal: SupportProposal | undefined;
  const owner = principalKey(options.context.principal);

  async function perform(
    { action, confirmationId }: Approved,
    signal: AbortSignal,
    change: (c: SupportChange) => void,
  ): Promise<string> {
    if (!confirmationId)
      return reportWrite(
        action,
        own(action, await performSupportAction(run.store, run.tenant, action, signal)),
        change,
      );
    // A later round of the same call replays the run up to here: it reports the write an earlier round made.
    const earlier = writtenBefore().find((w) => w.confirmationId === confirmationId);
    if (earlier) return reportWrite(earlier.action, earlier.result, change);
    // Written with its confirmation spent, at most once, whichever retry of the call gets here first; a reply under
    // its step's key (see `keyed`).
    const replyKey = action.tool === 'ticket_reply' ? action.arguments.idempotencyKey : undefined;
    const spent = await options.writeConfirmed(confirmationId, owner, run.tenant, 'approved', signal, replyKey);
    if ('refused' in spent) {
      // Spent by this call's own write when a run resumed after a crash runs again the write that was in flight
      // (its approval is recorded, its result was not): the ticket it opened is found by its approved key, the
      // reply it posted by its step's.
      const before = spent.refused === 'used' ? await writtenByThisStep(action, signal) : undefined;
      if (before) return reportWrite(action, before, change);
      change({ action: { tool: action.tool, ok: false, detail: `confirmation ${confirmationId}: ${spent.refused}` } });
      return `Nothing was written: the approval ${spent.refused === 'expired' ? 'has expired' : 'was already used'}.`;
    }
    if (spent.written)
      options.context.client.keep(KEPT_WRITES, [
        ...writtenBefore(),
        { confirmationId, action: spent.action, result: spent.written },
      ]);
    return reportWrite(spent.action, spent.written, change);
  }

  /** What this write wrote before, if it did: the ticket under its approved action's key, the reply under its step's. */
  async function writtenByThisStep(
    action: SupportAction,
    signal: AbortSignal,
  ): Promise<SupportActionResult | undefined> {
    try {
      if (action.tool === 'ticket_create') {
        const ticket = await run.store.ticketByIdempotencyKey(run.tenant, action.arguments.idempotencyKey, signal);
        return ticket && { tool: 'ticket_create', ticket, created: true };
      }
      const { ticketId, idempotencyKey } = action.arguments;
      if (idempotencyKey === undefined) return undefined;
      const message = await run.store.replyByIdempotencyKey(run.tenant, idempotencyKey, ticketId, signal);
      return message && { tool: 'ticket_reply', ticketId, message };
    } catch (error) {
      throw storeError(error);
    }
  }

  /** The writes earlier rounds of this call made (a 2026-07-28 call is rerun from the start on each retry). */
  function writtenBefore(): readonly KeptWrite[] {
    return options.context.client.kept<KeptWrite[]>(KEPT_WRITES) ?? [];
  }

  /** A reply keyed by its step (hashed: a step key can be longer than a stored key may be). */
  async function keyed(action: SupportAction, stepKey: string | undefined): Promise<SupportAction> {
    if (action.tool !== 'ticket_reply' || stepKey === undefined) return action;
    return { ...action, arguments: { ...action.arguments, idempotencyKey: `reply:${await sha256(stepKey)}` } };
  }

  const approve: ApprovalPort = async (request) => {
    const p = await planned(request.tool, request.arguments, request.signal, request.idempotencyKey);
    // Nothing to write any more (the customer or ticket is gone): the tool reports it, writing nothing.
    if (p.kind !== 'write') return { decision: 'approved' };
    let answer: SupportApproval;
    try {
      answer = await askSupportApproval(p.action, request.signal, {
        context: options.context,
        confirmations: options.confirmations,
        tenant: run.tenant,
        ttlSeconds: options.confirmationTtlSeconds,
        logger: options.logger,
        ...(request.idempotencyKey === undefined ? {} : { key: request.idempotencyKey }),
      });
    } catch (error) {
      // A 2026-07-28 client's answer is still to come: the runner ends the run and the call answers input_required.
      if (request.signal.aborted || error instanceof TooManyPendingError || isInputRequired(error)) throw error;
      throw storeError(error);
    }
    // In a later round of a 2026-07-28 call, the action asked about is the one the first round stored, with its key.
    const asked = ('action' in answer ? answer.action : undefined) ?? p.action;
    if (answer.decision === 'approved') {
      const record: Approved = {
        action: asked,
        ...(answer.confirmationId ? { confirmationId: answer.confirmationId } : {}),
      };
      return { decision: 'approved', record };
    }
    // Declined through an input request: the stored action is discarded, so support_confirm cannot write it later.
    if (answer.decision === 'declined' && answer.confirmationId)
      await options.writeConfirmed(answer.confirmationId, owner, run.tenant, 'declined', request.signal);
    proposal = { action: asked, answer };
    const detail =
      answer.decision === 'pending'
        ? `waiting for confirmation ${answer.confirmation.confirmationId}`
        : 'declined by the user';
    run.record(request.tool, false, detail);
    return { decision: answer.decision, message: answer.message };
  };

  return {
    approve,
    needsApproval:
      (name) =>
      async (args, { signal }) =>
        (await planned(name, args, signal)).kind === 'write',
    async write(name, args, { signal, idempotencyKey, keep, approval }) {
      // Made here, and kept with the call's step so that a replay of the step makes it again.
      const change = (c: SupportChange) => {
        run.apply(c);
        keep(c);
      };
      // Recorded by this server's own approver (above), with the approval's step.
      const action = approval as Approved | undefined;
      if (action) return perform({ ...action, action: await keyed(action.action, idempotencyKey) }, signal, change);
      const p = await planned(name, args, signal);
      if (p.kind === 'refused') {
        change({ action: { tool: name, ok: false, detail: p.detail } });
        return p.reason;
      }
      // Unreachable while the run asks before every write (and records what was approved); should the state change
      // between, write nothing.
      change({ action: { tool: name, ok: false, detail: 'not approved' } });
      throw supportError('NOT_APPROVED', 'This write was not approved, so it was not made.');
    },
    proposal: () => proposal,
  };
}

/**
 * A ticket found under a key made for its call (`ticketKey`) is that call's own, opened by the same step before a
 * crash: reported as the write that opened it would have been. One under a request's key (an action approved before
 * keys were per call) may be another call's: reported as found.
 */
function own(action: SupportAction, result: SupportActionResult | undefined): SupportActionResult | undefined {
  if (action.tool !== 'ticket_create' || result?.tool !== 'ticket_create' || result.created) return result;
  return isCallKey(action.arguments.idempotencyKey) ? { ...result, created: true } : result;
}

/** Reports a write (or why nothing was written) to the model, and makes its change to the result. */
function reportWrite(
  action: SupportAction,
  result: SupportActionResult | undefined,
  change: (c: SupportChange) => void,
): string {
  if (action.tool === 'ticket_create') {
    if (result?.tool !== 'ticket_create') {
      change({
        action: { tool: 'ticket_create', ok: false, detail: `customer ${action.arguments.customerId}: not found` },
      });
      return `No customer ${action.arguments.customerId} was found.`;
    }
    const again = result.created ? '' : ' (already opened by this request)';
    change({
      action: { tool: 'ticket_create', ok: true, detail: `ticket ${result.ticket.id}${again}` },
      ticketCreated: { id: result.ticket.id, created: result.created },
    });
    return `Ticket ${result.ticket.id} is open for customer ${action.arguments.customerId}.`;
  }
  if (result?.tool !== 'ticket_reply') {
    change({ action: { tool: 'ticket_reply', ok: false, detail: `ticket ${action.arguments.ticketId}: not found` } });
    return `No ticket ${action.arguments.ticketId} was found.`;
  }
  change({
    action: { tool: 'ticket_reply', ok: true, detail: `ticket ${result.ticketId}, message ${result.message.id}` },
    replied: { ticketId: result.ticketId, messageId: result.message.id },
  });
  return `Replied on ticket ${result.ticketId}.`;
}
