// The stdio server's settings: documented in --help and the README exactly as the schema parses them.
import fs from 'node:fs';
import path from 'node:path';
import { STDIO_SERVER_SETTINGS, StdioServerConfigSchema } from './config';

describe('stdio-server configuration', () => {
  it('documents every variable the schema reads, in --help and the README', () => {
    const readme = fs.readFileSync(path.resolve(__dirname, '../../../README.md'), 'utf8');
    expect(STDIO_SERVER_SETTINGS.map((s) => s.name).sort()).toEqual(Object.keys(StdioServerConfigSchema.shape).sort());
    for (const s of STDIO_SERVER_SETTINGS) expect(readme).toContain(`| \`${s.name}\` |`);
  });
});
