import { createScriptedModel } from '@agent-mcp/agent-core/testing';
import { type ModelProvider, type RunQueue } from '@agent-mcp/agent-core';
import { hostedBy } from './agent-tool-hosting';

describe('hostedBy', () => {
  it('hands a tool only the hosting it is given', () => {
    expect(hostedBy({})).toEqual({});
    const env = { OPENAI_API_KEY: 'sk-test' };
    expect(hostedBy({ env })).toEqual({ env });
  });

  it('hands over every part as it is, the run observer as the definition observer', () => {
    const modelProvider: ModelProvider = { getModel: () => createScriptedModel([]) };
    const runs: RunQueue = { run: (_request, work) => work(undefined as never) };
    const runObserver = { onRunStarted: () => undefined };
    const env = { OPENAI_API_KEY: 'sk-test' };
    const hosted = hostedBy({ modelProvider, env, runObserver, runs });
    expect(hosted).toEqual({ modelProvider, env, observer: runObserver, runs });
    expect(hosted.modelProvider).toBe(modelProvider);
    expect(hosted.runs).toBe(runs);
  });
});
