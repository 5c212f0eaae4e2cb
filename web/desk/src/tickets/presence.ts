/** Collision detection on the desk: who has a ticket open and who writes on it (`ticket.viewers`,
 * docs/desk.md), and this tab's own part, told to the server with `ticket_presence` frames. */
import { defineStore } from "pinia";
import { reactive } from "vue";
import type { Envelope } from "../realtime/socket";

export interface Viewer {
  user: { id: number; name: string };
  composing: "reply" | "note" | null;
}

export const useTicketPresence = defineStore("ticketPresence", () => {
  const viewers = reactive<Record<number, Viewer[]>>({});

  /** ticket.viewers: the whole list, so the last one heard is the truth. */
  function viewersEvent(envelope: Envelope): void {
    const { ticket_id, viewers: list } = envelope.data as { ticket_id: number; viewers: Viewer[] };
    viewers[ticket_id] = list;
  }

  function set(ticketId: number, list: Viewer[]): void {
    viewers[ticketId] = list;
  }

  function forget(ticketId: number): void {
    delete viewers[ticketId];
  }

  return { viewers, viewersEvent, set, forget };
});
