// Generated from src/frontdesk/realtime/catalogue.py by `python -m frontdesk.realtime.typescript`: do not edit.

export type ChatSummary = {
  id: number;
  inbox_id: number;
  state: "waiting" | "active" | "ended";
  visitor_name: string;
  started_at: string;
  last_message_text: string;
  last_seq: number;
};

export type ChatStarted = {
  page_url: string | null;
  chat: ChatSummary;
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

export type ChatJoined = {
  user: UserRef;
  chat: ChatSummary;
};

export type ChatInvited = {
  user: UserRef;
  by: UserRef;
  kind: "invite" | "transfer";
};

export type InvitationCancelled = {
  user: UserRef;
};

export type ChatLeft = {
  user: UserRef;
  transferred_to: UserRef | null;
};

export type ChatLabelled = {
  labels: string[];
};

export type ChatEnded = {
  reason: "agent" | "unanswered" | "visitor";
  by: UserRef | null;
  transcript_emailed: boolean;
  reply_by_email?: boolean;
  ticket_id: number;
};

export type ChatOffered = {
  chat: ChatSummary;
  invitation?: "invite" | "transfer";
  by?: UserRef;
  expires_at?: string;
  expires_in?: number;
};

export type ChatWithdrawn = {
  chat_id: number;
  reason: "joined" | "ended" | "moved_on";
};

export type ChatTyping = {
  chat_id: number;
  author: Author;
  typing: boolean;
};

export type ChatTypingPreview = {
  chat_id: number;
  text: string;
};

export type ChatRead = {
  chat_id: number;
  user_id: number;
  read_seq: number;
};

export type PageViewed = {
  chat_id: number;
  url: string | null;
  title: string | null;
};

export type Minimized = {
  chat_id: number;
  minimized: boolean;
};

export type Presence = {
  chat_id: number;
  connected: boolean;
};

export type VisitorsChanged = {
  inbox_id: number;
};

export type AvailabilityChanged = {
  user: UserRef;
  available: boolean;
  reason: "self" | "idle" | "deactivated" | "returned" | "out_of_office";
};

export type OutOfOffice = {
  from: string;
  until: string | null;
  note: string | null;
  keep_assigned: boolean;
};

export type OutOfOfficeChanged = {
  user: UserRef;
  out_of_office: OutOfOffice | null;
  away: boolean;
};

export type ChatBarChanged = Record<string, never>;

export type TicketSummary = {
  id: number;
  number: number;
  inbox_id: number;
  customer_id: number;
  subject: string;
  type: "chat" | "email" | "web";
  state: "open" | "hold" | "snoozed" | "closed" | "spam";
  assignee_id: number | null;
  snoozed_until: string | null;
  updated_at: string;
};

export type TicketCreated = {
  ticket: TicketSummary;
};

export type TicketUpdated = {
  ticket: TicketSummary;
  changes: string[];
  from_inbox_id?: number;
};

export type EntryRef = {
  id: number;
  kind: "transcript" | "reply" | "note" | "event";
  direction: "in" | "out";
};

export type TicketEntryAdded = {
  ticket: TicketSummary;
  entry: EntryRef;
};

export type RatingSummary = {
  id: number;
  ticket_id: number;
  chat_id: number | null;
  customer_id: number;
  inbox_id: number;
  agent_ids: number[];
  score: "good" | "okay" | "bad";
  comment: string;
  channel: "chat" | "email";
  created_at: string;
  updated_at: string;
  changeable_until: string;
};

export type RatingRecorded = {
  rating: RatingSummary;
};

export type TicketViewer = {
  user: UserRef;
  composing: "reply" | "note" | null;
};

export type TicketViewers = {
  ticket_id: number;
  viewers: TicketViewer[];
  version: number;
};

export type MembershipChanged = {
  inbox_id?: number;
};

export type InboxSummary = {
  id: number;
  name: string;
  email_address: string | null;
  public_key: string;
  unanswered_timeout_seconds: number;
  allowed_origins: string[];
  require_identity: boolean;
  messenger_settings: Record<string, string>;
  retention_days: number | null;
  email_signature: string | null;
  created_at: string;
};

export type InboxUpdated = {
  inbox: InboxSummary;
  changes: string[];
};

export type NotificationParams = {
  actor_name?: string;
  number?: number;
  subject?: string;
  visitor_name?: string;
  excerpt?: string;
  invitation?: "invite" | "transfer";
  entry_id?: number;
  breached?: boolean;
  unassigned?: boolean;
  reason?: string;
  reason_code?: string;
  pending_reply_id?: number;
  side_conversation_id?: number;
};

export type NotificationPayload = {
  id: number;
  kind: "assigned" | "customer_replied" | "mentioned" | "chat_invited" | "chat_waiting" | "sla_breaching" | "reply_not_sent";
  ticket_id: number | null;
  chat_id: number | null;
  actor: UserRef | null;
  params: NotificationParams;
  read: boolean;
  created_at: string;
};

export type NotificationCreated = {
  notification: NotificationPayload;
  unread: number;
};

export type NotificationsRead = {
  ids: number[];
  unread: number;
};

export type PendingReplyFailed = {
  pending_reply_id: number;
  ticket_id: number;
};

export type TicketScheduledRepliesChanged = {
  ticket_id: number;
  inbox_id: number;
  pending_reply_id: number;
  author_id: number;
  change: "scheduled" | "sending" | "cancelled" | "sent" | "failed" | "moved";
};

export type TimeEntryPayload = {
  id: number;
  ticket_id: number;
  user: UserRef | null;
  minutes: number;
  day: string;
  note: string;
  billable: boolean;
  created_at: string;
  updated_at: string;
};

export type TicketTimeChanged = {
  ticket_id: number;
  inbox_id: number;
  time_spent_minutes: number;
  change: "created" | "updated" | "deleted";
  entry: TimeEntryPayload;
  by: UserRef;
};

export type TimerPayload = {
  ticket_id: number;
  ticket_number: number;
  started_at: string;
};

export type TimerChanged = {
  timer: TimerPayload | null;
};

export type ChecklistItemPayload = {
  id: number;
  ticket_id: number;
  text: string;
  done: boolean;
  done_by: UserRef | null;
  done_at: string | null;
  position: number;
  version: number;
  created_by: UserRef | null;
  created_at: string;
  updated_at: string;
};

export type TicketChecklistChanged = {
  ticket_id: number;
  inbox_id: number;
  change: "created" | "updated" | "deleted" | "moved";
  item: ChecklistItemPayload;
  done: number;
  total: number;
  by: UserRef;
};

export type TicketLinksChanged = {
  ticket_id: number;
  inbox_id: number;
  change: "linked" | "unlinked" | "moved";
  other_ticket_id: number | null;
  by: UserRef;
};

export type TicketSideConversationsChanged = {
  ticket_id: number;
  inbox_id: number;
  side_conversation_id: number | null;
  change: "created" | "replied" | "received" | "closed" | "reopened" | "moved";
  by: UserRef | null;
};

export type ViewChanged = {
  view_id: number;
  change: "created" | "updated" | "deleted" | "moved";
  name: string;
  shared: boolean;
  by: UserRef;
};

export type ArticleChanged = {
  article_id: number;
  change: "created" | "updated" | "published" | "unpublished" | "deleted";
  version: number;
  status: "draft" | "published";
  title: string;
  by: UserRef;
};

export type ArticleTranslationChanged = {
  article_id: number;
  language: string;
  change: "created" | "updated" | "published" | "unpublished" | "deleted";
  version: number;
  status: "draft" | "published";
  by: UserRef;
};

export type ArticleViewer = {
  user: UserRef;
  composing: "edit" | null;
};

export type ArticleViewers = {
  article_id: number;
  viewers: ArticleViewer[];
  version: number;
};

export type FieldChanged = {
  object: "ticket" | "customer";
  change: "created" | "updated" | "deleted" | "reordered";
  field_id: number | null;
  by: UserRef;
};

export type TicketStatusChanged = {
  change: "created" | "updated" | "deleted";
  status_id: number;
  by: UserRef;
};

export type CustomerUpdated = {
  customer_id: number;
  changes: string[];
};

/** Event name -> the `data` it carries. */
export type DeskEvents = {
  "chat.started": ChatStarted;
  "chat.message_added": MessageAdded;
  "chat.joined": ChatJoined;
  "chat.invited": ChatInvited;
  "chat.invitation_cancelled": InvitationCancelled;
  "chat.left": ChatLeft;
  "chat.labelled": ChatLabelled;
  "chat.ended": ChatEnded;
  "chat.offered": ChatOffered;
  "chat.withdrawn": ChatWithdrawn;
  "chat.typing": ChatTyping;
  "chat.typing_preview": ChatTypingPreview;
  "chat.read": ChatRead;
  "visitor.page_viewed": PageViewed;
  "visitor.minimized": Minimized;
  "visitor.presence": Presence;
  "visitors.changed": VisitorsChanged;
  "agent.availability_changed": AvailabilityChanged;
  "agent.out_of_office_changed": OutOfOfficeChanged;
  "chat_bar.changed": ChatBarChanged;
  "ticket.created": TicketCreated;
  "ticket.updated": TicketUpdated;
  "ticket.entry_added": TicketEntryAdded;
  "rating.recorded": RatingRecorded;
  "ticket.viewers": TicketViewers;
  "inbox.membership_changed": MembershipChanged;
  "inbox.updated": InboxUpdated;
  "notification.created": NotificationCreated;
  "notification.read": NotificationsRead;
  "pending_reply.failed": PendingReplyFailed;
  "ticket.scheduled_replies_changed": TicketScheduledRepliesChanged;
  "ticket.time_changed": TicketTimeChanged;
  "timer.changed": TimerChanged;
  "ticket.checklist_changed": TicketChecklistChanged;
  "ticket.links_changed": TicketLinksChanged;
  "ticket.side_conversations_changed": TicketSideConversationsChanged;
  "view.changed": ViewChanged;
  "article.changed": ArticleChanged;
  "article.translation_changed": ArticleTranslationChanged;
  "article.viewers": ArticleViewers;
  "field.changed": FieldChanged;
  "ticket_status.changed": TicketStatusChanged;
  "customer.updated": CustomerUpdated;
};

export type DeskEventName = keyof DeskEvents;

/** One event's envelope, `data` typed by `type`; `chat_id` and `seq` are set on the
 * stored chat events (docs/realtime.md). */
export type DeskEvent = {
  [K in DeskEventName]: {
    type: K;
    chat_id: number | null;
    seq: number | null;
    at: string;
    data: DeskEvents[K];
  };
}[DeskEventName];
