/** A timeline line of a move that brought messages in or took them out (a merge, a split or its
 * undo: `move_id`; an erasure's give-back: `erasure`). The messages keep their older ids, so the
 * server counts this line as what is new since a reply was begun (tickets/staleness.py
 * `CHANGES_THREAD`), and the reply box lists it (collision.ts `arrived`, StaleBanner.vue). */
import type { Entry } from "../api/types";

export function movedThread(entry: Pick<Entry, "kind" | "data">): boolean {
  return entry.kind === "event" && (entry.data?.move_id != null || entry.data?.erasure != null);
}
