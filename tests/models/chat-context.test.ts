import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MESSAGE_FRAME_TOKENS, fitConversation } from "../../src/models/adapters/chat-context.js";
import { charCounter } from "../chat/stub-chat.js";

const turn = (role: "user" | "assistant", text: string) => ({ role, text });
const cost = (text: string) => text.length + MESSAGE_FRAME_TOKENS;

describe("fitConversation", () => {
  const history = [
    turn("user", "u1 ...................."),
    turn("assistant", "a1 ......"),
    turn("user", "u2 ........"),
    turn("assistant", "a2 .."),
  ];

  it("sends everything when it fits", () => {
    const fitted = fitConversation({
      systemPrompt: "sys",
      history,
      message: "now",
      budgetTokens: 1000,
      countTokens: charCounter,
    });
    assert.deepEqual(
      fitted.messages.map((message) => message.content),
      ["sys", ...history.map((item) => item.text), "now"],
    );
    assert.equal(fitted.historyTurns, 4);
  });

  it("keeps the newest turns that fit, oldest first, starting with a user turn", () => {
    const budget =
      cost("sys") + cost("now") + cost("u2 ........") + cost("a2 ..") + cost("a1 ......");
    const fitted = fitConversation({
      systemPrompt: "sys",
      history,
      message: "now",
      budgetTokens: budget,
      countTokens: charCounter,
    });
    // a1 fits but its question u1 does not: a1 is dropped too.
    assert.deepEqual(
      fitted.messages.map((message) => [message.role, message.content]),
      [
        ["system", "sys"],
        ["user", "u2 ........"],
        ["assistant", "a2 .."],
        ["user", "now"],
      ],
    );
    assert.equal(fitted.tokens, cost("sys") + cost("now") + cost("u2 ........") + cost("a2 .."));
  });

  it("does not skip a long turn to reach older short ones", () => {
    const long = [turn("user", "old"), turn("assistant", "x".repeat(500)), turn("user", "recent")];
    const fitted = fitConversation({
      systemPrompt: "s",
      history: long,
      message: "m",
      budgetTokens: 60,
      countTokens: charCounter,
    });
    assert.deepEqual(
      fitted.messages.map((message) => message.content),
      ["s", "recent", "m"],
    );
  });

  it("always sends the system prompt and the message, even over budget", () => {
    const fitted = fitConversation({
      systemPrompt: "system prompt",
      history,
      message: "a long message",
      budgetTokens: 1,
      countTokens: charCounter,
    });
    assert.deepEqual(
      fitted.messages.map((message) => message.role),
      ["system", "user"],
    );
    assert.equal(fitted.historyTurns, 0);
  });
});
