/** Renders the admin /status report from a snapshot of the models, memory and usage. */
import { escapeHtml } from "./format/markdown.js";
import type { Translate } from "./progress.js";
import type { ModelStatus, StatusSnapshot } from "./ports.js";

export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (bytes >= 2 ** 20) return `${Math.round(bytes / 2 ** 20)} MiB`;
  return `${Math.round(bytes / 1024)} KiB`;
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 48
    ? `${hours} h ${minutes % 60} min`
    : `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

function formatModel(model: ModelStatus, t: Translate): string {
  const unavailable = (model.unavailable ?? []).map((failed) =>
    t("status-variant-unavailable", {
      variant: escapeHtml(failed.variant),
      reason: escapeHtml(failed.reason),
      retry: formatDuration(failed.retryInMs),
    }),
  );
  return [formatModelLine(model, t), ...formatWaiting(model.line, t), ...unavailable].join("\n");
}

/** What waits in a model's line, per class, and who has most of it; nothing when idle. */
function formatWaiting(line: ModelStatus["line"], t: Translate): string[] {
  if (!line || line.classes.interactive.waiting + line.classes.batch.waiting === 0) return [];
  const owners = line.topOwners
    .map(
      (owner) =>
        `<code>${escapeHtml(owner.owner)}</code> ${owner.waiting} (${formatDuration(owner.oldestWaitMs)})`,
    )
    .join(", ");
  return [
    t("status-waiting", {
      interactive: line.classes.interactive.waiting,
      interactiveWait: formatDuration(line.classes.interactive.oldestWaitMs),
      batch: line.classes.batch.waiting,
      batchWait: formatDuration(line.classes.batch.oldestWaitMs),
    }),
    t("status-top-owners", { owners }),
  ];
}

function formatModelLine(model: ModelStatus, t: Translate): string {
  return t("status-model", {
    id: escapeHtml(model.id),
    state: t(`status-state-${model.state}`),
    variant: model.variant ? ` (${escapeHtml(model.variant)})` : "",
    device: model.device,
    footprint: formatBytes(model.footprintBytes),
    measured: model.measured ? "" : " ~",
    queue: model.queue,
    running: model.running,
    loads: model.loads,
    ok: model.jobsOk,
    failed: model.jobsFailed,
    p50: formatDuration(model.p50Ms),
    p95: formatDuration(model.p95Ms),
    idle: formatDuration(model.idleMs),
  });
}

function formatUsage(snapshot: StatusSnapshot, window: "hour" | "day", t: Translate): string {
  const rows = snapshot.usage.filter((row) => row.window === window);
  const text = rows.length
    ? rows.map((row) => `${row.task} ${row.ok}✓ ${row.failed}✗`).join(", ")
    : t("status-no-usage");
  return t(`status-usage-${window}`, { usage: text });
}

/** The busiest API keys today: requests, failures and what they consumed. */
function formatApiKeys(keys: StatusSnapshot["apiKeys"], t: Translate): string[] {
  if (!keys || keys.length === 0) return [];
  return [
    "",
    t("status-api-keys"),
    ...keys.map((key) =>
      t("status-api-key", {
        name: escapeHtml(key.name),
        requests: key.requests,
        failed: key.failures,
        audio: key.audioS > 0 ? formatDuration(key.audioS * 1000) : "—",
        pages: key.pages,
        tokens: key.tokens,
      }),
    ),
  ];
}

function formatCluster(cluster: NonNullable<StatusSnapshot["cluster"]>, t: Translate): string[] {
  const workers = cluster.workers.map((worker) =>
    t("status-worker", {
      id: escapeHtml(worker.id),
      host: escapeHtml(worker.host),
      kinds: worker.kinds.join(", "),
      loaded: worker.loaded.join(", ") || "—",
      running: worker.running,
      used: formatBytes(worker.inUseBytes),
      budget: formatBytes(worker.budgetBytes),
      seen: formatDuration(worker.seenMsAgo),
    }),
  );
  const queues = cluster.queues
    .map((queue) => `${queue.kind} ${queue.waiting}⏳ ${queue.active}▶`)
    .join(", ");
  // The bot's own fair line in front of each kind's queue, where work waits in it.
  const lines = cluster.queues.flatMap((queue) => {
    const waiting = formatWaiting(queue.line, t);
    return waiting.length > 0 ? [`<b>${escapeHtml(queue.kind)}</b>`, ...waiting] : [];
  });
  return [
    "",
    t("status-workers"),
    ...(workers.length > 0 ? workers : [t("status-no-workers")]),
    t("status-queues", { queues }),
    ...lines,
  ];
}

/** The database on disk (WAL included), its free pages and the rows that grow with use. */
function formatDatabase(database: NonNullable<StatusSnapshot["database"]>, t: Translate): string {
  return t("status-database", {
    file: formatBytes(database.fileBytes),
    wal: formatBytes(database.walBytes),
    free: formatBytes(database.freeBytes),
    results: database.rows.results,
    history: database.rows.history,
    usage: database.rows.usage,
  });
}

export function formatStatus(snapshot: StatusSnapshot, t: Translate): string {
  return [
    t("status-header", { uptime: formatDuration(snapshot.uptimeMs), device: snapshot.device }),
    ...(snapshot.cuda === undefined
      ? []
      : [t("status-cuda", { reason: escapeHtml(snapshot.cuda) })]),
    t("status-memory", {
      used: formatBytes(snapshot.inUseBytes),
      budget: formatBytes(snapshot.budgetBytes),
      peak: formatBytes(snapshot.peakBytes),
    }),
    ...(snapshot.database ? [formatDatabase(snapshot.database, t)] : []),
    "",
    t("status-models"),
    ...snapshot.models.map((model) => formatModel(model, t)),
    ...(snapshot.cluster ? formatCluster(snapshot.cluster, t) : []),
    "",
    formatUsage(snapshot, "hour", t),
    formatUsage(snapshot, "day", t),
    ...formatApiKeys(snapshot.apiKeys, t),
  ].join("\n");
}
