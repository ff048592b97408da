/** Options of {@link protectedResourceMetadata}. */
export interface ProtectedResourceMetadataOptions {
  /** The resource's canonical URL, e.g. `https://mcp.example.com/mcp`. */
  readonly resource: string;
  /** Issuers of the authorization servers whose tokens the resource accepts. */
  readonly authorizationServers?: readonly string[];
  readonly scopesSupported?: readonly string[];
  readonly resourceName?: string;
  readonly documentation?: string;
}

/**
 * The Protected Resource Metadata document (RFC 9728 §2). Tokens are accepted only in the `Authorization`
 * header, so `bearer_methods_supported` says so.
 */
export function protectedResourceMetadata(options: ProtectedResourceMetadataOptions): Record<string, unknown> {
  return {
    resource: options.resource,
    ...(options.authorizationServers && options.authorizationServers.length > 0
      ? { authorization_servers: [...options.authorizationServers] }
      : {}),
    ...(options.scopesSupported && options.scopesSupported.length > 0
      ? { scopes_supported: [...options.scopesSupported] }
      : {}),
    bearer_methods_supported: ['header'],
    ...(options.resourceName ? { resource_name: options.resourceName } : {}),
    ...(options.documentation ? { resource_documentation: options.documentation } : {}),
  };
}

/**
 * Where the document is served for a resource URL (RFC 9728 §3.1): the well-known prefix inserted before the
 * resource's path (`/.well-known/oauth-protected-resource/mcp`), and the bare prefix that clients also try.
 * The first is the one `WWW-Authenticate` points to.
 */
export function protectedResourceMetadataPaths(resource: string): readonly [string, string] {
  const path = new URL(resource).pathname.replace(/\/$/, '');
  return [`/.well-known/oauth-protected-resource${path}`, '/.well-known/oauth-protected-resource'];
}
