/** Collision detection on the desk: who has a ticket open and who writes on it (`ticket.viewers`,
 * docs/desk.md), kept by the desk's one presence store (realtime/presence.ts). */
import { definePresence, type Viewer as AnyViewer } from "../realtime/presence";

export type Viewer = AnyViewer<"reply" | "note">;

export interface ViewerList {
  ticket_id: number;
  viewers: Viewer[];
  version: number;
}

export const useTicketPresence = definePresence<"reply" | "note", ViewerList>("ticketPresence", (list) => list.ticket_id);
