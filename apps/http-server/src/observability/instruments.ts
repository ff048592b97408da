import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

type LabelValues<L extends string> = Partial<Record<L, string | number>>;

/** Histogram buckets in seconds: MCP requests range from sub-millisecond lists to agent calls of minutes. */
export const REQUEST_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Histogram buckets in seconds for agent runs and model requests. */
export const MODEL_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120];

/** Options of {@link countAndTime}: a counter and a histogram of durations in seconds, over the same labels. */
export interface CountAndTimeOptions<L extends string> {
  /** `[name, help]` of the counter (`…_total`). */
  readonly count: readonly [string, string];
  /** `[name, help]` of the histogram (`…_duration_seconds`). */
  readonly time: readonly [string, string];
  readonly labelNames: readonly L[];
  readonly buckets: number[];
}

/** Registers a counter and a duration histogram; the returned function counts one event and observes its seconds. */
export function countAndTime<L extends string>(
  registers: Registry[],
  { count, time, labelNames, buckets }: CountAndTimeOptions<L>,
): (labels: LabelValues<L>, seconds: number) => void {
  const counter = new Counter({ name: count[0], help: count[1], labelNames, registers });
  const histogram = new Histogram({ name: time[0], help: time[1], labelNames, buckets, registers });
  return (labels, seconds) => {
    counter.inc(labels);
    histogram.observe(labels, seconds);
  };
}

/** Registers a gauge whose value is read at scrape time. */
export function scrapedGauge(registers: Registry[], name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers,
    collect() {
      this.set(read());
    },
  });
}
