import {
  type AccessDecision,
  createPolicy,
  formatBearerChallenge,
  loadPolicyFile,
  type Policy,
  protectedResourceMetadataPaths,
} from '@agent-mcp/auth';
import {
  AuthenticationError,
  type PipelineOptions,
  type PipelineRequest,
  type ToolRegistry,
} from '@agent-mcp/mcp-core';
import { type PolicySettings, type PublicLocation } from './local-auth-stack';

/** Reads and checks `POLICY_FILE` (an `AuthConfigError` names the mistake); no file: the default policy. */
export function loadPolicy(config: PolicySettings): Policy {
  return config.POLICY_FILE ? loadPolicyFile(config.POLICY_FILE) : createPolicy();
}

/** The Protected Resource Metadata URL of the resource, named in every challenge. */
export function metadataUrl(location: PublicLocation): string {
  const resource = new URL(location.resource());
  return `${resource.origin}${protectedResourceMetadataPaths(resource.href)[0]}`;
}

/** The `WWW-Authenticate` challenge naming the resource's metadata (RFC 6750, RFC 9728). */
export function challengeFor(location: PublicLocation): string {
  return formatBearerChallenge({ resourceMetadata: metadataUrl(location) });
}

export function principalOf(request: PipelineRequest) {
  if (!request.principal) throw new AuthenticationError();
  return request.principal;
}

/** The policy as the three access stages, plus the decision for the request's own target. */
export function accessStages(policy: Policy, tools: ToolRegistry) {
  const hints = (name: string) => tools.get(name)?.annotations;
  return {
    toolAccess: { canUse: (principal, name) => policy.tool(principal, name, hints(name)).allowed },
    resourceAccess: {
      canRead: (principal, uri) => policy.resource(principal, uri).allowed,
      canUsePrompt: (principal, name) => policy.prompt(principal, name).allowed,
    },
    decide(request: PipelineRequest): AccessDecision | undefined {
      const { target } = request;
      const principal = principalOf(request);
      if (!target) return undefined;
      if (target.kind === 'tool')
        return tools.get(target.name) ? policy.tool(principal, target.name, hints(target.name)) : undefined;
      if (target.kind === 'resource') return policy.resource(principal, target.uri);
      return policy.prompt(principal, target.name);
    },
  } satisfies Pick<PipelineOptions, 'toolAccess' | 'resourceAccess'> & Record<string, unknown>;
}
