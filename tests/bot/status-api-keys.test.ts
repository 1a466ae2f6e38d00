/**
 * /status shows the busiest API keys' usage today (UTC), from the usage log through the
 * status service, in both languages; nothing when no key was used today.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createI18n } from "../../src/bot/i18n.js";
import { formatStatus } from "../../src/bot/status.js";
import { Store } from "../../src/memory/index.js";
import { ModelManager } from "../../src/models/index.js";
import { StatusService } from "../../src/services/status/index.js";
import { ManualClock } from "../../src/shared/clock.js";
import { GB } from "../models/fake-model.js";

describe("/status: API keys today", () => {
  it("lists the busiest keys of the UTC day with requests, failures, audio, pages, tokens", async () => {
    const clock = new ManualClock(Date.UTC(2025, 0, 30, 23));
    const store = Store.open(":memory:", { now: () => clock.now() });
    const manager = new ModelManager({ budgetBytes: 16 * GB, clock });
    const status = new StatusService({
      stats: () => manager.stats(),
      store,
      clock,
      startedAt: clock.now(),
      device: "cpu",
    });
    const i18n = createI18n();
    const render = (locale: string) =>
      formatStatus(status.snapshot(), (key, vars) => i18n.t(locale, key, vars));
    const used = (owner: string, extra: object = {}) =>
      store.usage.record({ owner, task: "asr", durationMs: 1, ok: true, ...extra });

    used("key:yesterday", { audioS: 600 });
    await clock.advance(2 * 3_600_000);
    assert.doesNotMatch(render("en"), /API keys/, "no key used today: no section");

    used("key:n8n", { audioS: 90 });
    used("key:n8n", { task: "ocr", pages: 4 });
    used("key:n8n", { task: "chat", ok: false, errorCode: "model.busy" });
    used("key:editor", { task: "chat", tokens: 1200 });
    used("tg:7", { tokens: 99 });
    for (let i = 0; i < 6; i++) used(`key:k${i}`);

    const snapshot = status.snapshot();
    assert.deepEqual(
      snapshot.apiKeys?.map((key) => key.name),
      ["n8n", "editor", "k0", "k1", "k2"],
      "the busiest five, most requests first",
    );
    const en = render("en");
    assert.match(en, /\n<b>API keys today \(UTC\)<\/b>\n/);
    assert.match(en, /\n<code>n8n<\/code>: 3 requests \(1✗\) · audio 90 s · 4 pages · 0 tokens\n/);
    assert.match(
      en,
      /\n<code>editor<\/code>: 1 requests \(0✗\) · audio — · 0 pages · 1,200 tokens/,
    );
    const ru = render("ru");
    assert.match(ru, /\n<b>API-ключи сегодня \(UTC\)<\/b>\n/);
    assert.match(
      ru,
      /\n<code>n8n<\/code>: запросов 3 \(1✗\) · аудио 90 s · страниц 4 · токенов 0\n/,
    );
    for (const text of [en, ru]) assert.doesNotMatch(text, /yesterday|tg:7/);
    await manager.shutdown(0);
    store.close();
  });
});
