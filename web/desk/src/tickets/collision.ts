/** What the ticket page does against collisions: says which ticket this tab shows and whether its
 * agent is writing (again after a reconnect), and keeps the newest entry the agent has seen so
 * that a reply is sent with `seen_entry_id` and entries that arrive meanwhile are pointed out. */
import { computed, onBeforeUnmount, ref, watch, type Ref } from "vue";
import type { Entry, TicketDetail } from "../api/types";
import { useAuth } from "../auth/store";
import { useTellPresence } from "../realtime/presence";
import { useTicketPresence } from "./presence";
import { movedThread } from "./threadMoves";

// Writing means a keystroke in the last IDLE_MS: a draft left alone stops saying so.
const IDLE_MS = 20_000;
// What the server calls public (tickets/staleness.py): what refuses a reply.
const PUBLIC = new Set(["reply", "transcript"]);

export function useCollision(
  ticketId: number,
  ticket: Ref<TicketDetail | undefined>,
  mode: Ref<"reply" | "note">,
  text: Ref<string>,
) {
  const presence = useTicketPresence();
  const auth = useAuth();
  const composing = ref<"reply" | "note" | null>(null);
  let idleTimer: number | undefined;

  // Told when the socket opens, again after each reconnect, at each change, and left on unmount.
  const { others } = useTellPresence(presence, ticketId, composing, (fields) => ({
    type: "ticket_presence",
    ticket_id: ticketId,
    ...fields,
  }));
  watch([text, mode], () => {
    window.clearTimeout(idleTimer);
    composing.value = text.value.trim() ? mode.value : null;
    if (composing.value) idleTimer = window.setTimeout(() => (composing.value = null), IDLE_MS);
  });
  onBeforeUnmount(() => window.clearTimeout(idleTimer));

  // The newest entry the agent has seen: set when they start writing and when they say "Got it".
  const seen = ref<number | null>(null);
  const newest = computed(() => Math.max(0, ...(ticket.value?.entries ?? []).map((e) => e.id)));
  watch(
    () => text.value.trim() !== "",
    (writing) => {
      if (writing && seen.value === null) seen.value = newest.value;
      if (!writing) seen.value = null;
    },
    { immediate: true },
  );
  /** What arrived since: the customer's and other agents' messages and notes, and the lines of
   * moves that changed the thread (whoever moved), not other timeline lines nor this agent's own. */
  const arrived = computed<Entry[]>(() =>
    seen.value === null
      ? []
      : (ticket.value?.entries ?? []).filter(
          (e) =>
            e.id > seen.value! && (movedThread(e) || (e.kind !== "event" && e.author_user_id !== auth.me?.id)),
        ),
  );
  const refused = ref(false);
  function acknowledge(): void {
    seen.value = newest.value;
    refused.value = false;
  }
  /** The seen_entry_id of a reply: what the agent saw; nothing seen yet means the page as shown. */
  function seenForReply(): number {
    return seen.value ?? newest.value;
  }
  const arrivedPublic = computed(() => arrived.value.filter((e) => PUBLIC.has(e.kind)));

  return { others, arrived, arrivedPublic, refused, acknowledge, seenForReply };
}
