import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseCancelData } from "../../src/bot/cancel.js";
import {
  parseResultData,
  resultData,
  resultIdOfMessage,
  resultKeyboard,
} from "../../src/bot/result-buttons.js";

describe("button data", () => {
  it("parses exactly the result actions it writes", () => {
    assert.deepEqual(parseResultData(resultData("tr", 42)), { action: "tr", resultId: 42 });
    assert.deepEqual(parseResultData("res:srt:7"), { action: "srt", resultId: 7 });
    for (const stale of [
      undefined,
      "",
      "res:tr",
      "res:tr:",
      "res:tr:0",
      "res:tr:007",
      "res:tr:12x",
      "res:TR:1",
      "res:delete:1",
      "res:tr:1:2",
      " res:tr:1",
      "res:tr:1234567890123456",
      "settings:language",
    ])
      assert.equal(parseResultData(stale), undefined, String(stale));
  });

  it("finds the result a message offers questions about in its 💬 Ask button only", () => {
    const t = (key: string) => key;
    const markup = (options: Parameters<typeof resultKeyboard>[2]) => ({
      reply_markup: resultKeyboard(t, 42, options),
    });
    assert.equal(resultIdOfMessage(markup({ subtitles: true, ask: true })), 42);
    // A long chat answer has buttons but no 💬: a reply to it goes on with the conversation.
    assert.equal(resultIdOfMessage(markup({ subtitles: false })), undefined);
    assert.equal(resultIdOfMessage({}), undefined);
  });

  it("parses a cancel button's job id and nothing else", () => {
    assert.equal(parseCancelData("cancel:abcdefABCD-_"), "abcdefABCD-_");
    for (const stale of [
      undefined,
      "cancel:",
      "cancel:short",
      "cancel:abcdefABCD-_x",
      "x:abcdefABCD-_",
    ])
      assert.equal(parseCancelData(stale), undefined, String(stale));
  });
});
