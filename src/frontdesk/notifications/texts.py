"""The words of a notification outside the desk (a push, an email): English, from the params kept
on the row. The desk words its bell itself, in the agent's language."""

from __future__ import annotations

from frontdesk.notifications.models import Notification, NotificationKind


def link_path(notification: Notification) -> str:
    if notification.ticket_id is not None:
        entry_id = notification.params.get("entry_id")
        anchor = f"#entry-{entry_id}" if isinstance(entry_id, int) else ""
        return f"/tickets/{notification.ticket_id}{anchor}"
    if notification.chat_id is not None:
        return f"/chats/{notification.chat_id}"
    return "/"


def describe(notification: Notification) -> tuple[str, str]:
    """(title, body)."""
    p = notification.params
    actor = str(p.get("actor_name") or "Someone")
    ticket = f"#{p.get('number', '')} {p.get('subject', '')}".strip()
    visitor = str(p.get("visitor_name") or "A visitor")
    excerpt = str(p.get("excerpt") or "")
    match notification.kind:
        case NotificationKind.assigned if p.get("unassigned"):
            # The ticket moved where its reader may not follow: its number, none of its words.
            number = f"#{p.get('number', '')}"
            moved = (
                f"{p['actor_name']} moved ticket {number}"
                if p.get("actor_name")
                else f"Ticket {number} was moved"
            )
            return (
                f"No longer assigned to you: ticket {number}",
                f"{moved} to an inbox you are not a member of, so it is no longer assigned to you.",
            )
        case NotificationKind.assigned:
            return f"Assigned to you: {ticket}", f"{actor} assigned {ticket} to you."
        case NotificationKind.customer_replied:
            return f"New reply on {ticket}", excerpt or "The customer replied."
        case NotificationKind.mentioned:
            return f"{actor} mentioned you on {ticket}", excerpt
        case NotificationKind.chat_invited:
            if p.get("invitation") == "transfer":
                return f"{actor} transfers a chat to you", f"Chat with {visitor}"
            return f"{actor} invites you to a chat", f"Chat with {visitor}"
        case NotificationKind.chat_waiting:
            return "A chat is waiting", f"{visitor} is waiting for an answer."
        case NotificationKind.sla_breaching:
            if p.get("breached"):
                return f"Overdue: {ticket}", "This ticket breached its target."
            return f"Due soon: {ticket}", "This ticket is about to breach its target."
