import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Store } from "../../src/memory/index.js";
import { ModelManager } from "../../src/models/index.js";
import { StatusService } from "../../src/services/status/index.js";
import { ManualClock } from "../../src/shared/clock.js";
import { FakeModel, GB } from "../models/fake-model.js";

const statusOf = (manager: ModelManager, store: Store, clock: ManualClock) =>
  new StatusService({ stats: () => manager.stats(), store, clock, startedAt: 0, device: "cpu" });

describe("StatusService", () => {
  it("joins live model state with usage of the last hour and day", async () => {
    const clock = new ManualClock(10_000_000);
    const store = Store.open(":memory:", { now: () => clock.now() });
    const manager = new ModelManager({ budgetBytes: 16 * GB, clock });
    const chat = new FakeModel("chat", 4 * GB, { measuredBytes: 3 * GB });
    const asr = new FakeModel("asr", 2 * GB);
    const handle = manager.register(chat, { idleUnloadMs: 0 });
    manager.register(asr);

    const job = handle.run("hi");
    await clock.advance(0);
    chat.runs[0]!.done.resolve("hello");
    await job;
    store.usage.record({ task: "chat", durationMs: 100, ok: true });
    await clock.advance(2 * 3_600_000);
    store.usage.record({ task: "ocr", durationMs: 100, ok: false });

    const status = statusOf(manager, store, clock);
    const snapshot = status.snapshot();
    assert.equal(snapshot.uptimeMs, clock.now());
    assert.equal(snapshot.budgetBytes, 16 * GB);
    assert.equal(snapshot.inUseBytes, 3 * GB);
    const chatModel = snapshot.models.find((model) => model.id === "chat")!;
    assert.deepEqual(
      {
        state: chatModel.state,
        footprint: chatModel.footprintBytes,
        measured: chatModel.measured,
        ok: chatModel.jobsOk,
        loads: chatModel.loads,
      },
      { state: "ready", footprint: 3 * GB, measured: true, ok: 1, loads: 1 },
    );
    const asrModel = snapshot.models.find((model) => model.id === "asr")!;
    assert.deepEqual(
      [asrModel.state, asrModel.footprintBytes, asrModel.measured],
      ["unloaded", 2 * GB, false],
    );
    assert.deepEqual(snapshot.usage, [
      { window: "hour", task: "ocr", ok: 0, failed: 1 },
      { window: "day", task: "chat", ok: 1, failed: 0 },
      { window: "day", task: "ocr", ok: 0, failed: 1 },
    ]);
    await manager.shutdown(0);
  });

  it("shows what the load note says next to the device, e.g. which OCR engine runs", async () => {
    const clock = new ManualClock(0);
    const store = Store.open(":memory:", { now: () => clock.now() });
    const manager = new ModelManager({ budgetBytes: 16 * GB, clock });
    const ocr = new FakeModel("ocr", GB, { task: "ocr", manualLoad: true });
    const handle = manager.register(ocr, { idleUnloadMs: 0 });
    const job = handle.run("page");
    await clock.advance(0);
    ocr.finishLoad({ device: "cpu", note: "tesseract 5.3.0 (native), 2 job(s), rus+eng" });
    await clock.advance(0);
    ocr.runs[0]!.done.resolve("text");
    await job;
    const status = statusOf(manager, store, clock);
    const model = status.snapshot().models.find((entry) => entry.id === "ocr")!;
    assert.equal(model.device, "cpu, tesseract 5.3.0 (native), 2 job(s), rus+eng");
    await manager.shutdown(0);
  });
});
