/**
 * Send later (docs/desk.md, "Send later"): the reply box's quick times, read on the agent's own
 * clock (the time zone of their preferences, as every time the desk shows or reads), the REST
 * calls of a scheduled reply, and what desks hear of them (`ticket.scheduled_replies_changed`, to
 * every desk of the ticket's inbox): a count of the changes heard per ticket, on which the
 * ticket's page reads its scheduled replies again.
 */
import { defineStore } from "pinia";
import { ref } from "vue";
import { client, unwrap, type Schemas } from "../api/client";
import type { TicketScheduledRepliesChanged } from "../realtime/events.gen";
import type { Envelope } from "../realtime/socket";
import { formatWeekdayTime } from "../ui/format";
import { mondayMorning, pickerBounds, tomorrowMorning } from "../ui/quickTimes";

export type ScheduledReply = Schemas["ScheduledReplyRead"];

/** The farthest ahead the server takes (src/frontdesk/pending_replies/scheduled.py). */
export const MAX_DAYS = 30;

export type QuickChoice = { key: "tomorrow" | "monday"; at: Date };

/**
 * Tomorrow at 9:00 and, unless it is Monday today or tomorrow (the same time twice, or a week
 * away), next Monday at 9:00: on the agent's clock, whatever the computer's own zone.
 */
export function quickChoices(now: Date): QuickChoice[] {
  const monday = mondayMorning(now);
  return [{ key: "tomorrow", at: tomorrowMorning(now) }, ...(monday ? [{ key: "monday" as const, at: monday }] : [])];
}

/** The picker's bounds, as datetime-local values on the agent's clock: a minute to 30 days on. */
export function pickBounds(now: Date): { min: string; max: string } {
  const { min, max = "" } = pickerBounds(now, 1, MAX_DAYS);
  return { min, max };
}

const path = (ticketId: number, pendingId: number) => ({ params: { path: { ticket_id: ticketId, pending_id: pendingId } } });

export const scheduledApi = {
  list: (ticketId: number) =>
    unwrap(client.GET("/api/v1/tickets/{ticket_id}/scheduled-replies", { params: { path: { ticket_id: ticketId } } })),
  sendNow: (ticketId: number, pendingId: number) =>
    unwrap(client.POST("/api/v1/tickets/{ticket_id}/pending-replies/{pending_id}/send", path(ticketId, pendingId))),
};

export const useScheduledReplies = defineStore("scheduledReplies", () => {
  const changes = ref<Record<number, number>>({});
  // Taken up when the socket comes back after a drop: the open ticket reads its list again.
  const resumes = ref(0);

  function heard(envelope: Envelope): void {
    const data = envelope.data as TicketScheduledRepliesChanged;
    changes.value = { ...changes.value, [data.ticket_id]: (changes.value[data.ticket_id] ?? 0) + 1 };
  }

  function resumed(): void {
    resumes.value += 1;
  }

  return { changes, resumes, heard, resumed };
});

/** "Mon, Dec 7, 09:00 AM" ("lun. 7 déc., 09:00"): when a scheduled reply goes, on the agent's clock. */
export const formatScheduled = formatWeekdayTime;
