/**
 * Test support: a loopback Telegram Bot API server. Import from here:
 * `import { BotApiServer } from "../support/bot-api/index.js"`.
 */
export {
  BotApiServer,
  DOWNLOAD,
  STALLED,
  type BotApiServerOptions,
  type Failure,
} from "./server.js";
export type { RecordedCall, WaitForOptions } from "./calls.js";
export type { UploadedFile } from "./body.js";
export type { ApiErrorSpec } from "./errors.js";
export type { StoredFile } from "./files.js";
export type { Draft, MemberStatus } from "./world.js";
export { detectEntities, type Users } from "./users.js";
export { parseHtml, type FormattedText } from "./html.js";
