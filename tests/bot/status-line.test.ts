/**
 * /status shows what waits in each model's line, per class, and the owners with most of it,
 * their ids hashed: read from a real manager through the status service.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createI18n } from "../../src/bot/i18n.js";
import { formatStatus } from "../../src/bot/status.js";
import { Store } from "../../src/memory/index.js";
import { ModelManager } from "../../src/models/index.js";
import { hashOwner } from "../../src/models/scheduler/index.js";
import { StatusService } from "../../src/services/status/index.js";
import { ManualClock, settle } from "../../src/shared/clock.js";
import { FakeModel, GB } from "../models/fake-model.js";

describe("/status: the waiting line", () => {
  it("shows waiting work per class and the busiest owners hashed, with their waits", async () => {
    const clock = new ManualClock(0);
    const store = Store.open(":memory:", { now: () => clock.now() });
    const manager = new ModelManager({ budgetBytes: 16 * GB, clock });
    const model = new FakeModel("chat", GB);
    const chat = manager.register(model);
    manager.register(new FakeModel("asr", GB));
    await manager.preload(["chat"]);
    const jobs = [
      chat.run("running", { owner: "tg:1" }),
      chat.run("page 2", { owner: "tg:1", workClass: "batch" }),
      chat.run("page 3", { owner: "tg:1", workClass: "batch" }),
    ];
    await clock.advance(90_000);
    jobs.push(chat.run("question", { owner: "tg:2" }));
    await clock.advance(5_000);
    const status = new StatusService({
      stats: () => manager.stats(),
      store,
      clock,
      startedAt: 0,
      device: "cpu",
    });
    const snapshot = status.snapshot();
    const i18n = createI18n();
    const texts = Object.fromEntries(
      ["en", "ru"].map((locale) => [
        locale,
        formatStatus(snapshot, (key, vars) => i18n.t(locale, key, vars)),
      ]),
    );
    assert.match(
      texts.en ?? "",
      /\n↳ waiting: interactive 1 \(longest 5 s\), batch 2 \(longest 95 s\)\n/,
    );
    assert.match(
      texts.ru ?? "",
      /\n↳ ждут: интерактивные 1 \(дольше всех 5 s\), фоновые 2 \(дольше всех 95 s\)\n/,
    );
    const owners = `<code>${hashOwner("tg:1")}</code> 2 \\(95 s\\), <code>${hashOwner("tg:2")}</code> 1 \\(5 s\\)`;
    for (const text of Object.values(texts)) {
      assert.match(text, new RegExp(`\\n↳ [^\\n]*: ${owners}\\n`));
      assert.doesNotMatch(text, /tg:/, "owner ids never raw");
      // The idle model shows no line at all.
      const asr = text.split("\n").findIndex((line) => line.startsWith("<code>asr</code>"));
      assert.doesNotMatch(text.split("\n")[asr + 2] ?? "", /↳/);
    }

    for (let i = 0; i < 4; i++) {
      model.finishRun();
      await settle();
    }
    await Promise.all(jobs);
    assert.doesNotMatch(
      formatStatus(status.snapshot(), (key) => key),
      /status-waiting/,
    );
    await manager.shutdown(0);
    store.close();
  });
});
