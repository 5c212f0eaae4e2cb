"""Turning what a transaction did into webhook deliveries, inside that transaction.

Runs just before each commit (app.py, after the automation rules, whose actions are changes
too). It reads the realtime events the services recorded on the session (realtime/publisher.py):
every ticket created or changed, chat started or ended, message and rating already records one
there, exactly once, and a savepoint or transaction rolled back drops them. So a delivery row
commits with the change or not at all (a transactional outbox), and no change is told twice.
Customers' and organisations' changes (customers/changes.py, organisations/changes.py) and
deleted tickets (tickets/changes.py `deleted`), which the desk does not hear, ride the same list
as records of their own.

A subscription for some inboxes only gets the events about their tickets, chats and customers
(`_place`, docs/webhooks.md "Inboxes"); the others' are not even written for it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, select
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats.models import Chat
from frontdesk.chats.schemas import ChatSummary
from frontdesk.checklists import service as checklists_service
from frontdesk.checklists.schemas import ChecklistProgress
from frontdesk.customers import changes as customer_changes
from frontdesk.customers import service as customers_service
from frontdesk.customers.models import Customer
from frontdesk.customers.views import customer_reads
from frontdesk.db import postgres
from frontdesk.db.postgres import inline_asyncpg
from frontdesk.db.sqlite import inline_sqlite
from frontdesk.fields import values as field_values
from frontdesk.fields.models import FieldObject
from frontdesk.kit.clock import utcnow
from frontdesk.labels.schemas import LabelRead
from frontdesk.mail import outbound as mail_outbound
from frontdesk.organisations import changes as organisation_changes
from frontdesk.organisations import service as organisations_service
from frontdesk.organisations.models import Organisation
from frontdesk.ratings.schemas import RatingRead
from frontdesk.realtime.envelope import chat_topic, iso
from frontdesk.realtime.publisher import Publication
from frontdesk.statuses import service as statuses_service
from frontdesk.tickets import changes as ticket_changes
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets import staleness
from frontdesk.tickets.models import EntryKind, Ticket, TicketEntry, TicketState
from frontdesk.tickets.schemas import EntryRead, TicketRead
from frontdesk.timetracking import service as time_service
from frontdesk.webhooks import changes as webhook_changes
from frontdesk.webhooks.events import NO_INBOX, WebhookEvent
from frontdesk.webhooks.models import (
    WebhookDelivery,
    WebhookSubscription,
    WebhookSubscriptionInbox,
)

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
        "ticket.time_changed",
        "ticket.checklist_changed",
        "ticket.links_changed",
    }
)
LINK_EVENTS = frozenset({WebhookEvent.ticket_linked, WebhookEvent.ticket_unlinked})
# Entries that are messages: a customer's mail, an agent's reply, a note (internal). Timeline
# lines and chat transcripts are not (the chat's messages were sent as they were written).
MESSAGE_ENTRIES = frozenset({EntryKind.reply, EntryKind.note})
SPAM = TicketState.spam.value


@dataclass
class Event:
    type: WebhookEvent
    data: dict[str, Any]
    internal: bool = False
    # The customer a customer event is about (its delivery goes when they are erased).
    customer_id: int | None = None
    # About a ticket or customer that no longer exists (`*.deleted`): its delivery names no
    # conversation, so that it outlives them.
    gone: bool = False
    # What a subscription without internal notes gets instead of `data`, when that differs
    # (a customer's `notes`, written by agents for agents, taken out).
    outside: dict[str, Any] | None = None
    # The inboxes it is about (`_place`): a subscription for some inboxes only gets it when
    # one of them is theirs. A ticket's, a chat's; for a move, the inbox left too; for a
    # customer, each inbox where they have a ticket.
    inboxes: frozenset[int] = frozenset()
    # About no inbox, yet for every subscription: `customer.deleted` (ids only, "delete your
    # copy", when which inboxes the customer's tickets were in can no longer be said).
    everywhere: bool = False

    def data_for(self, subscription: Subscriber) -> dict[str, Any]:
        if self.outside is None or subscription.include_internal:
            return self.data
        return self.outside

    def reaches(self, subscription: Subscriber) -> bool:
        if subscription.inboxes is None or self.everywhere:
            return True
        return not self.inboxes.isdisjoint(subscription.inboxes)


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


Told = customer_changes.Told | ticket_changes.Deleted | organisation_changes.Told
TOLD = (customer_changes.Told, ticket_changes.Deleted, organisation_changes.Told)


def _pending(session: AsyncSession) -> tuple[list[Publication], list[Told]]:
    """The realtime events of the transaction webhooks are made from, and what it told of
    customers and deleted tickets; each read once."""
    publications: list[Publication] = []
    told: list[Told] = []
    for hook in session.info.get("after_commit", []):
        if isinstance(hook, Publication):
            if not hook.seen:
                hook.seen = True
                if hook.message.envelope.type in SOURCES:
                    publications.append(hook)
        elif isinstance(hook, TOLD) and not hook.seen:
            hook.seen = True
            told.append(hook)
    return publications, told


async def capture_events(session: AsyncSession) -> None:
    """Registered to run before each commit (app.py)."""
    publications, told = _pending(session)
    if not publications and not told:
        return
    subscriptions = await _enabled_subscriptions(session)
    wanted = {event for subscription in subscriptions for event in subscription.events}
    if not wanted:
        return
    now = utcnow()
    gone_tickets = {each.ticket_id for each in told if isinstance(each, ticket_changes.Deleted)}
    events = await _customer_events(session, told, wanted) if told else []
    events += await _events(session, publications, wanted)
    events += _deletions(told, wanted)
    events += await _organisation_events(session, told, wanted) if told else []
    if any(subscription.inboxes is not None for subscription in subscriptions):
        await _place(session, events)
    for event in events:
        ticket_id, chat_id = (None, None) if event.gone else conversation_of(event.data)
        if ticket_id in gone_tickets:
            continue  # deleted in this transaction: told as `ticket.deleted` alone
        for subscription in subscriptions:
            if event.type not in subscription.events:
                continue
            if event.internal and not subscription.include_internal:
                continue
            if not event.reaches(subscription):
                continue
            event_id = new_event_id()
            session.add(
                WebhookDelivery(
                    event_id=event_id,
                    event_type=event.type.value,
                    payload=payload(event_id, event.type.value, event.data_for(subscription)),
                    ticket_id=ticket_id,
                    chat_id=chat_id,
                    customer_id=event.customer_id,
                    subscription_id=subscription.id,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    await session.flush()


CUSTOMER_EVENTS = frozenset(
    {
        WebhookEvent.customer_created,
        WebhookEvent.customer_updated,
        WebhookEvent.customer_merged,
    }
)


async def _customer_events(
    session: AsyncSession, told: list[Told], wanted: set[str]
) -> list[Event]:
    """customer.created, .updated and .merged (docs/webhooks.md, "Customers"). A customer
    created in the transaction is told once, as created, however it changed since; one merged
    into another is told by the merge alone, as is the survivor's change by the merge; a change
    that left every field as it was is not told; a customer deleted in the transaction is told
    only as deleted."""
    if not CUSTOMER_EVENTS & wanted:
        return []
    said = [each for each in told if isinstance(each, customer_changes.Told)]
    kinds = customer_changes.Kind
    deleted = {each.customer_id for each in said if each.kind is kinds.deleted}
    merges = [
        each for each in said if each.kind is kinds.merged and each.customer_id not in deleted
    ]
    # Made and merged away in the same moment: the CRM never needed to know it.
    merged_away = {m.merged_id for m in merges if m.merged_id is not None}
    created = list(
        dict.fromkeys(
            each.customer_id
            for each in said
            if each.kind is kinds.created and each.customer_id not in deleted | merged_away
        )
    )
    quiet = deleted | merged_away | set(created) | {m.customer_id for m in merges}
    updated: dict[int, customer_changes.Told] = {}
    for each in said:
        if each.kind is kinds.updated and each.customer_id not in quiet:
            updated.setdefault(each.customer_id, each)
    ids = list(dict.fromkeys([*created, *(m.customer_id for m in merges), *updated]))
    # One statement for them all: a domain added to an organisation joins up to
    # organisations/service.TOLD customers a transaction, each told.
    rows = (
        (await session.scalars(select(Customer).where(Customer.id.in_(ids)))).all() if ids else []
    )
    shown = {read.id: read.model_dump(mode="json") for read in await customer_reads(session, rows)}
    events: list[Event] = []

    def add(type: WebhookEvent, customer_id: int, data: dict[str, Any]) -> None:
        if customer_id not in shown or type not in wanted:
            return
        told = {"customer": shown[customer_id]} | data
        outside = _without_notes(told)
        # A change of the notes alone is for the subscriptions that include internal notes.
        internal = type is WebhookEvent.customer_updated and not outside["diff"]
        events.append(
            Event(type, told, internal=internal, customer_id=customer_id, outside=outside)
        )

    for customer_id in created:
        first = next(e for e in said if e.customer_id == customer_id and e.kind is kinds.created)
        actor = await webhook_changes.actor_payload(session, first.actor)
        add(WebhookEvent.customer_created, customer_id, {"actor": actor})
    for merge in merges:
        add(
            WebhookEvent.customer_merged,
            merge.customer_id,
            {
                "survivor_id": merge.customer_id,
                "merged_id": merge.merged_id,
                "diff": _customer_diff(session, merge.customer_id, shown.get(merge.customer_id)),
                "actor": await webhook_changes.actor_payload(session, merge.actor),
            },
        )
    for customer_id, first in updated.items():
        diff = _customer_diff(session, customer_id, shown.get(customer_id))
        if diff:
            actor = await webhook_changes.actor_payload(session, first.actor)
            add(WebhookEvent.customer_updated, customer_id, {"diff": diff, "actor": actor})
    return events


def _without_notes(data: dict[str, Any]) -> dict[str, Any]:
    """A customer event's data as a subscription without internal notes gets it: the customer's
    `notes` are what agents wrote about them for each other (docs/webhooks.md, "Internal
    notes"), neither in `customer` nor in `diff`."""
    outside = data | {"customer": {k: v for k, v in data["customer"].items() if k != "notes"}}
    if "diff" in data:
        outside["diff"] = {k: v for k, v in data["diff"].items() if k != "notes"}
    return outside


def _customer_diff(
    session: AsyncSession, customer_id: int, now: dict[str, Any] | None
) -> dict[str, dict[str, Any]]:
    """Each field whose value differs from the one before the transaction's first change."""
    if now is None:
        return {}
    before = customer_changes.before(session, customer_id=customer_id)
    return {
        name: {"from": before[name], "to": now[name]}
        for name in customer_changes.FIELDS
        if name in before and before[name] != now[name]
    }


def _deletions(told: list[Told], wanted: set[str]) -> list[Event]:
    """ticket.deleted, then customer.deleted: ids only, since what they were is gone."""
    events = [
        Event(
            WebhookEvent.ticket_deleted,
            {"ticket": {"id": each.ticket_id, "number": each.number}, "reason": each.reason},
            gone=True,
            inboxes=frozenset() if each.inbox_id is None else frozenset({each.inbox_id}),
        )
        for each in told
        if isinstance(each, ticket_changes.Deleted)
    ]
    events += [
        Event(
            WebhookEvent.customer_deleted,
            {"customer": {"id": each.customer_id}, "reason": each.reason},
            gone=True,
            everywhere=True,
        )
        for each in told
        if isinstance(each, customer_changes.Told) and each.kind is customer_changes.Kind.deleted
    ]
    return [event for event in events if event.type in wanted]


class Subscriber(NamedTuple):
    id: int
    events: list[str]
    include_internal: bool
    # None: every inbox's events; else only these inboxes' (empty when all were deleted since).
    inboxes: frozenset[int] | None = None


_SUBSCRIPTIONS = cast(Table, WebhookSubscription.__table__)
# Where neither driver's connection can be used directly: Core, on the session's connection.
_ENABLED = (
    select(
        _SUBSCRIPTIONS.c.id,
        _SUBSCRIPTIONS.c.events,
        _SUBSCRIPTIONS.c.include_internal,
        _SUBSCRIPTIONS.c.all_inboxes,
    )
    .where(_SUBSCRIPTIONS.c.enabled.is_(True) | _SUBSCRIPTIONS.c.holding_until.is_not(None))
    .order_by(_SUBSCRIPTIONS.c.id)
)
# The same text on SQLite's connection and on asyncpg's. A webhook frontdesk switched off is
# still recorded for while it holds its events (webhooks/service.py HOLD): they wait, pending,
# until it is switched on; one an admin switched off is not.
_ENABLED_TEXT = (
    "SELECT id, events, include_internal, all_inboxes FROM webhook_subscriptions "
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
    rows: list[tuple[int, list[str], bool, bool]]
    connection = await inline_sqlite(session)
    driver = None if connection is not None else await inline_asyncpg(session)
    if connection is not None:
        rows = [
            (id, _DECODE_EVENTS(events), bool(internal), bool(every))
            for id, events, internal, every in connection.execute(_ENABLED_TEXT)
        ]
    elif driver is not None:
        rows = [
            (id, _PG_DECODE_EVENTS(events), internal, every)
            for id, events, internal, every in await driver.fetch(_ENABLED_TEXT)
        ]
    else:
        rows = [
            (id, events, internal, every)
            for id, events, internal, every in await (await session.connection()).execute(_ENABLED)
        ]
    scoped = [row[0] for row in rows if not row[3]]
    # Read only when some subscription is for some inboxes: most desks have none.
    inboxes: dict[int, set[int]] = {id: set() for id in scoped}
    if scoped:
        for subscription_id, inbox_id in await session.execute(
            select(
                WebhookSubscriptionInbox.subscription_id, WebhookSubscriptionInbox.inbox_id
            ).where(WebhookSubscriptionInbox.subscription_id.in_(scoped))
        ):
            inboxes[subscription_id].add(inbox_id)
    return [
        Subscriber(id, events, internal, None if every else frozenset(inboxes[id]))
        for id, events, internal, every in rows
    ]


async def _place(session: AsyncSession, events: list[Event]) -> None:
    """Fills each event's `inboxes`, for the subscriptions of some inboxes: a ticket's event
    (messages, checklist, time, links, ratings …) is its inbox's, and a move's `ticket.updated`
    the inbox's it left too (so that it hears the ticket left, and nothing after); a chat's is
    its inbox's; a customer's those where they have a ticket that shows them (as an agent of
    those inboxes sees them: customers/queries.visible_to). `*.deleted` were placed when made;
    organisations' are about no inbox."""
    ticket_ids: set[int] = set()
    chat_ids: set[int] = set()
    customer_ids: set[int] = set()
    for event in events:
        if event.gone or event.type in NO_INBOX:
            continue
        if event.customer_id is not None:
            customer_ids.add(event.customer_id)
            continue
        ticket_id, chat_id = conversation_of(event.data)
        if ticket_id is not None:
            ticket_ids.add(int(ticket_id))
        elif chat_id is not None:
            chat_ids.add(int(chat_id))
    of_ticket: dict[int, int] = {}
    of_chat: dict[int, int] = {}
    of_customer: dict[int, set[int]] = {}
    if ticket_ids:
        rows = await session.execute(
            select(Ticket.id, Ticket.inbox_id).where(Ticket.id.in_(ticket_ids))
        )
        of_ticket = {ticket_id: inbox_id for ticket_id, inbox_id in rows.all()}  # noqa: C416
    if chat_ids:
        rows = await session.execute(select(Chat.id, Chat.inbox_id).where(Chat.id.in_(chat_ids)))
        of_chat = {chat_id: inbox_id for chat_id, inbox_id in rows.all()}  # noqa: C416
    if customer_ids:
        rows = await session.execute(
            select(Ticket.customer_id, Ticket.inbox_id)
            .where(Ticket.customer_id.in_(customer_ids), Ticket.shows_customer.is_(True))
            .distinct()
        )
        for customer_id, inbox_id in rows.all():
            of_customer.setdefault(customer_id, set()).add(inbox_id)
    for event in events:
        if event.gone or event.type in NO_INBOX:
            continue
        if event.customer_id is not None:
            event.inboxes = frozenset(of_customer.get(event.customer_id, ()))
            continue
        ticket_id, chat_id = conversation_of(event.data)
        placed: set[int] = set()
        if ticket_id is not None and int(ticket_id) in of_ticket:
            placed.add(of_ticket[int(ticket_id)])
        elif ticket_id is None and chat_id is not None and int(chat_id) in of_chat:
            placed.add(of_chat[int(chat_id)])
        if "from_inbox_id" in event.data:
            placed.add(int(event.data["from_inbox_id"]))
        event.inboxes = frozenset(placed)


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
    # Links made or taken away, each as one end heard it: a `ticket.linked` or `.unlinked` each.
    links: list[Mapping[str, Any]] = []
    for publication in publications:
        envelope = publication.message.envelope
        data = envelope.data
        match envelope.type:
            case "ticket.created" if data["ticket"]["state"] == SPAM:
                # A blocked sender's mail, filed as spam: receivers hear nothing of it (only a
                # change into or out of spam is told, as `ticket.updated`).
                continue
            case "ticket.created":
                created.append(int(data["ticket"]["id"]))
            case "ticket.updated" if data["ticket"]["state"] == SPAM and "state" not in data.get(
                "changes", ()
            ):
                # A spam ticket's later changes (a label, its priority) are not told either: only
                # its entering Spam, and leaving it (docs/webhooks.md).
                continue
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
            case "ticket.entry_added" if data["ticket"]["state"] == SPAM:
                continue
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
            case "ticket.time_changed" if f"time_entry.{data['change']}" in wanted:
                event = await _time_event(session, data)
                if event is not None:
                    events.append(event)
            case "ticket.checklist_changed" if WebhookEvent.ticket_checklist_updated in wanted:
                event = await _checklist_event(session, data)
                if event is not None:
                    events.append(event)
            case "ticket.links_changed" if f"ticket.{data['change']}" in LINK_EVENTS & wanted:
                if not publication.private.get("by_move"):
                    links.append(data)
            case "rating.recorded":
                rating = RatingRead.model_validate(data["rating"]).model_dump(mode="json")
                events.append(Event(WebhookEvent.rating_received, {"rating": rating}))
    wants_tickets = {WebhookEvent.ticket_created, WebhookEvent.ticket_updated} & wanted
    if wants_tickets or links:
        ids = list(dict.fromkeys([*created, *updated, *(int(d["ticket_id"]) for d in links)]))
        tickets = await _tickets(session, ids)
    events += await _link_events(session, links, tickets)
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
                session,
                ticket_id=ticket_id,
                told=told[ticket_id],
                labels_now=ticket["labels"],
                fields_now=ticket["fields"],
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


ORGANISATION_EVENTS = {
    organisation_changes.Kind.created: WebhookEvent.organisation_created,
    organisation_changes.Kind.updated: WebhookEvent.organisation_updated,
    organisation_changes.Kind.deleted: WebhookEvent.organisation_deleted,
}


async def _organisation_events(
    session: AsyncSession, told: list[Told], wanted: set[str]
) -> list[Event]:
    """organisation.created, .updated and .deleted (docs/webhooks.md, "Organisations"), as
    customers' are told: one created in the transaction is told once, as created, as it ended
    up; one deleted in it only as deleted; an update from the values before the transaction's
    first change to those it commits, and not at all when they are the same. The `notes` are
    the agents', for agents: only for the subscriptions that include internal notes, and a
    change of the notes alone is told to them alone."""
    if not set(ORGANISATION_EVENTS.values()) & wanted:
        return []
    said = [each for each in told if isinstance(each, organisation_changes.Told)]
    if not said:
        return []
    kinds = organisation_changes.Kind
    deleted = {e.organisation_id: e for e in said if e.kind is kinds.deleted}
    created = list(
        dict.fromkeys(
            e.organisation_id
            for e in said
            if e.kind is kinds.created and e.organisation_id not in deleted
        )
    )
    updated: dict[int, organisation_changes.Told] = {}
    before: dict[int, dict[str, Any]] = {}
    for each in said:
        if each.kind is kinds.updated and each.organisation_id not in deleted:
            updated.setdefault(each.organisation_id, each)
            kept = before.setdefault(each.organisation_id, {})
            for name, value in each.before.items():
                kept.setdefault(name, value)
    ids = list(dict.fromkeys([*created, *updated]))
    rows = (
        (await session.scalars(select(Organisation).where(Organisation.id.in_(ids)))).all()
        if ids
        else []
    )
    shown = await organisations_service.shown(session, rows)
    events: list[Event] = []

    async def add(
        kind: organisation_changes.Kind, first: organisation_changes.Told, data: dict[str, Any]
    ) -> None:
        type = ORGANISATION_EVENTS[kind]
        if type not in wanted:
            return
        told = data | {"actor": await webhook_changes.actor_payload(session, first.actor)}
        outside = told | {
            "organisation": {k: v for k, v in told["organisation"].items() if k != "notes"}
        }
        if "diff" in told:
            outside["diff"] = {k: v for k, v in told["diff"].items() if k != "notes"}
        internal = type is WebhookEvent.organisation_updated and not outside["diff"]
        events.append(Event(type, told, internal=internal, outside=outside))

    for organisation_id in created:
        if organisation_id in shown:
            first = next(
                e for e in said if e.organisation_id == organisation_id and e.kind is kinds.created
            )
            await add(kinds.created, first, {"organisation": shown[organisation_id]})
    for organisation_id, first in updated.items():
        if organisation_id in created or organisation_id not in shown:
            continue
        now = shown[organisation_id]
        diff = {
            name: {"from": before[organisation_id][name], "to": now[name]}
            for name in organisation_changes.FIELDS
            if name in before[organisation_id] and before[organisation_id][name] != now[name]
        }
        if diff:
            await add(kinds.updated, first, {"organisation": now, "diff": diff})
    for gone in deleted.values():
        await add(kinds.deleted, gone, {"organisation": gone.before})
    return events


async def _time_event(session: AsyncSession, data: Mapping[str, Any]) -> Event | None:
    """`time_entry.*`: the entry as the desks heard it (a deleted one: as it was), with the
    ticket's total. None on a spam ticket, which receivers hear nothing of (its entries, from
    before it was marked, are still deleted or changed). The entry's note is the agent's, for
    agents: only the subscriptions that include internal notes get it."""
    ticket = await session.get(Ticket, int(data["ticket_id"]))
    if ticket is None or ticket.state is TicketState.spam:
        return None
    actor = ticket_changes.ChangeActor(
        ticket_changes.ActorKind.agent, user_id=int(data["by"]["id"])
    )
    told = {
        "time_entry": dict(data["entry"]),
        "ticket_id": data["ticket_id"],
        "time_spent_minutes": data["time_spent_minutes"],
        "actor": await webhook_changes.actor_payload(session, actor),
    }
    outside = told | {"time_entry": {k: v for k, v in data["entry"].items() if k != "note"}}
    return Event(WebhookEvent(f"time_entry.{data['change']}"), told, outside=outside)


async def _checklist_event(session: AsyncSession, data: Mapping[str, Any]) -> Event | None:
    """`ticket.checklist_updated`: the item changed as the desks heard it (a deleted one: as it
    was), the change and the ticket's counts after it. None on a spam ticket, as for time. The
    item's text is the agents', for agents: only the subscriptions that include internal notes
    get it."""
    ticket = await session.get(Ticket, int(data["ticket_id"]))
    if ticket is None or ticket.state is TicketState.spam:
        return None
    actor = ticket_changes.ChangeActor(
        ticket_changes.ActorKind.agent, user_id=int(data["by"]["id"])
    )
    told = {
        "ticket_id": data["ticket_id"],
        "change": data["change"],
        "item": dict(data["item"]),
        "checklist": {"done": data["done"], "total": data["total"]},
        "actor": await webhook_changes.actor_payload(session, actor),
    }
    outside = told | {"item": {k: v for k, v in data["item"].items() if k != "text"}}
    return Event(WebhookEvent.ticket_checklist_updated, told, outside=outside)


async def _link_events(
    session: AsyncSession, links: list[Mapping[str, Any]], tickets: Mapping[int, dict[str, Any]]
) -> list[Event]:
    """`ticket.linked` and `ticket.unlinked`, one for each end (each is a conversation of its
    own): the ticket as other ticket events carry it, the other end by id and number only (its
    subject, customer and inbox are another conversation's, which a receiver of this one's
    need not read), and who. None for a spam end (as for its checklist) or one deleted in the
    same transaction; the other end's is still told."""
    if not links:
        return []
    others = await tickets_service.get_tickets_by_id(
        session, ticket_ids={int(data["other_ticket_id"]) for data in links}
    )
    events: list[Event] = []
    for data in links:
        ticket = tickets.get(int(data["ticket_id"]))
        other = others.get(int(data["other_ticket_id"]))
        if ticket is None or ticket["state"] == SPAM:
            continue
        actor = ticket_changes.ChangeActor(
            ticket_changes.ActorKind.agent, user_id=int(data["by"]["id"])
        )
        told = {
            "ticket": ticket,
            "other_ticket": {
                "id": int(data["other_ticket_id"]),
                "number": other.number if other is not None else None,
            },
            "actor": await webhook_changes.actor_payload(session, actor),
        }
        events.append(Event(WebhookEvent(f"ticket.{data['change']}"), told))
    return events


async def _tickets(session: AsyncSession, ids: list[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    rows = [ticket for ticket in [await session.get(Ticket, i) for i in ids] if ticket]
    labels = await tickets_service.labels_of(session, ticket_ids=[t.id for t in rows])
    customer_ids = [t.customer_id for t in rows]
    names = await customers_service.names_by_id(session, customer_ids=customer_ids)
    addresses = await mail_outbound.addresses_by_ticket(session, tickets=rows)
    newest = await staleness.last_public_entries(session, ticket_ids=[t.id for t in rows])
    fields = await field_values.values_of(
        session, object=FieldObject.ticket, ids=[t.id for t in rows]
    )
    spent = await time_service.totals(session, ticket_ids=[t.id for t in rows])
    progress = await checklists_service.progress_of(session, ticket_ids=[t.id for t in rows])
    statuses = await statuses_service.refs_of(session, status_ids=[t.status_id for t in rows])
    return {
        ticket.id: TicketRead.model_validate(ticket)
        .model_copy(
            update={
                "labels": [LabelRead.model_validate(label) for label in labels[ticket.id]],
                "status": statuses.get(ticket.status_id) if ticket.status_id else None,
                "customer_name": names.get(ticket.customer_id, ""),
                "customer_email": addresses.primary.get(ticket.customer_id),
                "reply_address": addresses.recipient.get(ticket.id),
                "last_public_entry_id": newest.get(ticket.id),
                "fields": fields[ticket.id],
                "time_spent_minutes": spent[ticket.id],
                "checklist": None
                if ticket.id not in progress
                else ChecklistProgress(
                    done=progress[ticket.id].done, total=progress[ticket.id].total
                ),
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
