// The model-token budget seam: a caller with no tokens left is refused before any model work starts, and
// what top-level runs used is charged (failed runs too, nested runs once) before the tool returns.
import {
  type ModelUsageMeter,
  type ModelUsageObserver,
  ModelBudgetExceededError,
  bindModelBudget,
  withModelBudget,
} from './model-budget';
import { type Principal } from './principal';

const ALICE: Principal = { id: 'alice', tenantId: 'acme', scopes: [], via: 'api_key' };

/** A meter over a plain map, the smallest real implementation of the interface. */
function meter(budget: number): ModelUsageMeter & { used: Map<string, number> } {
  const used = new Map<string, number>();
  const keys = new Set<string>();
  return {
    used,
    check: async (p) =>
      (used.get(p.id) ?? 0) >= budget ? { allowed: false, retryAfterSeconds: 42 } : { allowed: true },
    charge: async (p, tokens, key) => {
      if (key !== undefined && keys.has(`${p.id}:${key}`)) return;
      if (key !== undefined) keys.add(`${p.id}:${key}`);
      used.set(p.id, (used.get(p.id) ?? 0) + tokens);
    },
  };
}

const usage = (totalTokens: number) => ({ inputTokens: totalTokens - 1, outputTokens: 1, totalTokens });

describe('withModelBudget', () => {
  it('charges a top-level run once, not the nested run its usage already includes', async () => {
    const m = meter(1000);
    const result = await withModelBudget({ modelBudget: bindModelBudget(m, ALICE) }, async (observer) => {
      observer.onRunStarted({ runId: 'outer', parentRunId: undefined });
      observer.onRunStarted({ runId: 'inner', parentRunId: 'outer' });
      observer.onRunFinished({ runId: 'inner', usage: usage(30) });
      observer.onRunFinished({ runId: 'outer', usage: usage(100) });
      return 'answer';
    });
    expect(result).toBe('answer');
    expect(m.used.get('alice')).toBe(100);
  });

  it('charges a run that failed for what it used, and rethrows', async () => {
    const m = meter(1000);
    const failing = withModelBudget({ modelBudget: bindModelBudget(m, ALICE) }, async (observer) => {
      observer.onRunStarted({ runId: 'r', parentRunId: undefined });
      observer.onRunFinished({ runId: 'r', usage: usage(70) });
      throw new Error('max turns');
    });
    await expect(failing).rejects.toThrow('max turns');
    expect(m.used.get('alice')).toBe(70);
  });

  it('refuses to start model work once the budget is used up, with the retry hint', async () => {
    const m = meter(100);
    await m.charge(ALICE, 100);
    let started = false;
    const refused = withModelBudget({ modelBudget: bindModelBudget(m, ALICE) }, async () => {
      started = true;
    });
    await expect(refused).rejects.toEqual(new ModelBudgetExceededError(42));
    expect(started).toBe(false);
  });

  it('charges a run under its key, so the same run finished again (replayed after a crash) is charged once', async () => {
    const m = meter(1000);
    const finish = (observer: ModelUsageObserver, runId: string, key: string) => {
      observer.onRunStarted({ runId, parentRunId: undefined });
      observer.onRunFinished({ runId, usage: usage(100), key });
    };
    const ctx = { modelBudget: bindModelBudget(m, ALICE) };
    await withModelBudget(ctx, async (observer) => finish(observer, 'r1', 'run:w1:step:model-budget.charge'));
    // The replay: another process, another run id, the same recorded run and key.
    await withModelBudget(ctx, async (observer) => finish(observer, 'r2', 'run:w1:step:model-budget.charge'));
    expect(m.used.get('alice')).toBe(100);
    await withModelBudget(ctx, async (observer) => finish(observer, 'r3', 'run:w2:step:model-budget.charge'));
    expect(m.used.get('alice')).toBe(200);
  });

  it('only runs the work when the context has no budget', async () => {
    await expect(withModelBudget({}, async () => 'ran')).resolves.toBe('ran');
  });
});
