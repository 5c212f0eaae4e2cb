/** Starts and stops the realtime connection with the session, and routes its events. */
import { ref } from "vue";
import { useAuth } from "../auth/store";
import { useChats } from "../chats/store";
import { useFields } from "../fields/store";
import { readInboxes } from "../inboxes/followed";
import { useLostInboxes } from "../inboxes/lost";
import { useArticleChanges } from "../knowledge/live";
import { useTickets } from "../tickets/store";
import { useChecklists } from "../tickets/checklist";
import { useTicketLinks } from "../tickets/links";
import { useSideConversations } from "../tickets/sideConversations";
import { useScheduledReplies } from "../tickets/sendLater";
import { useStatuses } from "../statuses/store";
import { useTimeTracking } from "../timetracking/store";
import { useViews } from "../views/store";
import { useVisitors } from "../visitors/store";
import { socket, setHooks } from "./connection";
import { eventTable } from "./events";

export { socket };
export const lastEvent = ref<string | null>(null);

export function startRealtime(): void {
  const table = eventTable();
  const chats = useChats();
  const tickets = useTickets();
  const auth = useAuth();
  setHooks({
    event: (envelope) => {
      lastEvent.value = envelope.type;
      table[envelope.type]?.(envelope);
    },
    resumed: (afterDrop) => {
      // Subscribed from here on: a fetch now misses nothing that events will not bring.
      void chats.loadLists();
      if (!afterDrop) return;
      // Events that are not replayed (typing, presence, tickets) may have been missed.
      chats.catchUp();
      tickets.catchUp();
      // Neither are `view.changed`: the views' list is read again, and their counts with it.
      useViews().resumed();
      // Nor `inbox.updated` and `inbox.membership_changed`: the inboxes (the signature under
      // the reply box) are read again, and a page of one no longer listed is left (inboxes/lost.ts).
      void readInboxes()
        .then((lost) => useLostInboxes().lost(lost, "offline"))
        .catch(() => undefined);
      // Nor custom fields' definitions an admin changed meanwhile.
      void useFields().refresh().catch(() => undefined);
      // Nor `ticket_status.changed`: the custom statuses, if read.
      void useStatuses().resumed();
      // Nor `timer.changed` and `ticket.time_changed`: the timer, and the open ticket's entries.
      useTimeTracking().resumed();
      // Nor `ticket.checklist_changed`: the open ticket's checklist.
      useChecklists().resumed();
      // Nor `ticket.links_changed`: the open ticket's linked tickets.
      useTicketLinks().resumed();
      // Nor `ticket.side_conversations_changed`: the open ticket's side conversations.
      useSideConversations().resumed();
      // Nor `ticket.scheduled_replies_changed`: the open ticket's scheduled replies.
      useScheduledReplies().resumed();
      // Nor `article.changed` and `article.translation_changed`: the article list, and the
      // article open in the editor with its translations.
      useArticleChanges().resumed();
      // Nor `visitors.changed`: the Visitors page, if open.
      useVisitors().resumed();
      void auth.boot();
    },
    unauthenticated: () => void auth.expired(),
  });
  socket.start();
}

export function stopRealtime(): void {
  socket.stop();
}
