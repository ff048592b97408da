import { definePrompt, type McpServer } from '@agent-mcp/mcp-core';
import { z } from 'zod';
import { TEST_IMAGE_BASE64 } from './fixture-media';

/** Values `completion/complete` offers for `arg1` of `test_prompt_with_arguments`. */
const ARG1_VALUES = ['paris', 'park', 'party'];

/** The prompts the conformance suite gets by name. */
export function registerFixturePrompts(server: McpServer): void {
  const prompts = server.prompts;

  prompts.register(
    definePrompt({
      name: 'test_simple_prompt',
      title: 'Simple Test Prompt',
      description: 'A simple prompt without arguments',
      get: () => ({
        messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }],
      }),
    }),
  );

  prompts.register(
    definePrompt({
      name: 'test_prompt_with_arguments',
      title: 'Prompt With Arguments',
      description: 'A prompt with required arguments',
      arguments: z.object({
        arg1: z.string().describe('First test argument'),
        arg2: z.string().describe('Second test argument'),
      }),
      complete: { arg1: (value) => ARG1_VALUES.filter((v) => v.startsWith(value)) },
      get: ({ arg1, arg2 }) => ({
        messages: [
          { role: 'user', content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } },
        ],
      }),
    }),
  );

  prompts.register(
    definePrompt({
      name: 'test_prompt_with_embedded_resource',
      title: 'Prompt With Embedded Resource',
      description: 'A prompt that includes an embedded resource',
      arguments: z.object({ resourceUri: z.string().describe('URI of the resource to embed') }),
      get: ({ resourceUri }) => ({
        messages: [
          {
            role: 'user',
            content: {
              type: 'resource',
              resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' },
            },
          },
          { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
        ],
      }),
    }),
  );

  prompts.register(
    definePrompt({
      name: 'test_prompt_with_image',
      title: 'Prompt With Image',
      description: 'A prompt that includes image content',
      get: () => ({
        messages: [
          { role: 'user', content: { type: 'image', data: TEST_IMAGE_BASE64, mimeType: 'image/png' } },
          { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
        ],
      }),
    }),
  );

  prompts.register(
    definePrompt({
      name: 'test_input_required_result_prompt',
      description: 'Asks the user for context (an elicitation input request) before it renders',
      get: async (_args, ctx) => {
        const answer = await ctx.client.elicit(
          {
            message: 'What context should the prompt use?',
            requestedSchema: { type: 'object', properties: { context: { type: 'string' } }, required: ['context'] },
          },
          { key: 'user_context' },
        );
        return {
          messages: [
            { role: 'user', content: { type: 'text', text: `Context: ${String(answer.content?.context ?? '')}` } },
          ],
        };
      },
    }),
  );
}
