/** Undo send (docs/desk.md): the agent's own replies held before they go out, on one ticket.
 * The server holds them (202 to the reply) and sends each at its due time; this keeps the list,
 * counts the seconds down, takes one back (Undo) and notices when each is gone (sent) or failed.
 * Other agents never see them: the server lists only the caller's. A reply scheduled with Send
 * later is left out while it waits: the thread shows it for everyone (ScheduledReplyView.vue);
 * once it failed, it is here, as any reply not sent. */
import { onBeforeUnmount, ref, computed } from "vue";
import { client, unwrap, type Schemas } from "../api/client";
import { useUnsentReplies } from "./unsentReplies";

export type PendingReply = Schemas["PendingReplyRead"];
export type ReplyAnswer = Schemas["EntryRead"] | PendingReply;

export const pendingApi = {
  list: (ticketId: number) =>
    unwrap(client.GET("/api/v1/tickets/{ticket_id}/pending-replies", { params: { path: { ticket_id: ticketId } } })),
  one: (ticketId: number, pendingId: number) =>
    unwrap(
      client.GET("/api/v1/tickets/{ticket_id}/pending-replies/{pending_id}", {
        params: { path: { ticket_id: ticketId, pending_id: pendingId } },
      }),
    ),
  undo: (ticketId: number, pendingId: number) =>
    unwrap(
      client.DELETE("/api/v1/tickets/{ticket_id}/pending-replies/{pending_id}", {
        params: { path: { ticket_id: ticketId, pending_id: pendingId } },
      }),
    ),
};

/** A reply taken back on the page of a ticket folded since into another (an undone split: the
 * page has no reply box any more), for that ticket's page to put in its box. */
const handedOver = new Map<number, PendingReply>();
export function handOver(ticketId: number, back: PendingReply): void {
  handedOver.set(ticketId, back);
}
export function takeHandedOver(ticketId: number): PendingReply | undefined {
  const back = handedOver.get(ticketId);
  handedOver.delete(ticketId);
  return back;
}

/** Scheduled with Send later and still waiting: shown in the thread for everyone, not here. */
function waitsScheduled(item: PendingReply | undefined): boolean {
  return !!item && item.scheduled && item.state === "pending";
}

/** The reply's answer was a held reply (202), not the entry (201). */
export function isPending(answer: ReplyAnswer): answer is PendingReply {
  return "due_at" in answer && "delay_seconds" in answer;
}

/**
 * Seconds left before `dueAt` (ms, on this browser's clock) at `now`, rounded up: a countdown
 * shows 10 … 1, never 0 while the reply still waits.
 */
export function secondsLeft(dueAt: number, now: number): number {
  return Math.max(0, Math.ceil((dueAt - now) / 1000));
}

/**
 * When a reply is due on this browser's clock. Just held: the delay from now (the server's
 * clock may differ from ours by seconds, which would make a 5-second countdown wrong); listed
 * after a reload: its `due_at`.
 */
export function localDue(pending: PendingReply, heldNow: boolean, now: number): number {
  return heldNow ? now + pending.delay_seconds * 1000 : Date.parse(pending.due_at);
}

// After its due time, how often the list is asked whether the reply went out.
const CHECK_EVERY_MS = 1000;

/** What became of a reply that was waiting: sent, refused at its due time, undone in another tab
 * or window, or no longer there at all (deleted with its ticket, or swept): never "sent" unless
 * the server says so. */
export type Outcome = "sent" | "failed" | "undone" | "gone";

/** `onGone`: a reply that was waiting left the list, and what became of it. */
export function usePendingReplies(ticketId: number, onGone: (how: Outcome) => void) {
  const items = ref<PendingReply[]>([]);
  const dueAt = new Map<number, number>();
  const now = ref(Date.now());
  let ticking: number | undefined;
  let checking = false;

  const waiting = computed(() => items.value.filter((item) => item.state === "pending"));
  const failed = computed(() => items.value.filter((item) => item.state === "failed"));
  /** The newest reply still waiting: the toast's. */
  const latest = computed(() => waiting.value[waiting.value.length - 1] ?? null);

  function left(item: PendingReply): number {
    return secondsLeft(dueAt.get(item.id) ?? Date.parse(item.due_at), now.value);
  }

  function keepTicking(): void {
    if (ticking !== undefined || !waiting.value.length) return;
    ticking = window.setInterval(tick, 250);
  }

  function tick(): void {
    now.value = Date.now();
    if (!waiting.value.length) {
      window.clearInterval(ticking);
      ticking = undefined;
      return;
    }
    if (waiting.value.some((item) => left(item) === 0) && !checking) void check();
  }

  async function check(): Promise<void> {
    checking = true;
    try {
      await refresh();
    } finally {
      // Asked again a second later at most, while one is past due and still listed.
      window.setTimeout(() => (checking = false), CHECK_EVERY_MS);
    }
  }

  /** The server's list again; a reply no longer in it was sent. */
  async function refresh(heldNow?: PendingReply): Promise<void> {
    const listed = await pendingApi.list(ticketId).catch(() => null);
    if (!listed) return;
    const before = new Set(items.value.filter((item) => item.state === "pending").map((item) => item.id));
    for (const item of listed) if (!dueAt.has(item.id)) dueAt.set(item.id, localDue(item, item.id === heldNow?.id, Date.now()));
    items.value = listed.filter((item) => !waitsScheduled(item));
    const listedIds = new Set(listed.map((item) => item.id));
    const failedNow = listed.filter((item) => item.state === "failed" && before.has(item.id));
    const left = [...before].filter((id) => !listedIds.has(id));
    if (failedNow.length) onGone("failed");
    keepTicking();
    // Asked one by one: only the server knows whether it went out.
    const rows = await Promise.all(left.map((id) => pendingApi.one(ticketId, id).catch(() => null)));
    // Still waiting: an undone split moved it to the original ticket, where it goes at its time;
    // the server answers it through this ticket too, so it stays here, Undo and all (unless
    // taken back meanwhile).
    const moved = rows.filter((row): row is PendingReply => row?.state === "pending" && dueAt.has(row.id));
    if (moved.length) {
      const ids = new Set(moved.map((row) => row.id));
      items.value = [...items.value.filter((item) => !ids.has(item.id)), ...moved].sort((a, b) => a.id - b.id);
      keepTicking();
    }
    const outcomes = rows.filter((row) => row?.state !== "pending").map(outcomeOf);
    for (const how of new Set(outcomes)) onGone(how);
  }

  function outcomeOf(row: PendingReply | null): Outcome {
    if (!row) return "gone";
    return row.state === "sent" ? "sent" : row.state === "undone" ? "undone" : row.state === "failed" ? "failed" : "gone";
  }

  /** A reply just held (the 202's answer). */
  function add(pending: PendingReply): void {
    dueAt.set(pending.id, localDue(pending, true, Date.now()));
    items.value = [...items.value.filter((item) => item.id !== pending.id), pending];
    now.value = Date.now();
    keepTicking();
  }

  /** Undo (or take back a failed one): the server's answer, for the reply box. Sent meanwhile,
   * it throws the 409 (`reply_already_sent`) and the caller reads the list again. */
  async function takeBack(item: Pick<PendingReply, "id">): Promise<PendingReply> {
    // Asked again once when the answer is lost: the server answers an undone reply's text again.
    const answer = await pendingApi.undo(ticketId, item.id).catch((first: unknown) =>
      pendingApi.undo(ticketId, item.id).catch(() => Promise.reject(first)),
    );
    items.value = items.value.filter((each) => each.id !== item.id);
    dueAt.delete(item.id);
    // A failed reply is in the banner's list too (shown once the agent leaves this ticket).
    useUnsentReplies().takenBack(item.id);
    return answer;
  }

  onBeforeUnmount(() => window.clearInterval(ticking));

  return { items, waiting, failed, latest, left, add, refresh, takeBack };
}
