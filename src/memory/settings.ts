import type { Database } from "better-sqlite3";

export type UiLanguage = "ru" | "en";
/** off: text only; voice: answer voice notes with voice; always: every answer also as voice. */
export type VoiceReplies = "off" | "voice" | "always";
/** auto: the neural voice when available, else espeak-ng; espeak: always espeak-ng. */
export type TtsVoice = "auto" | "espeak";

/** How photos and scanned pages are read: fast (tesseract) or accurate (the vision model). */
export type ReadingMode = "fast" | "accurate";

export interface UserSettings {
  /** Null: follow the user's Telegram language. */
  language: UiLanguage | null;
  voiceReplies: VoiceReplies;
  ttsVoice: TtsVoice;
  /** Clean OCR and speech text with the chat model. */
  normalize: boolean;
  /** Null: the bot's default (OCR_DEFAULT_MODE). */
  readingMode: ReadingMode | null;
}

export const DEFAULT_SETTINGS: Readonly<UserSettings> = Object.freeze({
  language: null,
  voiceReplies: "voice",
  ttsVoice: "auto",
  normalize: true,
  readingMode: null,
});

interface SettingsRow {
  language: UiLanguage | null;
  voice_replies: VoiceReplies;
  tts_voice: TtsVoice;
  normalize: number;
  reading_mode: ReadingMode | null;
}

/** Per-user preferences; a user who never changed anything gets {@link DEFAULT_SETTINGS}. */
export class SettingsStore {
  private readonly select;
  private readonly upsert;

  constructor(
    db: Database,
    private readonly now: () => number,
  ) {
    this.select = db.prepare<[number], SettingsRow>(
      "SELECT language, voice_replies, tts_voice, normalize, reading_mode FROM settings WHERE user_id = ?",
    );
    this.upsert = db.prepare(`
      INSERT INTO settings (user_id, language, voice_replies, tts_voice, normalize, reading_mode,
        updated_at)
      VALUES (@userId, @language, @voiceReplies, @ttsVoice, @normalize, @readingMode, @now)
      ON CONFLICT (user_id) DO UPDATE SET
        language = excluded.language,
        voice_replies = excluded.voice_replies,
        tts_voice = excluded.tts_voice,
        normalize = excluded.normalize,
        reading_mode = excluded.reading_mode,
        updated_at = excluded.updated_at`);
  }

  get(userId: number): UserSettings {
    const row = this.select.get(userId);
    if (!row) return { ...DEFAULT_SETTINGS };
    return {
      language: row.language,
      voiceReplies: row.voice_replies,
      ttsVoice: row.tts_voice,
      normalize: row.normalize === 1,
      readingMode: row.reading_mode,
    };
  }

  /** Changes some settings and returns the result. */
  update(userId: number, patch: Partial<UserSettings>): UserSettings {
    const next = { ...this.get(userId), ...patch };
    this.upsert.run({ userId, ...next, normalize: next.normalize ? 1 : 0, now: this.now() });
    return next;
  }
}
