import { Counter, type Registry } from 'prom-client';
import { type RunObserver } from '@agent-mcp/agent-core';
import { countAndTime, MODEL_BUCKETS } from './instruments';

/**
 * Registers `agent_*`: agent runs, model requests, tokens and upstream errors by model and status, fed by the
 * returned observer.
 */
export function registerAgentMetrics(registers: Registry[]): RunObserver {
  const run = countAndTime(registers, {
    count: ['agent_runs_total', 'Agent runs by agent and outcome'],
    time: ['agent_run_duration_seconds', 'Duration of agent runs'],
    labelNames: ['agent', 'outcome'],
    buckets: MODEL_BUCKETS,
  });
  const modelRequest = countAndTime(registers, {
    count: ['agent_model_requests_total', 'Model request attempts by model and status'],
    time: ['agent_model_request_duration_seconds', 'Duration of model request attempts'],
    labelNames: ['model', 'status'],
    buckets: MODEL_BUCKETS,
  });
  const tokens = new Counter({
    name: 'agent_model_tokens_total',
    help: 'Tokens used by model and kind (input, output)',
    labelNames: ['model', 'kind'],
    registers,
  });
  const upstreamErrors = new Counter({
    name: 'agent_model_upstream_errors_total',
    help: 'Failed model request attempts by model, HTTP status (or none) and error code',
    labelNames: ['model', 'status', 'code'],
    registers,
  });

  return {
    onModelRequest(info) {
      const status = info.error ? String(info.error.status ?? 'none') : 'ok';
      modelRequest({ model: info.model, status }, info.durationMs / 1000);
      if (info.usage) {
        tokens.inc({ model: info.model, kind: 'input' }, info.usage.inputTokens);
        tokens.inc({ model: info.model, kind: 'output' }, info.usage.outputTokens);
      }
      if (info.error) upstreamErrors.inc({ model: info.model, status, code: info.error.code });
    },
    onRunFinished(info) {
      run({ agent: info.agent, outcome: info.outcome }, info.durationMs / 1000);
    },
  };
}
