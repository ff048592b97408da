import { definePrompt, defineTool, type McpServer } from '@agent-mcp/mcp-core';
import { z } from 'zod';

const NO_ARGS = z.object({});
/** Prompts `test_trigger_prompt_change` adds at most; past that it only announces a change. */
const MAX_DYNAMIC_PROMPTS = 100;

/**
 * The diagnostic hooks of the 2026-07-28 `server-stateless` scenario's listen checks: each changes a list while a
 * `subscriptions/listen` stream is open, which must then carry the list's change notification (and only to the
 * streams that asked for it).
 */
export function registerFixtureChangeTools(server: McpServer): void {
  const dynamicTool = defineTool({
    name: 'test_dynamic_tool',
    description: 'Comes and goes with test_trigger_tool_change',
    inputSchema: NO_ARGS,
    execute: () => 'here',
  });
  server.tools.register(
    defineTool({
      name: 'test_trigger_tool_change',
      description: 'Adds or removes test_dynamic_tool: the tool list changes',
      inputSchema: NO_ARGS,
      execute: () => {
        // The registry tells the server, which tells the listen streams that asked for tool list changes.
        if (server.tools.unregister(dynamicTool.name)) return 'removed test_dynamic_tool';
        server.tools.register(dynamicTool);
        return 'added test_dynamic_tool';
      },
    }),
  );
  let prompts = 0;
  server.tools.register(
    defineTool({
      name: 'test_trigger_prompt_change',
      description: 'Adds a prompt: the prompt list changes',
      inputSchema: NO_ARGS,
      execute: () => {
        if (prompts < MAX_DYNAMIC_PROMPTS) {
          prompts++;
          server.prompts.register(
            definePrompt({
              name: `test_dynamic_prompt_${prompts}`,
              description: 'Added by test_trigger_prompt_change',
              get: () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'dynamic' } }] }),
            }),
          );
        }
        server.notifyListChanged('prompts');
        return `prompts added: ${prompts}`;
      },
    }),
  );
}
