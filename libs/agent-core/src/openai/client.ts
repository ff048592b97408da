import type OpenAI from 'openai';
import { type ModelRequest } from '../model';
import { type OpenAISdk, loadOpenAI } from './load';

/** Settings of the one openai client a provider shares across its models. */
export interface OpenAIClientSettings {
  readonly apiKey: string;
  readonly baseURL: string | undefined;
  readonly organization?: string;
  readonly project?: string;
  readonly defaultHeaders?: Readonly<Record<string, string>>;
  /** Per-request timeout when the run has no deadline. */
  readonly requestTimeoutMs: number;
  readonly hostedTools: boolean;
}

/**
 * A lazily created openai client. Its own retries are off (`maxRetries: 0`): the runner owns the one retry
 * policy, so that attempts, backoff and the run's deadline are decided in a single place.
 */
export class OpenAIClientHandle {
  readonly hostedTools: boolean;
  /** Strings never allowed into an error message. */
  readonly secrets: readonly string[];
  readonly #settings: OpenAIClientSettings;
  #client: Promise<{ client: OpenAI; sdk: OpenAISdk }> | undefined;

  constructor(settings: OpenAIClientSettings) {
    this.#settings = settings;
    this.hostedTools = settings.hostedTools;
    this.secrets = [settings.apiKey];
  }

  get(): Promise<{ client: OpenAI; sdk: OpenAISdk }> {
    this.#client ??= loadOpenAI().then((sdk) => {
      const s = this.#settings;
      const client = new sdk.OpenAI({
        apiKey: s.apiKey,
        baseURL: s.baseURL ?? null,
        organization: s.organization ?? null,
        project: s.project ?? null,
        defaultHeaders: s.defaultHeaders ? { ...s.defaultHeaders } : undefined,
        maxRetries: 0,
        timeout: s.requestTimeoutMs,
      });
      return { client, sdk };
    });
    return this.#client;
  }

  /**
   * The SDK's own timeout for one request. The run's deadline is enforced by its abort signal (which yields a
   * typed error); the SDK timeout only backs it up, a little later, and caps runs without a deadline.
   */
  timeout(request: ModelRequest): number {
    return request.timeoutMs === undefined
      ? this.#settings.requestTimeoutMs
      : Math.min(this.#settings.requestTimeoutMs, request.timeoutMs + 1000);
  }
}
