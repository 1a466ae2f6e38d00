/**
 * End to end, a cluster: a private Redis, the bot as ROLE=bot and two model workers as
 * ROLE=worker, each its own process with the fixture models. The usual flows work across
 * them (streamed chat, photo OCR, a voice note answered and spoken); a worker killed with
 * SIGKILL in the middle of a job loses nothing (the other worker runs it again); the bot
 * restarted in the middle of a job still answers; Redis going away gives a clear message
 * and everything recovers once it is back; with no worker serving TTS, /speak speaks with
 * espeak-ng.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Chat, User } from "@grammyjs/types";
import { RedisServer } from "../support/redis-server.js";
import type { BotApiServer } from "../support/bot-api/index.js";
import {
  BotProcess,
  E2E,
  freePort,
  startServer,
  FIXTURE_ANSWER,
  FIXTURE_TRANSCRIPT,
  removeDir,
  tempDir,
  type LogLine,
} from "./harness.js";
import { ENGLISH_LINE, textPng, voiceNote } from "./media.js";

/** Fast failure detection, so the tests wait seconds, not minutes. */
const CLUSTER_ENV = {
  CLUSTER_HEARTBEAT: "1s",
  CLUSTER_LOCK_DURATION: "4s",
  CLUSTER_STALLED_INTERVAL: "1s",
  CLUSTER_MAX_ATTEMPTS: "3",
};

describe("e2e: a bot and two model workers over Redis", () => {
  let redis: RedisServer;
  let e2e: E2E;
  let server: BotApiServer;
  const workers = new Map<string, BotProcess>();
  const workerDirs: string[] = [];

  let admin: User;
  let workerMetricsPort: number;

  const startWorker = async (id: string, env: Record<string, string> = {}): Promise<BotProcess> => {
    const dataDir = tempDir(`worker-${id}`);
    workerDirs.push(dataDir);
    const worker = BotProcess.spawn({
      server,
      dataDir,
      env: {
        ...CLUSTER_ENV,
        ROLE: "worker",
        REDIS_URL: redis.url,
        WORKER_ID: id,
        BOT_TOKEN: undefined,
        ...env,
      },
    });
    workers.set(id, worker);
    await worker.waitForLog((line) => line.msg === "worker takes jobs");
    return worker;
  };

  /** The worker that logged taking a job (from `since` on in each worker's log), and the line. */
  const jobTaken = (since: Map<string, number>, kind: string): Promise<[string, LogLine]> =>
    Promise.race(
      [...workers].map(([id, worker]) =>
        worker
          .waitForLog((line) => line.msg === "job taken" && line.kind === kind, {
            since: since.get(id) ?? 0,
          })
          .then((line): [string, LogLine] => [id, line]),
      ),
    );
  const logMarks = () => new Map([...workers].map(([id, worker]) => [id, worker.logs.length]));

  before(async () => {
    redis = await RedisServer.start();
    server = await startServer();
    admin = server.users.create({ first_name: "Admin", language_code: "en" });
    e2e = await E2E.start({
      server,
      adminIds: [admin.id],
      env: { ...CLUSTER_ENV, ROLE: "bot", REDIS_URL: redis.url, SHUTDOWN_TIMEOUT: "30s" },
    });
    workerMetricsPort = await freePort();
    await Promise.all([
      startWorker("w1", { METRICS_PORT: String(workerMetricsPort) }),
      startWorker("w2"),
    ]);
  });

  after(async () => {
    await Promise.all([...workers.values()].map((worker) => worker.kill()));
    await e2e?.close();
    await redis?.stop();
    for (const dir of workerDirs) removeDir(dir);
  });

  let users = 0;
  const privateChat = (): { user: User; chat: Chat } => {
    const user = server.users.create({ first_name: `User${++users}`, language_code: "en" });
    return { user, chat: server.users.privateChat(user) };
  };

  test("a text message is answered, streamed, by a worker's chat model", async () => {
    const { user, chat } = privateChat();
    server.users.sendText(chat, user, "Hello there");
    const answer = await e2e.message(chat.id);
    assert.equal(answer.text, FIXTURE_ANSWER);
    assert.ok(server.drafts(chat.id).length >= 1, "the answer was streamed as drafts");
  });

  test("a voice note is transcribed, answered and spoken by the workers", async () => {
    const { user, chat } = privateChat();
    server.users.sendVoice(chat, user, await voiceNote(2), { duration: 2 });
    const transcript = await e2e.message(chat.id);
    assert.equal(transcript.text, `🎙 Transcript:\n${FIXTURE_TRANSCRIPT}`);
    assert.equal((await e2e.message(chat.id)).text, FIXTURE_ANSWER);
  });

  test("/status lists both workers and the queues; a worker serves /metrics", async () => {
    const chat = server.users.privateChat(admin);
    server.users.sendCommand(chat, admin, "status");
    const status = (await e2e.message(chat.id)).text ?? "";
    assert.match(status, /Workers/);
    assert.match(status, /w1 on .* serves asr, vad, chat, ocr, tts-ru, tts-en, vision/);
    assert.match(status, /w2 on /);
    assert.match(status, /Queues: asr \d+⏳.*vision \d+⏳/);
    const metrics = await fetch(`http://127.0.0.1:${workerMetricsPort}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /^bot_model_memory_budget_bytes \d+/m);
    const ready = await fetch(`http://127.0.0.1:${workerMetricsPort}/health/ready`);
    assert.equal(ready.status, 200);
  });

  test("a worker killed with SIGKILL mid-job: the other worker runs the job", async () => {
    const { user, chat } = privateChat();
    const marks = logMarks();
    server.users.sendPhoto(chat, user, await textPng(ENGLISH_LINE));
    // The first OCR job loads tesseract first: the kill lands while the job runs.
    const [victim] = await jobTaken(marks, "ocr");
    await workers.get(victim)!.stop("SIGKILL");
    workers.delete(victim);
    const reply = await e2e.message(chat.id);
    if (process.env.DEBUG_CLUSTER)
      console.log(
        JSON.stringify(e2e.bot.logsAtLeast(40), null, 1).slice(0, 6000),
        [...workers.values()].map((w) => w.output(30)).join("\n=====\n"),
      );
    assert.match(reply.text ?? "", /quick brown fox/i);
    const survivor = [...workers.values()][0]!;
    assert.ok(
      survivor.logs.some((line) => line.msg === "job taken" && line.kind === "ocr"),
      "the surviving worker ran the OCR job",
    );
    // The cluster is whole again for the next tests.
    await startWorker(`${victim}-again`);
  });

  test("the bot restarted in the middle of a job still delivers the answer", async () => {
    const { user, chat } = privateChat();
    const marks = logMarks();
    server.users.sendVoice(chat, user, await voiceNote(3), { duration: 3 });
    await jobTaken(marks, "asr");
    const restarted = e2e.restart();
    const transcript = await e2e.message(chat.id, (text) => text.startsWith("🎙 Transcript"));
    assert.equal(transcript.text, `🎙 Transcript:\n${FIXTURE_TRANSCRIPT}`);
    assert.deepEqual(await restarted, { code: 0, signal: null });
    // The new bot process serves as well.
    server.users.sendText(chat, user, "Still there?");
    assert.equal((await e2e.message(chat.id, (t) => t === FIXTURE_ANSWER)).text, FIXTURE_ANSWER);
  });

  test("the bot killed with SIGKILL mid-job: the job journal runs it again after the restart", async () => {
    const { user, chat } = privateChat();
    const marks = logMarks();
    server.users.sendVoice(chat, user, await voiceNote(3), { duration: 3 });
    await jobTaken(marks, "asr");
    const killed = await e2e.restart("SIGKILL");
    assert.equal(killed.signal, "SIGKILL");
    const transcript = await e2e.message(chat.id, (text) => text.startsWith("🎙 Transcript"));
    assert.equal(transcript.text, `🎙 Transcript:\n${FIXTURE_TRANSCRIPT}`);
    assert.ok(
      e2e.bot.logs.some((line) => line.msg === "jobs left from the last run"),
      "the restarted bot found the job in its journal",
    );
  });

  test("Redis going away: users are told; everything recovers when it is back", async () => {
    const { user, chat } = privateChat();
    const botMark = e2e.bot.logs.length;
    const marks = logMarks();
    await redis.stop();
    server.users.sendText(chat, user, "Are you there?");
    const sorry = await e2e.message(chat.id);
    assert.match(sorry.text ?? "", /can't reach my model servers/);
    // Everyone noticed (so everyone will notice the return) before Redis comes back.
    await e2e.bot.waitForLog((line) => line.msg === "Redis is unreachable", { since: botMark });
    await Promise.all(
      [...workers].map(([id, worker]) =>
        worker.waitForLog((line) => line.msg === "heartbeat not written: Redis is unreachable", {
          since: marks.get(id)!,
        }),
      ),
    );
    await redis.start();
    await e2e.bot.waitForLog((line) => line.msg === "Redis is reachable again", {
      since: botMark,
    });
    await Promise.all(
      [...workers].map(([id, worker]) =>
        worker.waitForLog((line) => line.msg === "Redis is reachable again", {
          since: marks.get(id)!,
        }),
      ),
    );
    server.users.sendText(chat, user, "And now?");
    assert.equal((await e2e.message(chat.id, (t) => t === FIXTURE_ANSWER)).text, FIXTURE_ANSWER);
  });

  test("with no worker serving TTS, /speak still answers, in espeak-ng's voice", async () => {
    // Every worker leaves; one comes back serving chat only: no worker runs a voice.
    await Promise.all([...workers.values()].map((worker) => worker.stop()));
    workers.clear();
    await startWorker("chat-only", { WORKER_MODELS: "chat" });
    const { user, chat } = privateChat();
    const botMark = e2e.bot.logs.length;
    server.users.sendCommand(chat, user, "speak", "Hello there, how are you?");
    const voice = await e2e.waitFor((c) => c.method === "sendVoice" && c.chatId === chat.id);
    assert.ok(!voice.error, JSON.stringify(voice.error));
    assert.ok((voice.files.get("voice")?.bytes.length ?? 0) > 1000, "a voice file was sent");
    await e2e.bot.waitForLog(
      (line) => line.msg === "neural voice unavailable; speaking with espeak-ng",
      {
        since: botMark,
      },
    );
  });
});
