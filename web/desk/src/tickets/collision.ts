/** What the ticket page does against collisions: says which ticket this tab shows and whether its
 * agent is writing (again after a reconnect), and keeps the newest entry the agent has seen so
 * that a reply is sent with `seen_entry_id` and entries that arrive meanwhile are pointed out. */
import { computed, onBeforeUnmount, ref, watch, type Ref } from "vue";
import type { Entry, TicketDetail } from "../api/types";
import { useAuth } from "../auth/store";
import { socket } from "../realtime/connection";
import { useTicketPresence, type ViewerList } from "./presence";
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
  let told = "";
  let left = false;

  async function tell(force = false): Promise<void> {
    if (left) return;
    const state = JSON.stringify([true, composing.value]);
    if (!force && state === told) return;
    told = state;
    try {
      const answer = await socket.request<ViewerList>({
        type: "ticket_presence",
        ticket_id: ticketId,
        viewing: true,
        composing: composing.value,
      });
      if (!left) presence.set(answer);
    } catch {
      told = ""; // told again on the next change or reconnect
    }
  }

  // Told when the socket opens, and again after each reconnect (a new socket has no rows).
  watch(
    () => socket.status.value,
    (status) => status === "open" && void tell(true),
    { immediate: true },
  );
  watch([text, mode], () => {
    window.clearTimeout(idleTimer);
    composing.value = text.value.trim() ? mode.value : null;
    if (composing.value) idleTimer = window.setTimeout(() => ((composing.value = null), void tell()), IDLE_MS);
    void tell();
  });
  onBeforeUnmount(() => {
    window.clearTimeout(idleTimer);
    left = true;
    socket.send({ type: "ticket_presence", ticket_id: ticketId, viewing: false });
    presence.forget(ticketId);
  });

  const others = computed(() => (presence.viewers[ticketId] ?? []).filter((v) => v.user.id !== auth.me?.id));

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
