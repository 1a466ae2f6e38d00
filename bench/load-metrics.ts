/**
 * Where the bot's time went during a `bench:load` phase, from its own /metrics: per task and
 * model, jobs run, mean and p95 queue wait and run time; and the event loop's lag (a busy
 * main thread delays everything), and how busy the whole machine's cores were (the bot's
 * threads, tesseract's and ffmpeg's processes, and this bench). Counters are cumulative, so a
 * phase's figures are the difference between a snapshot at its end and one at its start.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

/** The bot's metrics at one moment: each labelled series' value, and the unlabelled ones. */
export interface MetricsSnapshot {
  series: Map<string, number>;
  text: string;
  /** The machine's CPU time so far, all cores, in clock ticks (Linux only). */
  machine?: { busy: number; total: number };
}

export async function readMetrics(metricsPort: number): Promise<MetricsSnapshot> {
  const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text());
  const series = new Map<string, number>();
  for (const [, key, value] of text.matchAll(/^(\w+\{[^}]*\}) (\S+)$/gm))
    series.set(key!, Number(value));
  const machine = machineCpu();
  return { series, text, ...(machine ? { machine } : {}) };
}

/** /proc/stat's first line: every core's time, of which idle and waiting for I/O. */
function machineCpu(): MetricsSnapshot["machine"] {
  let line: string | undefined;
  try {
    line = readFileSync("/proc/stat", "utf8").split("\n")[0];
  } catch {
    return undefined;
  }
  const ticks = (line ?? "").trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((sum, value) => sum + value, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busy: total - idle, total };
}

/** One histogram's figures over a phase: upper bound (s) -> jobs (cumulative), sum, count. */
interface HistogramFigures {
  buckets: Map<number, number>;
  sum: number;
  count: number;
}

/** Adds one exposition line's phase value (`total - before`) to `figures`. */
function addSample(figures: HistogramFigures, suffix: string, labels: string, value: number) {
  if (suffix === "sum") figures.sum += value;
  else if (suffix === "count") figures.count += value;
  else {
    const le = Number(/le="([^"]+)"/.exec(labels)?.[1]);
    figures.buckets.set(le, (figures.buckets.get(le) ?? 0) + value);
  }
}

const meanMs = (h: HistogramFigures | undefined) =>
  ((h?.sum ?? 0) / Math.max(1, h?.count ?? 0)) * 1000;

/** The bucket bound under which 95% of the jobs fall. */
function p95(h: HistogramFigures | undefined): number {
  const buckets = [...(h?.buckets ?? [])].sort((a, b) => a[0] - b[0]);
  const total = buckets.at(-1)?.[1] ?? 0;
  return buckets.find(([, jobs]) => jobs >= 0.95 * total)?.[0] ?? 0;
}

/**
 * Job figures for what happened between `before` (the bot's start when absent) and `after`:
 * per task, then each task's queue wait per class (interactive work should wait little
 * however much batch work waits beside it).
 */
export function jobFigures(after: MetricsSnapshot, before?: MetricsSnapshot): string[] {
  /** Keyed "task wait", "task duration" and "task wait class". */
  const histograms = new Map<string, HistogramFigures>();
  const add = (key: string, suffix: string, labels: string, value: number) => {
    const figures = histograms.get(key) ?? { buckets: new Map(), sum: 0, count: 0 };
    addSample(figures, suffix, labels, value);
    histograms.set(key, figures);
  };
  for (const [key, total] of after.series) {
    const [, name, labels] = /^(\w+)\{([^}]*)\}$/.exec(key)!;
    const metric = /^bot_job_(wait|duration)_seconds_(bucket|sum|count)$/.exec(name!);
    const task = /task="([^"]+)"/.exec(labels!)?.[1];
    if (!metric || !task) continue;
    const [, what, suffix] = metric;
    const value = total - (before?.series.get(key) ?? 0);
    add(`${task} ${what}`, suffix!, labels!, value);
    const workClass = /class="([^"]+)"/.exec(labels!)?.[1];
    if (workClass) add(`${task} ${what} ${workClass}`, suffix!, labels!, value);
  }
  const tasks = new Set([...histograms.keys()].map((key) => key.split(" ")[0]!));
  const lines = [...tasks].sort().map((task) => {
    const wait = histograms.get(`${task} wait`);
    const run = histograms.get(`${task} duration`);
    return (
      `job ${task}: n=${run?.count ?? 0} wait_avg_ms=${meanMs(wait).toFixed(0)} ` +
      `wait_p95_s<=${p95(wait)} run_avg_ms=${meanMs(run).toFixed(0)} run_p95_s<=${p95(run)}`
    );
  });
  const byClass = [...histograms]
    .filter(([key, h]) => key.split(" ").length === 3 && h.count > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, h]) => {
      const [task, , workClass] = key.split(" ");
      return `${task}/${workClass} n=${h.count} avg_ms=${meanMs(h).toFixed(0)} p95_s<=${p95(h)}`;
    });
  if (byClass.length > 0) lines.push(`wait by class: ${byClass.join("; ")}`);
  const gauge = (name: string, snapshot = after) =>
    Number(new RegExp(`^${name} (\\S+)$`, "m").exec(snapshot.text)?.[1]);
  const ms = (name: string) => (gauge(name) * 1000).toFixed(0);
  const cpuS = (snapshot?: MetricsSnapshot) =>
    snapshot ? gauge("process_cpu_seconds_total", snapshot) : 0;
  const machine =
    after.machine && before?.machine
      ? `; machine_busy=${(
          (after.machine.busy - before.machine.busy) /
          Math.max(1, after.machine.total - before.machine.total)
        ).toFixed(2)} of ${availableParallelism()} cores`
      : "";
  // The lag gauges are the bot's recent ones, not differences.
  lines.push(
    `event loop lag: p50_ms=${ms("nodejs_eventloop_lag_p50_seconds")} ` +
      `p99_ms=${ms("nodejs_eventloop_lag_p99_seconds")} max_ms=${ms("nodejs_eventloop_lag_max_seconds")}; ` +
      `cpu_s=${(cpuS(after) - cpuS(before)).toFixed(1)}${machine}`,
  );
  return lines;
}
