// Settings of the support tools: defaults, errors that name the variable, and documentation kept in step.
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '@agent-mcp/context';
import { parseSupportConfig, SUPPORT_SETTINGS, SupportConfigSchema, supportToolsEnabled } from './config';

it('registers the tools for local use by default, for the default tenant', () => {
  const config = parseSupportConfig({});
  expect(config).toEqual({
    SUPPORT_TOOLS: 'auto',
    SUPPORT_DEFAULT_TENANT: 'acme',
    SUPPORT_AGENT_TIMEOUT_MS: 120_000,
    SUPPORT_CONFIRMATION_TTL_SECONDS: 900,
  });
  expect(supportToolsEnabled(config, {})).toBe(true);
  expect(supportToolsEnabled(config, { AUTH_MODE: 'none' })).toBe(true);
  expect(supportToolsEnabled(config, { AUTH_MODE: 'oauth' })).toBe(false);
  expect(supportToolsEnabled(parseSupportConfig({ SUPPORT_TOOLS: 'true' }), { AUTH_MODE: 'api-key' })).toBe(true);
  expect(supportToolsEnabled(parseSupportConfig({ SUPPORT_TOOLS: 'false' }), {})).toBe(false);
});

it('refuses a bad value, naming the variable', () => {
  expect(() => parseSupportConfig({ SUPPORT_DEFAULT_TENANT: "a'b" })).toThrow(ConfigError);
  expect(() => parseSupportConfig({ SUPPORT_AGENT_TIMEOUT_MS: '5' })).toThrow(/SUPPORT_AGENT_TIMEOUT_MS/);
  expect(() => parseSupportConfig({ SUPPORT_CONFIRMATION_TTL_SECONDS: '5' })).toThrow(
    /SUPPORT_CONFIRMATION_TTL_SECONDS/,
  );
});

it('documents every setting, in --help, the package README and the repository README', () => {
  expect(SUPPORT_SETTINGS.map((s) => s.name)).toEqual(Object.keys(SupportConfigSchema.shape));
  const readmes = ['../README.md', '../../../README.md'].map((p) =>
    fs.readFileSync(path.resolve(__dirname, p), 'utf8'),
  );
  for (const readme of readmes) for (const s of SUPPORT_SETTINGS) expect(readme).toContain(`| \`${s.name}\` |`);
});
