/**
 * What every front-end of one process shares: the store, the models (in this process, or on
 * workers through Redis for ROLE=bot), the services over them, the job layer and the status
 * service. The bot and the HTTP API are both built on one core, so they share one memory
 * budget and one set of fair lines.
 */
import type { Logger } from "pino";
import type { JobLayer } from "../jobs/index.js";
import type { SpeechService } from "../services/speech/index.js";
import type { Config } from "../config/index.js";
import { ToolSpawner } from "../media/tool-spawner.js";
import { Store } from "../memory/index.js";
import { StatusService } from "../services/status/index.js";
import type { Clock } from "../shared/clock.js";
import { clusterStats, clusterStatus, connectRemoteModels, type ModelHandles } from "./cluster.js";
import { buildModels, type ModelSet } from "./models.js";
import { buildJobLayer } from "./services.js";

export interface Core {
  store: Store;
  /** ffmpeg, espeak-ng and tesseract start from this helper process. */
  tools: ToolSpawner;
  /** ROLE=bot: the workers' models, reached through Redis. */
  cluster?: ReturnType<typeof connectRemoteModels>;
  /** Otherwise: the models of this process, under its manager. */
  local?: ModelSet;
  models: ModelHandles;
  speech: SpeechService;
  jobs: JobLayer;
  status: StatusService;
}

export function createCore(
  config: Config,
  deps: { logger: Logger; clock: Clock; startedAt: number },
): Core {
  const { logger, clock } = deps;
  const store = Store.open(config.databasePath);
  // ROLE=bot: models run on workers, reached through Redis; otherwise in this process.
  const cluster =
    config.cluster.role === "bot" ? connectRemoteModels(config, { logger, clock }) : undefined;
  // ffmpeg, espeak-ng and tesseract start from a small helper process: a fork of the bot stalls it.
  const tools = new ToolSpawner();
  const local = cluster
    ? undefined
    : buildModels(config, { store, logger, clock, runner: tools.run });
  const models: ModelHandles = cluster?.handles ?? local!;
  const { jobs, speech } = buildJobLayer(config, {
    models,
    store,
    logger,
    clock,
    runner: tools.run,
  });
  const status = new StatusService({
    stats: () => (cluster ? clusterStats(cluster.remote) : local!.manager.stats()),
    store,
    clock,
    startedAt: deps.startedAt,
    device: models.device,
    ...(local?.cudaReason ? { cuda: local.cudaReason } : {}),
    ...(cluster ? { cluster: () => clusterStatus(cluster.remote, Date.now()) } : {}),
    ...(local ? { unload: (id: string) => local.manager.unload(id) } : {}),
  });
  return {
    store,
    tools,
    ...(cluster ? { cluster } : {}),
    ...(local ? { local } : {}),
    models,
    speech,
    jobs,
    status,
  };
}
