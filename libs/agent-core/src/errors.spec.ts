// The agent error catalogue (README "Errors"): every code in AGENT_ERROR_CODES is in the README's table, in the row
// of the class that carries it, and the table names no other code.
import { join } from 'node:path';
import { codeSpans, readmeTable } from '@agent-mcp/context/testing';
import { ApprovalInterruptedError } from './approval';
import {
  AGENT_ERROR_CODES,
  type AgentError,
  DeadlineExceededError,
  GuardrailTripwireError,
  InvalidConfigError,
  MaxTokensExceededError,
  MaxTurnsExceededError,
  MissingConfigError,
  ModelBehaviorError,
  RunCancelledError,
  StreamInterruptedError,
  SystemError,
  UpstreamError,
  UserError,
} from './errors';

/** The README's table: each code with the text of its row's class column. */
function readmeCodes(): Map<string, string> {
  const rows = readmeTable(join(__dirname, '..', 'README.md'), '### Errors');
  return new Map(rows.flatMap(([classes, codes]) => codeSpans(codes ?? '').map((code) => [code, classes ?? ''])));
}

const raised: AgentError[] = [
  new UserError('bad'),
  new MissingConfigError('OPENAI_API_KEY', 'missing'),
  new InvalidConfigError('bad value'),
  new ModelBehaviorError('no output'),
  new UpstreamError('HTTP 502', { status: 502, retryable: true }),
  new StreamInterruptedError('cut', 'partial'),
  new SystemError('bug'),
  new MaxTurnsExceededError(3),
  new MaxTokensExceededError(10, 12),
  new DeadlineExceededError(1000),
  new RunCancelledError(),
  new GuardrailTripwireError('g', 'input', {}),
  new ApprovalInterruptedError({ tool: 't', arguments: {}, callId: 'c', agentName: 'a' }, 'declined'),
];

describe('agent errors', () => {
  it('are the README table, both ways, each code in its class’s row', () => {
    const table = readmeCodes();
    expect([...table.keys()].sort()).toEqual([...AGENT_ERROR_CODES].sort());
    expect(raised.map((e) => e.code).sort()).toEqual([...AGENT_ERROR_CODES].sort());
    for (const error of raised) expect(table.get(error.code)).toContain(`\`${error.name}\``);
  });
});
