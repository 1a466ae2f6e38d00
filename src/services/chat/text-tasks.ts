/**
 * One-shot work on a finished text with the chat model: a summary, a translation. No
 * conversation history is read or written. Long text goes in paragraph-aligned chunks,
 * one model call each, and the outputs are joined in order. A text of one chunk (a button's
 * short task) keeps the class it was asked with; the chunks of a longer one are batch work.
 */
import type { ChatMessage, ChatRequest, ChatResult } from "../../models/adapters/chat-qwen.js";
import { pieceClass, type ModelHandle, type RunOptions } from "../../models/contract.js";
import { InputError } from "../../shared/errors.js";
import { chunkText } from "./chunking.js";
import { summaryMessages, translationMessages } from "./prompts.js";
import { tidyOutput } from "./normalizer.js";

export interface TextTasksOptions {
  model: ModelHandle<ChatRequest, ChatResult>;
  /** Characters per chunk (default 3000). */
  maxChunkChars?: number;
  /** Tokens the model may write per chunk (default 768). */
  maxNewTokens?: number;
}

/** Cancel, progress and scheduling, passed on to every chunk's model job. */
export type TextTaskOptions = RunOptions;

export class TextTasks {
  private readonly maxChunkChars: number;
  private readonly maxNewTokens: number;

  constructor(private readonly options: TextTasksOptions) {
    this.maxChunkChars = options.maxChunkChars ?? 3000;
    this.maxNewTokens = options.maxNewTokens ?? 768;
  }

  /** A short summary in the text's language (`lang`: "ru", "en", ...). */
  summarize(text: string, lang: string, options: TextTaskOptions = {}): Promise<string> {
    return this.perChunk("summary", text, (chunk) => summaryMessages(chunk, lang), options);
  }

  /** The text translated into `to` ("ru", "en"). */
  translate(text: string, to: string, options: TextTaskOptions = {}): Promise<string> {
    return this.perChunk("translate", text, (chunk) => translationMessages(chunk, to), options);
  }

  private async perChunk(
    task: string,
    text: string,
    messages: (chunk: string) => ChatMessage[],
    options: TextTaskOptions,
  ): Promise<string> {
    if (text.trim() === "") throw new InputError("input.empty", "no text to work on");
    const outputs: string[] = [];
    const chunks = chunkText(text, this.maxChunkChars);
    const workClass = pieceClass(chunks.length, options.workClass);
    for (const chunk of chunks) {
      const request: ChatRequest = {
        messages: messages(chunk.text),
        settings: {
          maxNewTokens: this.maxNewTokens,
          temperature: 0,
          topP: 1,
          repetitionPenalty: 1.05,
        },
        thinking: false,
      };
      const result = await this.options.model.run(request, {
        signal: options.signal,
        onEvent: options.onEvent,
        owner: options.owner,
        workClass,
      });
      outputs.push(tidyOutput(result.text, chunk.text));
    }
    return outputs.filter((output) => output !== "").join("\n\n");
  }
}
