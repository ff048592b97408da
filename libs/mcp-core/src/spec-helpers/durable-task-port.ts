import { type DurableTaskRuns } from '../tasks/durable-tasks';

/**
 * A durable task port for specs: every call admitted and queued, no run executed unless the spec calls
 * `executeTask`, no run lost, no question asked; `overrides` on top.
 */
export function durableTaskPort(overrides: Partial<DurableTaskRuns> = {}): DurableTaskRuns {
  return {
    ready: () => Promise.resolve(true),
    admit: () => Promise.resolve(),
    submit: () => Promise.resolve(),
    cancel: () => Promise.resolve(),
    lostReason: () => Promise.resolve(undefined),
    question: () => Promise.resolve(undefined),
    openQuestions: () => Promise.resolve(undefined),
    deliver: () => Promise.resolve('gone' as const),
    watch: () => ({ next: () => new Promise((resolve) => setTimeout(resolve, 10)), close: () => undefined }),
    ...overrides,
  };
}
