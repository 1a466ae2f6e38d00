import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { stepProgress, type Progress } from "../../src/jobs/progress.js";

describe("progress of a request cut into pieces", () => {
  it("keeps the step on show when the next piece starts running", () => {
    const shown: Progress[] = [];
    const progress = stepProgress((update) => shown.push(update));
    progress.onJobEvent({ type: "running", modelId: "asr" });
    progress.step({ type: "minutes", done: 1, total: 3 });
    progress.onJobEvent({ type: "queued", position: 2 });
    progress.onJobEvent({ type: "running", modelId: "asr" });
    assert.deepEqual(shown, [
      { type: "running" },
      { type: "minutes", done: 1, total: 3 },
      { type: "queued", position: 2 },
      { type: "minutes", done: 1, total: 3 },
    ]);
  });
});
