/** A model manager on a manual clock for tests, and the assertions its tests share. */
import assert from "node:assert/strict";
import { pino } from "pino";
import { ModelManager } from "../../../src/models/manager/index.js";
import type { ModelEvent, ModelManagerOptions } from "../../../src/models/manager/index.js";
import { ManualClock } from "../../../src/shared/clock.js";
import { isAppError } from "../../../src/shared/errors.js";
import { GB } from "../fake-model.js";

/** A 16 GB manager whose every lifecycle event is recorded and checked against the budget. */
export function setup(options: Partial<ModelManagerOptions> = {}) {
  const clock = new ManualClock();
  const manager = new ModelManager({
    budgetBytes: 16 * GB,
    clock,
    logger: pino({ level: "silent" }),
    ...options,
  });
  const events: ModelEvent[] = [];
  manager.on((event) => {
    events.push(event);
    // The budget is checked at every lifecycle event, not only at the end.
    assert.ok(manager.stats().inUseBytes <= manager.stats().budgetBytes, "over budget");
  });
  return { clock, manager, events };
}

/** Asserts a promise rejects with an AppError of the given code. */
export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<unknown> {
  let caught: unknown;
  await assert.rejects(promise, (error) => {
    caught = error;
    return isAppError(error) && error.code === code;
  });
  return caught;
}

export function statsOf(manager: ModelManager, id: string) {
  const stats = manager.stats().models.find((model) => model.id === id);
  assert.ok(stats, `no stats for ${id}`);
  return stats;
}
