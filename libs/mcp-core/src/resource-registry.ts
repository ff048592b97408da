import type {
  ReadResourceResult,
  Resource,
  ResourceTemplate as ResourceTemplateDefinition,
} from '@modelcontextprotocol/sdk/types.js';
import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import { type ResourceContent } from '@agent-mcp/context';
import { type Completer, completionResult, EMPTY_COMPLETION } from './completion';
import { NotFoundError } from './errors';
import { type HandlerContext } from './tool-context';

/** Metadata of a resource as clients see it in `resources/list`. */
export type ResourceMetadata = Omit<Resource, 'uri' | 'name'>;

/** A resource with a fixed URI. */
export interface StaticResource {
  readonly uri: string;
  readonly name: string;
  readonly metadata?: ResourceMetadata;
  /** Returns the contents; a bare string is text with the resource's mime type. */
  read(context: HandlerContext): Promise<readonly ResourceContent[] | string> | readonly ResourceContent[] | string;
}

/** A family of resources addressed by an RFC 6570 URI template, such as `db://tables/{name}`. */
export interface ResourceTemplate {
  readonly uriTemplate: string;
  readonly name: string;
  readonly metadata?: Omit<ResourceTemplateDefinition, 'uriTemplate' | 'name'>;
  /** Lists the concrete resources of the template, when they can be enumerated. */
  list?(context: HandlerContext): Promise<readonly Resource[]> | readonly Resource[];
  /** Completions for template variables. */
  readonly complete?: Readonly<Record<string, Completer>>;
  read(
    uri: string,
    variables: Readonly<Record<string, string>>,
    context: HandlerContext,
  ): Promise<readonly ResourceContent[] | string> | readonly ResourceContent[] | string;
}

/** Which resources a caller may see and read. */
export type ResourceFilter = (uri: string) => boolean;

/**
 * A change to the data behind the resources, raised by whoever owns that data (a re-indexed document folder, a
 * table written to): the content of one resource (`updated`), or which resources there are (`list_changed`). It
 * names what changed, never the content: a listener reads it again with its own credentials.
 */
export type ResourceChange = { readonly kind: 'updated'; readonly uri: string } | { readonly kind: 'list_changed' };

/** Resources and resource templates, with reading, completion, and the changes of the data behind them. */
export class ResourceRegistry {
  private readonly resources = new Map<string, StaticResource>();
  private readonly templates: Array<{ template: ResourceTemplate; matcher: UriTemplate }> = [];
  private readonly listeners = new Set<(change: ResourceChange) => void>();

  register(resource: StaticResource): this {
    if (this.resources.has(resource.uri))
      throw new Error(`A resource with URI "${resource.uri}" is already registered`);
    this.resources.set(resource.uri, resource);
    return this;
  }

  registerTemplate(template: ResourceTemplate): this {
    if (this.templates.some((t) => t.template.uriTemplate === template.uriTemplate)) {
      throw new Error(`A resource template "${template.uriTemplate}" is already registered`);
    }
    this.templates.push({ template, matcher: new UriTemplate(template.uriTemplate) });
    return this;
  }

  get size(): number {
    return this.resources.size + this.templates.length;
  }

  async list(context: HandlerContext, filter?: ResourceFilter): Promise<Resource[]> {
    const out: Resource[] = [];
    for (const r of this.resources.values()) {
      if (!filter || filter(r.uri)) out.push({ uri: r.uri, name: r.name, ...r.metadata });
    }
    for (const { template } of this.templates) {
      if (!template.list) continue;
      for (const r of await template.list(context)) if (!filter || filter(r.uri)) out.push(r);
    }
    return out;
  }

  listTemplates(): ResourceTemplateDefinition[] {
    return this.templates.map(({ template }) => ({
      uriTemplate: template.uriTemplate,
      name: template.name,
      ...template.metadata,
    }));
  }

  /** Reads a resource by URI: an exact resource first, then the first template that matches. */
  async read(uri: string, context: HandlerContext, filter?: ResourceFilter): Promise<ReadResourceResult> {
    if (filter && !filter(uri)) throw new NotFoundError('resource', uri);
    const resource = this.resources.get(uri);
    if (resource) return { contents: normalise(uri, resource.metadata?.mimeType, await resource.read(context)) };
    for (const { template, matcher } of this.templates) {
      const variables = matcher.match(uri);
      if (!variables) continue;
      const flat = Object.fromEntries(
        Object.entries(variables).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]),
      );
      return { contents: normalise(uri, template.metadata?.mimeType, await template.read(uri, flat, context)) };
    }
    throw new NotFoundError('resource', uri);
  }

  /**
   * Says that the resource at `uri` changed. The server built on this registry tells the clients subscribed to it
   * (`notifications/resources/updated`), on every replica sharing its change feed: the data behind a resource is
   * taken to be shared (a database), so the replica that changed it is the one to say so, once.
   */
  notifyUpdated(uri: string): void {
    this.emit({ kind: 'updated', uri });
  }

  /** Says that the set of resources changed (`notifications/resources/list_changed`, on every replica). */
  notifyListChanged(): void {
    this.emit({ kind: 'list_changed' });
  }

  /** Called with every change raised through {@link notifyUpdated} and {@link notifyListChanged}; returns an unsubscribe. */
  onChange(listener: (change: ResourceChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Completion of one variable of a template (`ref/resource`). */
  async complete(uriTemplate: string, variable: string, value: string, args: Readonly<Record<string, string>>) {
    const entry = this.templates.find((t) => t.template.uriTemplate === uriTemplate);
    const completer = entry?.template.complete?.[variable];
    if (!completer) return EMPTY_COMPLETION;
    return completionResult(await completer(value, { arguments: args }));
  }

  private emit(change: ResourceChange): void {
    for (const listener of [...this.listeners]) listener(change);
  }
}

function normalise(
  uri: string,
  mimeType: string | undefined,
  contents: readonly ResourceContent[] | string,
): ResourceContent[] {
  if (typeof contents === 'string') return [{ uri, ...(mimeType ? { mimeType } : {}), text: contents }];
  return [...contents];
}
