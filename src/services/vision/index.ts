/**
 * The vision service layer: photos read as Markdown, charts and tables turned into tables,
 * questions about pictures. It talks to the vision-language model only through a
 * `ModelHandle` and knows nothing about Telegram.
 */
export {
  FOLLOW_UP_IMAGES,
  VisionService,
  type AskInput,
  type SentPicture,
  type VisionJobOptions,
  type VisionLimits,
  type VisionMessage,
  type VisionReading,
  type VisionReply,
  type VisionServiceOptions,
  type VisionTable,
} from "./service.js";
export { visionConversation, type PictureInput, type VisionConversation } from "./conversation.js";
export { parseMarkdownTable, toCsv, toMarkdownTable } from "./table.js";
export { questionSystemPrompt, READ_PROMPT, TABLE_PROMPT } from "./prompts.js";
