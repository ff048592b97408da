import { z } from 'zod';
import { type SettingDoc } from '@agent-mcp/context';
import { sharedSettingDocs, sharedSettingsShape } from '@agent-mcp/server-kit';

/** Environment of the stdio server; every key is the variable's name: its own and the shared settings. */
export const StdioServerConfigSchema = z.object({
  MAX_MESSAGE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(4 * 1024 * 1024),
  ...sharedSettingsShape('stdio'),
});

export type StdioServerConfig = z.output<typeof StdioServerConfigSchema>;

export const STDIO_SERVER_SETTINGS: readonly SettingDoc[] = [
  { name: 'MAX_MESSAGE_BYTES', default: '4194304', description: 'Longest accepted message (one line)' },
  ...sharedSettingDocs('stdio'),
];
