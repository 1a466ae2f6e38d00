import type { Database } from "better-sqlite3";

export interface UserProfile {
  id: number;
  firstName?: string;
  username?: string;
  languageCode?: string;
}

export interface ChatProfile {
  id: number;
  type: string;
  title?: string;
}

export interface UserRecord extends UserProfile {
  firstSeen: number;
  lastSeen: number;
}

interface UserRow {
  id: number;
  first_name: string | null;
  username: string | null;
  language_code: string | null;
  first_seen: number;
  last_seen: number;
}

/** Who the bot has met, and where: first/last seen and the Telegram language. */
export class UserDirectory {
  private readonly upsertUser;
  private readonly upsertChat;
  private readonly selectUser;

  constructor(
    db: Database,
    private readonly now: () => number,
  ) {
    this.upsertUser = db.prepare(`
      INSERT INTO users (id, first_name, username, language_code, first_seen, last_seen)
      VALUES (@id, @firstName, @username, @languageCode, @now, @now)
      ON CONFLICT (id) DO UPDATE SET
        first_name = excluded.first_name,
        username = excluded.username,
        language_code = COALESCE(excluded.language_code, users.language_code),
        last_seen = excluded.last_seen`);
    this.upsertChat = db.prepare(`
      INSERT INTO chats (id, type, title, first_seen, last_seen)
      VALUES (@id, @type, @title, @now, @now)
      ON CONFLICT (id) DO UPDATE SET type = excluded.type, title = excluded.title, last_seen = excluded.last_seen`);
    this.selectUser = db.prepare<[number], UserRow>("SELECT * FROM users WHERE id = ?");
  }

  /** Records that `user` was seen now. */
  touchUser(user: UserProfile): void {
    this.upsertUser.run({
      id: user.id,
      firstName: user.firstName ?? null,
      username: user.username ?? null,
      languageCode: user.languageCode ?? null,
      now: this.now(),
    });
  }

  /** Records that `chat` was seen now. */
  touchChat(chat: ChatProfile): void {
    this.upsertChat.run({
      id: chat.id,
      type: chat.type,
      title: chat.title ?? null,
      now: this.now(),
    });
  }

  getUser(id: number): UserRecord | undefined {
    const row = this.selectUser.get(id);
    if (!row) return undefined;
    return {
      id: row.id,
      firstName: row.first_name ?? undefined,
      username: row.username ?? undefined,
      languageCode: row.language_code ?? undefined,
      firstSeen: row.first_seen,
      lastSeen: row.last_seen,
    };
  }
}
