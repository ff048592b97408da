/** Parameters of a `WWW-Authenticate: Bearer` challenge (RFC 6750 §3, RFC 9728 §5.1). */
export interface BearerChallenge {
  /** URL of the Protected Resource Metadata document; MCP clients start authorization from it. */
  readonly resourceMetadata?: string;
  readonly error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  readonly errorDescription?: string;
  /** Scopes needed (space-separated on the wire), with `insufficient_scope`. */
  readonly scope?: readonly string[];
}

/** Formats a `WWW-Authenticate` value for a Bearer challenge. */
export function formatBearerChallenge(challenge: BearerChallenge): string {
  const params: string[] = [];
  if (challenge.resourceMetadata) params.push(`resource_metadata="${quote(challenge.resourceMetadata)}"`);
  if (challenge.error) params.push(`error="${challenge.error}"`);
  if (challenge.errorDescription) params.push(`error_description="${quote(challenge.errorDescription)}"`);
  if (challenge.scope && challenge.scope.length > 0) params.push(`scope="${quote(challenge.scope.join(' '))}"`);
  return params.length === 0 ? 'Bearer' : `Bearer ${params.join(', ')}`;
}

// RFC 6750 forbids `"` and `\` in these values; dropping them beats escaping that clients may not undo.
function quote(value: string): string {
  return value.replace(/["\\\r\n]/g, '');
}
