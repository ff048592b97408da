// The model turns of a run kept across the rounds of a 2026-07-28 call: the rerun on the client's retry replays
// the turns the model already gave (no second request, no second charge), and asks the model again from the first
// turn whose conversation differs.
import { z } from 'zod';
import { Agent, run, tool } from '@agent-mcp/agent-core';
import { createScriptedModel, textTurn, toolCallTurn } from '@agent-mcp/agent-core/testing';
import { type RoundMemory, TurnReplay } from './input-rounds';

/** What `ctx.client.keep` does between rounds: JSON in, JSON out. */
function memory(): RoundMemory & { values: Map<string, string> } {
  const values = new Map<string, string>();
  return {
    values,
    keep: (name, value) => void values.set(name, JSON.stringify(value)),
    kept: <T>(name: string) => {
      const value = values.get(name);
      return value === undefined ? undefined : (JSON.parse(value) as T);
    },
  };
}

const lookup = tool({
  name: 'lookup',
  description: 'Looks a word up',
  parameters: z.object({ word: z.string() }),
  // A fresh output every round, as a re-read (or a randomly fenced) tool output is.
  execute: ({ word }) => `${word}: read at ${Math.random()}`,
});

describe('TurnReplay', () => {
  it('replays the turns of an earlier round of the same conversation without asking the model', async () => {
    const kept = memory();
    const first = createScriptedModel([
      toolCallTurn({ name: 'lookup', arguments: { word: 'hi' } }),
      textTurn('Hello.'),
    ]);
    const agent = (model = first) =>
      new Agent({ name: 'dict', model: new TurnReplay(kept).wrap(model), tools: [lookup] });
    const before = await run(agent(), 'Greet me');
    expect(before.text).toBe('Hello.');
    expect(first.requests).toHaveLength(2);

    const second = createScriptedModel([]);
    const again = await run(agent(second), 'Greet me');
    expect(again.text).toBe('Hello.');
    expect(second.requests).toHaveLength(0);
    // The earlier round was charged for these turns.
    expect(again.usage.totalTokens).toBe(0);
  });

  it('asks the model from the first turn whose conversation differs', async () => {
    const kept = memory();
    const first = createScriptedModel([
      toolCallTurn({ name: 'lookup', arguments: { word: 'hi' } }),
      textTurn('Hello.'),
    ]);
    await run(new Agent({ name: 'dict', model: new TurnReplay(kept).wrap(first), tools: [lookup] }), 'Greet me');

    const second = createScriptedModel([textTurn('Bonjour.')]);
    const other = await run(
      new Agent({ name: 'dict', model: new TurnReplay(kept).wrap(second), tools: [lookup] }),
      'Greet me in French',
    );
    expect(other.text).toBe('Bonjour.');
    expect(second.requests).toHaveLength(1);
  });
});
