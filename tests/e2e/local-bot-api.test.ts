/**
 * End to end with a self-hosted Bot API server started with `--local`: getFile answers an
 * absolute path on the server's disk instead of a download URL, and there is no 20 MB
 * download limit, so MAX_FILE_MB can be raised. The loopback server plays that server;
 * the bot (its own process) must read the file from the path it is given.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { BotApiServer } from "../support/bot-api/index.js";
import { E2E, E2E_TOKEN, FIXTURE_TRANSCRIPT, removeDir, tempDir } from "./harness.js";
import { voiceNote } from "./media.js";

describe("e2e: a self-hosted Bot API server in --local mode", () => {
  let e2e: E2E;
  let server: BotApiServer;
  let filesDir: string;

  before(async () => {
    filesDir = tempDir("local-files");
    server = await BotApiServer.start({ token: E2E_TOKEN, localFilesDir: filesDir });
    e2e = await E2E.start({ server, env: { MAX_FILE_MB: "100" } });
  });

  after(async () => {
    await e2e?.close();
    if (filesDir) removeDir(filesDir);
  });

  test("a file over Telegram's 20 MB is read from the local path getFile answers", async () => {
    const user = server.users.create();
    const chat = server.users.privateChat(user);
    // A real voice note padded past 20 MB: ffmpeg reads the OGG and ignores what follows.
    const note = await voiceNote(2);
    const big = new Uint8Array(21 * 1024 * 1024);
    big.set(note);
    server.users.sendVoice(chat, user, big, { duration: 2 });
    // The server serves no absolute paths over HTTP: a transcript proves the bot read the disk.
    const transcript = await e2e.message(chat.id);
    assert.equal(transcript.text, `🎙 Transcript:\n${FIXTURE_TRANSCRIPT}`);
    const getFile = server.calls.find((c) => c.method === "getFile");
    const filePath = (getFile?.result as { file_path?: string } | undefined)?.file_path ?? "";
    assert.ok(path.isAbsolute(filePath) && filePath.startsWith(filesDir), filePath);
  });
});
