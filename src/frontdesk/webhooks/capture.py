"""Turning what a transaction did into webhook deliveries, inside that transaction.

Runs just before each commit (app.py, after the automation rules, whose actions are changes
too). It reads the realtime events the services recorded on the session (realtime/publisher.py):
every ticket created or changed, chat started or ended, message and rating already records one
there, exactly once, and a savepoint or transaction rolled back drops them. So a delivery row
commits with the change or not at all (a transactional outbox), and no change is told twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, select
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats.models import Chat
from frontdesk.chats.schemas import ChatSummary
from frontdesk.customers import service as customers_service
from frontdesk.db import postgres
from frontdesk.db.postgres import inline_asyncpg
from frontdesk.db.sqlite import inline_sqlite
from frontdesk.kit.clock import utcnow
from frontdesk.labels.schemas import LabelRead
from frontdesk.ratings.schemas import RatingRead
from frontdesk.realtime.envelope import chat_topic, iso
from frontdesk.realtime.publisher import Publication
from frontdesk.tickets import changes as ticket_changes
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import EntryKind, Ticket, TicketEntry
from frontdesk.tickets.schemas import EntryRead, TicketRead
from frontdesk.webhooks import changes as webhook_changes
from frontdesk.webhooks.events import WebhookEvent
from frontdesk.webhooks.models import WebhookDelivery, WebhookSubscription

# The realtime events webhooks are made from.
SOURCES = frozenset(
    {
        "ticket.created",
        "ticket.updated",
        "ticket.entry_added",
        "chat.started",
        "chat.ended",
        "chat.message_added",
        "rating.recorded",
    }
)
# Entries that are messages: a customer's mail, an agent's reply, a note (internal). Timeline
# lines and chat transcripts are not (the chat's messages were sent as they were written).
MESSAGE_ENTRIES = frozenset({EntryKind.reply, EntryKind.note})


@dataclass
class Event:
    type: WebhookEvent
    data: dict[str, Any]
    internal: bool = False


def new_event_id() -> str:
    return f"evt_{uuid.uuid4().hex}"


def payload(event_id: str, type: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"id": event_id, "type": type, "created_at": iso(utcnow()), "data": data}


def conversation_of(data: dict[str, Any]) -> tuple[int | None, int | None]:
    """(ticket id, chat id) of the conversation an event's data is about, as far as it says."""
    ticket, chat, rating = (data.get(key) or {} for key in ("ticket", "chat", "rating"))
    ticket_id = ticket.get("id") or data.get("ticket_id") or rating.get("ticket_id")
    chat_id = chat.get("id") or data.get("chat_id") or rating.get("chat_id")
    return ticket_id, chat_id


def _pending(session: AsyncSession) -> list[Publication]:
    hooks = session.info.get("after_commit", [])
    found = [hook for hook in hooks if isinstance(hook, Publication) and not hook.seen]
    for hook in found:
        hook.seen = True
    return [hook for hook in found if hook.message.envelope.type in SOURCES]


async def capture_events(session: AsyncSession) -> None:
    """Registered to run before each commit (app.py)."""
    publications = _pending(session)
    if not publications:
        return
    subscriptions = await _enabled_subscriptions(session)
    wanted = {event for subscription in subscriptions for event in subscription.events}
    if not wanted:
        return
    now = utcnow()
    for event in await _events(session, publications, wanted):
        for subscription in subscriptions:
            if event.type not in subscription.events:
                continue
            if event.internal and not subscription.include_internal:
                continue
            event_id = new_event_id()
            ticket_id, chat_id = conversation_of(event.data)
            session.add(
                WebhookDelivery(
                    event_id=event_id,
                    event_type=event.type.value,
                    payload=payload(event_id, event.type.value, event.data),
                    ticket_id=ticket_id,
                    chat_id=chat_id,
                    subscription_id=subscription.id,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    await session.flush()


class Subscriber(NamedTuple):
    id: int
    events: list[str]
    include_internal: bool


_SUBSCRIPTIONS = cast(Table, WebhookSubscription.__table__)
# Where neither driver's connection can be used directly: Core, on the session's connection.
_ENABLED = (
    select(_SUBSCRIPTIONS.c.id, _SUBSCRIPTIONS.c.events, _SUBSCRIPTIONS.c.include_internal)
    .where(_SUBSCRIPTIONS.c.enabled.is_(True) | _SUBSCRIPTIONS.c.holding_until.is_not(None))
    .order_by(_SUBSCRIPTIONS.c.id)
)
# The same text on SQLite's connection and on asyncpg's. A webhook frontdesk switched off is
# still recorded for while it holds its events (webhooks/service.py HOLD): they wait, pending,
# until it is switched on; one an admin switched off is not.
_ENABLED_TEXT = (
    "SELECT id, events, include_internal FROM webhook_subscriptions "
    "WHERE enabled OR holding_until IS NOT NULL ORDER BY id"
)
_SQLITE = sqlite_dialect.dialect()
_PG_DECODE_EVENTS = postgres.decoder(_SUBSCRIPTIONS, "events")
_DECODE_EVENTS = cast(
    Callable[[Any], list[str]],
    _SUBSCRIPTIONS.c.events.type.dialect_impl(_SQLITE).result_processor(_SQLITE, None),
)


async def _enabled_subscriptions(session: AsyncSession) -> list[Subscriber]:
    """Read in every transaction that records events, so it runs on the database driver's own
    connection (SQLite's, asyncpg's): through the ORM, loading the subscriptions cost more than
    the rest of a message's batch. Changes waiting in the session are flushed first, as the
    ORM's query did."""
    sync = session.sync_session
    if sync.new or sync.dirty or sync.deleted:
        await session.flush()
    connection = await inline_sqlite(session)
    if connection is not None:
        return [
            Subscriber(id, _DECODE_EVENTS(events), bool(internal))
            for id, events, internal in connection.execute(_ENABLED_TEXT)
        ]
    driver = await inline_asyncpg(session)
    if driver is not None:
        return [
            Subscriber(id, _PG_DECODE_EVENTS(events), internal)
            for id, events, internal in await driver.fetch(_ENABLED_TEXT)
        ]
    return [Subscriber(*row) for row in await (await session.connection()).execute(_ENABLED)]


async def _events(
    session: AsyncSession, publications: Iterable[Publication], wanted: set[str]
) -> list[Event]:
    created: list[int] = []
    updated: dict[int, list[str]] = {}
    # Each change of a ticket in order, with who made it: from what to what, and by whom.
    told: dict[int, list[webhook_changes.Told]] = {}
    # The inbox a ticket moved from, the first of the transaction's moves.
    moved_from: dict[int, int] = {}
    events: list[Event] = []
    tickets: dict[int, dict[str, Any]] = {}
    for publication in publications:
        envelope = publication.message.envelope
        data = envelope.data
        match envelope.type:
            case "ticket.created":
                created.append(int(data["ticket"]["id"]))
            case "ticket.updated":
                changes = updated.setdefault(int(data["ticket"]["id"]), [])
                changes.extend(c for c in data.get("changes", ()) if c not in changes)
                told.setdefault(int(data["ticket"]["id"]), []).append(
                    webhook_changes.Told(
                        ticket_changes.actor_in(publication.private) or ticket_changes.SYSTEM,
                        list(data.get("changes", ())),
                    )
                )
                if "from_inbox_id" in data:
                    moved_from.setdefault(int(data["ticket"]["id"]), int(data["from_inbox_id"]))
            case "ticket.entry_added" if WebhookEvent.message_created in wanted:
                if data["entry"]["kind"] in MESSAGE_ENTRIES:
                    event = await _entry_event(session, int(data["entry"]["id"]))
                    if event is not None:
                        events.append(event)
            case "chat.started" | "chat.ended" | "chat.message_added":
                chat_id = envelope.chat_id
                # The chat's events go to the visitor too, as a filtered copy: the desk's is told.
                if chat_id is None or chat_topic(chat_id) not in publication.message.topics:
                    continue
                if envelope.type == "chat.message_added":
                    message = dict(data["message"])
                    events.append(
                        Event(
                            WebhookEvent.message_created,
                            {"channel": "chat", "chat_id": chat_id, "internal": False}
                            | {"message": message},
                        )
                    )
                elif envelope.type in wanted:
                    chat = await session.get(Chat, chat_id)
                    if chat is not None:
                        extra = {k: v for k, v in data.items() if k not in ("chat",)}
                        body = {"chat": ChatSummary.model_validate(chat).model_dump(mode="json")}
                        events.append(Event(WebhookEvent(envelope.type), body | extra))
            case "rating.recorded":
                rating = RatingRead.model_validate(data["rating"]).model_dump(mode="json")
                events.append(Event(WebhookEvent.rating_received, {"rating": rating}))
    wants_tickets = {WebhookEvent.ticket_created, WebhookEvent.ticket_updated} & wanted
    if wants_tickets:
        ids = list(dict.fromkeys([*created, *updated]))
        tickets = await _tickets(session, ids)
    # A ticket created in this transaction is told once, as created, however it changed since.
    ticket_events = [
        Event(WebhookEvent.ticket_created, {"ticket": tickets[ticket_id]})
        for ticket_id in dict.fromkeys(created)
        if ticket_id in tickets
    ]
    if WebhookEvent.ticket_updated in wanted:
        for ticket_id, changes in updated.items():
            if ticket_id not in tickets or ticket_id in created:
                continue
            ticket = tickets[ticket_id]
            described = await webhook_changes.described(
                session, ticket_id=ticket_id, told=told[ticket_id], labels_now=ticket["labels"]
            )
            ticket_events.append(
                Event(
                    WebhookEvent.ticket_updated,
                    {"ticket": ticket, "changes": changes}
                    | ({"from_inbox_id": moved_from[ticket_id]} if ticket_id in moved_from else {})
                    | described,
                )
            )
    return ticket_events + [event for event in events if event.type in wanted]


async def _tickets(session: AsyncSession, ids: list[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    rows = [ticket for ticket in [await session.get(Ticket, i) for i in ids] if ticket]
    labels = await tickets_service.labels_of(session, ticket_ids=[t.id for t in rows])
    names = await customers_service.names_by_id(session, customer_ids=[t.customer_id for t in rows])
    return {
        ticket.id: TicketRead.model_validate(ticket)
        .model_copy(
            update={
                "labels": [LabelRead.model_validate(label) for label in labels[ticket.id]],
                "customer_name": names.get(ticket.customer_id, ""),
            }
        )
        .model_dump(mode="json")
        for ticket in rows
    }


async def _entry_event(session: AsyncSession, entry_id: int) -> Event | None:
    entry = await session.get(TicketEntry, entry_id)
    if entry is None:
        return None
    internal = entry.kind is EntryKind.note
    return Event(
        WebhookEvent.message_created,
        {
            "channel": "ticket",
            "ticket_id": entry.ticket_id,
            "internal": internal,
            "message": EntryRead.model_validate(entry).model_dump(mode="json"),
        },
        internal=internal,
    )
