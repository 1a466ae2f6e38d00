/**
 * The loopback Bot API server, driven by real grammY bots (long polling through
 * `bot.start()` and @grammyjs/runner, webhooks through `webhookCallback`) and by raw calls.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { autoRetry } from "@grammyjs/auto-retry";
import { run } from "@grammyjs/runner";
import { Bot, GrammyError, InlineKeyboard, InputFile, webhookCallback } from "grammy";
import type { Message } from "@grammyjs/types";
import { BotApiServer, DOWNLOAD, STALLED, parseHtml } from "./bot-api/index.js";

let server: BotApiServer;

before(async () => {
  server = await BotApiServer.start();
});

after(async () => {
  await server.close();
});

/** A bot talking to the emulator, its API calls not yet intercepted by any plugin. */
function newBot(token = server.token): Bot {
  return new Bot(token, { client: { apiRoot: server.apiRoot } });
}

const isApiError = (code: number, description: RegExp) => (error: unknown) =>
  error instanceof GrammyError && error.error_code === code && description.test(error.description);

describe("BotApiServer", () => {
  test("getMe answers the bot user; a wrong token is 401 and an unknown method 404", async () => {
    assert.deepEqual(await newBot().api.getMe(), server.bot);
    await assert.rejects(newBot("999:WRONG").api.getMe(), isApiError(401, /^Unauthorized$/));
    const response = await fetch(`${server.apiRoot}/bot${server.token}/noSuchMethod`);
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), {
      ok: false,
      error_code: 404,
      description: "Not Found: method not found",
    });
    const recorded = await server.waitFor((c) => c.method === "noSuchMethod");
    assert.equal(recorded.error?.error_code, 404, "a misspelt method shows up in the call log");
  });

  test("a polling bot gets a user's text and its reply can be awaited", async () => {
    const bot = newBot();
    bot.on("message:text", (ctx) => ctx.reply(`echo: ${ctx.message.text}`));
    const user = server.users.create({ first_name: "Ann" });
    const chat = server.users.privateChat(user);
    void bot.start({ timeout: 1 });
    try {
      server.users.sendText(chat, user, "first");
      const reply = await server.waitFor((c) => c.method === "sendMessage" && c.chatId === chat.id);
      assert.equal((reply.result as Message).text, "echo: first");
      server.users.sendText(chat, user, "second");
      await server.waitFor((c) => c.method === "sendMessage" && c.chatId === chat.id);
      assert.deepEqual(
        server.messagesIn(chat.id).map((m) => m.text),
        ["echo: first", "echo: second"],
        "each update is handled once: confirmed updates are not delivered again",
      );
    } finally {
      await bot.stop();
    }
    assert.equal(server.pendingUpdates.length, 0, "bot.stop() confirmed the last update");
  });

  test("getUpdates redelivers until confirmed by offset, and long-polls when empty", async () => {
    const { api } = newBot();
    const user = server.users.create();
    const chat = server.users.privateChat(user);
    const sent = server.users.sendText(chat, user, "/start", {});
    const [first] = await api.getUpdates({ timeout: 0 });
    assert.equal(first?.message?.message_id, sent.message_id);
    assert.deepEqual(first?.message?.entities, [{ type: "bot_command", offset: 0, length: 6 }]);
    const again = await api.getUpdates({ timeout: 0 });
    assert.equal(again[0]?.update_id, first.update_id, "not confirmed yet, so delivered again");

    const held = api.getUpdates({ offset: first.update_id + 1, timeout: 30 });
    await server.waitForPolling();
    const later = server.users.sendText(chat, user, "later");
    const [next] = await held;
    assert.equal(next?.update_id, first.update_id + 1);
    assert.equal(next?.message?.text, later.text);
    assert.deepEqual(await api.getUpdates({ offset: next.update_id + 1, timeout: 0 }), []);
  });

  test("a newer getUpdates ends a held one with 409, like Telegram", async () => {
    const { api } = newBot();
    const older = api.getUpdates({ timeout: 30 });
    await server.waitForPolling();
    const newer = api.getUpdates({ timeout: 30 });
    await assert.rejects(older, isApiError(409, /terminated by other getUpdates request/));
    const user = server.users.create();
    server.users.sendText(server.users.privateChat(user), user, "hi");
    const [update] = await newer;
    assert.equal(update?.message?.text, "hi");
    await api.getUpdates({ offset: update.update_id + 1, timeout: 0 });
  });

  test("multipart uploads are stored, and getFile serves them for download", async () => {
    const { api } = newBot();
    const user = server.users.create();
    const chat = server.users.privateChat(user);
    const ogg = Buffer.from("OggS fake opus payload");
    const voice = await api.sendVoice(chat.id, new InputFile(ogg, "reply.ogg"), { duration: 3 });
    const call = await server.waitFor((c) => c.method === "sendVoice" && c.chatId === chat.id);
    assert.deepEqual(call.files.get("voice")?.bytes, ogg);
    assert.equal(voice.voice.duration, 3);
    assert.equal(voice.voice.file_size, ogg.length);
    assert.deepEqual(server.file(voice.voice.file_id)?.bytes, ogg);

    const pdf = Buffer.from("%PDF-1.4 tiny");
    const doc = await api.sendDocument(chat.id, new InputFile(pdf, "report.pdf"), {
      caption: "<b>Report</b>",
      parse_mode: "HTML",
    });
    assert.equal(doc.document.file_name, "report.pdf");
    assert.equal(doc.document.mime_type, "application/pdf");
    assert.equal(doc.caption, "Report");
    assert.deepEqual(doc.caption_entities, [{ type: "bold", offset: 0, length: 6 }]);

    const file = await api.getFile(doc.document.file_id);
    const download = await fetch(server.fileUrl(file.file_path!));
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), pdf);
    const resent = await api.sendDocument(chat.id, doc.document.file_id);
    assert.equal(resent.document.file_id, doc.document.file_id, "a file_id string is accepted");
  });

  test("a bot run by @grammyjs/runner downloads a user's voice message", async () => {
    const bot = newBot();
    bot.on("message:voice", async (ctx) => {
      const file = await ctx.getFile();
      const response = await fetch(`${server.apiRoot}/file/bot${server.token}/${file.file_path}`);
      const bytes = Buffer.from(await response.arrayBuffer());
      await ctx.reply(`got ${bytes.length} bytes: ${bytes.toString()}`);
    });
    const runner = run(bot, { runner: { fetch: { timeout: 1 } } });
    try {
      const user = server.users.create();
      const chat = server.users.privateChat(user);
      const voice = server.users.sendVoice(chat, user, Buffer.from("OggS voice"), { duration: 2 });
      assert.equal(voice.voice?.mime_type, "audio/ogg");
      const reply = await server.waitFor((c) => c.method === "sendMessage" && c.chatId === chat.id);
      assert.equal(reply.params.text, "got 10 bytes: OggS voice");
    } finally {
      await runner.stop();
    }
  });

  test("HTML is parsed into entities, and bad HTML, long or empty text are 400s", async () => {
    const { api } = newBot();
    const user = server.users.create();
    const chat = server.users.privateChat(user);
    const ok = await api.sendMessage(chat.id, '<b>hi</b> &amp; <a href="https://x.org">link</a>', {
      parse_mode: "HTML",
    });
    assert.equal(ok.text, "hi & link");
    assert.deepEqual(ok.entities, [
      { type: "bold", offset: 0, length: 2 },
      { type: "text_link", url: "https://x.org", offset: 5, length: 4 },
    ]);
    const cantParse = /^Bad Request: can't parse entities: /;
    for (const html of ["<b>unclosed", "a < b", "<b><i>x</b></i>", "<br>"]) {
      await assert.rejects(
        api.sendMessage(chat.id, html, { parse_mode: "HTML" }),
        isApiError(400, cantParse),
        html,
      );
    }
    await assert.rejects(
      api.sendMessage(chat.id, "x".repeat(4097)),
      isApiError(400, /^Bad Request: message is too long$/),
    );
    await assert.rejects(api.sendMessage(chat.id, " "), isApiError(400, /message text is empty/));
    await assert.rejects(api.sendMessage(-42, "hi"), isApiError(400, /chat not found/));
  });

  test("parseHtml handles nesting, pre with a language, references and byte offsets", () => {
    assert.deepEqual(
      parseHtml('<pre><code class="language-ts">a&lt;b</code></pre> <b>x<i>y</i></b> &#x41;&#66;'),
      {
        text: "a<b xy AB",
        entities: [
          { type: "pre", language: "ts", offset: 0, length: 3 },
          { type: "bold", offset: 4, length: 2 },
          { type: "italic", offset: 5, length: 1 },
        ],
      },
    );
    assert.equal(parseHtml("&nbsp;").text, "&nbsp;", "unknown named references stay literal");
    assert.throws(
      () => parseHtml("привет <x>"),
      (e: Error) =>
        e.message ===
        'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 13',
    );
  });

  test("edits change the stored message; an identical edit is 'message is not modified'", async () => {
    const { api } = newBot();
    const user = server.users.create();
    const chat = server.users.privateChat(user);
    const sent = await api.sendMessage(chat.id, "draft", {
      reply_markup: new InlineKeyboard().text("More", "more"),
    });
    const query = server.users.pressButton(chat, user, sent, "more");
    assert.throws(() => server.users.pressButton(chat, user, sent, "absent"), /No button/);
    assert.equal(await api.answerCallbackQuery(query.id), true);

    await api.editMessageText(chat.id, sent.message_id, "final");
    assert.equal(server.message(chat.id, sent.message_id)?.text, "final");
    assert.equal(server.message(chat.id, sent.message_id)?.reply_markup, undefined);
    await assert.rejects(
      api.editMessageText(chat.id, sent.message_id, "final"),
      isApiError(400, /^Bad Request: message is not modified/),
    );
    await api.deleteMessage(chat.id, sent.message_id);
    assert.deepEqual(server.messagesIn(chat.id), []);
  });

  test("auto-retry survives injected 429s; other failures reach the bot", async () => {
    const bot = newBot();
    bot.api.config.use(autoRetry());
    const user = server.users.create();
    const chat = server.users.privateChat(user);
    const tooMany = {
      error_code: 429,
      description: "Too Many Requests: retry after 0",
      parameters: { retry_after: 0 },
    };
    server.failNext("sendMessage", tooMany, 2);
    const message = await bot.api.sendMessage(chat.id, "after retries");
    assert.equal(message.text, "after retries");
    const attempts = server.calls.filter((c) => c.chatId === chat.id && c.method === "sendMessage");
    assert.deepEqual(
      attempts.map((c) => c.error?.error_code ?? "ok"),
      [429, 429, "ok"],
    );

    server.failNext("sendChatAction", { error_code: 502, description: "Bad Gateway" });
    await assert.rejects(
      newBot().api.sendChatAction(chat.id, "typing"),
      isApiError(502, /Bad Gateway/),
    );
  });

  test("a stalled call is recorded and held until the client gives up", async () => {
    const user = server.users.create();
    const chat = server.users.privateChat(user);
    server.failNext("sendMessage", "stall");
    const bot = new Bot(server.token, { client: { apiRoot: server.apiRoot, timeoutSeconds: 0.3 } });
    await assert.rejects(bot.api.sendMessage(chat.id, "never answered"));
    const stalled = await server.waitFor((c) => c.chatId === chat.id && c.method === "sendMessage");
    assert.deepEqual(stalled.error, STALLED);
    assert.equal(stalled.params.text, "never answered");
    // Only the next call stalls.
    assert.equal((await newBot().api.sendMessage(chat.id, "now")).text, "now");
  });

  test("a flood-limited chat gets 429 with the seconds left until the limit ends", async () => {
    const user = server.users.create();
    const chat = server.users.privateChat(user);
    server.floodLimit(chat.id, 30);
    await assert.rejects(newBot().api.sendMessage(chat.id, "x"), (error) => {
      assert.ok(error instanceof GrammyError);
      assert.equal(error.error_code, 429);
      const left = error.parameters.retry_after ?? 0;
      assert.ok(left > 0 && left <= 30, String(left));
      return true;
    });
    const other = server.users.privateChat(server.users.create());
    assert.equal((await newBot().api.sendMessage(other.id, "fine")).text, "fine");
  });

  test("file downloads can be failed or stalled", async () => {
    const user = server.users.create();
    const chat = server.users.privateChat(user);
    const message = server.users.sendDocument(chat, user, new Uint8Array([1, 2, 3]), {
      fileName: "a.bin",
    });
    const file = await newBot().api.getFile(message.document!.file_id);
    const url = server.fileUrl(file.file_path!);
    server.failNext(DOWNLOAD, { error_code: 502, description: "Bad Gateway" });
    assert.equal((await fetch(url)).status, 502);
    server.failNext(DOWNLOAD, "stall");
    const response = await fetch(url, { signal: AbortSignal.timeout(300) });
    assert.equal(response.status, 200, "the headers arrive");
    await assert.rejects(response.arrayBuffer(), "the body never does");
    assert.deepEqual([...new Uint8Array(await (await fetch(url)).arrayBuffer())], [1, 2, 3]);
  });

  test("a webhook gets updates with the secret header, retried after a failure", async () => {
    const bot = newBot();
    bot.on("message:text", (ctx) => ctx.reply(`hook: ${ctx.message.text}`));
    const handle = webhookCallback(bot, "http", { secretToken: "s3cret" });
    const seen: { secret: unknown; status: number }[] = [];
    const receiver = createServer((req, res) => {
      const status = seen.length === 0 ? 500 : 200; // the first delivery fails
      seen.push({ secret: req.headers["x-telegram-bot-api-secret-token"], status });
      if (status === 500) {
        res.writeHead(500).end();
        return;
      }
      void handle(req, res);
    });
    const url = await listen(receiver);
    const { api } = newBot();
    try {
      await api.setWebhook(url, { secret_token: "s3cret", drop_pending_updates: true });
      await assert.rejects(api.getUpdates({ timeout: 0 }), isApiError(409, /webhook is active/));
      const user = server.users.create();
      const chat = server.users.privateChat(user);
      server.users.sendText(chat, user, "ping");
      const reply = await server.waitFor((c) => c.method === "sendMessage" && c.chatId === chat.id);
      assert.equal(reply.params.text, "hook: ping");
      assert.deepEqual(seen, [
        { secret: "s3cret", status: 500 },
        { secret: "s3cret", status: 200 },
      ]);
      const info = await api.getWebhookInfo();
      assert.equal(info.url, url);
      assert.match(info.last_error_message ?? "", /500/);
    } finally {
      await api.deleteWebhook();
      await new Promise((resolve) => receiver.close(resolve));
    }
  });

  test("command lists are kept per scope and language", async () => {
    const { api } = newBot();
    const english = [{ command: "start", description: "Start" }];
    const russian = [{ command: "start", description: "Начать" }];
    await api.setMyCommands(english);
    await api.setMyCommands(russian, { scope: { type: "all_private_chats" }, language_code: "ru" });
    assert.deepEqual(await api.getMyCommands(), english);
    assert.deepEqual(
      await api.getMyCommands({ scope: { type: "all_private_chats" }, language_code: "ru" }),
      russian,
    );
    assert.deepEqual(await api.getMyCommands({ language_code: "ru" }), []);
    await assert.rejects(
      api.setMyCommands([{ command: "Bad Command", description: "x" }]),
      isApiError(400, /BOT_COMMAND_INVALID/),
    );
    await api.deleteMyCommands();
    assert.deepEqual(server.commands(), []);
  });

  test("groups, mentions, replies, admin checks, drafts and unemulated methods", async () => {
    const { api } = newBot();
    const owner = server.users.create({ username: "owner_user" });
    const guest = server.users.create();
    const group = server.users.group("Team", { owner, members: [guest] });
    const botMessage = await api.sendMessage(group.id, "hello team");
    const mention = server.users.mentionBot(group, guest, "what is this?", { replyTo: botMessage });
    assert.equal(mention.text, "@test_bot what is this?");
    assert.deepEqual(mention.entities, [{ type: "mention", offset: 0, length: 9 }]);
    assert.equal(mention.reply_to_message?.message_id, botMessage.message_id);
    const command = server.users.sendCommand(group, guest, "help");
    assert.equal(command.text, "/help@test_bot");

    assert.equal((await api.getChatMember(group.id, owner.id)).status, "creator");
    assert.equal((await api.getChatMember(group.id, guest.id)).status, "member");
    assert.equal((await api.getChat(group.id)).title, "Team");

    const chat = server.users.privateChat(guest);
    await api.sendMessageDraft(chat.id, 7, "Thinking");
    await api.sendMessageDraft(chat.id, 7, "Thinking harder");
    assert.deepEqual(
      server.drafts(chat.id).map((d) => d.text),
      ["Thinking", "Thinking harder"],
    );
    await assert.rejects(api.sendMessageDraft(group.id, 7, "no"), isApiError(400, /private/));

    assert.equal(await api.setChatTitle(group.id, "Renamed"), true);
    const recorded = await server.waitFor((c) => c.method === "setChatTitle");
    assert.equal(recorded.params.title, "Renamed");
  });

  test("waitFor fails with the calls seen so far, and each call is handed out once", async () => {
    const { api } = newBot();
    const user = server.users.create();
    const chat = server.users.privateChat(user);
    await api.sendMessage(chat.id, "only one");
    const mine = (c: { method: string; chatId?: unknown }) =>
      c.method === "sendMessage" && c.chatId === chat.id;
    assert.equal((await server.waitFor(mine)).params.text, "only one");
    await assert.rejects(
      server.waitFor(mine, { timeoutMs: 20 }),
      /waitFor timed out[\s\S]*"only one"/,
    );
    const broken = () => {
      throw new Error("bad predicate");
    };
    await assert.rejects(server.waitFor(broken), /bad predicate/, "fails only its own wait");
  });

  test("users send photos, documents and audio with Telegram-shaped media", () => {
    const user = server.users.create();
    const chat = server.users.privateChat(user);
    const png = Buffer.alloc(24);
    png.writeUInt32BE(0x89504e47, 0);
    png.writeUInt32BE(640, 16);
    png.writeUInt32BE(480, 20);
    const photo = server.users.sendPhoto(chat, user, png, {
      caption: "/ocr please",
      thumbnail: Buffer.from("small"),
    });
    assert.deepEqual(
      photo.photo?.map((p) => [p.width, p.height, p.file_size]),
      [
        [0, 0, 5],
        [640, 480, 24],
      ],
      "thumbnail first, full size last",
    );
    assert.deepEqual(photo.caption_entities, [{ type: "bot_command", offset: 0, length: 4 }]);
    assert.deepEqual(server.file(photo.photo!.at(-1)!.file_id)?.bytes, png);

    const doc = server.users.sendDocument(chat, user, Buffer.from("text"), { fileName: "a.txt" });
    assert.equal(doc.document?.mime_type, "text/plain");
    const audio = server.users.sendAudio(chat, user, Buffer.from("ID3"), {
      duration: 5,
      title: "Song",
    });
    assert.deepEqual(
      [audio.audio?.duration, audio.audio?.title, audio.audio?.mime_type],
      [5, "Song", "audio/mpeg"],
    );
    const note = server.users.sendVideoNote(chat, user, Buffer.from("mp4"), {
      duration: 4,
      length: 360,
    });
    assert.deepEqual([note.video_note?.duration, note.video_note?.length], [4, 360]);
  });

  test("urlencoded and query-string calls, dropped connections and size limits", async () => {
    const own = await BotApiServer.start({ maxUploadBytes: 1000, maxDownloadBytes: 8 });
    try {
      const user = own.users.create();
      const chat = own.users.privateChat(user);
      const form = await fetch(`${own.apiRoot}/bot${own.token}/SENDMESSAGE`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          chat_id: String(chat.id),
          text: "form",
          reply_markup: '{"inline_keyboard":[]}',
        }),
      });
      const answer = (await form.json()) as { ok: boolean; result: Message };
      assert.equal(answer.result.text, "form");
      assert.deepEqual(answer.result.reply_markup, { inline_keyboard: [] });
      const query = await fetch(
        `${own.apiRoot}/bot${own.token}/sendMessage?chat_id=${chat.id}&text=q`,
      );
      assert.equal(((await query.json()) as { result: Message }).result.text, "q");

      const { api } = new Bot(own.token, { client: { apiRoot: own.apiRoot } });
      own.failNext("getMe", "disconnect");
      await assert.rejects(api.getMe(), (e: Error) => e.name === "HttpError");
      await assert.rejects(
        api.sendDocument(chat.id, new InputFile(Buffer.alloc(2000), "big.bin")),
        isApiError(413, /Request Entity Too Large/),
      );
      const small = await api.sendDocument(chat.id, new InputFile(Buffer.alloc(10), "ten.bin"));
      await assert.rejects(api.getFile(small.document.file_id), isApiError(400, /file is too big/));
    } finally {
      await own.close();
    }
  });

  test("close() ends a held long poll at once", { timeout: 5000 }, async () => {
    const own = await BotApiServer.start();
    const { api } = new Bot(own.token, { client: { apiRoot: own.apiRoot } });
    const poll = api.getUpdates({ timeout: 60 });
    await own.waitForPolling();
    await own.close();
    assert.deepEqual(await poll, []);
  });
});

function listen(receiver: Server): Promise<string> {
  return new Promise((resolve) => {
    receiver.listen(0, "127.0.0.1", () => {
      resolve(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`);
    });
  });
}
