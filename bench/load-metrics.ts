/**
 * Where the bot's time went during a `bench:load` phase, from its own /metrics: per task and
 * model, jobs run, mean and p95 queue wait and run time; and the event loop's lag (a busy
 * main thread delays everything). Counters are cumulative, so a phase's figures are the
 * difference between a snapshot at its end and one at its start.
 */

/** The bot's metrics at one moment: each labelled series' value, and the unlabelled ones. */
export interface MetricsSnapshot {
  series: Map<string, number>;
  text: string;
}

export async function readMetrics(metricsPort: number): Promise<MetricsSnapshot> {
  const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text());
  const series = new Map<string, number>();
  for (const [, key, value] of text.matchAll(/^(\w+\{[^}]*\}) (\S+)$/gm))
    series.set(key!, Number(value));
  return { series, text };
}

/** Job figures for what happened between `before` (the bot's start when absent) and `after`. */
export function jobFigures(after: MetricsSnapshot, before?: MetricsSnapshot): string[] {
  const sums = new Map<string, number>();
  /** Cumulative histograms per "task wait|duration": upper bound (s) -> jobs. */
  const histograms = new Map<string, Map<number, number>>();
  for (const [key, total] of after.series) {
    const [, name, labels] = /^(\w+)\{([^}]*)\}$/.exec(key)!;
    const value = total - (before?.series.get(key) ?? 0);
    const task = /task="([^"]+)"/.exec(labels!)?.[1];
    const histogram = /^bot_job_(wait|duration)_seconds_bucket$/.exec(name!)?.[1];
    if (task && histogram) {
      const le = Number(/le="([^"]+)"/.exec(labels!)?.[1]);
      const buckets = histograms.get(`${task} ${histogram}`) ?? new Map<number, number>();
      buckets.set(le, (buckets.get(le) ?? 0) + value);
      histograms.set(`${task} ${histogram}`, buckets);
    }
    if (!task || !/^bot_job_(duration|wait)_seconds_(sum|count)$/.test(name!)) continue;
    const sumKey = `${task} ${name!.replace(/^bot_job_|_seconds/g, "")}`;
    sums.set(sumKey, (sums.get(sumKey) ?? 0) + value);
  }
  const tasks = new Set([...sums.keys()].map((key) => key.split(" ")[0]!));
  const lines = [...tasks].sort().map((task) => {
    const get = (what: string) => sums.get(`${task} ${what}`) ?? 0;
    const mean = (what: string) => (get(`${what}_sum`) / Math.max(1, get(`${what}_count`))) * 1000;
    // The bucket bound under which 95% of the jobs fall.
    const p95 = (what: string) => {
      const buckets = [...(histograms.get(`${task} ${what}`) ?? [])].sort((a, b) => a[0] - b[0]);
      const total = buckets.at(-1)?.[1] ?? 0;
      return buckets.find(([, jobs]) => jobs >= 0.95 * total)?.[0] ?? 0;
    };
    return (
      `job ${task}: n=${get("duration_count")} wait_avg_ms=${mean("wait").toFixed(0)} ` +
      `wait_p95_s<=${p95("wait")} run_avg_ms=${mean("duration").toFixed(0)} ` +
      `run_p95_s<=${p95("duration")}`
    );
  });
  const gauge = (name: string, snapshot = after) =>
    Number(new RegExp(`^${name} (\\S+)$`, "m").exec(snapshot.text)?.[1]);
  const ms = (name: string) => (gauge(name) * 1000).toFixed(0);
  const cpuS = (snapshot?: MetricsSnapshot) =>
    snapshot ? gauge("process_cpu_seconds_total", snapshot) : 0;
  // The lag gauges are the bot's recent ones, not differences.
  lines.push(
    `event loop lag: p50_ms=${ms("nodejs_eventloop_lag_p50_seconds")} ` +
      `p99_ms=${ms("nodejs_eventloop_lag_p99_seconds")} max_ms=${ms("nodejs_eventloop_lag_max_seconds")}; ` +
      `cpu_s=${(cpuS(after) - cpuS(before)).toFixed(1)}`,
  );
  return lines;
}
