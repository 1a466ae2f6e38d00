/**
 * The worker thread's side of a threaded model: builds the model from its recipe with the
 * kind's own factory and answers load, run, cancel and unload requests.
 */
import { parentPort, workerData } from "node:worker_threads";
import { createLogger } from "../../log/index.js";
import { systemClock } from "../../shared/clock.js";
import { cancelledError, toErrorRecord } from "../../shared/errors.js";
import type { ManagedModel } from "../contract.js";
import { createKindModel } from "../kinds/adapters.js";
import { configureRuntime } from "../runtime/index.js";
import type { FromThread, ThreadRecipe, ToThread } from "./protocol.js";

const port = parentPort!;
const recipe = (workerData as { recipe: ThreadRecipe }).recipe;
const logger = createLogger(recipe.log).child({ module: "models", thread: recipe.kind });
const runtime = configureRuntime({ ...recipe.runtime, logger });
let model = createKindModel(recipe.kind, recipe.profile, {
  runtime,
  logger,
  clock: systemClock,
}) as ManagedModel;
for (let depth = 0; depth < recipe.depth; depth++) model = model.fallback!;

const running = new Map<number, AbortController>();
const send = (message: FromThread) => port.postMessage(message);

/** Sends what `work` comes to as the answer to request `id`, then calls `settled`. */
function answer(id: number, work: () => Promise<unknown>, settled = () => {}): void {
  const fail = (error: unknown) => send({ type: "failed", id, error: toErrorRecord(error) });
  work().then(
    (value) => {
      settled();
      try {
        send({ type: "done", id, value });
      } catch (error) {
        // A value that can't be copied to the other thread is a bug of the adapter's.
        fail(error);
      }
    },
    (error: unknown) => {
      settled();
      fail(error);
    },
  );
}

/** The input with each named callback sending its calls back to the caller's thread. */
function withCallbacks(id: number, input: unknown, names: string[]): unknown {
  if (names.length === 0) return input;
  const calls = names.map((name) => [
    name,
    (...args: unknown[]) => send({ type: "callback", id, name, args }),
  ]);
  return { ...(input as object), ...Object.fromEntries(calls) };
}

port.on("message", (message: ToThread) => {
  const { id } = message;
  if (message.type === "load") {
    answer(id, () => model.load());
  } else if (message.type === "unload") {
    answer(id, () => model.unload());
  } else if (message.type === "cancel") {
    running.get(id)?.abort(cancelledError());
  } else {
    const controller = new AbortController();
    running.set(id, controller);
    const input = withCallbacks(id, message.input, message.callbacks);
    answer(
      id,
      () => model.run(input, controller.signal),
      () => running.delete(id),
    );
  }
});
