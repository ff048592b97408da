import { type ModelUsageMeter, principalKey } from '@agent-mcp/context';
import { type RateLimits } from './rate-limits';

/**
 * The per-principal model-token budget of {@link RateLimits} (`modelTokens`) as the neutral
 * {@link ModelUsageMeter} servers hand to tools: same store (memory, or Redis with its insurance limiter),
 * principals keyed like every other limit.
 */
export function createModelUsageMeter(
  limits: Pick<RateLimits, 'checkModelTokens' | 'chargeModelTokens'>,
): ModelUsageMeter {
  return {
    check: async (principal) => {
      const decision = await limits.checkModelTokens(principalKey(principal));
      return decision.allowed ? decision : { allowed: false, retryAfterSeconds: decision.retryAfterSeconds };
    },
    charge: (principal, tokens, key) => limits.chargeModelTokens(principalKey(principal), tokens, key),
  };
}
