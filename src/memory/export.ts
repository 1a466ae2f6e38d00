import type { Database } from "better-sqlite3";
import type { HistoryKind, HistoryRole } from "./history.js";
import type { ResultStore, StoredResult } from "./results.js";
import type { UserSettings } from "./settings.js";
import type { UserDirectory, UserRecord } from "./users.js";

export interface ExportedTurn {
  chatId: number;
  /** Conversations restart at /reset; turns of one conversation share this number. */
  conversation: number;
  role: HistoryRole;
  kind: HistoryKind;
  text: string;
  /** A picture was shown with this turn; only a placeholder: the bot keeps no image bytes. */
  image?: "[image]";
  createdAt: number;
}

export interface ExportedUsage {
  at: number;
  chatId: number | null;
  task: string;
  model: string | null;
  durationMs: number;
  ok: boolean;
  errorCode: string | null;
}

/** Everything the store holds about one user (for /export). */
export interface UserExport {
  userId: number;
  profile: UserRecord | null;
  /** Null when the user never changed a setting (the defaults apply). */
  settings: UserSettings | null;
  history: ExportedTurn[];
  usage: ExportedUsage[];
  results: StoredResult[];
}

interface TurnRow {
  chat_id: number;
  conversation: number;
  role: HistoryRole;
  kind: HistoryKind;
  text: string;
  image_unique_id: string | null;
  created_at: number;
}

interface UsageRow {
  at: number;
  chat_id: number | null;
  task: string;
  model: string | null;
  duration_ms: number;
  ok: number;
  error_code: string | null;
}

interface SettingsRow {
  language: UserSettings["language"];
  voice_replies: UserSettings["voiceReplies"];
  tts_voice: UserSettings["ttsVoice"];
  normalize: number;
  reading_mode: UserSettings["readingMode"];
}

/** Reads every row that /forget would delete for a user, shaped for a JSON file. */
export class UserExporter {
  private readonly selectTurns;
  private readonly selectUsage;
  private readonly selectSettings;

  constructor(
    db: Database,
    private readonly users: UserDirectory,
    private readonly results: ResultStore,
  ) {
    this.selectTurns = db.prepare<[number], TurnRow>(
      "SELECT chat_id, conversation, role, kind, text, image_unique_id, created_at FROM history WHERE user_id = ? ORDER BY id",
    );
    this.selectUsage = db.prepare<{ id: number }, UsageRow>(
      "SELECT at, chat_id, task, model, duration_ms, ok, error_code FROM usage WHERE user_id = @id OR chat_id = @id ORDER BY id",
    );
    this.selectSettings = db.prepare<[number], SettingsRow>(
      "SELECT language, voice_replies, tts_voice, normalize, reading_mode FROM settings WHERE user_id = ?",
    );
  }

  export(userId: number): UserExport {
    const settings = this.selectSettings.get(userId);
    return {
      userId,
      profile: this.users.getUser(userId) ?? null,
      settings: settings
        ? {
            language: settings.language,
            voiceReplies: settings.voice_replies,
            ttsVoice: settings.tts_voice,
            normalize: settings.normalize === 1,
            readingMode: settings.reading_mode,
          }
        : null,
      history: this.selectTurns.all(userId).map((row) => ({
        chatId: row.chat_id,
        conversation: row.conversation,
        role: row.role,
        kind: row.kind,
        text: row.text,
        ...(row.image_unique_id ? { image: "[image]" as const } : {}),
        createdAt: row.created_at,
      })),
      usage: this.selectUsage.all({ id: userId }).map((row) => ({
        at: row.at,
        chatId: row.chat_id,
        task: row.task,
        model: row.model,
        durationMs: row.duration_ms,
        ok: row.ok === 1,
        errorCode: row.error_code,
      })),
      results: this.results.ofUser(userId),
    };
  }
}

/** True when nothing but the profile (who the user is) is stored. */
export function isEmptyExport(data: UserExport): boolean {
  return (
    data.settings === null &&
    data.history.length === 0 &&
    data.usage.length === 0 &&
    data.results.length === 0
  );
}
