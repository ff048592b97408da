import { isLevelEnabled, type LogLevel } from '@agent-mcp/context';
import { type RunStreamEvent } from '@agent-mcp/agent-core';
import { type AgentToolContext } from './run-agent-tool';

/** Options of {@link RunReporter}. */
export interface RunReporterOptions {
  readonly heartbeatMs: number;
  readonly logLevel: LogLevel | 'off';
  /** Prefix of log data, e.g. the tool's name. */
  readonly source: string;
}

/** Longest text kept in one streamed log message, and in a tool step's arguments or output. */
const MAX_LOG_TEXT = 2000;
/** Text deltas are gathered this long before one log message carries them. */
const TEXT_FLUSH_MS = 250;

/**
 * Turns a run's events into what the client sees while it waits: progress notifications with a running message
 * ("turn 2: calling run_sql"), a heartbeat when nothing else moved for `heartbeatMs`, and log messages carrying
 * the model's text and the tool steps (to a client that set a log level: streamed text is too chatty to impose). Everything it sends is fire-and-forget: a client that cannot take a
 * notification must never fail the run. Timers are unref'd and stopped by {@link RunReporter.stop}.
 */
export class RunReporter {
  private turn = 1;
  private readonly running = new Map<string, string>();
  private state = 'asking the model';
  /** When the run entered its current state: a heartbeat counts from here (10 s, 20 s, 30 s), not from the last beat. */
  private stateSince = Date.now();
  private heartbeat: ReturnType<typeof setTimeout> | undefined;
  private textTimer: ReturnType<typeof setTimeout> | undefined;
  private text = '';
  private textAgent = '';
  private stopped = false;
  /** Progress notifications sent (heartbeats included). */
  sent = 0;

  constructor(
    private readonly context: AgentToolContext,
    private readonly options: RunReporterOptions,
  ) {}

  /**
   * Reports the stage the run is in (`turn 1: asking the model`, or before the run, e.g. `turn 1: opening the
   * conversation`) and keeps the heartbeat going from then on.
   */
  enter(state = 'asking the model'): void {
    this.moveTo(state);
    this.progress(`turn ${this.turn}: ${state}`);
  }

  /** The run's current turn (1-based). */
  get currentTurn(): number {
    return this.turn;
  }

  onEvent(event: RunStreamEvent<unknown>): void {
    if (this.stopped) return;
    switch (event.type) {
      case 'text_delta':
        this.bufferText(event.agent, event.delta);
        return;
      case 'tool_call_started':
        this.flushText();
        this.running.set(event.callId, event.name);
        this.moveTo(`calling ${event.name}`);
        this.progress(`turn ${this.turn}: ${this.state}`);
        this.log({
          type: 'tool_call',
          turn: this.turn,
          agent: event.agent,
          tool: event.name,
          arguments: clip(event.arguments),
        });
        return;
      case 'tool_call_finished':
        this.running.delete(event.callId);
        this.log({
          type: 'tool_result',
          turn: this.turn,
          agent: event.agent,
          tool: event.name,
          isError: event.isError,
          output: clip(event.output),
        });
        if (this.running.size > 0) {
          this.moveTo(`calling ${[...new Set(this.running.values())].join(', ')}`);
          this.progress(`turn ${this.turn}: ${event.name} ${event.isError ? 'failed' : 'done'}`);
        } else {
          // Every call of the turn is back: the next model request is under way.
          this.turn += 1;
          this.moveTo('asking the model');
          this.progress(`turn ${this.turn}: ${this.state}`);
        }
        return;
      case 'handoff':
        this.flushText();
        this.progress(`turn ${this.turn}: handed over from ${event.from} to ${event.to}`);
        this.log({ type: 'handoff', turn: this.turn, from: event.from, to: event.to });
        return;
      case 'usage':
        this.flushText();
        this.moveTo('reading the answer');
        return;
      case 'agent_updated':
      case 'run_completed':
      case 'error':
        return;
    }
  }

  /** Stops the heartbeat and sends any text still gathered. Idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.flushText();
    this.stopped = true;
    if (this.heartbeat) clearTimeout(this.heartbeat);
    if (this.textTimer) clearTimeout(this.textTimer);
    this.heartbeat = this.textTimer = undefined;
  }

  private moveTo(state: string): void {
    if (state === this.state) return;
    this.state = state;
    this.stateSince = Date.now();
  }

  private progress(message: string): void {
    if (this.stopped) return;
    this.sent += 1;
    // A bare string counts up by one in the context, so progress grows even if the tool reports some of its own.
    this.context.reportProgress(message).catch(() => undefined);
    this.armHeartbeat();
  }

  private armHeartbeat(): void {
    if (this.heartbeat) clearTimeout(this.heartbeat);
    this.heartbeat = setTimeout(() => {
      this.heartbeat = undefined;
      const seconds = Math.round((Date.now() - this.stateSince) / 1000);
      this.progress(`turn ${this.turn}: still ${this.state}${seconds > 0 ? ` (${seconds} s)` : ''}`);
    }, this.options.heartbeatMs);
    this.heartbeat.unref?.();
  }

  /** Whether the client asked for log messages at the level the run's steps are logged at. */
  private get logging(): boolean {
    const wanted = this.context.clientLogLevel;
    return this.options.logLevel !== 'off' && wanted !== undefined && isLevelEnabled(this.options.logLevel, wanted);
  }

  private bufferText(agent: string, delta: string): void {
    if (!this.logging) return;
    if (this.textAgent && this.textAgent !== agent) this.flushText();
    this.textAgent = agent;
    this.text += delta;
    if (this.text.length >= MAX_LOG_TEXT) return this.flushText();
    if (!this.textTimer) {
      this.textTimer = setTimeout(() => this.flushText(), TEXT_FLUSH_MS);
      this.textTimer.unref?.();
    }
  }

  private flushText(): void {
    if (this.textTimer) clearTimeout(this.textTimer);
    this.textTimer = undefined;
    if (!this.text) return;
    const text = this.text;
    this.text = '';
    this.log({ type: 'text', turn: this.turn, agent: this.textAgent, text });
  }

  private log(data: Record<string, unknown>): void {
    if (this.stopped || !this.logging) return;
    this.context
      .log(this.options.logLevel as LogLevel, { source: this.options.source, ...data })
      .catch(() => undefined);
  }
}

function clip(text: string): string {
  return text.length <= MAX_LOG_TEXT
    ? text
    : `${text.slice(0, MAX_LOG_TEXT)}… (${text.length - MAX_LOG_TEXT} more characters)`;
}
