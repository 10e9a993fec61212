// The parts of Slack's payloads this adapter reads, as Slack documents them (Events API `message` event and
// its subtypes, conversations.history/replies items, users.info). Everything is optional: payloads are
// checked by the mapper, never trusted.

export interface SlackFile {
  id?: string;
  name?: string | null;
  title?: string | null;
  filetype?: string | null;
  mimetype?: string | null;
  size?: number | null;
  mode?: string;
}

export interface SlackMessage {
  type?: string;
  subtype?: string;
  channel?: string;
  channel_type?: string;
  user?: string;
  bot_id?: string;
  username?: string;
  bot_profile?: { name?: string; team_id?: string } | null;
  text?: string;
  ts?: string;
  thread_ts?: string;
  edited?: { user?: string; ts?: string };
  files?: SlackFile[];
  team?: string;
  user_team?: string;
  source_team?: string;
  hidden?: boolean;
  /** message_changed: the message as it is now. */
  message?: SlackMessage;
  /** message_changed / message_deleted: the message as it was. */
  previous_message?: SlackMessage;
  /** message_deleted: the ts of the deleted message. */
  deleted_ts?: string;
  /** conversations.history: thread roots carry their reply count and latest reply. */
  reply_count?: number;
  latest_reply?: string;
}

export interface SlackUser {
  id?: string;
  team_id?: string;
  name?: string;
  real_name?: string;
  deleted?: boolean;
  is_bot?: boolean;
  is_app_user?: boolean;
  is_stranger?: boolean;
  enterprise_user?: { enterprise_id?: string } | null;
  profile?: { real_name?: string; display_name?: string; email?: string; team?: string };
}

export interface SlackChannel {
  id?: string;
  name?: string;
  is_member?: boolean;
  is_archived?: boolean;
  is_ext_shared?: boolean;
}
