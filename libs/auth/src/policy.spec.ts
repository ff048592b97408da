// Permissions as config: scopes per tool, resource and prompt; tools switched off; annotations drive defaults.
import { type Principal } from '@agent-mcp/context';
import { createPolicy, parsePolicy } from './policy';

const who = (...scopes: string[]): Principal => ({ id: 'p', scopes, via: 'oauth' });

describe('policy', () => {
  const policy = createPolicy(
    parsePolicy({
      defaults: { readScopes: ['tools:read'], writeScopes: ['tools:write'], destructiveScopes: ['tools:admin'] },
      tools: {
        research: { scopes: ['research'], rateLimit: { points: 5, windowSeconds: 60 } },
        drop_table: { enabled: false },
      },
      resources: [
        { match: 'db://tables/*', scopes: ['db:read'] },
        { match: 'db://tables/secrets', scopes: ['db:admin'] },
        { match: 'db://internal/*', scopes: [], enabled: false },
      ],
      prompts: { triage: { scopes: ['support'] } },
    }),
  );

  it('lets read-only tools need the read scopes', () => {
    expect(policy.tool(who('tools:read'), 'search', { readOnlyHint: true })).toEqual({ allowed: true });
    expect(policy.tool(who(), 'search', { readOnlyHint: true })).toEqual({
      allowed: false,
      reason: 'insufficient_scope',
      requiredScopes: ['tools:read'],
    });
  });

  it('treats a tool without annotations as a destructive write, as MCP defaults say', () => {
    expect(policy.tool(who('tools:write'), 'anything', undefined)).toMatchObject({
      allowed: false,
      requiredScopes: ['tools:admin'],
    });
    expect(policy.tool(who('tools:write'), 'append', { readOnlyHint: false, destructiveHint: false })).toEqual({
      allowed: true,
    });
    expect(policy.tool(who('tools:admin'), 'anything', undefined)).toEqual({ allowed: true });
  });

  it('lets a tool rule replace the defaults, and switches tools off for everyone', () => {
    expect(policy.tool(who('research'), 'research', { readOnlyHint: false })).toEqual({ allowed: true });
    expect(policy.tool(who('*'), 'drop_table', { readOnlyHint: true })).toEqual({ allowed: false, reason: 'disabled' });
    expect(policy.toolLimit('research')).toEqual({ points: 5, windowSeconds: 60 });
    expect(policy.toolLimit('search')).toBeUndefined();
  });

  it('matches resources by the longest rule', () => {
    expect(policy.resource(who('db:read'), 'db://tables/users')).toEqual({ allowed: true });
    expect(policy.resource(who('db:read'), 'db://tables/secrets')).toMatchObject({
      allowed: false,
      requiredScopes: ['db:admin'],
    });
    expect(policy.resource(who('*'), 'db://internal/x')).toEqual({ allowed: false, reason: 'disabled' });
    expect(policy.resource(who(), 'file:///readme')).toEqual({ allowed: true });
  });

  it('scopes prompts', () => {
    expect(policy.prompt(who(), 'triage')).toMatchObject({ allowed: false, requiredScopes: ['support'] });
    expect(policy.prompt(who(), 'other')).toEqual({ allowed: true });
  });

  it('lists every scope it mentions', () => {
    expect(policy.scopes).toEqual([
      'db:admin',
      'db:read',
      'research',
      'support',
      'tools:admin',
      'tools:read',
      'tools:write',
    ]);
  });

  it('has a default: reads open to any authenticated caller, writes need tools:write', () => {
    const defaults = createPolicy();
    expect(defaults.tool(who(), 'search', { readOnlyHint: true })).toEqual({ allowed: true });
    expect(defaults.tool(who(), 'write', {})).toMatchObject({ allowed: false, requiredScopes: ['tools:write'] });
  });

  it('refuses an invalid policy with the path of the problem', () => {
    expect(() => parsePolicy({ tools: { x: { scopes: ['has space'] } } })).toThrow(
      /POLICY_FILE: policy: tools\.x\.scopes\.0:/,
    );
    expect(() => parsePolicy({ tools: { x: { enabld: false } } })).toThrow(/tools\.x/);
    expect(() => parsePolicy({ tools: { x: { rateLimit: { points: 0, windowSeconds: 1 } } } })).toThrow(
      /rateLimit\.points/,
    );
  });
});
