/** Token usage, summed over one model response or a whole run. */
export interface Usage {
  /** Model requests that returned a response (retries of failed attempts are not counted). */
  readonly requests: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** `inputTokens + outputTokens`. */
  readonly totalTokens: number;
}

/** Usage of nothing yet. */
export const EMPTY_USAGE: Usage = Object.freeze({ requests: 0, inputTokens: 0, outputTokens: 0, totalTokens: 0 });

/** Usage of one model response. */
export function createUsage(inputTokens: number, outputTokens: number): Usage {
  return { requests: 1, inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
}

/** Sum of two usages. */
export function addUsage(a: Usage, b: Usage): Usage {
  return {
    requests: a.requests + b.requests,
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    totalTokens: a.totalTokens + b.totalTokens,
  };
}
