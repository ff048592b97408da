import { Counter, Histogram, type Registry } from 'prom-client';
import { type RunObserver } from '@agent-mcp/agent-core';
import { MODEL_BUCKETS } from './buckets';

/**
 * Registers `agent_*`: agent runs, model requests, tokens and upstream errors by model and status, fed by the
 * returned observer.
 */
export function registerAgentMetrics(registers: Registry[]): RunObserver {
  const runs = new Counter({
    name: 'agent_runs_total',
    help: 'Agent runs by agent and outcome',
    labelNames: ['agent', 'outcome'],
    registers,
  });
  const runSeconds = new Histogram({
    name: 'agent_run_duration_seconds',
    help: 'Duration of agent runs',
    labelNames: ['agent', 'outcome'],
    buckets: MODEL_BUCKETS,
    registers,
  });
  const modelRequests = new Counter({
    name: 'agent_model_requests_total',
    help: 'Model request attempts by model and status',
    labelNames: ['model', 'status'],
    registers,
  });
  const modelSeconds = new Histogram({
    name: 'agent_model_request_duration_seconds',
    help: 'Duration of model request attempts',
    labelNames: ['model', 'status'],
    buckets: MODEL_BUCKETS,
    registers,
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
      modelRequests.inc({ model: info.model, status });
      modelSeconds.observe({ model: info.model, status }, info.durationMs / 1000);
      if (info.usage) {
        tokens.inc({ model: info.model, kind: 'input' }, info.usage.inputTokens);
        tokens.inc({ model: info.model, kind: 'output' }, info.usage.outputTokens);
      }
      if (info.error) upstreamErrors.inc({ model: info.model, status, code: info.error.code });
    },
    onRunFinished(info) {
      runs.inc({ agent: info.agent, outcome: info.outcome });
      runSeconds.observe({ agent: info.agent, outcome: info.outcome }, info.durationMs / 1000);
    },
  };
}
