// Checks the model over the neutral sampling port: what reaches the client's model (system prompt, messages with
// tool_use / tool_result blocks, tools, limits) and how answers become text and tool calls, with native sampling
// tools and with the JSON emulation for clients without them; and that runAgentTool falls back to it with no key.
// The port here answers from a list, as a client's model would; the MCP side is covered by mcp-core and the apps.
import { z } from 'zod';
import {
  ANONYMOUS_PRINCIPAL,
  InMemoryMemoryStore,
  type SampledContent,
  type SampleRequest,
  type SamplingPort,
  createRequestContext,
  noopLogger,
} from '@agent-mcp/context';
import { Agent, createOpenAIProvider, run, tool, UpstreamError } from '@agent-mcp/agent-core';
import { agentRunMeta, runAgentTool } from './run-agent-tool';
import { createSamplingModel } from './sampling-model';

function answeringPort(
  supportsTools: boolean,
  answers: { model: string; content: SampledContent[] }[],
): SamplingPort & { requests: SampleRequest[] } {
  const requests: SampleRequest[] = [];
  return {
    supportsTools,
    requests,
    async sample(request) {
      requests.push(request);
      const next = answers.shift();
      if (!next) throw new Error('User rejected sampling request');
      return {
        model: next.model,
        stopReason: next.content.some((c) => c.type === 'tool_use') ? 'toolUse' : 'endTurn',
        content: next.content,
      };
    },
  };
}

const lookup = tool({
  name: 'lookup',
  description: 'Looks a word up',
  parameters: z.object({ word: z.string() }),
  execute: ({ word }) => `${word}: a greeting`,
});

describe('createSamplingModel', () => {
  it('sends tools natively and carries tool_use and tool_result blocks between turns', async () => {
    const port = answeringPort(true, [
      { model: 'claude-test', content: [{ type: 'tool_use', id: 'tu_1', name: 'lookup', input: { word: 'hello' } }] },
      { model: 'claude-test', content: [{ type: 'text', text: 'A greeting.' }] },
    ]);
    const model = createSamplingModel(port);
    const result = await run(
      new Agent({
        name: 'dict',
        instructions: 'Be brief.',
        model,
        tools: [lookup],
        modelSettings: { maxOutputTokens: 300 },
      }),
      'What is hello?',
    );
    expect(result.finalOutput).toBe('A greeting.');
    expect(model.name).toBe('claude-test');
    expect(port.requests[0]).toMatchObject({
      systemPrompt: 'Be brief.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is hello?' }] }],
      tools: [
        { name: 'lookup', description: 'Looks a word up', inputSchema: expect.objectContaining({ type: 'object' }) },
      ],
      toolChoice: 'auto',
      maxTokens: 300,
    });
    expect(port.requests[1].messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'What is hello?' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'tu_1', name: 'lookup', input: { word: 'hello' } }] },
      { role: 'user', content: [{ type: 'tool_result', toolUseId: 'tu_1', text: 'hello: a greeting' }] },
    ]);
    expect(result.usage.requests).toBe(2);
    expect(result.usage.totalTokens).toBeGreaterThan(0);
  });

  it('describes tools in the system prompt and reads JSON tool calls when the client has no sampling tools', async () => {
    const port = answeringPort(false, [
      {
        model: 'small-model',
        content: [
          { type: 'text', text: '```json\n{"tool_calls": [{"name": "lookup", "arguments": {"word": "hi"}}]}\n```' },
        ],
      },
      { model: 'small-model', content: [{ type: 'text', text: 'Hi is a greeting.' }] },
    ]);
    const result = await run(
      new Agent({ name: 'dict', model: createSamplingModel(port), tools: [lookup] }),
      'What is hi?',
    );
    expect(result.finalOutput).toBe('Hi is a greeting.');
    expect(port.requests[0].tools).toBeUndefined();
    expect(port.requests[0].systemPrompt).toContain('{"tool_calls": [{"name": "<tool name>"');
    expect(port.requests[0].systemPrompt).toContain('- lookup: Looks a word up');
    expect(port.requests[1].messages[1]).toEqual({
      role: 'assistant',
      content: [{ type: 'text', text: '{"tool_calls":[{"name":"lookup","arguments":{"word":"hi"}}]}' }],
    });
    expect(port.requests[1].messages[2]).toEqual({
      role: 'user',
      content: [{ type: 'text', text: expect.stringMatching(/^Tool result \(sampling_call_\d+\):\nhi: a greeting$/) }],
    });
  });

  it('turns a refused request into a non-retryable upstream error', async () => {
    const port = answeringPort(true, []);
    await expect(run(new Agent({ name: 'x', model: createSamplingModel(port) }), 'Hi')).rejects.toMatchObject({
      constructor: UpstreamError,
      retryable: false,
      message: "The client's model did not answer: User rejected sampling request",
    });
  });
});

describe('runAgentTool with no server key', () => {
  it("runs on the client's model and says so in the metadata", async () => {
    const port = answeringPort(true, [
      { model: 'client-model-1', content: [{ type: 'text', text: 'Answered by the client.' }] },
    ]);
    const context = createRequestContext({
      requestId: 1,
      principal: ANONYMOUS_PRINCIPAL,
      signal: new AbortController().signal,
      logger: noopLogger,
      memory: new InMemoryMemoryStore(),
      listRoots: async () => [],
      sendProgress: async () => undefined,
      readResource: async () => [],
      sendLog: async () => undefined,
      sampling: port,
    });
    const policy = {
      maxTurns: 5,
      maxTokens: 10_000,
      deadlineSeconds: 10,
      heartbeatSeconds: 10,
      logLevel: 'info' as const,
    };
    const outcome = await runAgentTool(new Agent({ name: 'helper' }), 'Hi', {
      context,
      policy,
      modelProvider: createOpenAIProvider({ env: {} }),
    });
    expect(outcome).toMatchObject({ status: 'completed', output: 'Answered by the client.' });
    expect(agentRunMeta(outcome).agentRun).toMatchObject({
      modelSource: 'client-sampling',
      model: 'client-model-1',
      usage: { requests: 1, estimated: true },
    });
    expect(port.requests[0].signal).toBeInstanceOf(AbortSignal);
  });
});
