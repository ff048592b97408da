// The HTTP server's settings: documented in --help and the README exactly as the schema parses them.
import fs from 'node:fs';
import path from 'node:path';
import { parseConfig } from '@agent-mcp/context';
import { HTTP_SERVER_SETTINGS, HttpServerConfigSchema, isLoopbackAddress } from './config';

describe('http-server configuration', () => {
  it('documents every variable the schema reads, in --help and the README', () => {
    const readme = fs.readFileSync(path.resolve(__dirname, '../../../README.md'), 'utf8');
    expect(HTTP_SERVER_SETTINGS.map((s) => s.name).sort()).toEqual(Object.keys(HttpServerConfigSchema.shape).sort());
    for (const s of HTTP_SERVER_SETTINGS) expect(readme).toContain(`| \`${s.name}\` |`);
  });

  it('defaults to a loopback address and stateful sessions', () => {
    const config = parseConfig(HttpServerConfigSchema, {});
    expect(config).toMatchObject({ PORT: 3000, HOST: '127.0.0.1', MCP_HTTP_MODE: 'stateful', DIAGNOSTIC_TOOLS: false });
    expect(isLoopbackAddress(config.HOST)).toBe(true);
  });

  it('parses lists and booleans', () => {
    const config = parseConfig(HttpServerConfigSchema, {
      ALLOWED_HOSTS: 'a.example, b.example',
      DIAGNOSTIC_TOOLS: 'yes',
    });
    expect(config.ALLOWED_HOSTS).toEqual(['a.example', 'b.example']);
    expect(config.DIAGNOSTIC_TOOLS).toBe(true);
  });

  it('knows which addresses are loopback', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].every(isLoopbackAddress)).toBe(true);
    expect(['0.0.0.0', '::', '10.0.0.1', 'example.com'].some(isLoopbackAddress)).toBe(false);
  });

  it('parses TRUST_PROXY as off, a hop count or a list of ranges, and refuses anything else by name', () => {
    expect(parseConfig(HttpServerConfigSchema, {}).TRUST_PROXY).toBe(false);
    expect(parseConfig(HttpServerConfigSchema, { TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(parseConfig(HttpServerConfigSchema, { TRUST_PROXY: '10.0.0.0/8,loopback' }).TRUST_PROXY).toEqual([
      '10.0.0.0/8',
      'loopback',
    ]);
    expect(() => parseConfig(HttpServerConfigSchema, { TRUST_PROXY: 'proxy.internal' })).toThrow(
      /TRUST_PROXY.*"proxy.internal" is not an address/,
    );
  });

  it('refuses slow-client limits that contradict each other', () => {
    expect(() => parseConfig(HttpServerConfigSchema, { HEADERS_TIMEOUT_SECONDS: '90' })).toThrow(
      /HEADERS_TIMEOUT_SECONDS: must not exceed REQUEST_TIMEOUT_SECONDS/,
    );
    expect(() => parseConfig(HttpServerConfigSchema, { MAX_URL_BYTES: '16384' })).toThrow(
      /MAX_URL_BYTES: must be below MAX_HEADER_BYTES/,
    );
  });
});
