/**
 * Protocol versions this server speaks, newest first. Kept equal to the SDK's list by a test
 * (versions.spec.ts); not imported from the SDK at run time because its types module costs ~40 ms to load,
 * which a desktop client pays at every launch.
 */
export const LATEST_PROTOCOL_VERSION = '2025-11-25';
export const SUPPORTED_PROTOCOL_VERSIONS: readonly string[] = Object.freeze([
  '2025-11-25',
  '2025-06-18',
  '2025-03-26',
  '2024-11-05',
  '2024-10-07',
]);
/** Assumed for an HTTP request that carries no `MCP-Protocol-Version` header, as the spec says. */
export const DEFAULT_NEGOTIATED_PROTOCOL_VERSION = '2025-03-26';

/** The version to answer an `initialize` with: the client's when we speak it, else our latest. */
export function negotiateProtocolVersion(requested: string): string {
  return SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : LATEST_PROTOCOL_VERSION;
}
