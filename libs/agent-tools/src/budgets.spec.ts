import { loadAgentRunPolicy, tightenPolicy } from './budgets';

describe('tightenPolicy', () => {
  const server = loadAgentRunPolicy({ AGENT_MAX_TURNS: '10', AGENT_MAX_DEADLINE_SECONDS: '300' });

  it('lowers the turns and the deadline to the tool caps', () => {
    const policy = tightenPolicy(server, undefined, { maxTurns: 8, deadlineSeconds: 60 });
    expect(policy).toMatchObject({ maxTurns: 8, deadlineSeconds: 60, maxTokens: server.maxTokens });
  });

  it('never raises what the server allows', () => {
    const policy = tightenPolicy(server, undefined, { maxTurns: 50, deadlineSeconds: 3600 });
    expect(policy).toMatchObject({ maxTurns: 10, deadlineSeconds: 300 });
  });

  it('reads the policy from env when none is given', () => {
    const policy = tightenPolicy(undefined, { AGENT_MAX_TURNS: '4' }, {});
    expect(policy.maxTurns).toBe(4);
  });
});
