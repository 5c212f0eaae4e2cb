/** The one table from event names (docs/realtime.md) to store actions. */
import { useAuth } from "../auth/store";
import { useChats } from "../chats/store";
import { useCustomerChanges } from "../customers/live";
import { useFields } from "../fields/store";
import { readFollowedInboxes } from "../inboxes/followed";
import { useInboxes } from "../inboxes/store";
import { useLostInboxes } from "../inboxes/lost";
import { useArticleChanges, useArticlePresence } from "../knowledge/live";
import { useRatings } from "../ratings/store";
import { useTicketPresence } from "../tickets/presence";
import { useNotifications } from "../notifications/store";
import { useTickets } from "../tickets/store";
import type { OutOfOffice } from "../outOfOffice/api";
import { useUsers } from "../users/store";
import { useUnsentReplies } from "../tickets/unsentReplies";
import { useTimeTracking } from "../timetracking/store";
import { useChecklists } from "../tickets/checklist";
import { useTicketLinks } from "../tickets/links";
import { useSideConversations } from "../tickets/sideConversations";
import { useScheduledReplies } from "../tickets/sendLater";
import { useStatuses } from "../statuses/store";
import { useViews } from "../views/store";
import { useVisitors } from "../visitors/store";
import type { DeskEventName } from "./events.gen";
import type { Envelope } from "./socket";

export type Action = (envelope: Envelope) => void;

export function eventTable(): Record<string, Action> {
  const chats = useChats();
  const tickets = useTickets();
  const views = useViews();
  const auth = useAuth();
  const ratings = useRatings();
  const notifications = useNotifications();
  const inboxes = useInboxes();
  const users = useUsers();

  /** A chat event: into its open window, and into the bar and lists that show the chat. */
  const chatEvent: Action = (e) => {
    chats.applyEvent(e);
    chats.applyToLists(e);
  };

  return {
    "chat.started": chatEvent,
    "chat.message_added": chatEvent,
    "chat.joined": chatEvent,
    "chat.invited": chatEvent,
    "chat.invitation_cancelled": chatEvent,
    "chat.left": chatEvent,
    "chat.labelled": chatEvent,
    "chat.ended": chatEvent,
    "chat.offered": (e) => chats.applyToLists(e),
    "chat.withdrawn": (e) => chats.applyToLists(e),
    // Sent for changes an event does not describe (capacity, going online): the bar is fetched.
    "chat_bar.changed": () => chats.refreshBar(),
    "chat.read": (e) => chats.readMoved(e),
    "chat.typing": (e) => chats.typingEvent(e),
    "chat.typing_preview": (e) => chats.previewEvent(e),
    "visitor.page_viewed": (e) => chats.visitorEvent(e),
    "visitor.minimized": (e) => chats.visitorEvent(e),
    "visitor.presence": (e) => chats.visitorEvent(e),
    "agent.availability_changed": (e) => {
      if (e.data.user?.id === auth.me?.id) auth.availabilityChanged(!!e.data.available);
      chats.availabilityChanged(e);
    },
    // An absence set, started or ended: the banner (mine), pickers and the team list (anyone's).
    "agent.out_of_office_changed": (e) => {
      const away = (e.data.out_of_office ?? null) as OutOfOffice | null;
      if (e.data.user?.id === auth.me?.id) auth.outOfOfficeChanged(away);
      if (e.data.user) users.outOfOfficeChanged(e.data.user.id, away);
    },
    // The server re-subscribes the socket to the agent's inboxes; the desk re-reads where each
    // agent takes chats (the user menu's "not a member of any inbox"). Without an inbox, my role
    // changed (or who must use two-factor authentication): /me, read again, says which, and
    // everything the role decides follows (docs/desk.md, "Light agents"). With one, I was added
    // to it or taken out of it, or it is new (admins follow every inbox): the menu's inboxes, and
    // a page of an inbox I no longer see is left (inboxes/lost.ts).
    "inbox.membership_changed": (e) => {
      void chats.loadAgents().catch(() => undefined);
      if (e.data.inbox_id == null) void auth.recheckRole().catch(() => undefined);
      else
        void readFollowedInboxes()
          .then((lost) => useLostInboxes().lost(lost, "removed"))
          .catch(() => undefined);
    },
    // An admin changed an inbox's settings: its name and the reply box's signature follow.
    "inbox.updated": (e) => inboxes.updated(e.data.inbox),
    // The folder counts and the views' counts alike (docs/desk.md, "Filters and views").
    "ticket.created": (e) => (tickets.changed(e), views.changed()),
    "ticket.updated": (e) => (tickets.changed(e), views.changed()),
    "ticket.entry_added": (e) => (tickets.changed(e), views.changed()),
    "rating.recorded": (e) => ratings.recorded(e),
    "ticket.viewers": (e) => useTicketPresence().viewersEvent(e),
    "notification.created": (e) => notifications.created(e),
    "notification.read": (e) => notifications.read(e),
    // One of my replies held by Undo send was not sent: the banner of unsent replies, at once.
    "pending_reply.failed": () => useUnsentReplies().heard(),
    // Time logged, edited or deleted on a ticket of my inboxes: its total, and its sidebar's list.
    "ticket.time_changed": (e) => useTimeTracking().timeChanged(e),
    // A checklist item added, edited, ticked, moved or deleted: the list's badge, the open panel.
    "ticket.checklist_changed": (e) => useChecklists().heard(e),
    // A ticket linked or unlinked, or links moved by a merge or split: the open ticket's panel.
    "ticket.links_changed": (e) => useTicketLinks().heard(e),
    // A side conversation started, answered, closed or reopened, or moved by a merge or its
    // undo: the open ticket's panel.
    "ticket.side_conversations_changed": (e) => useSideConversations().heard(e),
    // A reply scheduled with Send later on a ticket of my inboxes, or what became of it: the
    // open ticket's thread, and the list's "Reply scheduled" mark.
    "ticket.scheduled_replies_changed": (e) => (useScheduledReplies().heard(e), tickets.scheduledChanged(e)),
    // My timer started, stopped or discarded in another tab or device.
    "timer.changed": () => useTimeTracking().timerChanged(),
    // A view created, edited, moved or deleted elsewhere: the Views list, and the list open on it.
    "view.changed": (e) => views.heard(e),
    // An article created, saved, published, unpublished or deleted: the list, an open editor.
    "article.changed": (e) => useArticleChanges().heard(e),
    // One of an article's translations saved, published, deleted...: an open editor.
    "article.translation_changed": (e) => useArticleChanges().heardTranslation(e),
    // Who has an article open in the editor, and who holds unsaved changes in it.
    "article.viewers": (e) => useArticlePresence().viewersEvent(e),
    // An admin changed a custom field's definition: every form and filter reads them again.
    "field.changed": () => useFields().heard(),
    // An admin changed a custom ticket status: the pickers, filters and ticket pages show it.
    "ticket_status.changed": () => useStatuses().heard(),
    // Who is on an inbox's site changed: the Visitors page, if open, reads the list again.
    "visitors.changed": () => useVisitors().heard(),
    // A customer's field values changed: the sidebars showing that customer read it again.
    "customer.updated": (e) => useCustomerChanges().updated(Number(e.data.customer_id)),
  } satisfies Record<DeskEventName, Action>;
}
