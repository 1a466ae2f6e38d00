/**
 * npm run models:pull [-- --profile auto|gpu|cpu] [--models-dir DIR] [--remote-host URL] [--no-verify]
 *
 * Downloads the models of a profile (and their fallbacks) into MODELS_DIR with a progress bar
 * per file, resuming interrupted downloads, then loads each model once to check it works.
 * A model that fails does not stop the others: every failure is listed at the end and the
 * exit status is 1.
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { pino } from "pino";
import { loadDotEnv, modelsDirFrom } from "../src/config/index.js";
import { pullTargets, resolveProfile, parseProfileChoice } from "../src/models/catalogue/index.js";
import {
  configureRuntime,
  DEFAULT_REMOTE_HOST,
  detectCuda,
  pullModels,
  verifyByLoading,
  type PullEvent,
} from "../src/models/runtime/index.js";

/**
 * The options of a run; without --models-dir, the folder the bot reads with the same
 * environment (MODELS_DIR, else DATA_DIR/models: see modelsDirFrom).
 */
export function parseCommandLine(args: string[], env: Record<string, string | undefined>) {
  const { values } = parseArgs({
    args,
    options: {
      profile: { type: "string", default: env.MODEL_PROFILE || "auto" },
      "models-dir": { type: "string" },
      "remote-host": { type: "string", default: env.HF_ENDPOINT || DEFAULT_REMOTE_HOST },
      "no-verify": { type: "boolean", default: false },
    },
  });
  const profile = parseProfileChoice(values.profile);
  return {
    profile,
    modelsDir: values["models-dir"] ?? modelsDirFrom(env),
    remoteHost: values["remote-host"],
    verify: !values["no-verify"],
  };
}

/** Progress bars on a terminal; plain lines otherwise (CI logs, pipes). */
function progressReporter(bars: cliProgress.MultiBar | undefined): (event: PullEvent) => void {
  const open = new Map<string, cliProgress.SingleBar>();
  const say = (line: string) => (bars ? bars.log(`${line}\n`) : console.log(line));
  return (event) => {
    const key = `${event.modelId}/${"path" in event ? event.path : ""}`;
    switch (event.type) {
      case "file-start":
        open.get(key)?.stop();
        if (bars)
          open.set(key, bars.create(event.totalBytes ?? 0, event.resumeFrom, { file: key }));
        else
          say(`downloading ${key}${event.resumeFrom > 0 ? ` from byte ${event.resumeFrom}` : ""}`);
        break;
      case "file-progress":
        open.get(key)?.update(event.bytes);
        break;
      case "file-done":
        if (event.skipped) say(`already complete: ${key}`);
        open.get(key)?.update(event.bytes);
        open.get(key)?.stop();
        open.delete(key);
        break;
      case "file-absent":
        say(`not on the hub (optional): ${key}`);
        break;
      case "retry":
        say(`retrying ${key} (attempt ${event.attempt + 1}): ${event.error}`);
        break;
      case "verified":
        say(`loads: ${event.modelId} on ${event.device}`);
        break;
      case "failed":
        say(`FAILED: ${event.modelId} (${event.dtype}): ${event.error}`);
        break;
    }
  };
}

async function main(): Promise<void> {
  // The bot's own settings file, as src/main.ts reads it.
  loadDotEnv();
  const args = parseCommandLine(process.argv.slice(2), process.env);
  const logger = pino({ level: process.env.LOG_LEVEL ?? "error" });
  const cuda = detectCuda();
  const profile = resolveProfile(args.profile, {}, { cudaAvailable: cuda.available });
  console.log(`profile ${profile.name}${args.profile === "auto" ? ` (auto: ${cuda.reason})` : ""}`);
  if (profile.modelsDir) {
    console.log(
      `profile ${profile.name} uses the models in ${profile.modelsDir}; nothing to download.`,
    );
    return;
  }
  const runtime = configureRuntime({ modelsDir: args.modelsDir, allowRemoteModels: false, logger });
  const bars = process.stdout.isTTY
    ? new cliProgress.MultiBar(
        {
          format: " {bar} {percentage}% | {value}/{total} B | {file}",
          hideCursor: true,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  try {
    const report = await pullModels({
      targets: pullTargets(profile),
      modelsDir: runtime.modelsDir,
      remoteHost: args.remoteHost,
      ...(process.env.HF_TOKEN ? { token: process.env.HF_TOKEN } : {}),
      logger,
      onEvent: progressReporter(bars),
      ...(args.verify ? { verify: verifyByLoading(logger) } : {}),
    });
    bars?.stop();
    const bytes = report.models.flatMap((m) => m.files).reduce((sum, f) => sum + f.bytes, 0);
    console.log(
      `${report.models.length} model variants in ${runtime.modelsDir} (${(bytes / 1024 ** 3).toFixed(2)} GiB)`,
    );
    if (report.failed.length > 0) {
      console.error(`${report.failed.length} model variant(s) failed:`);
      for (const failure of report.failed) {
        console.error(`  ${failure.modelId} (${failure.dtype}): ${failure.error}`);
      }
      process.exitCode = 1;
    }
  } finally {
    bars?.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
