/**
 * `models:check`: proves, on the machine it runs on, that every model of a profile can serve.
 * For each task (the transformers.js models and the VAD) it walks the variant chain the manager
 * would (the model, then its fallbacks):
 * lists the files the dtype needs and which are absent, loads the variant (timing it and taking
 * the memory the load measured: VRAM on CUDA, resident memory on CPU), runs one tiny inference,
 * unloads it, and stops at the first variant that works. One row per task.
 */
import type { ComputeDevice, LoadReport, ManagedModel } from "../contract.js";
import { errorLine } from "./pipeline.js";

/** A file a model variant loads, and whether it is on disk. */
export interface RequiredFile {
  path: string;
  present: boolean;
}

/** A model variant the check can walk: a managed model that names itself and its files. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any adapter's input
export interface CheckableModel extends ManagedModel<any, unknown> {
  readonly label: string;
  /** The files this variant loads (external data included), each with whether it exists. */
  requiredFiles(): RequiredFile[];
}

/** One task to check: its model (with its fallback chain) and a tiny input for it. */
export interface CheckTarget {
  task: string;
  model: CheckableModel;
  probe: unknown;
}

export type CheckVerdict = "ok" | "fallback" | "fail";

export interface CheckRow {
  task: string;
  /** The variant that serves ("org/model dtype device"), or the first one when none does. */
  variant: string;
  /** Files the variant's dtype needs, present / required. */
  filesPresent: number;
  filesRequired: number;
  missingFiles: string[];
  /** Where and in what precision it really ran, once loaded. */
  device?: ComputeDevice;
  dtype?: string;
  loadMs?: number;
  /** What the load measured: VRAM on CUDA, resident memory on CPU. */
  memoryBytes?: number;
  inferenceMs?: number;
  verdict: CheckVerdict;
  /** Why variants before the serving one (or all of them) failed. */
  problems: string[];
}

export interface CheckOptions {
  /** Milliseconds now (default `performance.now`). */
  now?: () => number;
}

/** Checks every target in turn; never throws for a model that fails, it gets a "fail" row. */
export async function checkModels(
  targets: readonly CheckTarget[],
  options: CheckOptions = {},
): Promise<CheckRow[]> {
  const rows: CheckRow[] = [];
  for (const target of targets) rows.push(await checkTarget(target, options));
  return rows;
}

async function checkTarget(target: CheckTarget, options: CheckOptions): Promise<CheckRow> {
  const now = options.now ?? (() => performance.now());
  const problems: string[] = [];
  let first: CheckRow | undefined;
  let index = 0;
  for (
    let variant: CheckableModel | undefined = target.model;
    variant;
    variant = variant.fallback as CheckableModel | undefined, index++
  ) {
    const files = variant.requiredFiles();
    const row: CheckRow = {
      task: target.task,
      variant: variant.label,
      filesPresent: files.length - files.filter((file) => !file.present).length,
      filesRequired: files.length,
      missingFiles: files.filter((file) => !file.present).map((file) => file.path),
      verdict: "fail",
      problems,
    };
    first ??= row;
    const started = now();
    let report: LoadReport;
    try {
      report = await variant.load();
    } catch (error) {
      problems.push(`${variant.label}: ${describe(error)}`);
      continue;
    }
    Object.assign(row, {
      device: report.device,
      ...(report.dtype === undefined ? {} : { dtype: report.dtype }),
      loadMs: now() - started,
      ...(report.measuredBytes === undefined ? {} : { memoryBytes: report.measuredBytes }),
    });
    try {
      const ran = now();
      await variant.run(target.probe, new AbortController().signal);
      row.inferenceMs = now() - ran;
      row.verdict = index === 0 ? "ok" : "fallback";
      return row;
    } catch (error) {
      problems.push(`${variant.label}: inference failed: ${describe(error)}`);
    } finally {
      await variant.unload();
    }
  }
  return first as CheckRow;
}

/** An error's first line, with its cause's when that says more. */
function describe(error: unknown): string {
  const own = errorLine(error);
  const cause = error instanceof Error && error.cause !== undefined ? errorLine(error.cause) : "";
  return cause && !own.includes(cause) ? `${own}: ${cause}` : own;
}

const MIB = 1024 ** 2;

/** The rows as an aligned text table, one line per task, header first. */
export function formatCheckTable(rows: readonly CheckRow[]): string {
  const ms = (value: number | undefined) => (value === undefined ? "—" : `${Math.round(value)} ms`);
  const table = [
    ["task", "model", "files", "device", "dtype", "load", "memory", "inference", "verdict"],
    ...rows.map((row) => [
      row.task,
      row.variant,
      `${row.filesPresent}/${row.filesRequired}`,
      row.device ?? "—",
      row.dtype ?? "—",
      ms(row.loadMs),
      row.memoryBytes === undefined
        ? "—"
        : `${Math.round(row.memoryBytes / MIB)} MiB ${row.device === "cuda" ? "VRAM" : "RAM"}`,
      ms(row.inferenceMs),
      row.verdict.toUpperCase(),
    ]),
  ];
  const widths =
    table[0]?.map((_, column) => Math.max(...table.map((line) => line[column]?.length ?? 0))) ?? [];
  return table
    .map((line) =>
      line
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
