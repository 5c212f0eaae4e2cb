import { t } from "../i18n";
import type { Notification } from "./api";

/** The words of one notification, in the agent's language, from what the server kept. */
export function notificationText(n: Notification): string {
  const p = n.params;
  const vars = {
    actor: n.actor?.name ?? p.actor_name ?? t("notifications.someone"),
    number: p.number ?? "",
    subject: p.subject ?? "",
    visitor: p.visitor_name ?? t("notifications.aVisitor"),
  };
  switch (n.kind) {
    case "assigned":
      // The reverse: moved to an inbox the agent is not in. Only its number: they no longer see it.
      if (p.unassigned) return n.actor || p.actor_name ? t("notifications.unassignedByMove", vars) : t("notifications.unassignedByMoveBySystem", vars);
      return n.actor || p.actor_name ? t("notifications.assigned", vars) : t("notifications.assignedBySystem", vars);
    case "customer_replied":
      return t("notifications.customerReplied", vars);
    case "mentioned":
      return t("notifications.mentioned", vars);
    case "chat_invited":
      return p.invitation === "transfer" ? t("notifications.chatTransferred", vars) : t("notifications.chatInvited", vars);
    case "chat_waiting":
      return t("notifications.chatWaiting", vars);
    case "sla_breaching":
      return p.breached ? t("notifications.slaBreached", vars) : t("notifications.slaBreaching", vars);
  }
}

/** Where a click on it goes in the desk: the ticket or chat, or the desk's start for a notice about
 * a ticket the agent may no longer open. */
export function notificationPath(n: Notification): string {
  // A mention opens the ticket at the note that named the agent.
  if (n.ticket_id) return `/tickets/${n.ticket_id}${n.params.entry_id ? `#entry-${n.params.entry_id}` : ""}`;
  if (n.chat_id) return `/chats/${n.chat_id}`;
  return "/";
}
