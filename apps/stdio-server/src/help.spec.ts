import { AGENT_RUN_SETTINGS } from '@agent-mcp/agent-tools';
import { OPENAI_SETTINGS } from '@agent-mcp/agent-core';
import { DATABASE_SETTINGS } from '@agent-mcp/tools-database';
import { RESEARCH_SETTINGS } from '@agent-mcp/tools-research';
import { SUPPORT_SETTINGS } from '@agent-mcp/tools-support';
import { RUNS_SETTINGS } from '@agent-mcp/durable-runs';
import { toolSettingsHelp } from '@agent-mcp/server-kit';

it('lists every setting of the libraries behind the tools in --help', () => {
  const help = toolSettingsHelp().join('\n');
  for (const setting of [
    ...OPENAI_SETTINGS,
    ...AGENT_RUN_SETTINGS,
    ...DATABASE_SETTINGS,
    ...RESEARCH_SETTINGS,
    ...SUPPORT_SETTINGS,
    ...RUNS_SETTINGS,
  ]) {
    expect(help).toContain(`  ${setting.name} `);
  }
  expect(help).toContain('Research tool:');
});
