"""A customer's erasure, step by step: each call of `step` is one short transaction (the
caller's) that does a bounded piece and records how far the erasure got, so that on SQLite
every other write of the desk (chat messages, replies) waits for one piece at most, never for
the whole erasure, and a process that stops between two pieces leaves an erasure the next one
finishes (privacy/timers.py) with the same result. docs/privacy.md says what goes and what
stays; docs/performance.md what a piece costs.

The erasure row holds the progress (`Erasure.progress`: the step, its mark, the addresses to
scrub; `finished_at` NULL while it runs), `erasure_items` what is still to delete. The steps,
in order:

- `entries`: their messages (wherever they are), with the notifications that quote them, the
  webhook deliveries that carry them, their files; `ROWS` a piece;
- `chats`: their chats, `GROUPS` a piece (each chat's events `ROWS` a piece first);
- `tickets`: their tickets, `GROUPS` a piece, each group's thread and mail `ROWS` a piece
  first, then the tickets with what cascades from them; each piece first leaves out a ticket
  that went to another customer meanwhile and gives back what others put on the group since
  (privacy/others.py);
- `mail`: the rest of the mail from and to them, `ROWS` a piece;
- `visitors`: the visitors, `ROWS` a piece;
- `scrub`: their addresses out of other people's rows, each table read `SCRUB_IDS` ids a piece;
- `customers`: everything of theirs looked for again (scope.py `fill`, with their addresses of
  now): anything found sends the erasure back to `entries`, rows written after the scrub read
  their table are scrubbed (or sent back to `scrub`), a chat of theirs in progress makes it
  wait (`WAIT_FOR_CHAT`); else the customer records go, in one piece;
- `search` (SQLite): the search indexes' segments merged `PAGES` pages a piece, until none of
  the deleted words is left in the file (what 'optimize' did in one statement of seconds);
- then it is finished: the addresses are dropped from the progress, the files' bytes deleted
  after the commit.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, insert, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats.models import Chat, ChatEvent, Visitor
from frontdesk.customers import changes as customer_changes
from frontdesk.customers.models import ContactKind, Customer, CustomerContact
from frontdesk.db.context import settings_of
from frontdesk.db.driver import driver_connection
from frontdesk.errors import DatabaseUnavailable
from frontdesk.files.models import StoredFile
from frontdesk.kit.clock import utcnow
from frontdesk.mail.models import InboundMessage, OutboxMessage
from frontdesk.notifications.models import Notification
from frontdesk.privacy import deletion, others
from frontdesk.privacy.models import Erasure, ErasureItem, ErasureKind
from frontdesk.privacy.scope import CustomerScope, chunks, fill, merged_into
from frontdesk.search import schema as search_schema
from frontdesk.spam.models import BlockedSender
from frontdesk.tickets.models import Direction, Ticket, TicketEntry, TicketMove
from frontdesk.webhooks.models import WebhookDelivery

logger = logging.getLogger(__name__)

# Rows a piece deletes (messages, mail, a chat's events, visitors): a few ms each on SQLite.
ROWS = 2000
# Tickets or chats a piece deletes with what cascades from them, once their threads are gone.
GROUPS = 20
# Ids of a table a piece of the address scrub reads (a `LIKE` on each row's text).
SCRUB_IDS = 5000
# Pages of a search index a piece of the final merge writes (FTS5 'merge').
PAGES = 200

# Set by the re-check on a chat of theirs in progress: the erasure stops here, unfinished.
WAIT_FOR_CHAT = "wait_for_chat"

STEPS = ("entries", "chats", "tickets", "mail", "visitors", "scrub", "customers", "search")
KINDS = {
    "entry": "own_entry_ids",
    "chat": "chat_ids",
    "ticket": "ticket_ids",
    "inbound": "inbound_ids",
    "outbox": "outbox_ids",
    "visitor": "visitor_ids",
}


async def start(
    session: AsyncSession,
    *,
    actor_id: int | None,
    scope: CustomerScope,
    counts: Counter[str],
    owners: dict[str, int],
) -> Erasure:
    """The erasure's row and its list of what to delete, in the transaction that found them
    (the customer's row locked, and those of `owners`, the records that hold a chat ticket of
    theirs: service.py `_lock_records`): the pieces run after it commits."""
    erasure = Erasure(
        kind=ErasureKind.customer,
        actor_id=actor_id,
        customer_id=scope.customer_id,
        counts=dict(counts),
        progress={
            "step": STEPS[0],
            "emails": list(scope.emails),
            "customers": list(scope.customer_ids),
            # The tickets of theirs that another customer record holds (a chat under their
            # address, scope.py `_claimed`): theirs to erase while that record still has them.
            "owners": owners,
            # A fresh erasure is not one a process stopped in (`service.finish_stopped`).
            "at": utcnow().isoformat(),
        },
    )
    session.add(erasure)
    await session.flush()
    for kind, attribute in KINDS.items():
        await add_items(session, erasure.id, kind, getattr(scope, attribute))
    return erasure


# How many times an erasure's start takes its records' locks again, each time with the records
# that took one of the tickets meanwhile (`lock_holders`), before it gives up with a 503.
LOCK_ROUNDS = 5


async def holders(session: AsyncSession, ticket_ids: Sequence[int]) -> set[int]:
    """The customer records that hold these tickets now (read without a lock)."""
    found: set[int] = set()
    for part in chunks(sorted(ticket_ids)):
        found.update(await session.scalars(select(Ticket.customer_id).where(Ticket.id.in_(part))))
    return found


async def owners_of(session: AsyncSession, ticket_ids: Sequence[int]) -> dict[str, int]:
    """Who holds each ticket now, read as it is (`lock_holders` reads it under the locks)."""
    owners: dict[str, int] = {}
    for part in chunks(sorted(ticket_ids)):
        owners.update(
            (str(ticket), customer)
            for ticket, customer in (
                await session.execute(
                    select(Ticket.id, Ticket.customer_id).where(Ticket.id.in_(part))
                )
            ).all()
        )
    return owners


async def lock_customers(session: AsyncSession, ids: Collection[int]) -> None:
    """Locks these customer records as a merge does (`FOR NO KEY UPDATE`, customers/service.py
    `_ensure_not_being_erased`), in ascending id order: a statement per `chunks` of ids (one
    statement takes at most 32,767 parameters on PostgreSQL), the chunks in ascending order,
    so the whole set is still taken in id order."""
    for part in chunks(sorted(ids)):
        await session.execute(
            select(Customer.id)
            .where(Customer.id.in_(part))
            .order_by(Customer.id)
            .with_for_update(key_share=True)
        )


async def lock_holders(
    session: AsyncSession, ticket_ids: Sequence[int], records: Collection[int] = ()
) -> dict[str, int]:
    """Locks `records` (the erased customer's) and the records that hold these tickets, all in
    id order (an erasure's start does so before anything else, service.py `_lock_records`), and
    answers who holds each ticket as read under those locks (a merge of one of them waits, then
    is refused, customers/service.py `_ensure_not_being_erased`).

    The holders are first read without a lock; a merge that commits before the locks are granted
    may have moved a ticket to a record not in the set. That record is not locked after the
    others (out of id order, a merge holding it and waiting for one of them would deadlock with
    us): the locks are taken in a savepoint, which is rolled back (PostgreSQL then lets go of
    the row locks taken in it) and the whole set, with the newcomers, locked again in id order.
    Each round needs another merge to have committed meanwhile; after `LOCK_ROUNDS` of them the
    request fails as a deadlock would (a 503, rolled back whole: sending it again is safe)."""
    wanted = set(records) | await holders(session, ticket_ids)
    for _round in range(LOCK_ROUNDS):
        savepoint = await session.begin_nested()
        await lock_customers(session, wanted)
        owners = await owners_of(session, ticket_ids)
        late = set(owners.values()) - wanted
        if not late:
            await savepoint.commit()
            return owners
        await savepoint.rollback()
        wanted |= late
    logger.warning(
        "the records holding %s tickets kept changing while an erasure locked them",
        len(ticket_ids),
    )
    raise DatabaseUnavailable()


async def add_items(session: AsyncSession, erasure_id: int, kind: str, ids: Sequence[int]) -> None:
    known = set(
        await session.scalars(
            select(ErasureItem.item_id).where(
                ErasureItem.erasure_id == erasure_id, ErasureItem.kind == kind
            )
        )
    )
    rows = [
        {"erasure_id": erasure_id, "kind": kind, "item_id": item}
        for item in sorted(set(ids) - known)
    ]
    for start_at in range(0, len(rows), 1000):
        await session.execute(insert(ErasureItem), rows[start_at : start_at + 1000])


async def _next(session: AsyncSession, erasure_id: int, kind: str, limit: int) -> list[int]:
    return list(
        await session.scalars(
            select(ErasureItem.item_id)
            .where(ErasureItem.erasure_id == erasure_id, ErasureItem.kind == kind)
            .order_by(ErasureItem.item_id)
            .limit(limit)
        )
    )


async def _done(session: AsyncSession, erasure_id: int, kind: str, ids: Sequence[int]) -> None:
    await session.execute(
        delete(ErasureItem).where(
            ErasureItem.erasure_id == erasure_id,
            ErasureItem.kind == kind,
            ErasureItem.item_id.in_(list(ids)),
        )
    )


async def _delete_ids(session: AsyncSession, model: Any, ids: Sequence[int]) -> int:
    return await deletion.delete_ids(session, model, model.id, sorted(set(ids)))


async def _first_rows(session: AsyncSession, column: Any, ids: Sequence[int]) -> list[int]:
    """Up to `ROWS` ids of the rows whose `column` is one of `ids` (their table's id)."""
    table_id = column.class_.id
    return list(
        await session.scalars(
            select(table_id).where(column.in_(list(ids))).order_by(table_id).limit(ROWS)
        )
    )


async def step(session: AsyncSession, erasure_id: int) -> bool:
    """One piece of the erasure; whether more remain. The erasure's row is locked first: two
    processes working at one erasure take turns, each doing the next piece."""
    erasure = await session.scalar(
        select(Erasure)
        .where(Erasure.id == erasure_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if erasure is None or erasure.finished_at is not None or erasure.progress is None:
        return False
    progress = dict(erasure.progress)
    counts: Counter[str] = Counter(erasure.counts or {})
    name = progress["step"]
    if name == "entries":
        finished = await _entries(session, erasure.id, counts)
    elif name == "chats":
        finished = await _chats(session, erasure.id, counts)
    elif name == "tickets":
        finished = await _tickets(session, erasure, progress, counts)
    elif name == "mail":
        finished = await _mail(session, erasure.id, counts)
    elif name == "visitors":
        finished = await _visitors(session, erasure.id, counts)
    elif name == "scrub":
        finished = await _scrub(session, progress, counts)
    elif name == "customers":
        finished = await _customers(session, erasure, progress, counts)
    else:
        finished = await _search(session, progress)
    if progress.pop(WAIT_FOR_CHAT, False):
        # Taken up again by the loop (privacy/timers.py) once no piece was done for a while.
        progress["at"] = utcnow().isoformat()
        erasure.progress = progress
        erasure.counts = dict(counts)
        await session.flush()
        return False
    # `_customers` may have sent the erasure back to an earlier step: it goes on from there.
    if finished and progress["step"] == name:
        later = STEPS[STEPS.index(name) + 1 :]
        if not settings_of(session).is_sqlite:
            later = tuple(each for each in later if each != "search")
        if later:
            progress = {**_kept(progress), "step": later[0]}
        else:
            _finish(erasure, counts)
            await session.flush()
            return False
    progress["at"] = utcnow().isoformat()
    erasure.progress = progress
    erasure.counts = dict(counts)
    await session.flush()
    return True


def _kept(progress: dict[str, Any]) -> dict[str, Any]:
    """What every step needs; a step's own mark is dropped as the next one starts."""
    keys = ("emails", "customers", "owners", "since", "scrubbed")
    return {key: progress[key] for key in keys if key in progress}


def _finish(erasure: Erasure, counts: Counter[str]) -> None:
    erasure.finished_at = utcnow()
    # The addresses go: the record names no one.
    erasure.progress = None
    erasure.counts = {key: value for key, value in sorted(counts.items()) if value}
    logger.info("erasure %s: customer %s, %s", erasure.id, erasure.customer_id, erasure.counts)


async def _entries(session: AsyncSession, erasure_id: int, counts: Counter[str]) -> bool:
    """Their messages, wherever they are: with the notifications that quote them (and those
    notifications' mail), the webhook deliveries that carry them, the files sent with them."""
    ids = await _next(session, erasure_id, "entry", ROWS)
    if not ids:
        return True
    traces = await deletion.entry_traces(session, ids, ())
    counts["files"] += await deletion.queue_stored(session, traces.file_ids)
    await _delete_ids(session, StoredFile, traces.file_ids)
    await _delete_ids(session, WebhookDelivery, traces.delivery_ids)
    counts["mails_sent"] += await _delete_ids(
        session, OutboxMessage, await deletion.notification_mail(session, traces.notices)
    )
    await _delete_ids(session, Notification, sorted(traces.notices))
    counts["entries"] += await _delete_ids(session, TicketEntry, ids)
    await _done(session, erasure_id, "entry", ids)
    return False


async def _chats(session: AsyncSession, erasure_id: int, counts: Counter[str]) -> bool:
    ids = await _next(session, erasure_id, "chat", GROUPS)
    if not ids:
        return True
    # A long chat's events go a bounded number a piece before the chats themselves.
    events = await _first_rows(session, ChatEvent.chat_id, ids)
    if events:
        await _delete_ids(session, ChatEvent, events)
        return False
    files, notices = await deletion.let_go(session, ticket_ids=(), chat_ids=ids, reason="erasure")
    counts["files"] += files
    counts["mails_sent"] += await _delete_ids(
        session, OutboxMessage, await deletion.notification_mail(session, notices)
    )
    counts["chats"] += await _delete_ids(session, Chat, ids)
    await _done(session, erasure_id, "chat", ids)
    return False


async def _customer_ids(
    session: AsyncSession, erasure: Erasure, progress: dict[str, Any]
) -> list[int]:
    """The customer and the records merged into it now (one merged in meanwhile included)."""
    customer_ids = [int(each) for each in progress.get("customers") or []]
    if erasure.customer_id is not None:
        customer_ids = sorted({*customer_ids, *await merged_into(session, erasure.customer_id)})
    return customer_ids


async def _still_theirs(
    session: AsyncSession,
    erasure: Erasure,
    progress: dict[str, Any],
    customer_ids: Sequence[int],
    ids: Sequence[int],
) -> list[int]:
    """Of the listed tickets, those still of the customer (or of the record that held it when
    the erasure started): one that went to another customer meanwhile (a customers' merge) is
    theirs now, left alone and struck off the list."""
    owners = {int(key): value for key, value in (progress.get("owners") or {}).items()}
    mine = set(customer_ids)
    now: dict[int, int] = dict(
        (
            await session.execute(select(Ticket.id, Ticket.customer_id).where(Ticket.id.in_(ids)))
        ).all()
    )
    gone = [
        ticket
        for ticket, customer in now.items()
        if customer not in mine and customer != owners.get(ticket)
    ]
    if gone:
        logger.info("erasure %s: tickets %s went to another customer, left", erasure.id, gone)
        await _done(session, erasure.id, "ticket", gone)
    # Those deleted meanwhile (merged and deleted, retention) are done too.
    missing = [ticket for ticket in ids if ticket not in now]
    if missing:
        await _done(session, erasure.id, "ticket", missing)
    return [ticket for ticket in ids if ticket in now and ticket not in gone]


async def _group_marks(session: AsyncSession, ids: Sequence[int]) -> list[int]:
    """What changes when something is put on these tickets: their newest entry (a reply, a
    note; the pieces delete the oldest first) and their newest merge in (which moves older
    entries in). Two indexed reads: the give-back, which reads every entry of the group, runs
    again only when these changed, not at each of the group's pieces."""
    newest = await session.scalar(
        select(func.max(TicketEntry.id)).where(TicketEntry.ticket_id.in_(ids))
    )
    merged = await session.scalar(
        select(func.max(TicketMove.id)).where(TicketMove.target_ticket_id.in_(ids))
    )
    return [int(newest or 0), int(merged or 0)]


async def _give_back(
    session: AsyncSession,
    erasure: Erasure,
    progress: dict[str, Any],
    customer_ids: Sequence[int],
    ids: Sequence[int],
    counts: Counter[str],
) -> None:
    """What another customer put on these tickets since the erasure started (a ticket of theirs
    merged in, a reply from them), given back as the start gave back what was there then
    (privacy/others.py), in the transaction that deletes: nothing of theirs goes with them."""
    emails = list(progress.get("emails") or [])
    own_match: list[ColumnElement[bool]] = [TicketEntry.author_customer_id.in_(list(customer_ids))]
    if emails:
        own_match.append(
            and_(TicketEntry.sender.in_(emails), TicketEntry.direction == Direction.inbound)
        )
    own = list(
        await session.scalars(
            select(TicketEntry.id).where(TicketEntry.ticket_id.in_(ids), or_(*own_match))
        )
    )
    group = CustomerScope(
        customer_id=erasure.customer_id,
        customer_ids=list(customer_ids),
        emails=emails,
        ticket_ids=list(ids),
        own_entry_ids=own,
    )
    counts.update(await others.give_back(session, scope=group))


async def _tickets(
    session: AsyncSession, erasure: Erasure, progress: dict[str, Any], counts: Counter[str]
) -> bool:
    erasure_id = erasure.id
    listed = await _next(session, erasure_id, "ticket", GROUPS)
    if not listed:
        return True
    customer_ids = await _customer_ids(session, erasure, progress)
    ids = await _still_theirs(session, erasure, progress, customer_ids, listed)
    if not ids:
        return False
    marks = await _group_marks(session, ids)
    given = progress.get("given") or {}
    if given.get("tickets") != list(ids) or given.get("marks") != marks:
        await _give_back(session, erasure, progress, customer_ids, ids, counts)
        # Read again: giving back moves entries out and may write an event entry.
        progress["given"] = {"tickets": list(ids), "marks": await _group_marks(session, ids)}
    # A ticket's thread and mail may be thousands of rows: a bounded number a piece first.
    entries = await _first_rows(session, TicketEntry.ticket_id, ids)
    if entries:
        await _delete_ids(session, TicketEntry, entries)
        return False
    for model, key in ((InboundMessage, "mails_received"), (OutboxMessage, "mails_sent")):
        mail = await _first_rows(session, model.ticket_id, ids)
        if mail:
            counts[key] += await _delete_ids(session, model, mail)
            return False
    files, notices = await deletion.let_go(session, ticket_ids=ids, chat_ids=(), reason="erasure")
    counts["files"] += files
    counts["mails_sent"] += await _delete_ids(
        session, OutboxMessage, await deletion.notification_mail(session, notices)
    )
    # Their labels, followers, SLA timers, rule runs, moves, ratings, notifications and webhook
    # deliveries go by the foreign keys' cascades.
    counts["tickets"] += await _delete_ids(session, Ticket, ids)
    await _done(session, erasure_id, "ticket", ids)
    return False


async def _mail(session: AsyncSession, erasure_id: int, counts: Counter[str]) -> bool:
    for kind, model, key in (
        ("inbound", InboundMessage, "mails_received"),
        ("outbox", OutboxMessage, "mails_sent"),
    ):
        ids = await _next(session, erasure_id, kind, ROWS)
        if ids:
            counts[key] += await _delete_ids(session, model, ids)
            await _done(session, erasure_id, kind, ids)
            return False
    return True


async def _visitors(session: AsyncSession, erasure_id: int, counts: Counter[str]) -> bool:
    """Visitors whose every chat was erased are deleted; one with chats of somebody else (one
    browser, two people) stays, without a name, address or anything else they told us."""
    ids = await _next(session, erasure_id, "visitor", ROWS)
    if not ids:
        return True
    shared = set(await session.scalars(select(Chat.visitor_id).where(Chat.visitor_id.in_(ids))))
    if shared:
        await session.execute(
            update(Visitor)
            .where(Visitor.id.in_(sorted(shared)))
            .values(name="", email=None, attributes={}, page_url=None, page_title=None)
            .execution_options(synchronize_session=False)
        )
    counts["visitors"] += await deletion.delete_visitors(
        session, visitor_ids=[visitor for visitor in ids if visitor not in shared]
    )
    await _done(session, erasure_id, "visitor", ids)
    return False


async def _scrub(session: AsyncSession, progress: dict[str, Any], counts: Counter[str]) -> bool:
    """`SCRUB_IDS` ids of one table of `deletion.SCRUBBED` read for their addresses; the mark is
    (table, last id read). Where each table was read up to is kept (`scrubbed`): the final
    re-check reads the rows written after it (`_customers`). Sent back by the re-check, a table
    starts where it was read up to (`since`)."""
    emails = list(progress.get("emails") or [])
    since = {int(key): value for key, value in (progress.get("since") or {}).items()}
    scrubbed = dict(progress.get("scrubbed") or {})
    target = int(progress.get("target", 0))
    after = int(progress.get("after", since.get(target, 0)))
    if not emails:
        return True
    while target < len(deletion.SCRUBBED):
        model, id_column, column = deletion.SCRUBBED[target]
        top = int(await session.scalar(select(func.max(id_column))) or 0)
        if after < top:
            counts["mentions"] += await deletion.scrub_range(
                session,
                emails=emails,
                target=(model, id_column, column),
                after=after,
                upto=after + SCRUB_IDS,
            )
            progress["target"], progress["after"] = target, after + SCRUB_IDS
            return False
        # Up to the newest row there was: ids above it (read while there were none) may
        # come later.
        scrubbed[str(target)] = top
        progress["scrubbed"] = scrubbed
        target += 1
        after = int(since.get(target, 0))
    await deletion.scrub_senders(session, emails=emails)
    return True


async def _now_theirs(
    session: AsyncSession, erasure: Erasure, progress: dict[str, Any]
) -> CustomerScope:
    """Everything of theirs there is now, found as the start found it (scope.py): with the
    addresses their records have now (one added or merged in meanwhile), and, erasing an
    address no customer had, the customer made from it meanwhile (a mail from it)."""
    customer_ids = await _customer_ids(session, erasure, progress)
    emails = set(progress.get("emails") or [])
    if erasure.customer_id is None and emails:
        for holder in await session.scalars(
            select(CustomerContact.customer_id).where(
                CustomerContact.kind == ContactKind.email,
                CustomerContact.value.in_(sorted(emails)),
            )
        ):
            root = await _root(session, holder)
            customer_ids = sorted({*customer_ids, *await merged_into(session, root)})
    if customer_ids:
        emails |= set(
            await session.scalars(
                select(CustomerContact.value).where(
                    CustomerContact.customer_id.in_(customer_ids),
                    CustomerContact.kind == ContactKind.email,
                )
            )
        )
    found = CustomerScope(
        customer_id=erasure.customer_id, customer_ids=customer_ids, emails=sorted(emails)
    )
    await fill(session, found)
    return found


async def _root(session: AsyncSession, customer_id: int) -> int:
    """The record a customer was merged into, along `merged_into_id`."""
    seen = {customer_id}
    while True:
        onward = await session.scalar(
            select(Customer.merged_into_id).where(Customer.id == customer_id)
        )
        if onward is None or onward in seen:
            return customer_id
        seen.add(onward)
        customer_id = onward


async def _written_since(session: AsyncSession, progress: dict[str, Any]) -> dict[int, int]:
    """Per table of the address scrub, the newest id when it is newer than the scrub read:
    rows written after the scrub passed that table."""
    scrubbed = {int(key): int(value) for key, value in (progress.get("scrubbed") or {}).items()}
    newer: dict[int, int] = {}
    if not progress.get("emails"):
        return newer
    for target, (_model, id_column, _column) in enumerate(deletion.SCRUBBED):
        top = int(await session.scalar(select(func.max(id_column))) or 0)
        if top > scrubbed.get(target, 0):
            newer[target] = top
    return newer


async def _customers(
    session: AsyncSession, erasure: Erasure, progress: dict[str, Any], counts: Counter[str]
) -> bool:
    """The re-check, in the transaction that deletes their records: anything of theirs that
    arrived while the erasure ran (a mail, refused or not, a visitor who gave the address, mail
    to them, an address or a record merged into theirs) sends the erasure back to its first
    step with what it found, the address scrub included; rows others wrote after the scrub read
    their table are scrubbed here when they are few, else the scrub goes over them again. A
    chat of theirs going on now is not deleted under the visitor: the erasure waits for it to
    end (`WAIT_FOR_CHAT`). Else their records go."""
    found = await _now_theirs(session, erasure, progress)
    customer_ids, emails = found.customer_ids, found.emails
    if found.live_chat_ids:
        logger.info("erasure %s: waits for a chat in progress to end", erasure.id)
        progress[WAIT_FOR_CHAT] = True
        return False
    new_emails = sorted(set(emails) - set(progress.get("emails") or []))
    if (
        found.ticket_ids
        or found.chat_ids
        or found.own_entry_ids
        or found.inbound_ids
        or found.outbox_ids
        or found.visitor_ids
        or new_emails
    ):
        for kind, attribute in KINDS.items():
            await add_items(session, erasure.id, kind, getattr(found, attribute))
        # The scrub starts again where it was for the same addresses; from the start for new ones.
        since = {} if new_emails else dict(progress.get("scrubbed") or {})
        owners = dict(progress.get("owners") or {})
        owners.update(await lock_holders(session, found.unverified_ticket_ids))
        progress.clear()
        progress.update(
            step=STEPS[0], emails=emails, customers=customer_ids, owners=owners, since=since
        )
        return False
    newer = await _written_since(session, progress)
    scrubbed = {int(key): int(value) for key, value in (progress.get("scrubbed") or {}).items()}
    if sum(top - scrubbed.get(target, 0) for target, top in newer.items()) > SCRUB_IDS:
        kept = _kept(progress)
        progress.clear()
        progress.update(kept, step="scrub", since=dict(kept.get("scrubbed") or {}))
        return False
    for target, top in newer.items():
        counts["mentions"] += await deletion.scrub_range(
            session,
            emails=emails,
            target=deletion.SCRUBBED[target],
            after=scrubbed.get(target, 0),
            upto=top,
        )
    # A ticket written meanwhile may have been given their address in its Cc (a reply that
    # copied them): rows changed in place, which the ids above do not show.
    counts["mentions"] += await deletion.scrub_where(
        session,
        emails=emails,
        target=(Ticket, Ticket.id, Ticket.cc),
        where=Ticket.updated_at >= erasure.at,
    )
    if newer:
        await deletion.scrub_senders(session, emails=emails)
    for part in chunks(customer_ids):
        await session.execute(
            update(Customer)
            .where(Customer.id.in_(part))
            .values(merged_into_id=None)
            .execution_options(synchronize_session=False)
        )
    # Their addresses leave the blocked senders list too (docs/privacy.md): kept, the list would
    # still hold them. The audit entries that blocked them name them by number only.
    # A person's addresses are a handful: one statement.
    blocked = await session.execute(
        delete(BlockedSender)
        .where(BlockedSender.pattern.in_(sorted(emails)))
        .execution_options(synchronize_session=False)
    )
    counts["blocked_senders"] += blocked.rowcount  # type: ignore[attr-defined]
    # Contacts, ratings and rating requests go by their cascades.
    deleted = await deletion.delete_ids(session, Customer, Customer.id, customer_ids)
    customer_changes.deleted(session, customer_ids=customer_ids, reason="erasure")
    counts["customers"] += deleted
    return True


async def _search(session: AsyncSession, progress: dict[str, Any]) -> bool:
    """FTS5 deletes by writing a tombstone and keeps the deleted rows' words in its older
    segments until they are merged. A 'merge' with a negative page count puts every segment of
    the index on one level and starts merging them all; each next one (positive: new segments
    written meanwhile do not restart it) goes on for `PAGES` pages, and one that changes almost
    nothing says the merge is over: the index is then as 'optimize' leaves it, without the
    erased words (docs/privacy.md)."""
    index = int(progress.get("index", 0))
    if index >= len(search_schema.INDEXED):
        return True
    name = search_schema.INDEXED[index].index
    merging = bool(progress.get("merging"))
    await session.flush()  # nothing else counted in the changes below
    sqlite = (await driver_connection(session)).sqlite
    before = sqlite.total_changes
    pages = PAGES if merging else -PAGES
    await session.execute(text(f"INSERT INTO {name}({name}, rank) VALUES('merge', {pages})"))
    if merging and sqlite.total_changes - before < 2:
        progress["index"], progress["merging"] = index + 1, False
    else:
        progress["index"], progress["merging"] = index, True
    return False
