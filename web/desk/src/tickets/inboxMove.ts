/** Moving a ticket to another inbox (docs/desk.md, "Moving a ticket to another inbox"): whom a
 * move unassigns, so the desk asks first, and which events say a ticket left its inbox. */
import type { User } from "../api/types";
import type { Envelope } from "../realtime/socket";

/** The assignee a move to an inbox with these `members` takes off the ticket, or null. Admins
 * and owners see every inbox, so they may keep any ticket, as the server decides. */
export function unassignedByMove(assigneeId: number | null | undefined, members: readonly Pick<User, "id">[], users: readonly Pick<User, "id" | "role">[]): number | null {
  if (assigneeId == null || members.some((member) => member.id === assigneeId)) return null;
  const role = users.find((user) => user.id === assigneeId)?.role;
  return role === "admin" || role === "owner" ? null : assigneeId;
}

/** The ticket a `ticket.updated` event says moved to another inbox, or null. */
export function leftForInbox(envelope: Pick<Envelope, "type" | "data">): number | null {
  if (envelope.type !== "ticket.updated") return null;
  const data = envelope.data as { ticket?: { id?: number }; changes?: string[] } | undefined;
  return data?.changes?.includes("inbox") && data.ticket?.id != null ? data.ticket.id : null;
}
