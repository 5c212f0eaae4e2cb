import { t, type Key } from "../i18n";
import * as errorWords from "../i18n/messages/errors";
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
      // An answer in one of the ticket's side conversations: not the customer's.
      if (p.side_conversation_id) return t("notifications.sideConversationReplied", vars);
      return t("notifications.customerReplied", vars);
    case "mentioned":
      return t("notifications.mentioned", vars);
    case "chat_invited":
      return p.invitation === "transfer" ? t("notifications.chatTransferred", vars) : t("notifications.chatInvited", vars);
    case "chat_waiting":
      return t("notifications.chatWaiting", vars);
    case "sla_breaching":
      return p.breached ? t("notifications.slaBreached", vars) : t("notifications.slaBreaching", vars);
    case "reply_not_sent": {
      const reason = notSentReason(p.reason_code, p.reason);
      return n.ticket_id ? t("notifications.replyNotSent", { ...vars, reason }) : t("notifications.replyNotSentUnseen", { ...vars, reason });
    }
  }
}

/** Why a held reply was not sent: the desk's own words for its code, in English too (the server's
 * message is written for API clients: `stale_thread`'s names the field to send again), and the
 * server's message only for a code the desk has no words for. Push and email say the same
 * (src/frontdesk/notifications/texts.py). */
export function notSentReason(code: string | null | undefined, message: string | null | undefined): string {
  if (code && Object.prototype.hasOwnProperty.call(errorWords.en, code)) return t(`errors.${code}` as Key);
  return message || t("notifications.replyNotSentReason");
}

/** Where a click on it goes in the desk: the ticket or chat, or the desk's start for a notice about
 * a ticket the agent may no longer open. */
export function notificationPath(n: Notification): string {
  // A mention opens the ticket at the note that named the agent.
  if (n.ticket_id) return `/tickets/${n.ticket_id}${n.params.entry_id ? `#entry-${n.params.entry_id}` : ""}`;
  if (n.chat_id) return `/chats/${n.chat_id}`;
  return "/";
}
