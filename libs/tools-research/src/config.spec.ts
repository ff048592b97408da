// Research settings: parsed once, bad values named, and the web search and roots switches decided from them.
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '@agent-mcp/context';
import {
  clientRootsEnabled,
  parseResearchConfig,
  researchToolsEnabled,
  RESEARCH_SETTINGS,
  ResearchConfigSchema,
  webSearchEnabled,
} from './config';

describe('research config', () => {
  it('has defaults for every setting', () => {
    const config = parseResearchConfig({});
    expect(config).toEqual(
      expect.objectContaining({
        RESEARCH_WEB_SEARCH: 'auto',
        RESEARCH_FETCH_ALLOW_NETWORKS: [],
        RESEARCH_FETCH_MAX_REDIRECTS: 5,
      }),
    );
  });

  it('documents every setting, in --help, the package README and the repository README', () => {
    expect(RESEARCH_SETTINGS.map((s) => s.name).sort()).toEqual(Object.keys(ResearchConfigSchema.shape).sort());
    const readmes = ['../README.md', '../../../README.md'].map((p) =>
      fs.readFileSync(path.resolve(__dirname, p), 'utf8'),
    );
    for (const readme of readmes) for (const s of RESEARCH_SETTINGS) expect(readme).toContain(`| \`${s.name}\` |`);
  });

  it('parses the allowed networks and refuses a malformed one, naming the variable', () => {
    expect(
      parseResearchConfig({ RESEARCH_FETCH_ALLOW_NETWORKS: '127.0.0.1/32, 10.20.0.0/16' })
        .RESEARCH_FETCH_ALLOW_NETWORKS,
    ).toEqual(['127.0.0.1/32', '10.20.0.0/16']);
    expect(() => parseResearchConfig({ RESEARCH_FETCH_ALLOW_NETWORKS: 'intranet' })).toThrow(
      /RESEARCH_FETCH_ALLOW_NETWORKS/,
    );
  });

  it('refuses a malformed host pattern, naming the variable', () => {
    expect(() => parseResearchConfig({ RESEARCH_FETCH_DENY_HOSTS: 'http://x/' })).toThrow(ConfigError);
    expect(() => parseResearchConfig({ RESEARCH_FETCH_DENY_HOSTS: 'http://x/' })).toThrow(/RESEARCH_FETCH_DENY_HOSTS/);
  });

  it.each([
    [{}, true],
    [{ OPENAI_BASE_URL: 'https://api.openai.com/v1' }, true],
    [{ OPENAI_API: 'chat' }, false],
    [{ OPENAI_BASE_URL: 'http://localhost:11434/v1' }, false],
  ])('web search auto with %j is %s', (env, expected) => {
    expect(webSearchEnabled(parseResearchConfig({}), env)).toBe(expected);
  });

  it('web search on and off override the server check', () => {
    expect(webSearchEnabled(parseResearchConfig({ RESEARCH_WEB_SEARCH: 'on' }), { OPENAI_API: 'chat' })).toBe(true);
    expect(webSearchEnabled(parseResearchConfig({ RESEARCH_WEB_SEARCH: 'off' }), {})).toBe(false);
  });

  it('registers the tool by default only for local callers', () => {
    expect(researchToolsEnabled(parseResearchConfig({}), {})).toBe(true);
    expect(researchToolsEnabled(parseResearchConfig({}), { AUTH_MODE: 'oauth' })).toBe(false);
    expect(researchToolsEnabled(parseResearchConfig({ RESEARCH_TOOLS: 'true' }), { AUTH_MODE: 'oauth' })).toBe(true);
    expect(researchToolsEnabled(parseResearchConfig({ RESEARCH_TOOLS: 'false' }), {})).toBe(false);
  });

  it('indexes client roots by default only for local callers', () => {
    const config = parseResearchConfig({});
    expect(clientRootsEnabled(config, {})).toBe(true);
    expect(clientRootsEnabled(config, { AUTH_MODE: 'none' })).toBe(true);
    expect(clientRootsEnabled(config, { AUTH_MODE: 'api-key' })).toBe(false);
    expect(clientRootsEnabled(parseResearchConfig({ RESEARCH_CLIENT_ROOTS: 'true' }), { AUTH_MODE: 'oauth' })).toBe(
      true,
    );
  });
});
