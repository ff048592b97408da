import { createModelUsageMeter, createRateLimits } from '@agent-mcp/auth';
import { type ModelUsageMeter } from '@agent-mcp/context';
import { type ModelTokenBudget } from './local-auth-stack';

/**
 * The model-token budget of a server without authentication, counted in this process (the one anonymous
 * principal still has one). Imported only when a budget is set: this module loads the rate limiter and its Redis
 * client.
 */
export function createLocalModelUsageMeter(modelTokens: ModelTokenBudget): ModelUsageMeter {
  return createModelUsageMeter(
    createRateLimits({
      windowSeconds: 1,
      ipPoints: 0,
      authFailurePoints: 0,
      principalPoints: 0,
      toolPoints: 0,
      modelTokens,
    }),
  );
}
