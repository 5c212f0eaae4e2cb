"""The words of a notification outside the desk (a push, an email): English, from the params kept
on the row. The desk words its bell itself, in the agent's language."""

from __future__ import annotations

from collections.abc import Mapping

from frontdesk.notifications.models import Notification, NotificationKind

# Why a held reply was not sent, in words for its author rather than for an API client (the
# error's own `message` says, for one, which field to send again, and that the reply was not
# sent, which the notification's first sentence says already): the desk's bell says the same
# (web/desk/src/i18n/messages/errors.ts). A code not listed here keeps the error's message.
NOT_SENT_REASONS: dict[str, str] = {
    "ticket_not_visible": "You no longer have access to this ticket's inbox.",
    "author_deactivated": "Your account was deactivated before it went out.",
    "internal_error": (
        "An error on our side stopped it: take it back to the reply box and send it again."
    ),
    "stale_thread": (
        "New messages arrived on this ticket since you started writing: read them, then send again."
    ),
    # Send later's "cancel if they reply" (pending_replies/scheduled.py).
    "answered_since_scheduled": (
        "The customer wrote, or someone replied, after you scheduled it: read the thread, then "
        "send again."
    ),
}


def _why_not_sent(params: Mapping[str, object]) -> str:
    known = NOT_SENT_REASONS.get(str(params.get("reason_code") or ""))
    return known or str(params.get("reason") or "It was refused when its time came.")


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
        case NotificationKind.customer_replied if p.get("side_conversation_id"):
            return f"New reply in a side conversation on {ticket}", excerpt
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
        case NotificationKind.reply_not_sent:
            # No subject when its author no longer sees the ticket: its number only.
            return f"Your reply was not sent: {ticket}", _why_not_sent(p)
