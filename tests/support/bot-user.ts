import type { UserFromGetMe } from "@grammyjs/types";

/** A bot's getMe answer with every capability flag off unless `fields` says otherwise. */
export function botUser(
  fields: Pick<UserFromGetMe, "id" | "first_name" | "username"> & Partial<UserFromGetMe>,
): UserFromGetMe {
  return {
    is_bot: true,
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
    has_topics_enabled: false,
    allows_users_to_create_topics: false,
    can_manage_bots: false,
    supports_join_request_queries: false,
    ...fields,
  };
}
