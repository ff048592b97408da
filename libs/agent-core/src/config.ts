import { type SettingDoc } from '@agent-mcp/context';
import { z } from 'zod';
import { InvalidConfigError } from './errors';

/** Which OpenAI wire API a provider speaks. */
export type OpenAIApi = 'responses' | 'chat';

/** The default model when neither `OPENAI_MODEL` nor an agent's `model` says otherwise. */
export const DEFAULT_MODEL = 'gpt-5-mini';

/** The settings {@link loadOpenAIConfig} reads, for `--help` and the README. */
export const OPENAI_SETTINGS: readonly SettingDoc[] = [
  {
    name: 'OPENAI_API_KEY',
    default: '—',
    description:
      "API key; without it the agent tools run on the client's own model when the client supports MCP sampling, and fail with a clear error naming this variable otherwise",
  },
  {
    name: 'OPENAI_BASE_URL',
    default: 'OpenAI',
    description: 'Any OpenAI-compatible server: vLLM, Ollama (`http://localhost:11434/v1`), llama.cpp, a gateway',
  },
  { name: 'OPENAI_MODEL', default: DEFAULT_MODEL, description: 'Model name' },
  { name: 'OPENAI_API', default: 'responses', description: '`responses` (Responses API) or `chat` (Chat Completions)' },
];

const emptyAsUnset = (value: unknown) => (value === '' ? undefined : value);

/** The environment variables agent-core reads, and their rules. */
const EnvSchema = z.object({
  OPENAI_API_KEY: z.preprocess(emptyAsUnset, z.string().optional()),
  OPENAI_BASE_URL: z.preprocess(emptyAsUnset, z.url({ protocol: /^https?$/ }).optional()),
  OPENAI_MODEL: z.preprocess(emptyAsUnset, z.string().default(DEFAULT_MODEL)),
  OPENAI_API: z.preprocess(emptyAsUnset, z.enum(['responses', 'chat']).default('responses')),
});

/** Model server configuration, as read from the environment by {@link loadOpenAIConfig}. */
export interface OpenAIConfig {
  /** Absent when `OPENAI_API_KEY` is unset; a run then fails with a {@link MissingConfigError}. */
  readonly apiKey: string | undefined;
  /** Absent means OpenAI's own `https://api.openai.com/v1`. */
  readonly baseURL: string | undefined;
  readonly model: string;
  readonly api: OpenAIApi;
}

/**
 * Reads `OPENAI_API_KEY`, `OPENAI_BASE_URL`, `OPENAI_MODEL` and `OPENAI_API` (`responses` | `chat`) once,
 * validates them and returns a frozen config. Empty values count as unset.
 *
 * @throws InvalidConfigError naming the offending variable.
 */
export function loadOpenAIConfig(env: Readonly<Record<string, string | undefined>> = process.env): OpenAIConfig {
  const parsed = EnvSchema.safeParse({
    OPENAI_API_KEY: env['OPENAI_API_KEY'],
    OPENAI_BASE_URL: env['OPENAI_BASE_URL'],
    OPENAI_MODEL: env['OPENAI_MODEL'],
    OPENAI_API: env['OPENAI_API'],
  });
  if (!parsed.success) {
    // Never echo the value: it might be a secret pasted into the wrong variable.
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    const hint = variable === 'OPENAI_API' ? ' (expected "responses" or "chat")' : '';
    throw new InvalidConfigError(`Invalid ${variable}: ${issue?.message ?? 'invalid value'}${hint}.`);
  }
  const { OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL, OPENAI_API } = parsed.data;
  return Object.freeze({ apiKey: OPENAI_API_KEY, baseURL: OPENAI_BASE_URL, model: OPENAI_MODEL, api: OPENAI_API });
}
