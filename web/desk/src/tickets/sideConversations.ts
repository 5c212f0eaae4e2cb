/**
 * A ticket's side conversations (docs/desk.md, "Side conversations"): their REST calls, and what
 * desks hear of them (`ticket.side_conversations_changed`, to every desk of the ticket's inbox):
 * a count of the changes heard per ticket, on which the page's panel reads them again.
 */
import { defineStore } from "pinia";
import { ref } from "vue";
import { client, unwrap, type Schemas } from "../api/client";
import type { TicketSideConversationsChanged } from "../realtime/events.gen";
import type { Envelope } from "../realtime/socket";

export type SideConversation = Schemas["SideConversationRead"];
export type SideMessage = Schemas["SideMessageRead"];
export type NewSideConversation = Schemas["SideConversationCreate"];

const ticket = (id: number) => ({ params: { path: { ticket_id: id } } });
const side = (id: number) => ({ params: { path: { side_conversation_id: id } } });

export const sideApi = {
  list: (ticketId: number) => unwrap(client.GET("/api/v1/tickets/{ticket_id}/side-conversations", ticket(ticketId))),
  start: (ticketId: number, body: NewSideConversation) =>
    unwrap(client.POST("/api/v1/tickets/{ticket_id}/side-conversations", { ...ticket(ticketId), body })),
  reply: (sideId: number, text: string, attachmentIds: number[] = []) =>
    unwrap(
      client.POST("/api/v1/side-conversations/{side_conversation_id}/replies", {
        ...side(sideId),
        body: { text, attachment_ids: attachmentIds },
      }),
    ),
  setState: (sideId: number, state: "open" | "closed") =>
    unwrap(client.PATCH("/api/v1/side-conversations/{side_conversation_id}", { ...side(sideId), body: { state } })),
};

/** The addresses typed in one field, split on commas, semicolons and spaces. */
export function addressesIn(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((each) => each.trim())
    .filter(Boolean);
}

export const useSideConversations = defineStore("sideConversations", () => {
  const changes = ref<Record<number, number>>({});
  // Taken up when the socket comes back after a drop: the shown panel reads again.
  const resumes = ref(0);

  function heard(envelope: Envelope): void {
    const data = envelope.data as TicketSideConversationsChanged;
    changes.value = { ...changes.value, [data.ticket_id]: (changes.value[data.ticket_id] ?? 0) + 1 };
  }

  function resumed(): void {
    resumes.value += 1;
  }

  return { changes, resumes, heard, resumed };
});
