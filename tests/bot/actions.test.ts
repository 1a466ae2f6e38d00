import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { translationTarget } from "../../src/bot/features/actions.js";
import { LONG_ANSWER_CHARS } from "../../src/jobs/index.js";
import { Harness } from "./harness.js";

/** The callback data of the result buttons under the last message the bot sent. */
function resultButtons(h: Harness): string[] {
  const markup = h.callsOf("sendMessage").at(-1)?.payload.reply_markup as
    { inline_keyboard: { callback_data: string }[][] } | undefined;
  return markup?.inline_keyboard.flat().map((b) => b.callback_data) ?? [];
}

describe("result buttons", () => {
  it("refuses stale or forged buttons with one polite line", async () => {
    const h = new Harness();
    const user = h.user();
    for (const data of ["res:sum:999", "res:delete:1", "res:sum:1x", "cancel:abcdefabcdef", "zz"])
      await h.press(user, data);
    assert.deepEqual(
      h.callsOf("answerCallbackQuery").map((call) => call.payload.text),
      Array(5).fill("This button is no longer valid. Send the command again for a fresh menu."),
    );
    assert.equal(h.callsOf("sendMessage").length, 0);
  });

  it("says a result is too old after RESULT_ACTIONS_MAX_AGE, and works before", async () => {
    const h = new Harness();
    const user = h.user();
    await h.photo(user);
    const [summary] = resultButtons(h);
    assert.match(summary ?? "", /^res:sum:\d+$/);
    const result = h.lastBotMessage()!;
    await h.press(user, summary!, result);
    assert.equal(h.sentTexts().at(-1), "Hello <b>there</b>!", "the chat model's summary");

    await h.clock.advance(h.deps.resultMaxAgeMs + 1);
    await h.press(user, summary!, result);
    assert.equal(
      h.callsOf("answerCallbackQuery").at(-1)?.payload.text,
      "Sorry, this result is too old for its buttons. Send it again, please.",
    );
  });

  it("says a pruned result is no longer stored and for how long results are kept, in both languages", async () => {
    const h = new Harness();
    h.deps.resultsKeptDays = 30;
    const day = 24 * 3_600_000;
    const answers = () => h.callsOf("answerCallbackQuery").map((call) => call.payload.text);
    for (const user of [h.user(10, "en"), h.user(11, "ru")]) {
      await h.photo(user);
      const [summary] = resultButtons(h);
      const result = h.lastBotMessage()!;
      await h.clock.advance(31 * day);
      const pruner = h.store.pruner({
        maxAgeMs: { results: 30 * day, history: 0, usage: 0 },
        maxBytes: 0,
      });
      assert.equal((await pruner.prune()).deleted.results, 1);
      await h.press(user, summary!, result);
    }
    assert.deepEqual(answers(), [
      "Sorry, this result is no longer stored (results are kept for 30 days). Send it again, please.",
      "Извините, этот результат больше не хранится (результаты хранятся 30 дн.). Пришлите, пожалуйста, заново.",
    ]);
    // Kept forever, yet gone (/forget): no period to name. A never-issued id stays invalid.
    h.deps.resultsKeptDays = 0;
    await h.press(h.user(10, "en"), "res:sum:1");
    await h.press(h.user(10, "en"), "res:sum:999");
    assert.deepEqual(answers().slice(-2), [
      "Sorry, this result is no longer stored. Send it again, please.",
      "This button is no longer valid. Send the command again for a fresh menu.",
    ]);
  });

  it("puts buttons under long chat answers only", async () => {
    const h = new Harness();
    const user = h.user();
    await h.text(user, "short please");
    assert.deepEqual(resultButtons(h), []);
    h.answer = "word ".repeat(LONG_ANSWER_CHARS / 5 + 10).trim();
    await h.text(user, "long please");
    assert.equal(resultButtons(h).length, 4);
  });

  it("translates Russian to English, English to Russian, anything else into the user's language", () => {
    assert.equal(translationTarget("ru", "ru"), "en");
    assert.equal(translationTarget("en", "en"), "ru");
    assert.equal(translationTarget("mixed", "ru"), "ru");
    assert.equal(translationTarget("unknown", "en"), "en");
  });
});
