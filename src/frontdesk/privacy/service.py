"""Customer data rights, admins only: export everything about a customer, erase it (or an
address that no customer has), and the record each erasure leaves. docs/privacy.md says what
goes and what stays."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from frontdesk.audit import service as audit
from frontdesk.customers import service as customers_service
from frontdesk.customers.models import ContactKind, Customer
from frontdesk.db.context import SETTINGS_KEY, settings_of
from frontdesk.db.reading import read
from frontdesk.db.session import after_commit, release_before_waiting, unit_of_work
from frontdesk.db.sqlite import InlineConnection
from frontdesk.errors import Conflict, Forbidden, Invalid, NotFound
from frontdesk.files.store import file_store
from frontdesk.kit.clock import utcnow
from frontdesk.portal import service as portal_service
from frontdesk.privacy import erasing, others
from frontdesk.privacy.archive import write_archive
from frontdesk.privacy.files import delete_queued_files
from frontdesk.privacy.models import Erasure
from frontdesk.privacy.scope import CustomerScope, address_scope, customer_scope
from frontdesk.users.models import User

logger = logging.getLogger(__name__)

# PostgreSQL advisory lock class of the erasures of an address (its hash is the other key).
ADDRESS_LOCK = 0x45524153


def require_admin(user: User) -> None:
    if not user.is_admin:
        raise Forbidden("Only owners and admins can export or erase a customer's data.")


async def _customer(session: AsyncSession, customer_id: int, *, fresh: bool = False) -> Customer:
    """`fresh`: read again from the database, not taken from the session (after a lock)."""
    customer = await session.get(Customer, customer_id, populate_existing=fresh)
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


async def scope_of(
    session: AsyncSession, customer_id: int | None, address: str | None
) -> CustomerScope:
    """Everything about the customer (or an address no customer has), for an erasure: run by
    the reading process when there is one (`read`)."""
    customer = await session.get(Customer, customer_id) if customer_id is not None else None
    if customer is not None:
        return await customer_scope(session, customer=customer)
    return await address_scope(session, email=address or "")


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
    # Found by the reading process (db/reading.py), off the writer: seconds of reading on a
    # large desk. What arrives for them after it is found at the erasure's end (erasing.py).
    scope = await read(session, scope_of, customer.id, None)
    # Read again once the locks are granted: a merge that held them may have folded them into
    # another record meanwhile.
    owners = await _lock_records(session, scope, customer.id)
    customer = await _customer(session, customer_id, fresh=True)
    if not _confirmed(customer, scope.emails, confirmation):
        what = {"email": "one of the customer's email addresses", "name": "the customer's name"}
        raise Invalid(
            "confirm",
            f"Type {what.get(confirmation_of(customer, scope.emails), 'the customer number')} "
            "to confirm the erasure.",
        )
    _refuse_live_chats(scope)
    return await _erase(session, user=user, scope=scope, owners=owners)


async def _lock_records(
    session: AsyncSession, scope: CustomerScope, customer_id: int | None
) -> dict[str, int]:
    """The customer records an erasure's start locks, in id order, before anything else
    (tickets): the customer's, and those that hold a chat ticket of theirs (a visitor typed
    their address unproven, privacy/erasing.py `owners`); answers who holds each of those
    tickets, read under the locks (`erasing.lock_holders`). The locks keep a merge of any of
    them, or a second erasure, out until the start commits (`FOR NO KEY UPDATE`, as a merge's:
    the key-share lock of mail inserted for them is let through, customers/service.py
    `_ensure_not_being_erased`). A merge locks its two records in id order too, so the two wait
    for each other instead of deadlocking (docs/privacy.md, "Erasure")."""
    records = [customer_id] if customer_id is not None else []
    return await erasing.lock_holders(session, scope.unverified_ticket_ids, records)


async def erase_address(session: AsyncSession, *, user: User, email: str) -> Erasure:
    """Erases whoever has this address: its customer if there is one, and in any case what the
    address left without a customer (a visitor who only typed it, mail that was refused)."""
    require_admin(user)
    address = customers_service.normalize_contact(ContactKind.email, email)
    customer = await customers_service.find_by_email(session, email=address)
    if customer is not None and customer.merged_into_id is None:
        scope = await read(session, scope_of, customer.id, None)
        # As `erase_customer`: a second erasure of them (two admins, a request sent twice)
        # waits for this one to commit, then finds it running (`_running_for`).
        owners = await _lock_records(session, scope, customer.id)
    else:
        scope = await read(session, scope_of, None, address)
        await _lock_address(session, address)
        owners = await _lock_records(session, scope, None)
    running = await _running_for(session, scope.customer_id, address)
    if running is not None:
        return running
    _refuse_live_chats(scope)
    return await _erase(session, user=user, scope=scope, owners=owners)


async def _lock_address(session: AsyncSession, address: str) -> None:
    """Erasures of an address no customer has, one at a time. PostgreSQL: a lock on the
    address's hash until the transaction ends; SQLite has one writer, which serialises them."""
    if not settings_of(session).is_sqlite:
        await session.execute(
            select(func.pg_advisory_xact_lock(ADDRESS_LOCK, func.hashtext(address)))
        )


async def _running_for(
    session: AsyncSession, customer_id: int | None, address: str | None = None
) -> Erasure | None:
    """An erasure of this customer (or of this address no customer has) that has not finished
    yet (a process stopped in it, or it is running now): asked again, the admin gets that one,
    worked on to its end. Read under the customer's row lock or the address's (PostgreSQL
    reads what committed before the lock was granted)."""
    if customer_id is not None:
        return await session.scalar(
            select(Erasure)
            .where(Erasure.finished_at.is_(None), Erasure.customer_id == customer_id)
            .order_by(Erasure.id)
            .limit(1)
        )
    # Few erasures run at a time: their addresses are read here rather than indexed.
    for erasure in await session.scalars(
        select(Erasure)
        .where(Erasure.finished_at.is_(None), Erasure.customer_id.is_(None))
        .order_by(Erasure.id)
    ):
        if address in ((erasure.progress or {}).get("emails") or []):
            return erasure
    return None


async def _erase(
    session: AsyncSession, *, user: User, scope: CustomerScope, owners: dict[str, int]
) -> Erasure:
    """Starts the erasure in the caller's transaction: what other customers' conversations lent
    theirs goes back first (only this person's data is erased), then the erasure's row and its
    list of what to delete. The deleting itself is `run_erasure`'s, after the commit, in short
    transactions (privacy/erasing.py)."""
    running = await _running_for(session, scope.customer_id)
    if running is not None:
        return running
    counts = await others.give_back(session, scope=scope)
    erasure = await erasing.start(
        session, actor_id=user.id, scope=scope, counts=counts, owners=owners
    )
    # Signed out of the help center's portal at once, their sign-in links dead (docs/portal.md).
    await portal_service.forget_customers(session, customer_ids=scope.customer_ids)
    # The entry names the customer by number only: the audit log outlives the erasure. Written
    # as it starts, by the admin who asked: the pieces after it run as nobody's request.
    audit.record(
        session,
        action="customer.erased",
        target=audit.Target("erasure", erasure.id, f"erasure #{erasure.id}"),
        changes={"customer": scope.customer_id},
    )
    return erasure


# How long a request waits for its erasure before answering it running (202): well within the
# minute a proxy gives a request (docs/privacy.md).
ANSWER_WITHIN = 20.0

# The erasures this process is working on, by id: a second request for one waits for it.
_RUNNING: dict[int, asyncio.Task[None]] = {}


async def between_pieces() -> None:
    """Between two pieces of an erasure: the writes waiting for the connection go first."""
    await asyncio.sleep(0)


async def run_erasure(sessionmaker: async_sessionmaker[AsyncSession], erasure_id: int) -> None:
    """Works the erasure to its end, one short transaction a piece (`erasing.step`), then the
    files' bytes and SQLite's log. A piece that fails leaves the erasure where it was: the loop
    (privacy/timers.py) takes it up again."""
    while True:
        async with unit_of_work(sessionmaker) as session:
            more = await erasing.step(session, erasure_id)
            if not more:
                _after(session)
        if not more:
            return
        await between_pieces()


def _running_task(
    sessionmaker: async_sessionmaker[AsyncSession], erasure_id: int
) -> asyncio.Task[None]:
    """The task working the erasure in this process, started if none is."""
    task = _RUNNING.get(erasure_id)
    if task is None:
        task = asyncio.get_running_loop().create_task(run_erasure(sessionmaker, erasure_id))
        _RUNNING[erasure_id] = task

        def forget(_task: asyncio.Task[None]) -> None:
            _RUNNING.pop(erasure_id, None)

        task.add_done_callback(forget)
    return task


async def finish_erasure(
    session: AsyncSession, sessionmaker: async_sessionmaker[AsyncSession], erasure: Erasure
) -> Erasure:
    """For the request that started (or asked again for) the erasure: commits it, works it to
    its end and answers the erasure as it ended, or, after `ANSWER_WITHIN` seconds, as it is
    then (`running`: the desk asks `GET /erasures` until it is done). Run as a task of its own,
    which a request cancelled meanwhile (the client gone) does not stop."""
    await release_before_waiting(session)
    task = _running_task(sessionmaker, erasure.id)
    # `wait` neither cancels the task when this request is cancelled nor when it times out.
    done, _pending = await asyncio.wait({task}, timeout=ANSWER_WITHIN)
    if task in done:
        task.result()  # a failed piece: the request fails, the loop takes the erasure up again
    found = await session.scalar(
        select(Erasure).where(Erasure.id == erasure.id).execution_options(populate_existing=True)
    )
    return found or erasure  # erasures are never deleted


async def finish_stopped(sessionmaker: async_sessionmaker[AsyncSession], *, idle: timedelta) -> int:
    """The loop's round: the erasures a process stopped in (no piece for `idle`), finished here;
    how many."""
    async with unit_of_work(sessionmaker) as session:
        waiting = (
            await session.execute(
                select(Erasure.id, Erasure.progress).where(Erasure.finished_at.is_(None))
            )
        ).all()
    now = utcnow()
    done = 0
    for erasure_id, progress in waiting:
        last = (progress or {}).get("at")
        if erasure_id in _RUNNING or (
            last is not None and now - datetime.fromisoformat(last) < idle
        ):
            continue
        try:
            await asyncio.shield(_running_task(sessionmaker, erasure_id))
        except Exception:
            # One erasure whose piece keeps failing must not keep the others waiting: it is
            # tried again next round, and the log says why it stopped.
            logger.exception("erasure %s stopped at a failing piece; tried again later", erasure_id)
            continue
        done += 1
    return done


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
