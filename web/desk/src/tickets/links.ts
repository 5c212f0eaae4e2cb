/**
 * A ticket's linked tickets (docs/desk.md, "Linked tickets"): their REST calls, and what desks
 * hear of them (`ticket.links_changed`, to every desk of the ticket's inbox): a count of the
 * changes heard per ticket, on which the sidebar's panel reads the links again.
 */
import { defineStore } from "pinia";
import { ref } from "vue";
import { client, unwrap, type Schemas } from "../api/client";
import type { TicketLinksChanged } from "../realtime/events.gen";
import type { Envelope } from "../realtime/socket";

export type LinkedTicket = Schemas["LinkedTicketRead"];
export type TicketLinks = Schemas["TicketLinksRead"];

const ticket = (id: number) => ({ params: { path: { ticket_id: id } } });

export const linksApi = {
  get: (ticketId: number) => unwrap(client.GET("/api/v1/tickets/{ticket_id}/links", ticket(ticketId))),
  link: (ticketId: number, otherId: number) =>
    unwrap(client.POST("/api/v1/tickets/{ticket_id}/links", { ...ticket(ticketId), body: { ticket_id: otherId } })),
  unlink: (ticketId: number, otherId: number) =>
    unwrap(client.DELETE("/api/v1/tickets/{ticket_id}/links/{other_id}", { params: { path: { ticket_id: ticketId, other_id: otherId } } })),
};

export const useTicketLinks = defineStore("ticketLinks", () => {
  const changes = ref<Record<number, number>>({});
  // Taken up when the socket comes back after a drop: every shown panel reads again.
  const resumes = ref(0);

  function heard(envelope: Envelope): void {
    const data = envelope.data as TicketLinksChanged;
    changes.value = { ...changes.value, [data.ticket_id]: (changes.value[data.ticket_id] ?? 0) + 1 };
  }

  function resumed(): void {
    resumes.value += 1;
  }

  return { changes, resumes, heard, resumed };
});
