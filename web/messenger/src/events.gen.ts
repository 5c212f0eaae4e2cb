// Generated from src/frontdesk/realtime/catalogue.py by `python -m frontdesk.realtime.typescript`: do not edit.

export type ChatStartedForVisitor = {
  page_url: string | null;
};

export type Author = {
  kind: "visitor" | "agent" | "system";
  id: number | null;
  name: string;
};

export type ChatAttachment = {
  id: string;
  filename: string;
  content_type: string;
  size: number;
  image: boolean;
  width: number | null;
  height: number | null;
};

export type Message = {
  id: number;
  author: Author;
  text: string;
  client_msg_id: string | null;
  created_at: string;
  attachments?: ChatAttachment[];
  proactive?: boolean;
};

export type MessageAdded = {
  message: Message;
};

export type UserRef = {
  id: number;
  name: string;
};

export type ChatJoinedForVisitor = {
  user: UserRef;
};

export type ChatLeftForVisitor = {
  user: UserRef;
};

export type ChatEndedForVisitor = {
  reason: "agent" | "unanswered" | "visitor";
  by: UserRef | null;
  transcript_emailed: boolean;
  reply_by_email?: boolean;
};

export type ChatTyping = {
  chat_id: number;
  author: Author;
  typing: boolean;
};

/** Event name -> the `data` it carries. */
export type VisitorEvents = {
  "chat.started": ChatStartedForVisitor;
  "chat.message_added": MessageAdded;
  "chat.joined": ChatJoinedForVisitor;
  "chat.left": ChatLeftForVisitor;
  "chat.ended": ChatEndedForVisitor;
  "chat.typing": ChatTyping;
};

export type VisitorEventName = keyof VisitorEvents;

/** One event's envelope, `data` typed by `type`; `chat_id` and `seq` are set on the
 * stored chat events (docs/realtime.md). */
export type VisitorEvent = {
  [K in VisitorEventName]: {
    type: K;
    chat_id: number | null;
    seq: number | null;
    at: string;
    data: VisitorEvents[K];
  };
}[VisitorEventName];
