import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_SETTINGS } from "../../src/memory/index.js";
import { Harness } from "./harness.js";

describe("/start and /help", () => {
  it("greets in the user's Telegram language, else English", async () => {
    const h = new Harness();
    await h.text(h.user(1, "ru"), "/start");
    await h.text(h.user(2, "en-US"), "/start");
    await h.text(h.user(3, "de"), "/help");
    const [ru, en, help] = h.sentTexts();
    assert.match(ru ?? "", /^Привет, User1!/);
    assert.match(en ?? "", /^Hi, User2!/);
    assert.match(help ?? "", /What I can do/);
    assert.ok(h.callsOf("sendMessage").every((call) => call.payload.parse_mode === "HTML"));
  });

  it("prefers the language chosen in settings", async () => {
    const h = new Harness();
    h.store.settings.update(5, { language: "ru" });
    await h.text(h.user(5, "en"), "/help");
    assert.match(h.sentTexts()[0] ?? "", /Что я умею/);
  });
});

describe("/reset", () => {
  it("starts a new conversation for this chat and user", async () => {
    const h = new Harness();
    await h.text(h.user(7), "/reset");
    assert.deepEqual(h.resets, [{ chatId: 7, userId: 7 }]);
    assert.match(h.sentTexts()[0] ?? "", /New conversation started/);
  });
});

describe("/settings", () => {
  it("changes settings with inline buttons, switching the menu's language at once", async () => {
    const h = new Harness();
    const user = h.user(8, "en");
    await h.text(user, "/settings");
    const menu = h.lastBotMessage()!;
    assert.match(String(menu.text), /Settings/);

    await h.press(user, "settings:language", menu); // auto -> ru
    assert.equal(h.store.settings.get(8).language, "ru");
    const edited = h.callsOf("editMessageText").at(-1)!;
    assert.match(String(edited.payload.text), /Настройки/);

    await h.press(user, "settings:voiceReplies", menu); // voice -> always
    await h.press(user, "settings:normalize", menu); // true -> false
    await h.press(user, "settings:ttsVoice", menu); // auto -> espeak
    await h.press(user, "settings:readingMode", menu); // fast (the bot's default) -> accurate
    assert.deepEqual(h.store.settings.get(8), {
      language: "ru",
      voiceReplies: "always",
      ttsVoice: "espeak",
      normalize: false,
      readingMode: "accurate",
    });

    await h.press(user, "settings:done", menu);
    const answers = h.callsOf("answerCallbackQuery").map((call) => call.payload.text);
    assert.equal(answers.at(-1), "Настройки сохранены.");
    // The menu is closed: its buttons are gone.
    const closed = h.callsOf("editMessageReplyMarkup").at(-1)!;
    assert.equal(closed.payload.reply_markup, undefined);
  });

  it("buttons carry their owner, and forged or stale data gets a polite refusal", async () => {
    const h = new Harness();
    const user = h.user(12, "en");
    await h.text(user, "/settings");
    const menu = h.lastBotMessage()!;
    const data = (menu.reply_markup?.inline_keyboard.flat() ?? []).map((b) =>
      "callback_data" in b ? b.callback_data : "",
    );
    assert.ok(data.includes("settings:voiceReplies:12"), JSON.stringify(data));
    for (const forged of ["settings:toString", "settings:__proto__:12", "forget:maybe", "x"]) {
      await h.press(user, forged, menu);
      const answer = h.callsOf("answerCallbackQuery").at(-1)!;
      assert.equal(
        answer.payload.text,
        "This button is no longer valid. Send the command again for a fresh menu.",
      );
    }
    assert.deepEqual(h.store.settings.get(12), DEFAULT_SETTINGS);
    // The menu still works after the forged presses.
    await h.press(user, "settings:voiceReplies:12", menu);
    assert.equal(h.store.settings.get(12).voiceReplies, "always");
  });

  it("survives a restart: a new bot over the same store continues the flow", async () => {
    const first = new Harness();
    const user = first.user(9);
    await first.text(user, "/settings");
    const menu = first.lastBotMessage()!;
    const second = new Harness({ store: first.store });
    await second.press(user, "settings:voiceReplies", menu);
    assert.equal(first.store.settings.get(9).voiceReplies, "always");
  });

  it("ignores presses by other users on someone's menu", async () => {
    const h = new Harness();
    await h.text(h.user(40), "/settings", { chat: h.group() });
    const menu = h.lastBotMessage()!;
    await h.press(h.user(41), "settings:voiceReplies", menu);
    assert.deepEqual(h.store.settings.get(40), DEFAULT_SETTINGS);
    assert.deepEqual(h.store.settings.get(41), DEFAULT_SETTINGS);
  });
});

describe("/forget", () => {
  function seed(h: Harness, id: number) {
    h.store.settings.update(id, { language: "en", voiceReplies: "off" });
    h.store.history.append({ chatId: id, userId: id }, [
      { role: "user", kind: "text", text: "secret" },
    ]);
  }

  it("deletes everything about the user after confirmation", async () => {
    const h = new Harness();
    seed(h, 50);
    seed(h, 51);
    await h.text(h.user(50), "/forget");
    assert.match(h.sentTexts().at(-1) ?? "", /can't be undone/);
    await h.press(h.user(50), "forget:yes");
    assert.equal(h.store.users.getUser(50), undefined);
    assert.deepEqual(h.store.settings.get(50), DEFAULT_SETTINGS);
    assert.equal(h.store.history.recent({ chatId: 50, userId: 50 }).length, 0);
    assert.equal(
      h.store.history.recent({ chatId: 51, userId: 51 }).length,
      1,
      "other users keep their data",
    );
    assert.match(
      String(h.callsOf("editMessageText").at(-1)?.payload.text),
      /everything I stored about you is deleted/,
    );
  });

  it("keeps everything when cancelled, in Russian for a Russian user", async () => {
    const h = new Harness();
    seed(h, 52);
    h.store.settings.update(52, { language: "ru" });
    await h.text(h.user(52), "/forget");
    await h.press(h.user(52), "forget:no");
    assert.equal(h.store.history.recent({ chatId: 52, userId: 52 }).length, 1);
    assert.equal(h.callsOf("editMessageText").at(-1)?.payload.text, "Ничего не удалено.");
  });
});

describe("/status", () => {
  it("shows models, memory and usage to admins, in their language", async () => {
    const h = new Harness({ adminIds: [1, 2] });
    await h.text(h.user(1, "en"), "/status");
    await h.text(h.user(2, "ru"), "/status");
    const [en, ru] = h.sentTexts();
    assert.match(en ?? "", /up 62 min · cpu/);
    assert.match(en ?? "", /3\.0 GiB of 16\.0 GiB in use, peak 5\.0 GiB/);
    assert.match(
      en ?? "",
      /<code>chat<\/code> — ready, cpu, 1\.0 GiB\n\s*queue 2 · running 1 · loads 3 · jobs 10✓ 1✗ · p50 800 ms · p95 3 s · idle 65 s/,
    );
    assert.match(en ?? "", /<code>asr<\/code> — not loaded, cpu, 512 MiB ~/);
    assert.match(en ?? "", /Last hour<\/b>: chat 4✓ 1✗/);
    assert.match(ru ?? "", /Память моделей: занято 3\.0 GiB из 16\.0 GiB/);
    assert.match(ru ?? "", /готова/);
  });

  it("politely refuses everyone else, whatever the menu shows", async () => {
    const h = new Harness({ adminIds: [1] });
    await h.text(h.user(3, "en"), "/status");
    await h.text(h.user(4, "ru"), "/status", { chat: h.group() });
    assert.deepEqual(h.sentTexts(), [
      "Sorry, /status is only for the bot's administrators.",
      "Извините, /status доступен только администраторам бота.",
    ]);
  });
});

describe("command menus", () => {
  it("registers private, group and admin menus in English and Russian", async () => {
    const h = new Harness({ adminIds: [1] });
    await h.registerCommands();
    const menus = h.callsOf("setMyCommands").map((call) => ({
      scope: (call.payload.scope as { type: string }).type,
      language: call.payload.language_code ?? "default",
      commands: (call.payload.commands as { command: string; description: string }[]).map(
        (c) => c.command,
      ),
      first: (call.payload.commands as { description: string }[])[0]?.description,
    }));
    assert.equal(menus.length, 6);
    const admin = menus.find((menu) => menu.scope === "chat" && menu.language === "ru")!;
    assert.ok(admin.commands.includes("status"));
    const privateEn = menus.find(
      (menu) => menu.scope === "all_private_chats" && menu.language === "default",
    )!;
    assert.ok(!privateEn.commands.includes("status"));
    assert.equal(privateEn.first, "Start");
    const groupRu = menus.find(
      (menu) => menu.scope === "all_group_chats" && menu.language === "ru",
    )!;
    assert.ok(groupRu.commands.includes("ocr") && groupRu.commands.includes("speak"));
    assert.equal(
      menus.find((menu) => menu.scope === "all_private_chats" && menu.language === "ru")?.first,
      "Начать",
    );
  });
});

describe("access", () => {
  it("with an allow-list, others get one polite message and nothing runs", async () => {
    const h = new Harness({ allowedUserIds: [60], adminIds: [1] });
    await h.text(h.user(61, "ru"), "hello");
    await h.text(h.user(60), "hello");
    await h.text(h.user(1), "hello");
    assert.equal(h.sentTexts()[0], "Извините, это закрытый бот. Попросите доступ у его владельца.");
    assert.deepEqual(
      h.chatRequests.map((request) => request.userId),
      [60, 1],
    );
  });

  it("tells a user who floods the bot to slow down, once", async () => {
    const h = new Harness({ rateLimitPerMinute: 2 });
    for (let i = 0; i < 5; i++) await h.text(h.user(70), `message ${i}`);
    assert.equal(h.chatRequests.length, 2);
    assert.equal(h.sentTexts().filter((text) => /too fast/.test(text)).length, 1);
  });
});
