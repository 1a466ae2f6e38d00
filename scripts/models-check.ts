/**
 * npm run models:check [-- --profile auto|gpu|cpu|fixture] [--models-dir DIR]
 *
 * The first thing to run on a new machine (a GPU box above all): for every model of the profile,
 * the files its dtype needs, the device and dtype it really loads on, load time, the memory the
 * load took (VRAM on CUDA), one tiny inference, and a verdict. It reads only MODELS_DIR (no
 * downloads). Exit status 1 when a task has no variant that can serve, naming it.
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { pino } from "pino";
import sharp from "sharp";
import { loadDotEnv, modelsDirFrom } from "../src/config/index.js";
import { profileThreads } from "../src/app/models.js";
import { createCatalogueModels } from "../src/models/kinds/adapters.js";
import { KIND_TABLE, type KindInput, type ProfileKind } from "../src/models/kinds/index.js";
import { parseProfileChoice, resolveProfile } from "../src/models/catalogue/index.js";
import {
  checkModels,
  configureRuntime,
  detectCuda,
  formatCheckTable,
  type CheckTarget,
} from "../src/models/runtime/index.js";
import { systemClock } from "../src/shared/clock.js";

/**
 * The options of a run. `modelsDir` is --models-dir when given (it wins even over the
 * fixture profile's own folder), else the folder the bot reads with the same environment.
 */
export function parseCommandLine(args: string[], env: Record<string, string | undefined>) {
  const { values } = parseArgs({
    args,
    options: {
      profile: { type: "string", default: env.MODEL_PROFILE || "auto" },
      "models-dir": { type: "string" },
    },
  });
  const profile = parseProfileChoice(values.profile);
  const explicit = values["models-dir"];
  return { profile, modelsDir: explicit ?? modelsDirFrom(env), explicitModelsDir: !!explicit };
}

function greyPng(width: number, height: number): Promise<Buffer> {
  const background = { r: 128, g: 128, b: 128 };
  return sharp({ create: { width, height, channels: 3, background } })
    .png()
    .toBuffer();
}

async function main(): Promise<void> {
  // The bot's own settings file, as src/main.ts reads it.
  loadDotEnv();
  const args = parseCommandLine(process.argv.slice(2), process.env);
  const logger = pino({ level: process.env.LOG_LEVEL ?? "error" });
  const cuda = args.profile === "auto" || args.profile === "gpu" ? detectCuda() : undefined;
  const profile = resolveProfile(args.profile, {}, { cudaAvailable: cuda?.available ?? false });
  console.log(`profile ${profile.name}${args.profile === "auto" ? " (auto)" : ""}`);
  if (cuda) console.log(`CUDA ${cuda.available ? "usable" : "unusable"}: ${cuda.reason}`);
  const override = process.env.MODEL_THREADS?.trim();
  if (override && !/^[1-9]\d*$/.test(override)) {
    throw new Error(`MODEL_THREADS must be a whole number of threads, got "${override}"`);
  }
  const threads = profileThreads(profile, override ? { override: Number(override) } : {});
  const runtime = configureRuntime({
    // The bot's order (src/app/models.ts): the profile's own folder, else the configured one.
    modelsDir: args.explicitModelsDir ? args.modelsDir : (profile.modelsDir ?? args.modelsDir),
    allowRemoteModels: false,
    threads,
    logger,
  });
  console.log(`models in ${runtime.modelsDir}; ${threads.intraOpNumThreads} threads per session\n`);

  const models = createCatalogueModels(profile, { runtime, logger, clock: systemClock });
  const second = new Float32Array(16_000);
  // One tiny input per kind the profile names a model for.
  const probes: { [K in ProfileKind]: KindInput<K> } = {
    asr: { samples: second, language: "auto" },
    chat: {
      messages: [{ role: "user", content: "Hi" }],
      settings: { maxNewTokens: 4, temperature: 0, topP: 1, repetitionPenalty: 1 },
    },
    "tts-ru": "привет",
    "tts-en": "hello",
    // One small grey picture: the processor scales it up to its minimum (256 × 256 pixels).
    vision: {
      images: [await greyPng(64, 64)],
      turns: [{ role: "user", text: "What is in this picture?", images: [0] }],
      maxNewTokens: 4,
    },
    embed: { texts: ["Привет, мир", "Hello, world"], role: "passage" },
    // One 32 ms frame of silence: the VAD's smallest input.
    vad: { samples: new Float32Array(512) },
  };
  // The transformers.js models first, then the VAD, each in table order.
  const checked = (source: "models" | "vad") =>
    KIND_TABLE.filter((row) => row.catalogue.in === source).map((row) => row.id as ProfileKind);
  const targets: CheckTarget[] = [...checked("models"), ...checked("vad")].map((kind) => ({
    task: kind,
    model: models[kind],
    probe: probes[kind],
  }));
  const rows = await checkModels(targets);
  console.log(formatCheckTable(rows));

  for (const row of rows) {
    if (row.missingFiles.length > 0 && row.verdict !== "ok") {
      console.log(`\n${row.task}: missing ${row.missingFiles.join(", ")}`);
    }
    for (const problem of row.problems) console.log(`${row.task}: ${problem}`);
  }
  const failed = rows.filter((row) => row.verdict === "fail");
  if (failed.length > 0) {
    console.error(
      `\ncannot serve: ${failed.map((row) => `${row.task} (${row.variant})`).join(", ")}; ` +
        "run `npm run models:pull` for this profile, then check again",
    );
    process.exitCode = 1;
  } else {
    console.log(`\nall ${rows.length} models can serve`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
