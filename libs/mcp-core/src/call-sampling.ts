import type { CreateMessageRequestParams, SamplingMessage } from '@modelcontextprotocol/sdk/types.js';
import { type SampledContent, type SampleRequest, type SampleResult, type SamplingPort } from '@agent-mcp/context';
import { summarise } from './protocol/params';
import { ProtocolError } from './errors';
import { type ClientInteraction } from './tool-context';

type WireBlock = Exclude<SamplingMessage['content'], readonly unknown[]>;

/**
 * The neutral {@link SamplingPort} of a call, over MCP `sampling/createMessage` on the call's own stream: so the
 * agent layer can run on the client's model without knowing MCP. Tools go out as sampling tools (2025-11-25)
 * only when the client declared `sampling.tools`.
 */
export class CallSampling implements SamplingPort {
  constructor(
    private readonly client: ClientInteraction,
    readonly supportsTools: boolean,
  ) {}

  async sample(request: SampleRequest): Promise<SampleResult> {
    const withTools = this.supportsTools && request.tools !== undefined && request.tools.length > 0;
    const params: CreateMessageRequestParams = {
      messages: request.messages.map((m) => ({
        role: m.role,
        // A single block goes out bare: clients on versions before 2025-11-25 accept only that form.
        content: m.content.length === 1 ? toWire(m.content[0] as SampledContent) : m.content.map(toWire),
      })) as SamplingMessage[],
      maxTokens: request.maxTokens,
      includeContext: 'none',
      ...(request.systemPrompt !== undefined ? { systemPrompt: request.systemPrompt } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.modelHint ? { modelPreferences: { hints: [{ name: request.modelHint }] } } : {}),
      ...(withTools
        ? {
            tools: request.tools?.map((t) => ({
              name: t.name,
              description: t.description,
              inputSchema: { ...t.inputSchema, type: 'object' as const },
            })),
            toolChoice: { mode: request.toolChoice ?? 'auto' },
          }
        : {}),
    };
    const raw = await this.client.request('sampling/createMessage', params as Record<string, unknown>, {
      ...(request.timeoutMs !== undefined ? { timeoutMs: Math.max(1, request.timeoutMs) } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    });
    // The SDK's schemas are loaded on the first sampling result rather than at import: its types module builds
    // hundreds of zod schemas (and loads a second zod), ~30 ms of every stdio launch for a rarely used feature.
    const { CreateMessageResultSchema, CreateMessageResultWithToolsSchema } =
      await import('@modelcontextprotocol/sdk/types.js');
    const parsed = (withTools ? CreateMessageResultWithToolsSchema : CreateMessageResultSchema).safeParse(raw);
    if (!parsed.success) {
      throw new ProtocolError(
        'INVALID_SAMPLING_RESULT',
        `The client's sampling result is invalid: ${summarise(parsed.error.issues)}`,
      );
    }
    const content = Array.isArray(parsed.data.content) ? parsed.data.content : [parsed.data.content];
    return {
      model: parsed.data.model,
      stopReason: parsed.data.stopReason,
      content: content.flatMap((block): SampledContent[] => {
        if (block.type === 'text') return [{ type: 'text', text: block.text }];
        if (block.type === 'tool_use')
          return [{ type: 'tool_use', id: block.id, name: block.name, input: block.input }];
        // Images and audio have no place in an agent's text conversation; say that something was left out.
        if (block.type === 'image' || block.type === 'audio')
          return [{ type: 'text', text: `[${block.type} omitted]` }];
        return [];
      }),
    };
  }
}

function toWire(block: SampledContent): WireBlock {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text };
    case 'tool_use':
      return { type: 'tool_use', id: block.id, name: block.name, input: { ...block.input } };
    case 'tool_result':
      return {
        type: 'tool_result',
        toolUseId: block.toolUseId,
        content: [{ type: 'text', text: block.text }],
        ...(block.isError ? { isError: true } : {}),
      };
  }
}
