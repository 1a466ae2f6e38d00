import { pino } from "pino";
import { RemoteModels, type RemoteModelsOptions } from "../../src/cluster/index.js";
import { systemClock } from "../../src/shared/clock.js";

type Limits = Pick<RemoteModelsOptions, "lineSize" | "maxPerOwner" | "batchAgingMs">;

/**
 * The bot's remote handles for cluster tests: small waiting limits unless `limits` says
 * otherwise, a silent logger, the system clock (heartbeats and BullMQ's timers are real).
 */
export function testRemoteModels(
  settings: RemoteModelsOptions["settings"],
  limits: Partial<Limits> = {},
): RemoteModels {
  return new RemoteModels({
    settings,
    lineSize: () => ({ maxQueue: 10 }),
    maxPerOwner: 10,
    batchAgingMs: 20_000,
    ...limits,
    logger: pino({ level: "silent" }),
    clock: systemClock,
  });
}
