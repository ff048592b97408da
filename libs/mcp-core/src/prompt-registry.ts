import type { GetPromptResult, Prompt as PromptDefinition, PromptArgument } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { type Completer, completionResult, EMPTY_COMPLETION } from './completion';
import { NotFoundError, ValidationError } from './errors';
import { issuesOf, summarise } from './protocol/params';
import { type HandlerContext } from './tool-context';

/** Prompt arguments are strings on the wire, so the schema is an object of string fields. */
export type PromptArgsSchema = z.ZodObject<Record<string, z.ZodType<string | undefined>>>;

/** A prompt template clients can list and fill in. */
export interface Prompt<A extends PromptArgsSchema = PromptArgsSchema> {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  /** Arguments; `.describe()` on a field becomes its description, `.optional()` makes it not required. */
  readonly arguments?: A;
  /** Completions for arguments. */
  readonly complete?: Readonly<Record<string, Completer>>;
  get(args: z.output<A>, context: HandlerContext): Promise<GetPromptResult> | GetPromptResult;
}

/** Declares a prompt with type inference of its arguments. */
export function definePrompt<A extends PromptArgsSchema>(prompt: Prompt<A>): Prompt<A> {
  return prompt;
}

/** Which prompts a caller may see and use. */
export type PromptFilter = (name: string) => boolean;

export class PromptRegistry {
  private readonly prompts = new Map<string, { prompt: Prompt; definition: PromptDefinition }>();

  register<A extends PromptArgsSchema>(prompt: Prompt<A>): this {
    if (this.prompts.has(prompt.name)) throw new Error(`A prompt named "${prompt.name}" is already registered`);
    const args: PromptArgument[] | undefined = prompt.arguments
      ? Object.entries(prompt.arguments.shape).map(([name, field]) => ({
          name,
          ...(field.description ? { description: field.description } : {}),
          required: !field.safeParse(undefined).success,
        }))
      : undefined;
    const definition: PromptDefinition = {
      name: prompt.name,
      ...(prompt.title ? { title: prompt.title } : {}),
      ...(prompt.description ? { description: prompt.description } : {}),
      ...(args ? { arguments: args } : {}),
    };
    this.prompts.set(prompt.name, { prompt: prompt as unknown as Prompt, definition });
    return this;
  }

  get size(): number {
    return this.prompts.size;
  }

  list(filter?: PromptFilter): PromptDefinition[] {
    const out: PromptDefinition[] = [];
    for (const { definition } of this.prompts.values()) if (!filter || filter(definition.name)) out.push(definition);
    return out;
  }

  async get(
    name: string,
    args: Record<string, string> | undefined,
    context: HandlerContext,
    filter?: PromptFilter,
  ): Promise<GetPromptResult> {
    const entry = this.prompts.get(name);
    if (!entry || (filter && !filter(name))) throw new NotFoundError('prompt', name);
    const schema = entry.prompt.arguments ?? z.object({});
    const parsed = schema.safeParse(args ?? {});
    if (!parsed.success) {
      throw new ValidationError(
        `Invalid arguments for prompt ${name}: ${summarise(parsed.error.issues)}`,
        issuesOf(parsed.error.issues),
      );
    }
    return entry.prompt.get(parsed.data, context);
  }

  async complete(name: string, argument: string, value: string, args: Readonly<Record<string, string>>) {
    const completer = this.prompts.get(name)?.prompt.complete?.[argument];
    if (!completer) return EMPTY_COMPLETION;
    return completionResult(await completer(value, { arguments: args }));
  }
}
