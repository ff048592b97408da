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
  registerInputRequiredTools(server);
  registerPendingScenarioTools(server);
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

const NAME_FORM: RequestedSchema = {
  type: 'object',
  properties: { name: { type: 'string' } },
  required: ['name'],
};
const CONFIRM_FORM: RequestedSchema = {
  type: 'object',
  properties: { ok: { type: 'boolean' } },
  required: ['ok'],
};

/** Text of a sampling answer's content. */
function sampledText(result: { content: unknown }): string {
  const blocks = (Array.isArray(result.content) ? result.content : [result.content]) as Array<{
    type: string;
    text?: string;
  }>;
  return blocks.map((block) => (block.type === 'text' ? block.text : `[${block.type}]`)).join('\n');
}

/**
 * The tools of the 2026-07-28 `input-required-result-*` scenarios (multi-round-trip requests). Each asks through
 * the one client API both eras share (`ctx.client.elicit`, `createMessage`, `request('roots/list')`) with the
 * keys the scenarios name; mcp-core turns the questions into `input_required` and finds the answers on the retry.
 */
function registerInputRequiredTools(server: McpServer): void {
  const { tools } = server;
  tools.register(
    defineTool({
      name: 'test_input_required_result_elicitation',
      description: "Asks the user's name (one elicitation input request)",
      inputSchema: NO_ARGS,
      execute: async (_params, ctx) => {
        const answer = await ctx.client.elicit(
          { message: 'What is your name?', requestedSchema: NAME_FORM },
          { key: 'user_name' },
        );
        return `Hello, ${String(answer.content?.name ?? 'stranger')}!`;
      },
    }),
  );
  tools.register(
    defineTool({
      name: 'test_input_required_result_sampling',
      description: "Asks the client's model a question (one sampling input request)",
      inputSchema: NO_ARGS,
      execute: async (_params, ctx) => {
        const answer = await ctx.client.createMessage(
          {
            messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }],
            maxTokens: 100,
          },
          { key: 'capital_question' },
        );
        return `Model answered: ${sampledText(answer)}`;
      },
    }),
  );
  tools.register(
    defineTool({
      name: 'test_input_required_result_list_roots',
      description: "Lists the client's roots (one roots/list input request)",
      inputSchema: NO_ARGS,
      execute: async (_params, ctx) => {
        const { roots } = await ctx.client.request<{ roots: Array<{ uri: string }> }>(
          'roots/list',
          {},
          { key: 'client_roots' },
        );
        return `Roots: ${roots.map((root) => root.uri).join(', ')}`;
      },
    }),
  );
  tools.register(
    defineTool({
      name: 'test_input_required_result_request_state',
      description: 'Asks for a confirmation; the retry must bring back the sealed requestState',
      inputSchema: NO_ARGS,
      execute: async (_params, ctx) => {
        const answer = await ctx.client.elicit(
          { message: 'Please confirm', requestedSchema: CONFIRM_FORM },
          { key: 'confirm' },
        );
        return `state-ok: confirmed=${String(answer.content?.ok)}`;
      },
    }),
  );
  tools.register(
    defineTool({
      name: 'test_input_required_result_multiple_inputs',
      description: 'Asks for a name, a greeting from the model and the roots at once (three input requests)',
      inputSchema: NO_ARGS,
      execute: async (_params, ctx) => {
        const [name, greeting, roots] = await Promise.all([
          ctx.client.elicit({ message: 'What is your name?', requestedSchema: NAME_FORM }, { key: 'user_name' }),
          ctx.client.createMessage(
            { messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }], maxTokens: 50 },
            { key: 'greeting' },
          ),
          ctx.client.request<{ roots: unknown[] }>('roots/list', {}, { key: 'client_roots' }),
        ]);
        return `${sampledText(greeting)} ${String(name.content?.name)} (${roots.roots.length} roots)`;
      },
    }),
  );
  tools.register(
    defineTool({
      name: 'test_input_required_result_multi_round',
      description: 'Asks a name, then a favourite colour (two rounds)',
      inputSchema: NO_ARGS,
      execute: async (_params, ctx) => {
        const name = await ctx.client.elicit(
          { message: 'Step 1: What is your name?', requestedSchema: NAME_FORM },
          { key: 'step1' },
        );
        const color = await ctx.client.elicit(
          {
            message: 'Step 2: What is your favorite color?',
            requestedSchema: { type: 'object', properties: { color: { type: 'string' } }, required: ['color'] },
          },
          { key: 'step2' },
        );
        return `${String(name.content?.name)} likes ${String(color.content?.color)}`;
      },
    }),
  );
  tools.register(
    defineTool({
      name: 'test_input_required_result_tampered_state',
      description: 'Asks for a confirmation; an altered requestState is refused',
      inputSchema: NO_ARGS,
      execute: async (_params, ctx) => {
        const answer = await ctx.client.elicit(
          { message: 'Please confirm', requestedSchema: CONFIRM_FORM },
          { key: 'confirm' },
        );
        return `confirmed=${String(answer.content?.ok)}`;
      },
    }),
  );
  tools.register(
    defineTool({
      name: 'test_input_required_result_capabilities',
      description: 'Asks only through the capabilities the client declared',
      inputSchema: NO_ARGS,
      execute: async (_params, ctx) => {
        const declared = ctx.client.capabilities ?? {};
        const asked: Array<Promise<unknown>> = [];
        if (declared.sampling)
          asked.push(
            ctx.client.createMessage(
              { messages: [{ role: 'user', content: { type: 'text', text: 'Say hello' } }], maxTokens: 20 },
              { key: 'sampled' },
            ),
          );
        if (declared.elicitation)
          asked.push(
            ctx.client.elicit({ message: 'What is your name?', requestedSchema: NAME_FORM }, { key: 'elicited' }),
          );
        await Promise.all(asked);
        return `Asked ${asked.length} question(s)`;
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

/** The inputSchema the suite's `json-schema-2020-12` scenario expects verbatim (SEP-1613, SEP-2106). */
const JSON_SCHEMA_2020_12 = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object' as const,
  $defs: {
    address: {
      $anchor: 'addressDef',
      type: 'object',
      properties: { street: { type: 'string' }, city: { type: 'string' } },
    },
  },
  properties: {
    name: { type: 'string' },
    address: { $ref: '#/$defs/address' },
    contactMethod: { type: 'string', enum: ['phone', 'email'] },
    phone: { type: 'string' },
    email: { type: 'string' },
  },
  allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
  if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
  then: { required: ['phone'] },
  else: { required: ['email'] },
  additionalProperties: false,
};

/**
 * Tools for the pending 2026-07-28 scenarios: a schema with JSON Schema 2020-12 keywords zod does not write
 * (advertised as given, validated by the equivalent zod schema), and a parameter mirrored in an `Mcp-Param-*`
 * header (`x-mcp-header`).
 */
export function registerPendingScenarioTools(server: McpServer): void {
  const contact = z
    .object({
      name: z.string().optional(),
      address: z.object({ street: z.string().optional(), city: z.string().optional() }).optional(),
      contactMethod: z.enum(['phone', 'email']).optional(),
      phone: z.string().optional(),
      email: z.string().optional(),
    })
    .strict()
    .refine((c) => (c.contactMethod === 'phone' ? c.phone !== undefined : c.email !== undefined), {
      message: 'phone is required when contactMethod is phone, else email',
    });
  server.tools.register(
    defineTool({
      name: 'json_schema_2020_12_tool',
      description: 'Tool with JSON Schema 2020-12 features',
      inputSchema: contact,
      inputJsonSchema: JSON_SCHEMA_2020_12,
      execute: (args) => `Contact recorded: ${JSON.stringify(args)}`,
    }),
  );
  server.tools.register(
    defineTool({
      name: 'test_region_lookup',
      description: 'Looks a region up; the region also travels in the Mcp-Param-Region header',
      inputSchema: z.object({
        region: z.string().max(200).meta({ 'x-mcp-header': 'Region' }),
        query: z.string().max(200).optional(),
      }),
      execute: ({ region, query }) => `Region ${region}${query ? `: ${query}` : ''}`,
    }),
  );
}
