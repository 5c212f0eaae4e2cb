"""Customer data rights, admins only: export everything about a customer, erase it (or an
address that no customer has), and the record each erasure leaves. docs/privacy.md says what
goes and what stays."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Sequence

from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from frontdesk.audit import service as audit
from frontdesk.chats.models import Chat, Visitor
from frontdesk.customers import service as customers_service
from frontdesk.customers.models import ContactKind, Customer
from frontdesk.db.context import SETTINGS_KEY, settings_of
from frontdesk.db.reading import read
from frontdesk.db.session import after_commit
from frontdesk.db.sqlite import InlineConnection
from frontdesk.errors import Conflict, Forbidden, Invalid, NotFound
from frontdesk.files.store import file_store
from frontdesk.privacy import deletion, others
from frontdesk.privacy.archive import write_archive
from frontdesk.privacy.files import delete_queued_files
from frontdesk.privacy.models import Erasure, ErasureKind
from frontdesk.privacy.scope import CustomerScope, address_scope, customer_scope
from frontdesk.search import schema as search_schema
from frontdesk.users.models import User

logger = logging.getLogger(__name__)


def require_admin(user: User) -> None:
    if not user.is_admin:
        raise Forbidden("Only owners and admins can export or erase a customer's data.")


async def _customer(session: AsyncSession, customer_id: int) -> Customer:
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("No such customer.")
    if customer.merged_into_id is not None:
        # Its data lives with the customer it was merged into: act on that one.
        raise NotFound(
            f"This customer was merged into customer {customer.merged_into_id}; use that one."
        )
    return customer


async def export_customer(session: AsyncSession, *, user: User, customer_id: int, path: str) -> str:
    """Writes the customer's archive (privacy/archive.py) to the file at `path`; returns the
    name to download it as. Written by the reading process (db/reading.py): a customer's files
    and mail can be hundreds of megabytes to read and compress."""
    require_admin(user)
    customer = await _customer(session, customer_id)
    await read(session, _write_export, customer.id, path)
    audit.record(session, action="customer.exported", target=customer)
    return f"customer-{customer.id}-export.zip"


async def _write_export(session: AsyncSession, customer_id: int, path: str) -> None:
    customer = await _customer(session, customer_id)
    scope = await customer_scope(session, customer=customer)
    store = file_store(settings_of(session))
    with open(path, "wb") as out:  # noqa: ASYNC230  (the reading process: nothing else waits)
        await write_archive(session, scope=scope, store=store, out=out)


def confirmation_of(customer: Customer, emails: Sequence[str]) -> str:
    """What the admin must type: an address of the customer's, or their name when they have none,
    or their number when they have neither."""
    if emails:
        return "email"
    return "name" if customer.name.strip() else "id"


def _confirmed(customer: Customer, emails: Sequence[str], typed: str) -> bool:
    typed = typed.strip()
    kind = confirmation_of(customer, emails)
    if kind == "email":
        return customers_service.normalize_contact(ContactKind.email, typed) in emails
    if kind == "name":
        return typed.casefold() == customer.name.strip().casefold()
    return typed == str(customer.id)


def _refuse_live_chats(scope: CustomerScope) -> None:
    if scope.live_chat_ids:
        raise Conflict(
            "This customer has a chat in progress. End the chat, then erase the customer.",
            code="chat_in_progress",
        )


async def erase_customer(
    session: AsyncSession, *, user: User, customer_id: int, confirmation: str
) -> Erasure:
    require_admin(user)
    customer = await _customer(session, customer_id)
    # The row lock keeps a concurrent merge, edit or second erasure out until this commits.
    await session.execute(select(Customer.id).where(Customer.id == customer.id).with_for_update())
    scope = await customer_scope(session, customer=customer)
    if not _confirmed(customer, scope.emails, confirmation):
        what = {"email": "one of the customer's email addresses", "name": "the customer's name"}
        raise Invalid(
            "confirm",
            f"Type {what.get(confirmation_of(customer, scope.emails), 'the customer number')} "
            "to confirm the erasure.",
        )
    _refuse_live_chats(scope)
    return await _erase(session, user=user, scope=scope)


async def erase_address(session: AsyncSession, *, user: User, email: str) -> Erasure:
    """Erases whoever has this address: its customer if there is one, and in any case what the
    address left without a customer (a visitor who only typed it, mail that was refused)."""
    require_admin(user)
    address = customers_service.normalize_contact(ContactKind.email, email)
    customer = await customers_service.find_by_email(session, email=address)
    if customer is not None and customer.merged_into_id is None:
        scope = await customer_scope(session, customer=customer)
    else:
        scope = await address_scope(session, email=address)
    _refuse_live_chats(scope)
    return await _erase(session, user=user, scope=scope)


async def _erase(session: AsyncSession, *, user: User, scope: CustomerScope) -> Erasure:
    counts: Counter[str] = Counter()
    # What other customers' conversations lent to theirs goes back first: only this person's
    # data is erased.
    counts += await others.give_back(session, scope=scope)
    counts += await deletion.delete_conversations(
        session,
        ticket_ids=scope.ticket_ids,
        chat_ids=scope.chat_ids,
        # All their messages, not only those elsewhere: the notifications and webhook deliveries
        # that quote one may be about another ticket (the one it was first written to).
        entry_ids=scope.own_entry_ids,
        inbound_ids=scope.inbound_ids,
        outbox_ids=scope.outbox_ids,
    )
    counts["visitors"] += await _erase_visitors(session, visitor_ids=scope.visitor_ids)
    counts["mentions"] += await deletion.scrub_addresses(session, emails=scope.emails)
    if scope.customer_ids:
        await session.execute(
            update(Customer)
            .where(Customer.id.in_(scope.customer_ids))
            .values(merged_into_id=None)
            .execution_options(synchronize_session=False)
        )
        # Contacts, ratings and rating requests go by their cascades.
        result = await session.execute(
            delete(Customer)
            .where(Customer.id.in_(scope.customer_ids))
            .execution_options(synchronize_session=False)
        )
        counts["customers"] += int(result.rowcount or 0)  # type: ignore[attr-defined]
    if settings_of(session).is_sqlite:
        for statement in search_schema.sqlite_forget_deleted():
            await session.execute(text(statement))
    erasure = Erasure(
        kind=ErasureKind.customer,
        actor_id=user.id,
        customer_id=scope.customer_id,
        counts={key: value for key, value in sorted(counts.items()) if value},
    )
    session.add(erasure)
    await session.flush()
    # The entry names the customer by number only: the audit log outlives the erasure.
    audit.record(
        session,
        action="customer.erased",
        target=audit.Target("erasure", erasure.id, f"erasure #{erasure.id}"),
        changes={"customer": scope.customer_id, "counts": erasure.counts},
    )
    _after(session)
    logger.info("erasure %s: customer %s, %s", erasure.id, scope.customer_id, erasure.counts)
    return erasure


async def _erase_visitors(session: AsyncSession, *, visitor_ids: Sequence[int]) -> int:
    """Visitors whose every chat was erased are deleted; one with chats of somebody else (one
    browser, two people) stays, without a name, address or anything else they told us."""
    if not visitor_ids:
        return 0
    shared = set(
        await session.scalars(select(Chat.visitor_id).where(Chat.visitor_id.in_(visitor_ids)))
    )
    if shared:
        await session.execute(
            update(Visitor)
            .where(Visitor.id.in_(shared))
            .values(name="", email=None, attributes={}, page_url=None, page_title=None)
            .execution_options(synchronize_session=False)
        )
    return await deletion.delete_visitors(
        session, visitor_ids=[visitor for visitor in visitor_ids if visitor not in shared]
    )


def _after(session: AsyncSession) -> None:
    """Once the rows are gone for good: the files' bytes, then SQLite's write-ahead log, which
    still holds the deleted pages' old contents until it is checkpointed."""
    settings = settings_of(session)
    engine = session.bind
    if not isinstance(engine, AsyncEngine):  # pragma: no cover  (sessions are bound to one)
        raise TypeError("an erasure's session must be bound to an engine")
    sessionmaker = async_sessionmaker(engine, expire_on_commit=False, info={SETTINGS_KEY: settings})

    async def finish() -> None:
        try:
            while await delete_queued_files(sessionmaker, file_store(settings)):
                pass
        except Exception:
            # Left queued: the next retention pass deletes them (privacy/files.py).
            logger.exception("deleting the erased files' bytes failed; retried later")
        if settings.is_sqlite:
            await truncate_wal(engine)

    after_commit(session, finish)


async def truncate_wal(engine: AsyncEngine, *, tries: int = 20) -> bool:
    """PRAGMA wal_checkpoint(TRUNCATE): copies the log into the database and empties it. Run on
    the raw connection, outside any transaction (a checkpoint cannot run inside one). It answers
    busy at once while another checkpoint runs (the server's own checkpointer thread, every
    second), so it is tried again a few times; with a reader in another process holding the log
    for longer, a later checkpoint truncates it. Returns whether the log was emptied."""
    for attempt in range(tries):
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            if not isinstance(driver, InlineConnection):
                return False
            busy, _log, _done = driver.sqlite.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if not busy:
            return True
        await asyncio.sleep(0.05 * (attempt + 1))
    logger.warning("the SQLite log could not be truncated after an erasure (a reader held it)")
    return False


async def list_erasures(
    session: AsyncSession, *, user: User, limit: int, before: int | None
) -> Sequence[Erasure]:
    require_admin(user)
    statement = select(Erasure).order_by(Erasure.id.desc()).limit(limit)
    if before is not None:
        statement = statement.where(Erasure.id < before)
    return (await session.scalars(statement)).all()
