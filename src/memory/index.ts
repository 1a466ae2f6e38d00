/**
 * The bot's persistent memory: one SQLite file holding users, conversation history,
 * settings, usage events, measured model footprints, the journal
 * of jobs not yet answered, results the user can act on (with the passages cut from them for
 * questions) and the HTTP API's keys.
 */
import { ApiKeyStore } from "./api-keys.js";
import { openDatabase, type Database } from "./database.js";
import { FootprintLog } from "./footprints.js";
import { HistoryLog } from "./history.js";
import { JobJournalStore } from "./jobs.js";
import { PassageStore } from "./passages.js";
import { UserExporter } from "./export.js";
import { ResultStore } from "./results.js";
import { SettingsStore } from "./settings.js";
import { UsageLog } from "./usage.js";
import { UserDirectory } from "./users.js";

export { openDatabase } from "./database.js";
export { migrate, migrations, SchemaTooNewError, type Migration } from "./migrations.js";
export type {
  DialogKey,
  HistoryKind,
  HistoryRole,
  HistoryTurn,
  ImageRef,
  NewTurn,
} from "./history.js";
export type { JobRecord, NewJob } from "./jobs.js";
export type { ChatProfile, UserProfile, UserRecord } from "./users.js";
export {
  DEFAULT_SETTINGS,
  type ReadingMode,
  type TtsVoice,
  type UiLanguage,
  type UserSettings,
  type VoiceReplies,
} from "./settings.js";
export type {
  OwnerDayUsage,
  OwnerUsage,
  TaskUsage,
  UsageAmounts,
  UsageEvent,
  UsageTotals,
} from "./usage.js";
export {
  API_KEY_PREFIX,
  ApiKeyError,
  type ApiKeyLimits,
  type ApiKeyRecord,
  type KeyUsageDay,
  type KeyUsageReport,
  type NewApiKey,
} from "./api-keys.js";
export type { NewPassage, PassageHit, PassageVector, StoredPassage } from "./passages.js";
export type { NewResult, ResultKind, ResultSegment, StoredResult } from "./results.js";
export { isEmptyExport, type ExportedTurn, type ExportedUsage, type UserExport } from "./export.js";
export {
  ApiKeyStore,
  FootprintLog,
  HistoryLog,
  JobJournalStore,
  PassageStore,
  ResultStore,
  SettingsStore,
  UsageLog,
  UserDirectory,
  UserExporter,
};

export interface StoreOptions {
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
}

export class Store {
  readonly users: UserDirectory;
  readonly history: HistoryLog;
  readonly settings: SettingsStore;
  readonly usage: UsageLog;
  readonly footprints: FootprintLog;
  readonly jobs: JobJournalStore;
  readonly results: ResultStore;
  /** Passages cut from results for questions about them; they go with their result. */
  readonly passages: PassageStore;
  readonly exporter: UserExporter;
  /** The HTTP API's keys (hashes only) and their usage reports. */
  readonly apiKeys: ApiKeyStore;
  private readonly deleteUser;

  private constructor(
    readonly db: Database,
    now: () => number,
  ) {
    this.users = new UserDirectory(db, now);
    this.history = new HistoryLog(db, now);
    this.settings = new SettingsStore(db, now);
    this.usage = new UsageLog(db, now);
    this.footprints = new FootprintLog(db, now);
    this.jobs = new JobJournalStore(db, now);
    this.results = new ResultStore(db, now);
    this.passages = new PassageStore(db);
    this.exporter = new UserExporter(db, this.users, this.results);
    this.apiKeys = new ApiKeyStore(db, now, this.usage);
    const statements = [
      "DELETE FROM history WHERE user_id = @id",
      "DELETE FROM conversation_heads WHERE user_id = @id",
      "DELETE FROM settings WHERE user_id = @id",
      "DELETE FROM usage WHERE user_id = @id OR chat_id = @id",
      // Menu state kept by versions before the stateless menus.
      "DELETE FROM kv WHERE user_id = @id",
      "DELETE FROM jobs WHERE user_id = @id",
      "DELETE FROM results WHERE user_id = @id",
      // A private chat's id is the user's id.
      "DELETE FROM chats WHERE id = @id",
      "DELETE FROM users WHERE id = @id",
    ].map((sql) => db.prepare(sql));
    this.deleteUser = db.transaction((id: number) => {
      for (const statement of statements) statement.run({ id });
    });
  }

  /** Opens the database at `file` (":memory:" for tests), migrating it to the latest schema. */
  static open(file: string, options: StoreOptions = {}): Store {
    return new Store(openDatabase(file), options.now ?? Date.now);
  }

  /** Deletes every row about the user, in one transaction. */
  forgetUser(userId: number): void {
    this.deleteUser.immediate(userId);
  }

  /** True while the database answers; for readiness checks. */
  isHealthy(): boolean {
    try {
      return this.db.open && this.db.prepare("SELECT 1 AS ok").get() !== undefined;
    } catch {
      return false;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
