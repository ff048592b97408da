import { z } from 'zod';
import { type Logger, principalKey } from '@agent-mcp/context';
import { type HandlerContext, isInputRequired } from '@agent-mcp/mcp-core';
import { type PendingConfirmation, type SupportConfirmations } from './confirmations';
import { actionHeadline, describeAction, type SupportAction } from './support-actions';

/** A person's answer to a support write, as the MCP bridge got it. */
export type SupportApproval =
  /**
   * `confirmationId`: the stored action the answer is about (a 2026-07-28 client), to be spent with the write;
   * `action`: that stored action, when an earlier round of the call stored it (a ticket's key is that round's).
   */
  | { readonly decision: 'approved'; readonly confirmationId?: string; readonly action?: SupportAction }
  | {
      readonly decision: 'declined';
      readonly message: string;
      readonly confirmationId?: string;
      readonly action?: SupportAction;
    }
  /** Nobody could be asked now: the action is stored, and `support_confirm` with this id writes it. */
  | { readonly decision: 'pending'; readonly message: string; readonly confirmation: PendingConfirmation };

/** Options of {@link askSupportApproval}. */
export interface SupportApprovalOptions {
  readonly context: HandlerContext;
  readonly confirmations: SupportConfirmations;
  /** The tenant the action writes in. */
  readonly tenant: string;
  /** How long a pending confirmation can be used. */
  readonly ttlSeconds: number;
  readonly logger: Logger;
  /**
   * The approval's step key in its recorded run (`ApprovalRequest.idempotencyKey`): the confirmation stored before
   * asking is stored under it once, so a run resumed after a crash asks about the same one, under the same key.
   */
  readonly key?: string;
}

// The answer comes from the client: read it as untrusted input.
const ElicitAnswer = z.object({
  action: z.enum(['accept', 'decline', 'cancel']),
  content: z.record(z.string(), z.unknown()).optional(),
});

/**
 * Asks the user whether the support agent may make `action`. A client that declared form-mode elicitation is
 * asked (`elicitation/create`: the exact write and a `confirm` box); only `accept` with `confirm: true` approves.
 * A 2025-11-25 client is asked at once, on the call's stream, and so is a 2026-07-28 client whose call is parked
 * on its run (the question waits in the run for the client's retry). Otherwise a 2026-07-28 client is asked through
 * an input request: the action is stored first as a pending confirmation, its id kept across the rounds, and the question
 * keyed `approve-<confirmationId>`, so the client's retry (on any replica) answers about that stored action and
 * the approved write spends the confirmation (see {@link SupportApproval}). A client that cannot be asked (no
 * elicitation, URL mode only, or the question failed or timed out) gets a pending confirmation instead, stored
 * for the caller's principal and tenant, for `support_confirm`.
 *
 * @throws the signal's reason when the call is cancelled while waiting; mcp-core's input-required signal while a
 *   2026-07-28 client has not answered yet (the call answers `input_required`).
 */
export async function askSupportApproval(
  action: SupportAction,
  signal: AbortSignal,
  options: SupportApprovalOptions,
): Promise<SupportApproval> {
  const { context } = options;
  if (canElicitForm(context)) {
    // A call parked on its run waits for the answer like a 2025-11-25 one: nothing to store between rounds, and the
    // same question on a replay after a crash (its recorded answer is found there).
    if (context.client.era === 'modern' && !context.client.parked) return askInRounds(action, signal, options);
    void context.reportProgress(`waiting for your approval to ${actionHeadline(action)}`);
    try {
      return readAnswer(action, await context.client.elicit(approvalRequest(context, action), { signal }));
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (isInputRequired(error)) throw error;
      // The client said it could ask but did not answer: keep the action for a confirmation instead.
      options.logger.warn('support approval: elicitation failed, falling back to a pending confirmation', { error });
    }
  }
  const confirmation = await createConfirmation(action, signal, options);
  return {
    decision: 'pending',
    message:
      `Nothing has been written. To ${actionHeadline(action)} exactly as proposed, call support_confirm with ` +
      `confirmationId "${confirmation.confirmationId}" and approve: true before ${confirmation.expiresAt}; approve: false discards it.`,
    confirmation,
  };
}

/** The confirmations a 2026-07-28 call stored in earlier rounds, each with the action it holds. */
const KEPT_APPROVALS = 'support.approvals';
interface KeptApproval {
  readonly action: SupportAction;
  readonly confirmationId: string;
}

/**
 * The question as an input request: the first round stores the action (a pending confirmation) and keeps its id,
 * then asks; the retry finds the same action kept and reads the answer under the same key. The same action, but for
 * a ticket's key: each round plans its own (a round is a run of its own), and the first round's is the one stored.
 */
async function askInRounds(
  action: SupportAction,
  signal: AbortSignal,
  options: SupportApprovalOptions,
): Promise<SupportApproval> {
  const { client } = options.context;
  const approvals = client.kept<KeptApproval[]>(KEPT_APPROVALS) ?? [];
  const same = writeOf(action);
  let kept = approvals.find((a) => writeOf(a.action) === same);
  if (!kept) {
    const confirmation = await createConfirmation(action, signal, options);
    kept = { action, confirmationId: confirmation.confirmationId };
    client.keep(KEPT_APPROVALS, [...approvals, kept]);
  }
  const answer = readAnswer(
    action,
    await client.elicit(approvalRequest(options.context, action), { key: `approve-${kept.confirmationId}` }),
  );
  return { ...answer, confirmationId: kept.confirmationId, action: kept.action };
}

/** What an action writes, as text to compare: everything but a ticket's key. */
function writeOf(action: SupportAction): string {
  if (action.tool !== 'ticket_create') return JSON.stringify(action);
  const { idempotencyKey: _key, ...written } = action.arguments;
  return JSON.stringify({ ...action, arguments: written });
}

function createConfirmation(
  action: SupportAction,
  signal: AbortSignal,
  options: SupportApprovalOptions,
): Promise<PendingConfirmation> {
  const owner = principalKey(options.context.principal);
  return options.confirmations.create(owner, options.tenant, action, options.ttlSeconds, signal, options.key);
}

function approvalRequest(context: HandlerContext, action: SupportAction) {
  return {
    // `mode` arrived with protocol 2025-11-25; older clients read a form without it.
    ...(context.client.protocolVersion >= '2025-11-25' ? { mode: 'form' as const } : {}),
    message: `The support assistant wants to write this. Nothing is written unless you accept.\n\n${describeAction(action)}`,
    requestedSchema: {
      type: 'object' as const,
      properties: {
        confirm: {
          type: 'boolean' as const,
          title: action.tool === 'ticket_create' ? 'Open this ticket' : 'Post this reply',
          description: 'Tick and accept to write exactly what is shown; decline and nothing is written.',
        },
      },
      required: ['confirm'],
    },
  };
}

/** The person's answer: only `accept` with `confirm: true` approves; anything unreadable writes nothing. */
function readAnswer(
  action: SupportAction,
  raw: unknown,
): { readonly decision: 'approved' } | { readonly decision: 'declined'; readonly message: string } {
  const answer = ElicitAnswer.safeParse(raw);
  if (!answer.success)
    return {
      decision: 'declined',
      message: 'The answer to the approval request could not be read, so nothing was written.',
    };
  if (answer.data.action === 'accept' && answer.data.content?.['confirm'] === true) return { decision: 'approved' };
  const how =
    answer.data.action === 'accept'
      ? 'did not tick confirm'
      : answer.data.action === 'decline'
        ? 'declined'
        : 'dismissed the request';
  return { decision: 'declined', message: `You ${how}: nothing was written (${actionHeadline(action)}).` };
}

/** Whether the client declared elicitation in form mode (an empty capability means form, for older clients). */
function canElicitForm(context: HandlerContext): boolean {
  const capability = context.client.capabilities?.elicitation as { form?: unknown; url?: unknown } | undefined;
  if (!capability) return false;
  return capability.form !== undefined || capability.url === undefined;
}
