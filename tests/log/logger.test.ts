import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { createLogger } from "../../src/log/index.js";

const TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

function collectingLogger(secrets: string[] = [TOKEN]) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  const logger = createLogger({ level: "debug", format: "json", secrets, destination });
  return { logger, output: () => lines.join("") };
}

describe("logger", () => {
  it("writes structured JSON with child bindings", () => {
    const { logger, output } = collectingLogger();
    logger.child({ chatId: 42, jobId: "j1" }).info({ task: "ocr" }, "done");
    const line = JSON.parse(output()) as Record<string, unknown>;
    assert.equal(line.msg, "done");
    assert.equal(line.chatId, 42);
    assert.equal(line.jobId, "j1");
    assert.equal(line.task, "ocr");
  });

  it("never writes the bot token: not in fields, messages, errors or nested URLs", () => {
    const { logger, output } = collectingLogger();
    logger.info({ token: TOKEN, config: { botToken: TOKEN } }, `starting with ${TOKEN}`);
    logger.error(
      { err: new Error(`GET https://api.telegram.org/bot${TOKEN}/getMe failed`) },
      "boom",
    );
    logger.warn({
      request: { url: `/file/bot${TOKEN}/voice/1.oga`, headers: { authorization: "Bearer x" } },
    });
    const text = output();
    assert.ok(text.length > 0);
    assert.ok(!text.includes(TOKEN), text);
    assert.ok(!text.includes("AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"), text);
    assert.match(text, /\[redacted\]/);
  });

  it("scrubs token-shaped strings it was not told about, and other configured secrets", () => {
    const { logger, output } = collectingLogger(["webhook-secret-1234567890"]);
    logger.info(
      `other bot 987654321:ZZZdqTcvCH1vGWJxfSeofSAs0K5PALDxyz and webhook-secret-1234567890`,
    );
    const text = output();
    assert.ok(!text.includes("ZZZdqTcvCH1vGWJxfSeofSAs0K5PALDxyz"), text);
    assert.ok(!text.includes("webhook-secret-1234567890"), text);
  });
});
