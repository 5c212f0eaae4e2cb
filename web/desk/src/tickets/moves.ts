/** Merge, split and undo (docs/desk.md): the calls, and the last one done on this page, which the
 * toast offers to undo. */
import { defineStore } from "pinia";
import { ref } from "vue";
import { client, unwrap, type Schemas } from "../api/client";

export type TicketMove = Schemas["TicketMoveRead"];

export const movesApi = {
  merge: (id: number, body: Schemas["MergeCreate"]) =>
    unwrap(client.POST("/api/v1/tickets/{ticket_id}/merge", { params: { path: { ticket_id: id } }, body })),
  split: (id: number, entryId: number, withLater: boolean) =>
    unwrap(
      client.POST("/api/v1/tickets/{ticket_id}/entries/{entry_id}/split", {
        params: { path: { ticket_id: id, entry_id: entryId } },
        body: { with_later: withLater },
      }),
    ),
  /** Several tickets into one of them, all or none: one move per merged ticket. */
  mergeMany: (body: Schemas["MergeManyCreate"]) => unwrap(client.POST("/api/v1/tickets/merges", { body })),
  /** Several moves undone together (a bulk merge's), all or none. */
  undoMany: (moveIds: number[]) => unwrap(client.POST("/api/v1/tickets/moves/undo", { body: { move_ids: moveIds } })),
  get: (moveId: number) => unwrap(client.GET("/api/v1/tickets/moves/{move_id}", { params: { path: { move_id: moveId } } })),
  undo: (moveId: number) =>
    unwrap(client.POST("/api/v1/tickets/moves/{move_id}/undo", { params: { path: { move_id: moveId } } })),
};

export interface Done {
  move: TicketMove;
  /** A bulk merge's moves, undone together; absent for one merge or split. */
  moves?: TicketMove[];
  /** What the toast says, already in the agent's words. */
  text: string;
  /** The ticket to offer a link to. */
  link: { id: number; number: number } | null;
}

export const useMoves = defineStore("ticketMoves", () => {
  const last = ref<Done | null>(null);
  function done(entry: Done): void {
    last.value = entry;
  }
  function dismiss(): void {
    last.value = null;
  }
  return { last, done, dismiss };
});
