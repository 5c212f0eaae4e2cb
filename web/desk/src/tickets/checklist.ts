/**
 * A ticket's checklist (docs/desk.md, "Checklists"): its REST calls, and what desks hear of it
 * (`ticket.checklist_changed`, to every desk of the ticket's inbox): each ticket's counts as last
 * heard, for the list's "2/5" badge, and a count of the changes heard, on which the sidebar's
 * panel reads the checklist again.
 *
 * The counts heard stand over the list's only when heard after the list asked: a merge or its
 * undo moves items without an event of their own, and the list read since knows better.
 */
import { defineStore } from "pinia";
import { ref } from "vue";
import { client, unwrap, type Schemas } from "../api/client";
import type { TicketChecklistChanged } from "../realtime/events.gen";
import type { Envelope } from "../realtime/socket";

export type ChecklistItem = Schemas["ChecklistItemRead"];
export type Checklist = Schemas["ChecklistRead"];
export type Progress = Schemas["ChecklistProgress"];

/** As the server says (checklists/models.py). */
export const MAX_TEXT = 200;

const ticket = (id: number) => ({ params: { path: { ticket_id: id } } });
const item = (ticketId: number, itemId: number) => ({ params: { path: { ticket_id: ticketId, item_id: itemId } } });

export const checklistApi = {
  get: (ticketId: number) => unwrap(client.GET("/api/v1/tickets/{ticket_id}/checklist", ticket(ticketId))),
  add: (ticketId: number, text: string) =>
    unwrap(client.POST("/api/v1/tickets/{ticket_id}/checklist/items", { ...ticket(ticketId), body: { text } })),
  update: (ticketId: number, itemId: number, body: Schemas["ChecklistItemUpdate"]) =>
    unwrap(client.PATCH("/api/v1/tickets/{ticket_id}/checklist/items/{item_id}", { ...item(ticketId, itemId), body })),
  remove: (ticketId: number, itemId: number) =>
    unwrap(client.DELETE("/api/v1/tickets/{ticket_id}/checklist/items/{item_id}", item(ticketId, itemId))),
};

let clock = 0;
/** A moment of this desk's, to tell which came later: the list asking, or counts heard. */
export function moment(): number {
  return ++clock;
}

export const useChecklists = defineStore("checklists", () => {
  // Each ticket's counts as last heard or read by its panel (null: no checklist), and when.
  const progress = ref<Record<number, { counts: Progress | null; at: number }>>({});
  const changes = ref<Record<number, number>>({});
  // Taken up when the socket comes back after a drop: every shown panel reads again.
  const resumes = ref(0);

  function setProgress(ticketId: number, done: number, total: number): void {
    progress.value = { ...progress.value, [ticketId]: { counts: total ? { done, total } : null, at: moment() } };
  }

  /** The counts to show for a ticket of the list: heard since the list asked (`readAt`, a
   * `moment()`), else as the list read them. */
  function progressOf(ticketId: number, read: Progress | null | undefined, readAt = 0): Progress | null {
    const heard = progress.value[ticketId];
    return heard && heard.at > readAt ? heard.counts : (read ?? null);
  }

  function heard(envelope: Envelope): void {
    const data = envelope.data as TicketChecklistChanged;
    setProgress(data.ticket_id, data.done, data.total);
    changes.value = { ...changes.value, [data.ticket_id]: (changes.value[data.ticket_id] ?? 0) + 1 };
  }

  /** The socket is back after a drop: each shown checklist is read again, as on an event. */
  function resumed(): void {
    resumes.value += 1;
  }

  return { progress, changes, resumes, setProgress, progressOf, heard, resumed };
});
