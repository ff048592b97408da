import { type ClientInteraction, defineTool, type McpServer, ToolError, toolResponse } from '@agent-mcp/mcp-core';
import { z } from 'zod';
import { TEST_AUDIO_BASE64, TEST_IMAGE_BASE64 } from './fixture-media';

/** The form schema an elicitation asks the client to fill in. */
type RequestedSchema = Extract<
  Parameters<ClientInteraction['elicit']>[0],
  { requestedSchema: unknown }
>['requestedSchema'];

const NO_ARGS = z.object({});
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/**
 * Form schema of `test_elicitation_sep1034_defaults`: one field of each primitive type, each with a default
 * (SEP-1034), which the suite's client echoes back.
 */
const SEP1034_SCHEMA: RequestedSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', description: 'User name', default: 'John Doe' },
    age: { type: 'integer', description: 'User age', default: 30 },
    score: { type: 'number', description: 'User score', default: 95.5 },
    status: { type: 'string', description: 'User status', enum: ['active', 'inactive', 'pending'], default: 'active' },
    verified: { type: 'boolean', description: 'Verification status', default: true },
  },
  required: [],
};

/** Form schema of `test_elicitation_sep1330_enums`: the five enum shapes of SEP-1330. */
const SEP1330_SCHEMA: RequestedSchema = {
  type: 'object',
  properties: {
    untitledSingle: { type: 'string', description: 'Select one option', enum: ['option1', 'option2', 'option3'] },
    titledSingle: {
      type: 'string',
      description: 'Select one option with titles',
      oneOf: [
        { const: 'value1', title: 'First Option' },
        { const: 'value2', title: 'Second Option' },
        { const: 'value3', title: 'Third Option' },
      ],
    },
    legacyEnum: {
      type: 'string',
      description: 'Select one option (legacy)',
      enum: ['opt1', 'opt2', 'opt3'],
      enumNames: ['Option One', 'Option Two', 'Option Three'],
    },
    untitledMulti: {
      type: 'array',
      description: 'Select multiple options',
      minItems: 1,
      maxItems: 3,
      items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
    },
    titledMulti: {
      type: 'array',
      description: 'Select multiple options with titles',
      minItems: 1,
      maxItems: 3,
      items: {
        anyOf: [
          { const: 'value1', title: 'First Choice' },
          { const: 'value2', title: 'Second Choice' },
          { const: 'value3', title: 'Third Choice' },
        ],
      },
    },
  },
  required: [],
};

/** The tools the conformance suite calls by name, each returning what its scenario checks for. */
export function registerFixtureTools(server: McpServer): void {
  registerContentTools(server.tools);
  registerNotifyingTools(server.tools);
  registerClientRequestTools(server.tools);
  registerStatelessDiagnostics(server);
}

/** Tools whose result carries one kind of content block each, or several kinds at once. */
function registerContentTools(tools: McpServer['tools']): void {
  tools.register(
    defineTool({
      name: 'test_simple_text',
      description: 'Returns one text block',
      inputSchema: NO_ARGS,
      execute: () => 'This is a simple text response for testing.',
    }),
  );

  tools.register(
    defineTool({
      name: 'test_image_content',
      description: 'Returns one PNG image block',
      inputSchema: NO_ARGS,
      execute: () => toolResponse({ content: [{ type: 'image', data: TEST_IMAGE_BASE64, mimeType: 'image/png' }] }),
    }),
  );

  tools.register(
    defineTool({
      name: 'test_audio_content',
      description: 'Returns one WAV audio block',
      inputSchema: NO_ARGS,
      execute: () => toolResponse({ content: [{ type: 'audio', data: TEST_AUDIO_BASE64, mimeType: 'audio/wav' }] }),
    }),
  );

  tools.register(
    defineTool({
      name: 'test_embedded_resource',
      description: 'Returns one embedded text resource',
      inputSchema: NO_ARGS,
      execute: () =>
        toolResponse({
          content: [
            {
              type: 'resource',
              resource: {
                uri: 'test://embedded-resource',
                mimeType: 'text/plain',
                text: 'This is an embedded resource content.',
              },
            },
          ],
        }),
    }),
  );

  tools.register(
    defineTool({
      name: 'test_multiple_content_types',
      description: 'Returns text, an image and an embedded resource in one result',
      inputSchema: NO_ARGS,
      execute: () =>
        toolResponse({
          content: [
            { type: 'text', text: 'Multiple content types test:' },
            { type: 'image', data: TEST_IMAGE_BASE64, mimeType: 'image/png' },
            {
              type: 'resource',
              resource: {
                uri: 'test://mixed-content-resource',
                mimeType: 'application/json',
                text: JSON.stringify({ test: 'data', value: 123 }),
              },
            },
          ],
        }),
    }),
  );
}

/** Tools that log or report progress while they run, and one that always fails. */
function registerNotifyingTools(tools: McpServer['tools']): void {
  tools.register(
    defineTool({
      name: 'test_tool_with_logging',
      description: 'Sends three info log notifications while it runs',
      inputSchema: NO_ARGS,
      execute: async (_params, ctx) => {
        // The pauses make the client receive the notifications one by one, during the call.
        await ctx.log('info', 'Tool execution started');
        await sleep(50, ctx.signal);
        await ctx.log('info', 'Tool processing data');
        await sleep(50, ctx.signal);
        await ctx.log('info', 'Tool execution completed');
        return 'Tool with logging executed successfully';
      },
    }),
  );

  tools.register(
    defineTool({
      name: 'test_tool_with_progress',
      description: 'Reports progress 0, 50 and 100 of 100 while it runs',
      inputSchema: NO_ARGS,
      execute: async (_params, ctx) => {
        for (const progress of [0, 50, 100]) {
          if (progress > 0) await sleep(50, ctx.signal);
          await ctx.reportProgress({ progress, total: 100, message: `Completed step ${progress} of 100` });
        }
        return 'Progress reported: 0, 50 and 100 of 100';
      },
    }),
  );

  tools.register(
    defineTool({
      name: 'test_error_handling',
      description: 'Always fails, to test error results',
      inputSchema: NO_ARGS,
      execute: () => {
        throw new ToolError('This tool intentionally returns an error for testing');
      },
    }),
  );
}

/** Tools that ask the client something mid-call: its model (sampling) or its user (elicitation). */
function registerClientRequestTools(tools: McpServer['tools']): void {
  tools.register(
    defineTool({
      name: 'test_sampling',
      description: "Asks the client's model to answer a prompt (sampling)",
      inputSchema: z.object({ prompt: z.string().describe('The prompt to send to the LLM') }),
      execute: async ({ prompt }, ctx) => {
        const result = await ctx.client.createMessage({
          messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
          maxTokens: 100,
        });
        const blocks = Array.isArray(result.content) ? result.content : [result.content];
        const text = blocks.map((block) => (block.type === 'text' ? block.text : `[${block.type}]`)).join('\n');
        return `LLM response: ${text}`;
      },
    }),
  );

  tools.register(
    defineTool({
      name: 'test_elicitation',
      description: 'Asks the user for a username and an email (elicitation)',
      inputSchema: z.object({ message: z.string().describe('The message to show the user') }),
      execute: async ({ message }, ctx) => {
        const result = await ctx.client.elicit({
          message,
          requestedSchema: {
            type: 'object',
            properties: {
              username: { type: 'string', description: "User's response" },
              email: { type: 'string', description: "User's email address" },
            },
            required: ['username', 'email'],
          },
        });
        return `User response: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`;
      },
    }),
  );

  tools.register(
    defineTool({
      name: 'test_elicitation_sep1034_defaults',
      description: 'Asks for a form whose fields carry default values (SEP-1034)',
      inputSchema: NO_ARGS,
      execute: async (_params, ctx) => {
        const result = await ctx.client.elicit({
          message: 'Please review and update the form fields with defaults',
          requestedSchema: SEP1034_SCHEMA,
        });
        return `Elicitation completed: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`;
      },
    }),
  );

  tools.register(
    defineTool({
      name: 'test_elicitation_sep1330_enums',
      description: 'Asks for a form with every enum shape of SEP-1330',
      inputSchema: NO_ARGS,
      execute: async (_params, ctx) => {
        const result = await ctx.client.elicit({
          message: 'Please select options from the enum fields',
          requestedSchema: SEP1330_SCHEMA,
        });
        return `Elicitation completed: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`;
      },
    }),
  );
}

/**
 * The diagnostic tools of the 2026-07-28 `server-stateless` scenario: a call that needs the sampling capability
 * (-32021 for a client that did not declare it), a call that streams progress before its answer (the stream must
 * carry no request to the client), and one that logs (nothing may arrive unless the request names a log level).
 */
function registerStatelessDiagnostics(server: McpServer): void {
  const { tools } = server;
  tools.register(
    defineTool({
      name: 'test_missing_capability',
      description: "Needs the client's sampling capability",
      inputSchema: NO_ARGS,
      execute: async (_params, ctx) => {
        await ctx.client.createMessage({
          messages: [{ role: 'user', content: { type: 'text', text: 'Say ok' } }],
          maxTokens: 10,
        });
        return 'Success';
      },
    }),
  );
  tools.register(
    defineTool({
      name: 'test_streaming_elicitation',
      description: 'Streams progress on its own response before answering',
      inputSchema: NO_ARGS,
      execute: async (_params, ctx) => {
        await ctx.reportProgress({ progress: 50, total: 100 });
        await sleep(20, ctx.signal);
        return 'Streaming complete';
      },
    }),
  );
  tools.register(
    defineTool({
      name: 'test_logging_tool',
      description: 'Logs at info level, which reaches only a client that asked for logs',
      inputSchema: NO_ARGS,
      execute: async (_params, ctx) => {
        await ctx.log('info', 'Diagnostic trace logging activated');
        return 'Logging evaluated';
      },
    }),
  );
}
