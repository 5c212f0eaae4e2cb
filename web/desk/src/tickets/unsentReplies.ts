/**
 * The agent's replies held by Undo send that were refused at their due time, for the banner above
 * every page (tickets/UnsentRepliesBanner.vue, docs/desk.md "Undo send"). Read when the desk
 * opens, when the window comes back into focus, once a minute, and at once on
 * `pending_reply.failed`, which the server sends to the author's tabs whatever they chose for the
 * `reply_not_sent` notification (with the bell off for it, the banner used to wait for its next
 * look, up to a minute).
 *
 * Those looks overlap (a focus, the minute, an event): only the answer to the latest one is
 * taken, since an earlier, slower one may predate a reply taken back or newly failed. One still
 * on its way when the agent signs out is dropped (it would show their replies to the next one).
 * A reply taken back on its ticket (tickets/pendingReplies.ts `takeBack`) or dismissed here
 * leaves the list at once, and an answer read before that cannot bring it back.
 */
import { defineStore } from "pinia";
import { ref } from "vue";
import { client, unwrap } from "../api/client";
import type { PendingReply } from "./pendingReplies";

export const useUnsentReplies = defineStore("unsentReplies", () => {
  const failed = ref<PendingReply[]>([]);
  // The latest look asked for: an answer to any other is dropped (`reset` counts as one).
  let asked = 0;
  // Replies taken back or dismissed since sign-in: a look that read them before is not believed.
  const gone = new Set<number>();

  async function look(): Promise<void> {
    const turn = ++asked;
    const mine = await unwrap(client.GET("/api/v1/me/pending-replies")).catch(() => null);
    if (mine && turn === asked) failed.value = mine.filter((reply) => reply.state === "failed" && !gone.has(reply.id));
  }

  /** The reply is no longer the agent's to see here: taken back (its text is in the reply box). */
  function takenBack(id: number): void {
    gone.add(id);
    failed.value = failed.value.filter((each) => each.id !== id);
  }

  async function dismiss(reply: PendingReply): Promise<void> {
    await unwrap(
      client.DELETE("/api/v1/tickets/{ticket_id}/pending-replies/{pending_id}", {
        params: { path: { ticket_id: reply.ticket_id, pending_id: reply.id } },
      }),
    );
    takenBack(reply.id);
  }

  /** `pending_reply.failed`: one of this agent's replies was just refused. */
  function heard(): void {
    void look();
  }

  /** Signed out: nothing of this agent's is left for the next one to see, nor comes back. */
  function reset(): void {
    asked++;
    gone.clear();
    failed.value = [];
  }

  return { failed, look, takenBack, dismiss, heard, reset };
});
