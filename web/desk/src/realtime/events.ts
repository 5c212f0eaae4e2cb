/** The one table from event names (docs/realtime.md) to store actions. */
import { useAuth } from "../auth/store";
import { useChats } from "../chats/store";
import { useTickets } from "../tickets/store";
import type { DeskEventName } from "./events.gen";
import type { Envelope } from "./socket";

export type Action = (envelope: Envelope) => void;

/** The server acts on these itself (it re-subscribes the socket to the agent's inboxes). */
type NothingToDo = "inbox.membership_changed";

export function eventTable(): Record<string, Action> {
  const chats = useChats();
  const tickets = useTickets();
  const auth = useAuth();

  /** A chat event: into the open window, and the lists that show it. */
  const chatEvent: Action = (e) => {
    chats.applyEvent(e);
    chats.refreshOngoing();
  };
  const chatEventAndBar: Action = (e) => {
    chatEvent(e);
    chats.refreshBar();
  };

  return {
    "chat.started": chatEvent,
    "chat.message_added": chatEventAndBar,
    "chat.joined": (e) => {
      chatEventAndBar(e);
      chats.refreshAgents();
    },
    "chat.invited": chatEventAndBar,
    "chat.invitation_cancelled": chatEventAndBar,
    "chat.left": (e) => {
      chatEventAndBar(e);
      chats.refreshAgents();
    },
    "chat.labelled": chatEvent,
    "chat.ended": (e) => {
      chatEventAndBar(e);
      chats.refreshAgents();
    },
    "chat.offered": () => chats.refreshBar(),
    "chat.withdrawn": () => chats.refreshBar(),
    "chat_bar.changed": () => chats.refreshBar(),
    "chat.read": (e) => {
      chats.readMoved(e);
      chats.refreshBar();
    },
    "chat.typing": (e) => chats.typingEvent(e),
    "visitor.page_viewed": (e) => chats.visitorEvent(e),
    "visitor.minimized": (e) => chats.visitorEvent(e),
    "visitor.presence": (e) => chats.visitorEvent(e),
    "agent.availability_changed": (e) => {
      if (e.data.user?.id === auth.me?.id) {
        auth.availabilityChanged(!!e.data.available);
        chats.refreshBar();
      }
      chats.refreshAgents();
    },
    "ticket.created": (e) => tickets.changed(e),
    "ticket.updated": (e) => tickets.changed(e),
    "ticket.entry_added": (e) => tickets.changed(e),
  } satisfies Record<Exclude<DeskEventName, NothingToDo>, Action>;
}
