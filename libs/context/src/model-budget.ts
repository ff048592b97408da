import { ContextError } from './errors';
import { type Principal } from './principal';

/** Tokens a model run used (agent-core's `Usage` has this shape). */
export interface ModelTokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
}

/** Whether a principal has model tokens left in the current window. */
export type ModelBudgetDecision =
  { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

/**
 * The server's per-principal budget of model tokens per window, in memory or shared across replicas. The server
 * supplies it (for example `@agent-mcp/auth`'s `createModelUsageMeter`) and binds it to each request's caller as
 * {@link RequestContext.modelBudget}; tools never see other principals' budgets.
 */
export interface ModelUsageMeter {
  /** Reads only: whether `principal` may start another model run now. */
  check(principal: Principal): Promise<ModelBudgetDecision>;
  /**
   * Charges tokens `principal`'s run used. Must not throw: a store failure is the meter's to log. `key`, when given,
   * is the same for the same run's charge made again (a run replayed from its record after a crash between its
   * charge and its recorded end): a key already charged in the window charges nothing.
   */
  charge(principal: Principal, tokens: number, key?: string): Promise<void>;
}

/** The caller's model-token budget, as a tool sees it ({@link RequestContext.modelBudget}). */
export interface ModelBudget {
  /** Resolves when the caller may start a model run; rejects with {@link ModelBudgetExceededError} otherwise. */
  ensureAvailable(): Promise<void>;
  /**
   * Charges the tokens a run used to the caller (the total of `usage`, or a number of tokens); a `key` charged
   * already in the window charges nothing (see {@link ModelUsageMeter.charge}).
   */
  charge(usage: ModelTokenUsage | number, key?: string): Promise<void>;
}

/**
 * The caller has used up its model tokens for this window. Servers turn it into a rate-limit error (HTTP 429,
 * `Retry-After`); `retryAfterSeconds` is when the window frees up.
 */
export class ModelBudgetExceededError extends ContextError {
  readonly code = 'MODEL_BUDGET_EXCEEDED';
  constructor(readonly retryAfterSeconds: number) {
    super(`Model token budget used up for this window; retry after ${retryAfterSeconds} s`);
  }
}

/** Binds a meter to one caller. */
export function bindModelBudget(meter: ModelUsageMeter, principal: Principal): ModelBudget {
  return {
    ensureAvailable: async () => {
      const decision = await meter.check(principal);
      if (!decision.allowed) throw new ModelBudgetExceededError(decision.retryAfterSeconds);
    },
    charge: (usage, key) => meter.charge(principal, typeof usage === 'number' ? usage : usage.totalTokens, key),
  };
}

/**
 * Run-observer hooks that charge what agent runs used. Shaped like agent-core's `RunObserver` (pass it as the
 * run's `observer`) without this neutral package knowing agent-core: nested runs (agents used as tools) are
 * counted once, through their top-level run, and failed runs are charged for what they used. A run finished with
 * a `key` (its charge's step key, when its steps are recorded) is charged under it: the same run replayed from its
 * record after a crash finishes again with the same key and is not charged twice.
 */
export interface ModelUsageObserver {
  onRunStarted(info: { readonly runId: string; readonly parentRunId: string | undefined }): void;
  onRunFinished(info: { readonly runId: string; readonly usage: ModelTokenUsage; readonly key?: string }): void;
}

/**
 * Runs model work under the caller's budget: refuses to start when none is left ({@link ModelBudgetExceededError}),
 * hands `work` an observer that charges every finished top-level run, and waits for the charges before it
 * returns or throws, so the next call already sees them. The one line an agent tool needs:
 *
 * ```ts
 * const result = await withModelBudget(ctx, (observer) => run(agent, input, { signal: ctx.signal, observer }));
 * ```
 *
 * Without a budget on the context (none configured, or a context that has none) it only runs `work`.
 */
export async function withModelBudget<T>(
  ctx: { readonly modelBudget?: ModelBudget },
  work: (observer: ModelUsageObserver) => Promise<T>,
): Promise<T> {
  const budget = ctx.modelBudget;
  const roots = new Set<string>();
  const charges: Promise<void>[] = [];
  const observer: ModelUsageObserver = {
    onRunStarted: ({ runId, parentRunId }) => {
      if (parentRunId === undefined) roots.add(runId);
    },
    onRunFinished: ({ runId, usage, key }) => {
      if (!budget || !roots.delete(runId) || usage.totalTokens <= 0) return;
      charges.push(budget.charge(usage, key).catch(() => undefined));
    },
  };
  if (budget) await budget.ensureAvailable();
  try {
    return await work(observer);
  } finally {
    await Promise.all(charges);
  }
}
