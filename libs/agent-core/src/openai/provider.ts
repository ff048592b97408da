import { type OpenAIApi, type OpenAIConfig, loadOpenAIConfig } from '../config';
import { MissingConfigError } from '../errors';
import { type Model, type ModelProvider } from '../model';
import { OpenAIChatCompletionsModel } from './chat-completions-model';
import { OpenAIClientHandle } from './client';
import { OpenAIResponsesModel } from './responses-model';

/** Options of {@link createOpenAIProvider}; anything unset falls back to the environment (see {@link loadOpenAIConfig}). */
export interface OpenAIProviderOptions {
  /** Defaults to `OPENAI_API_KEY`. */
  readonly apiKey?: string;
  /** Any OpenAI-compatible server, e.g. `http://localhost:11434/v1`. Defaults to `OPENAI_BASE_URL`, then OpenAI. */
  readonly baseURL?: string;
  /** Default model name. Defaults to `OPENAI_MODEL`, then {@link DEFAULT_MODEL}. */
  readonly model?: string;
  /** Wire API. Defaults to `OPENAI_API`, then `responses`. */
  readonly api?: OpenAIApi;
  readonly organization?: string;
  readonly project?: string;
  /** Extra headers on every request (e.g. for a gateway). */
  readonly defaultHeaders?: Readonly<Record<string, string>>;
  /** Timeout of one model request when the run has no deadline. Default 600 000 ms. */
  readonly requestTimeoutMs?: number;
  /** Allow hosted tools (web search). Default: only when the server is OpenAI's and the API is `responses`. */
  readonly hostedTools?: boolean;
  /** Where unset options are read from. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const OPENAI_HOST = 'api.openai.com';

/**
 * A {@link ModelProvider} backed by the official `openai` client, speaking the Responses API or Chat Completions.
 * The environment is read and validated here, once; `openai` itself is loaded on the first model request.
 * Without an API key, creating the provider succeeds and the first model request fails with a
 * {@link MissingConfigError} naming `OPENAI_API_KEY`.
 */
export function createOpenAIProvider(options: OpenAIProviderOptions = {}): ModelProvider {
  const env: OpenAIConfig = loadOpenAIConfig(options.env ?? process.env);
  const apiKey = options.apiKey ?? env.apiKey;
  const baseURL = options.baseURL ?? env.baseURL;
  const api = options.api ?? env.api;
  const defaultModel = options.model ?? env.model;
  const isOpenAI = baseURL === undefined || new URL(baseURL).hostname === OPENAI_HOST;
  let handle: OpenAIClientHandle | undefined;
  const models = new Map<string, Model>();

  return Object.freeze({
    getModel(name: string | undefined): Model {
      const modelName = name ?? defaultModel;
      const cached = models.get(modelName);
      if (cached) return cached;
      if (!apiKey) {
        throw new MissingConfigError(
          'OPENAI_API_KEY',
          'No API key is configured for the model server: set the OPENAI_API_KEY environment variable ' +
            '(or pass apiKey to createOpenAIProvider). OpenAI-compatible servers that need no key accept any value.',
        );
      }
      handle ??= new OpenAIClientHandle({
        apiKey,
        baseURL,
        ...(options.organization ? { organization: options.organization } : {}),
        ...(options.project ? { project: options.project } : {}),
        ...(options.defaultHeaders ? { defaultHeaders: options.defaultHeaders } : {}),
        requestTimeoutMs: options.requestTimeoutMs ?? 600_000,
        hostedTools: options.hostedTools ?? (isOpenAI && api === 'responses'),
      });
      const model =
        api === 'chat'
          ? new OpenAIChatCompletionsModel(handle, modelName)
          : new OpenAIResponsesModel(handle, modelName);
      models.set(modelName, model);
      return model;
    },
  });
}

let defaultProvider: ModelProvider | undefined;

/**
 * Sets the provider runs use when none is given (`run(agent, input)` without `modelProvider`), as the OpenAI
 * Agents SDK's `setDefaultModelProvider` does. Until it is called, the default is OpenAI configured from the
 * environment on first use. Pass `undefined` to go back to that.
 */
export function setDefaultModelProvider(provider: ModelProvider | undefined): void {
  defaultProvider = provider;
}

/** The provider runs use when none is given: the one set by {@link setDefaultModelProvider}, else OpenAI configured from the environment on first use (then reused). */
export function getDefaultModelProvider(): ModelProvider {
  defaultProvider ??= createOpenAIProvider();
  return defaultProvider;
}
