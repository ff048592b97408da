import type * as OpenAIModule from 'openai';

export type OpenAISdk = typeof OpenAIModule;

let loading: Promise<OpenAISdk> | undefined;

/**
 * Loads the `openai` package on first use. Importing agent-core must stay cheap for servers that start often
 * (stdio MCP servers are launched per client session); the SDK is only needed once a model is called.
 */
export function loadOpenAI(): Promise<OpenAISdk> {
  loading ??= import('openai').catch((err: unknown) => {
    loading = undefined;
    throw err;
  });
  return loading;
}
