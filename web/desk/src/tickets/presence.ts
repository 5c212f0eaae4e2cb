/** Collision detection on the desk: who has a ticket open and who writes on it (`ticket.viewers`,
 * docs/desk.md), and this tab's own part, told to the server with `ticket_presence` frames.
 * Lists can arrive out of order (an answer to this tab's frame after another agent's change), so
 * each carries its version and an older one than the list held is ignored. */
import { defineStore } from "pinia";
import { reactive } from "vue";
import type { Envelope } from "../realtime/socket";

export interface Viewer {
  user: { id: number; name: string };
  composing: "reply" | "note" | null;
}

export interface ViewerList {
  ticket_id: number;
  viewers: Viewer[];
  version: number;
}

export const useTicketPresence = defineStore("ticketPresence", () => {
  const viewers = reactive<Record<number, Viewer[]>>({});
  const versions: Record<number, number> = {};

  /** A whole list, from a `ticket.viewers` event or the answer to this tab's frame: the highest
   * version heard is the truth (an equal one is the same change, or a read after it). */
  function set(list: ViewerList): void {
    if (list.version < (versions[list.ticket_id] ?? -1)) return;
    versions[list.ticket_id] = list.version;
    viewers[list.ticket_id] = list.viewers;
  }

  function viewersEvent(envelope: Envelope): void {
    set(envelope.data as ViewerList);
  }

  function forget(ticketId: number): void {
    delete viewers[ticketId];
    delete versions[ticketId];
  }

  return { viewers, viewersEvent, set, forget };
});
