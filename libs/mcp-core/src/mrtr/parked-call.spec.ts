// ParkedInputs, the questions of a call parked on its run: each question is a recorded step named by its place in the
// run (the step it is asked in, and its number there), never by what it asks. So a handler asking the same thing
// twice asks two questions, each answered on its own, and a replay that reads a step from its record (skipping the
// questions asked inside it) gives every later question the id the client saw before. A 2026-07-28 durable task's
// questions (ParkedInputs.forTask) are open together, reported together, and keep their names across a replay.
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type OpenTaskQuestions,
  type ParkedQuestion,
  type ParkedRunJournal,
  ParkedInputs,
  QUESTION_EVENT,
  TASK_QUESTIONS_EVENT,
} from './parked-call';

const FORM = { message: 'Sure?', requestedSchema: { type: 'object', properties: {} } };

/** A journal in memory, shared by the executions of one run: steps recorded once, answers left in its mailbox. */
function memoryRun() {
  const steps = new Map<string, unknown>();
  const mailbox = new Map<string, unknown>();
  const waiting = new Map<string, (answer: unknown) => void>();
  const published: ParkedQuestion[] = [];
  const events: OpenTaskQuestions[] = [];
  /** Publications left to fail, as a brief database error fails them. */
  let failing = 0;
  const journal = (): ParkedRunJournal => {
    const inside = new AsyncLocalStorage<string>();
    const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
      if (steps.has(name)) return steps.get(name) as T;
      const value = await inside.run(name, fn);
      steps.set(name, value);
      return value;
    };
    return {
      step,
      publish: async (key, value) => {
        if (failing > 0) {
          failing -= 1;
          throw new Error('Connection terminated unexpectedly');
        }
        if (key === QUESTION_EVENT) published.push(value as ParkedQuestion);
        if (key === TASK_QUESTIONS_EVENT) events.push(value as OpenTaskQuestions);
      },
      // As the run's journal does: the answer is recorded as a step, so a replay reads it back.
      waitFor: (topic) =>
        step(`wait.${topic}`, () =>
          mailbox.has(topic)
            ? Promise.resolve(mailbox.get(topic))
            : new Promise((resolve) => waiting.set(topic, resolve)),
        ),
      enclosingStep: () => inside.getStore() ?? '',
    };
  };
  /** Leaves `message` in the mailbox on `topic`, handing it to the run if it waits there. */
  const deliver = (topic: string, message: unknown) => {
    mailbox.set(topic, message);
    waiting.get(topic)?.(message);
    waiting.delete(topic);
  };
  /** Answers the question the run published last, once it has. */
  const answer = async (action: string): Promise<ParkedQuestion> => {
    for (let i = 0; i < 100 && !waiting.size; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    const question = published.at(-1) as ParkedQuestion;
    const [name] = Object.keys(question.inputRequests);
    deliver(`input.${question.seq}`, { [name as string]: { action } });
    return question;
  };
  const failPublishes = (n: number) => (failing = n);
  return { steps, published, events, journal, answer, deliver, failPublishes };
}

describe('ParkedInputs', () => {
  it('asks the same question twice as two questions, each taking its own answer', async () => {
    const run = memoryRun();
    const inputs = new ParkedInputs(run.journal(), 1000);
    const asked = (async () => {
      const first = await inputs.ask('elicitation/create', FORM);
      const second = await inputs.ask('elicitation/create', FORM);
      return [first['action'], second['action']];
    })();
    const q1 = await run.answer('accept');
    const q2 = await run.answer('decline');
    await expect(asked).resolves.toEqual(['accept', 'decline']);
    expect(q1.seq).not.toBe(q2.seq);
    expect(q1.inputRequests).toEqual({ 'elicitation-1': { method: 'elicitation/create', params: FORM } });
    expect(q2.inputRequests).toEqual({ 'elicitation-2': { method: 'elicitation/create', params: FORM } });
    expect([...run.steps.keys()].filter((s) => s.startsWith('ask.'))).toEqual(['ask.1', 'ask.2']);
  });

  it('gives a replay that skips a recorded step the ids the client saw for the questions after it', async () => {
    const run = memoryRun();
    const handler = async (inputs: ParkedInputs, journal: ParkedRunJournal) => {
      // An approval inside a recorded step, then the same confirmation twice outside any.
      await journal.step('turn.1.approval.c1', () => inputs.ask('elicitation/create', FORM));
      await inputs.ask('elicitation/create', FORM);
      return inputs.ask('elicitation/create', FORM);
    };
    const first = run.journal();
    void handler(new ParkedInputs(first, 1000), first);
    await run.answer('accept');
    const q2 = await run.answer('accept');
    // The process dies here, the third question asked and not answered.
    for (let i = 0; i < 100 && run.published.length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    const q3 = run.published.at(-1) as ParkedQuestion;
    expect(new Set([q2.seq, q3.seq]).size).toBe(2);

    // The replay reads turn.1.approval.c1 from its record: its question is not asked, and the others keep their ids.
    const again = run.journal();
    const replayed = handler(new ParkedInputs(again, 1000), again);
    const resumed = await run.answer('decline');
    await expect(replayed).resolves.toEqual({ action: 'decline' });
    expect(resumed.seq).toBe(q3.seq);
    expect([...run.steps.keys()].filter((s) => s.startsWith('ask.'))).toEqual([
      'ask.turn.1.approval.c1#1',
      'ask.1',
      'ask.2',
    ]);
  });

  it('takes an answer given ahead for the question under its name, the same on a replay, and asks the rest', async () => {
    const run = memoryRun();
    const ahead = { confirm: { action: 'accept', content: {} } };
    const handler = (inputs: ParkedInputs) =>
      Promise.all([inputs.ask('elicitation/create', FORM, 'confirm'), inputs.ask('elicitation/create', FORM)]);
    const asked = handler(new ParkedInputs(run.journal(), 1000, undefined, ahead));
    const q = await run.answer('decline');
    await expect(asked).resolves.toEqual([{ action: 'accept', content: {} }, { action: 'decline' }]);
    // Only the question with no answer ahead reached the client.
    expect(run.published.map((p) => Object.keys(p.inputRequests))).toEqual([['elicitation-1']]);
    expect(q.inputRequests).toEqual({ 'elicitation-1': { method: 'elicitation/create', params: FORM } });
    // A replay reads both questions' steps and the recorded answer: it waits for nothing, and the question given
    // ahead is never published.
    await expect(handler(new ParkedInputs(run.journal(), 1000, undefined, ahead))).resolves.toEqual([
      { action: 'accept', content: {} },
      { action: 'decline' },
    ]);
    expect(run.published.map((p) => p.seq)).toEqual([q.seq, q.seq]);
  });

  it('refuses a malformed answer given ahead as invalid params, naming its key', async () => {
    const run = memoryRun();
    const inputs = new ParkedInputs(run.journal(), 1000, undefined, { confirm: { action: 'maybe' } });
    await expect(inputs.ask('elicitation/create', FORM, 'confirm')).rejects.toMatchObject({
      code: 'INVALID_INPUT_RESPONSE',
      message: expect.stringContaining('confirm'),
    });
    expect(run.published).toHaveLength(0);
  });
});

describe('ParkedInputs.forTask (a 2026-07-28 durable task)', () => {
  const SAMPLE = { messages: [], maxTokens: 10 };
  const TURN = { role: 'assistant', content: { type: 'text', text: 'ok' }, model: 'm' };

  /** A run in memory whose open questions (its TASK_QUESTIONS_EVENT) and reports are kept. */
  function taskRun() {
    const { journal, events, deliver, failPublishes } = memoryRun();
    const reports: Array<Record<string, unknown>> = [];
    const inputs = (j: ParkedRunJournal) =>
      ParkedInputs.forTask(j, 60_000, async (open) => {
        reports.push(open);
      });
    /** Delivers `answer` to the open question `key`, as tasks/update does. */
    const answer = (key: string, value: unknown) =>
      deliver(`input.${events.at(-1)?.[key]?.seq as string}`, { [key]: value });
    const settled = () => new Promise((resolve) => setTimeout(resolve, 20));
    return { events, reports, journal, inputs, answer, settled, failPublishes };
  }

  it('reports questions asked together in one report, and each takes its own answer', async () => {
    const run = taskRun();
    const inputs = run.inputs(run.journal());
    const asked = Promise.all([
      inputs.ask('elicitation/create', FORM, 'approve-a'),
      inputs.ask('elicitation/create', FORM, 'approve-b'),
    ]);
    await run.settled();
    expect(run.reports).toEqual([
      {
        'approve-a': { method: 'elicitation/create', params: FORM },
        'approve-b': { method: 'elicitation/create', params: FORM },
      },
    ]);
    run.answer('approve-b', { action: 'decline' });
    await run.settled();
    expect(Object.keys(run.reports.at(-1) as object)).toEqual(['approve-a']);
    run.answer('approve-a', { action: 'accept' });
    await expect(asked).resolves.toEqual([{ action: 'accept' }, { action: 'decline' }]);
    await run.settled();
    expect(run.reports.at(-1)).toEqual({});
  });

  it('asks an open question again under its recorded name on a replay, and never reuses a name', async () => {
    const run = taskRun();
    const handler = async (inputs: ParkedInputs, journal: ParkedRunJournal) => {
      // Three sampled turns, each a recorded step whose question is asked inside it.
      for (const turn of [1, 2, 3])
        await journal.step(`turn.${turn}`, () => inputs.ask('sampling/createMessage', SAMPLE));
      return inputs.ask('sampling/createMessage', SAMPLE);
    };
    const open = () => Object.keys(run.reports.at(-1) as object);
    const names: string[] = [];
    const first = run.journal();
    void handler(run.inputs(first), first).catch(() => undefined);
    for (let turn = 1; turn <= 2; turn++) {
      await run.settled();
      names.push(...open());
      run.answer(open()[0] as string, TURN);
    }
    await run.settled();
    const third = open()[0] as string;
    const seq = run.events.at(-1)?.[third]?.seq;

    // The process dies; the replay reads turns 1 and 2 from their record and asks the third again.
    const again = run.journal();
    const replayed = handler(run.inputs(again), again);
    await run.settled();
    expect(open()).toEqual([third]);
    expect(run.events.at(-1)?.[third]?.seq).toBe(seq);
    run.answer(third, TURN);
    await run.settled();
    const fourth = open()[0] as string;
    run.answer(fourth, TURN);
    await expect(replayed).resolves.toMatchObject({ model: 'm' });
    // Named by kind and id: four names, none reused though the replay skipped two questions.
    names.push(third, fourth);
    expect(new Set(names).size).toBe(4);
    for (const name of names) expect(name).toMatch(/^sampling-[0-9a-f]{8}$/);
  });

  it('reports its questions again after a report that failed, so the task still shows them', async () => {
    const run = taskRun();
    run.failPublishes(1);
    const asked = run.inputs(run.journal()).ask('elicitation/create', FORM, 'approve-a');
    await run.settled();
    expect(run.reports).toEqual([]);
    // Made again after the first backoff (250 ms).
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(run.reports).toEqual([{ 'approve-a': { method: 'elicitation/create', params: FORM } }]);
    run.answer('approve-a', { action: 'accept' });
    await expect(asked).resolves.toEqual({ action: 'accept' });
  });

  it('rejects a malformed answer naming its key', async () => {
    const run = taskRun();
    const asked = run.inputs(run.journal()).ask('elicitation/create', FORM, 'approve-a');
    await run.settled();
    run.answer('approve-a', { action: 'maybe' });
    await expect(asked).rejects.toThrow(/inputResponses\.approve-a/);
  });
});
