import type { CompleteResult } from '@modelcontextprotocol/sdk/types.js';

/**
 * Suggests values for one argument of a prompt or one variable of a resource template, given what the user
 * typed so far and the other arguments already chosen.
 */
export type Completer = (
  value: string,
  context: { readonly arguments: Readonly<Record<string, string>> },
) => readonly string[] | Promise<readonly string[]>;

/** MCP caps a completion answer at 100 values. */
const MAX_VALUES = 100;

export function completionResult(values: readonly string[]): CompleteResult {
  return {
    completion: {
      values: values.slice(0, MAX_VALUES),
      total: values.length,
      hasMore: values.length > MAX_VALUES,
    },
  };
}

export const EMPTY_COMPLETION: CompleteResult = Object.freeze({
  completion: Object.freeze({ values: [], hasMore: false }),
}) as CompleteResult;
