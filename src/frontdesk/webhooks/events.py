"""The events a subscription can ask for (docs/webhooks.md defines each payload)."""

from __future__ import annotations

import enum


class WebhookEvent(enum.StrEnum):
    ticket_created = "ticket.created"
    ticket_updated = "ticket.updated"
    chat_started = "chat.started"
    chat_ended = "chat.ended"
    message_created = "message.created"
    rating_received = "rating.received"
    ticket_deleted = "ticket.deleted"
    customer_created = "customer.created"
    customer_updated = "customer.updated"
    customer_merged = "customer.merged"
    customer_deleted = "customer.deleted"
    time_entry_created = "time_entry.created"
    time_entry_updated = "time_entry.updated"
    time_entry_deleted = "time_entry.deleted"
    ticket_checklist_updated = "ticket.checklist_updated"
    ticket_linked = "ticket.linked"
    ticket_unlinked = "ticket.unlinked"
    organisation_created = "organisation.created"
    organisation_updated = "organisation.updated"
    organisation_deleted = "organisation.deleted"


# About no inbox: only the subscriptions for all inboxes receive them (docs/webhooks.md,
# "Inboxes").
NO_INBOX = frozenset(
    {
        WebhookEvent.organisation_created,
        WebhookEvent.organisation_updated,
        WebhookEvent.organisation_deleted,
    }
)


# Sent only by "Send test": never subscribed to, always delivered to the one subscription.
PING = "ping"
