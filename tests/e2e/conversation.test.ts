/**
 * End to end, text side: the bot runs as its own process (src/main.ts) and talks real
 * HTTP to the loopback Bot API server. Commands, the streamed chat answer from the
 * fixture Qwen, group behaviour, /status, and Telegram flood limits. One bot process
 * serves every test here; each test uses its own users and chats.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Message } from "@grammyjs/types";
import type { BotApiServer } from "../support/bot-api/index.js";
import { E2E, FIXTURE_ANSWER, freePort, sentText, startServer } from "./harness.js";

describe("e2e: commands and chat", () => {
  let e2e: E2E;
  let server: BotApiServer;
  let admin: ReturnType<BotApiServer["users"]["create"]>;
  let metricsPort: number;

  before(async () => {
    server = await startServer();
    admin = server.users.create({ first_name: "Admin" });
    metricsPort = await freePort();
    e2e = await E2E.start({
      server,
      adminIds: [admin.id],
      env: { METRICS_PORT: String(metricsPort), RATE_LIMIT_PER_MINUTE: "20" },
    });
  });

  after(async () => {
    await e2e?.close();
  });

  const privateChat = (fields: { first_name?: string; language_code?: string } = {}) => {
    const user = server.users.create(fields);
    return { user, chat: server.users.privateChat(user) };
  };

  test("/start greets in English", async () => {
    const { user, chat } = privateChat({ first_name: "Ann", language_code: "en" });
    server.users.sendCommand(chat, user, "start");
    const reply = await e2e.message(chat.id);
    assert.match(reply.text ?? "", /^Hi, Ann! I run AI models right here/);
    assert.match(reply.text ?? "", /\/settings/);
  });

  test("/start greets in Russian when Telegram's language is ru", async () => {
    const { user, chat } = privateChat({ first_name: "Аня", language_code: "ru" });
    server.users.sendCommand(chat, user, "start");
    const reply = await e2e.message(chat.id);
    assert.match(reply.text ?? "", /^Привет, Аня! Я запускаю нейросети/);
  });

  test("/help lists what the bot does", async () => {
    const { user, chat } = privateChat();
    server.users.sendCommand(chat, user, "help");
    const reply = await e2e.message(chat.id);
    assert.match(reply.text ?? "", /What I can do/);
    assert.match(reply.text ?? "", /\/ocr/);
  });

  test("a private message is answered as a stream of drafts, then the final message", async () => {
    const { user, chat } = privateChat();
    server.users.sendText(chat, user, "Hi there, who are you?");
    const reply = await e2e.message(chat.id);
    assert.equal(reply.text, FIXTURE_ANSWER);
    const drafts = server.drafts(chat.id);
    assert.ok(drafts.length >= 1, "at least one sendMessageDraft before the answer");
    const draftCalls = server.calls.filter(
      (c) => c.method === "sendMessageDraft" && c.chatId === chat.id,
    );
    assert.ok(draftCalls.every((c) => !c.error));
    const firstDraft = draftCalls[0]!;
    const answerCall = server.calls.find(
      (c) => c.method === "sendMessage" && c.chatId === chat.id && sentText(c) === FIXTURE_ANSWER,
    )!;
    assert.ok(firstDraft.seq < answerCall.seq, "drafts come before the final message");
    assert.ok(FIXTURE_ANSWER.startsWith(String(firstDraft.params.text).trim()));
  });

  test("/status shows the models to an admin and is refused to anyone else", async () => {
    const adminChat = server.users.privateChat(admin);
    server.users.sendCommand(adminChat, admin, "status");
    const status = await e2e.message(adminChat.id);
    assert.match(status.text ?? "", /^Status · up .* · cpu \(profile fixture\)\n/);
    assert.match(status.text ?? "", /\nModels\n/);
    // Every model the manager runs has its line, e.g. "chat — ready, cpu, 16 MiB".
    for (const id of ["asr", "chat", "tts-ru", "tts-en", "ocr", "vision"]) {
      assert.match(status.text ?? "", new RegExp(`\n${id} — `), `model ${id} is listed`);
    }

    const { user, chat } = privateChat();
    server.users.sendCommand(chat, user, "status");
    const refusal = await e2e.message(chat.id);
    assert.equal(refusal.text, "Sorry, /status is only for the bot's administrators.");
  });

  describe("in a group", () => {
    const group = () => {
      const alice = server.users.create({ first_name: "Alice" });
      const bob = server.users.create({ first_name: "Bob" });
      const chat = server.users.group("Team", { members: [alice, bob] });
      return { alice, bob, chat };
    };

    /** The bot's final version of the answer to `question` (groups edit a placeholder). */
    const answerTo = async (chatId: number, question: Message) => {
      const call = await e2e.waitFor(
        (c) =>
          (c.method === "sendMessage" || c.method === "editMessageText") &&
          c.chatId === chatId &&
          sentText(c) === FIXTURE_ANSWER,
      );
      const sent = call.result as Message;
      const first = server.calls.find(
        (c) =>
          c.method === "sendMessage" &&
          c.chatId === chatId &&
          (c.result as Message | undefined)?.message_id === sent.message_id,
      )!;
      assert.equal(
        (first.result as Message).reply_to_message?.message_id,
        question.message_id,
        "the answer replies to the question",
      );
      return sent;
    };

    test("/ask is answered as a reply", async () => {
      const { alice, chat } = group();
      const question = server.users.sendCommand(chat, alice, "ask", "what is OCR?");
      await answerTo(chat.id, question);
    });

    test("a plain message gets nothing; a mention gets an answer", async () => {
      const { alice, chat } = group();
      const before = server.calls.length;
      server.users.sendText(chat, alice, "lunch at noon?");
      // One person's updates run in order, so once the mention is answered the plain
      // message has been handled too.
      const mention = server.users.mentionBot(chat, alice, "what is the capital of France?");
      await answerTo(chat.id, mention);
      const sent = server.calls
        .slice(before)
        .filter((c) => c.chatId === chat.id && c.method.startsWith("send"))
        .filter((c) => c.method !== "sendChatAction");
      assert.ok(sent.length > 0);
      assert.ok(
        sent.every(
          (c) => (c.result as Message).reply_to_message?.message_id === mention.message_id,
        ),
        `only the mention was answered: ${JSON.stringify(sent.map((c) => c.params))}`,
      );
    });

    test("/speak answers with a voice message", async () => {
      const { alice, chat } = group();
      const command = server.users.sendCommand(chat, alice, "speak", "hello");
      const voice = await e2e.waitFor((c) => c.method === "sendVoice" && c.chatId === chat.id);
      assert.ok(!voice.error, JSON.stringify(voice.error));
      const upload = voice.files.get("voice");
      assert.ok(upload && upload.bytes.length > 100, "an uploaded OGG file");
      assert.equal(upload.bytes.subarray(0, 4).toString("latin1"), "OggS");
      assert.equal((voice.result as Message).reply_to_message?.message_id, command.message_id);
    });
  });

  test("a 429 flood limit on sendMessage delays the reply but does not lose it", async () => {
    const { user, chat } = privateChat({ first_name: "Flo" });
    server.failNext(
      "sendMessage",
      {
        error_code: 429,
        description: "Too Many Requests: retry after 1",
        parameters: { retry_after: 1 },
      },
      3,
    );
    server.users.sendCommand(chat, user, "start");
    const reply = await e2e.message(chat.id);
    assert.match(reply.text ?? "", /^Hi, Flo!/);
    const refused = server.calls.filter(
      (c) => c.method === "sendMessage" && c.chatId === chat.id && c.error?.error_code === 429,
    );
    assert.equal(refused.length, 3, "three refused attempts before the reply went through");
  });

  const ops = (path: string) => fetch(`http://127.0.0.1:${metricsPort}${path}`);

  test("the ops server reports ready and counts updates", async () => {
    const ready = await ops("/health/ready");
    assert.equal(ready.status, 200, await ready.text());
    const metrics = await (await ops("/metrics")).text();
    assert.match(metrics, /^bot_updates_total\{type="message"\} [1-9]\d*$/m);
  });

  test("the metrics count each Telegram call refused with 429, retried ones too", async () => {
    const metrics = await (await ops("/metrics")).text();
    assert.match(
      metrics,
      /^bot_telegram_api_errors_total\{method="sendMessage",error_code="429"\} 3$/m,
    );
  });

  test("a user over the rate limit is told so once and the next updates are dropped", async () => {
    const { user, chat } = privateChat();
    for (let i = 0; i < 21; i++) server.users.sendCommand(chat, user, "help");
    const limited = await e2e.message(chat.id, (text) => text.startsWith("You're sending"));
    assert.equal(
      limited.text,
      "You're sending messages too fast. Please wait a minute and try again.",
    );
    // Updates of one chat are handled in order: the first 20 were answered before.
    const answered = server.calls.filter(
      (c) =>
        c.method === "sendMessage" && c.chatId === chat.id && /What I can do/.test(sentText(c)),
    );
    assert.equal(answered.length, 20);
    // Other users are not affected.
    const other = privateChat({ first_name: "Other" });
    server.users.sendCommand(other.chat, other.user, "start");
    assert.match((await e2e.message(other.chat.id)).text ?? "", /^Hi, Other!/);
  });

  test("logs are JSON and no error was logged", () => {
    assert.ok(e2e.bot.logs.length > 0);
    assert.ok(
      e2e.bot.logs.every((line) => line.raw === undefined),
      "every stdout line is JSON",
    );
    assert.deepEqual(e2e.bot.logsAtLeast(50), [], e2e.bot.output());
  });
});
