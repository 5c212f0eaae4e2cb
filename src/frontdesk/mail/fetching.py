"""Fetching inboxes' mailboxes over IMAP into the same inbound pipeline as the SMTP listener and
`POST /api/v1/inbound/mime` (mail/receiving.py), exactly once.

How exactly once holds, across restarts and several processes:
- A process works on a mailbox only while it holds its lease (`lease_owner`, `lease_until`),
  taken by a conditional UPDATE; a process that dies leaves a lease that runs out.
- Per batch, the raw messages are fetched first (nothing is written), then ONE transaction
  advances `last_uid` — only if this process still holds the lease and UIDVALIDITY is unchanged,
  otherwise it rolls back — and stores the messages through `receive_inbound_batch`. Messages and
  the mark of how far we got are committed together or not at all: a fetch cut off anywhere
  (server restart, crash, lost lease) fetches the same UIDs again and stores each once.
- Only after that commit is the mail flagged \\Seen or moved on the server: if that step fails
  the mail stays unread there, but it is never fetched twice (its UID is behind `last_uid`).
- When UIDVALIDITY changes (the folder was recreated) the UIDs start again; messages fetched
  once already are then recognised by Message-ID by the inbound pipeline and not added again.
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import logging
import ssl
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import case, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import undefer
from sqlalchemy.sql.elements import ColumnElement

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.inboxes.models import Inbox
from frontdesk.kit.clock import utcnow
from frontdesk.mail import tokens
from frontdesk.mail.imap import ImapFailure, LoginRefused, Mailbox, MailboxLogin, Opened
from frontdesk.mail.models import MailboxAccount, MailboxOAuth, ProcessedAction
from frontdesk.mail.receiving import (
    Delivery,
    prepare,
    receive_inbound_batch,
    record_refused_inbound,
)

logger = logging.getLogger(__name__)

BATCH = 100
# Longer than a batch can take (fetch, store, flag); renewed with every batch and during IDLE.
LEASE = timedelta(minutes=5)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(minutes=30)
MAX_MAILBOXES = 8  # per process at once: each holds a thread (and, in IDLE, a connection)

T = TypeVar("T")


class LeaseLost(Exception):
    """Another process holds the mailbox now: stop without writing."""


def backoff(failures: int) -> timedelta:
    """30 s, 1 min, 2 min … up to 30 min between attempts on a failing mailbox."""
    return min(FIRST_RETRY * (1 << max(failures - 1, 0)), LONGEST_RETRY)


def describe(exc: BaseException) -> str:
    if isinstance(exc, ImapFailure | tokens.TokenProblem):
        return str(exc)
    if isinstance(exc, TimeoutError):
        return "the server stopped answering (timed out)"
    if isinstance(exc, imaplib.IMAP4.abort | ConnectionError | EOFError):
        return f"the connection was lost: {exc}" if str(exc) else "the connection was lost"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


@dataclass(frozen=True)
class Claimed:
    account_id: int
    owner: str
    login: MailboxLogin
    envelope_to: list[str]
    processed: ProcessedAction
    move_to: str | None
    uidvalidity: int | None
    last_uid: int
    history_uid: int
    # Logs in with an OAuth 2.0 token that mail/tokens.py renews.
    renewable: bool = False


async def claim_mailboxes(
    session: AsyncSession, *, owner: str, now: datetime, limit: int, lease: timedelta = LEASE
) -> list[Claimed]:
    """Takes the lease of every due mailbox no other process holds (at most `limit`)."""
    free = or_(MailboxAccount.lease_until.is_(None), MailboxAccount.lease_until < now)
    due = (MailboxAccount.enabled, MailboxAccount.next_attempt_at <= now, free)
    candidates = (
        await session.scalars(
            select(MailboxAccount.id)
            .where(*due)
            .order_by(MailboxAccount.next_attempt_at)
            .limit(limit)
        )
    ).all()
    claimed: list[Claimed] = []
    for account_id in candidates:
        # The condition is checked again by the UPDATE itself: of two processes, one wins.
        taken = await session.execute(
            update(MailboxAccount)
            .where(MailboxAccount.id == account_id, *due)
            .values(lease_owner=owner, lease_until=now + lease)
            .execution_options(synchronize_session=False)
        )
        if getattr(taken, "rowcount", 0) != 1:
            continue
        row = (
            await session.execute(
                select(MailboxAccount, Inbox.email_address, MailboxOAuth.id)
                .join(Inbox, Inbox.id == MailboxAccount.inbox_id)
                .outerjoin(MailboxOAuth, MailboxOAuth.account_id == MailboxAccount.id)
                .options(undefer(MailboxAccount.secret))
                .where(MailboxAccount.id == account_id)
                .execution_options(populate_existing=True)
            )
        ).one()
        account, address, grant_id = row
        claimed.append(
            Claimed(
                account_id=account.id,
                owner=owner,
                login=MailboxLogin(
                    host=account.host,
                    port=account.port,
                    security=account.security,
                    username=account.username,
                    auth=account.auth,
                    secret=account.secret,
                    folder=account.folder,
                ),
                # The envelope IMAP does not have: the inbox's address, so that new mail opens
                # a ticket in this inbox whatever alias it was sent to.
                envelope_to=[address] if address else [],
                processed=account.processed,
                move_to=account.move_to,
                uidvalidity=account.uidvalidity,
                last_uid=account.last_uid,
                history_uid=account.history_uid,
                renewable=grant_id is not None,
            )
        )
    return claimed


def _held(claimed: Claimed) -> tuple[ColumnElement[bool], ...]:
    return (MailboxAccount.id == claimed.account_id, MailboxAccount.lease_owner == claimed.owner)


class MailboxRun:
    """One claimed mailbox: connect, fetch everything new batch by batch, then wait in IDLE
    (when the server has it) for up to `idle_seconds` and fetch again when mail arrives."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        claimed: Claimed,
        *,
        executor: ThreadPoolExecutor | None = None,
        batch: int = BATCH,
        lease: timedelta = LEASE,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.claimed = claimed
        self.executor = executor
        self.batch = batch
        self.lease = lease
        self.mailbox = Mailbox(claimed.login, allow_plain=settings.imap_allow_plain)
        self.uidvalidity = claimed.uidvalidity
        self.last_uid = claimed.last_uid
        self.history_uid = claimed.history_uid
        self.fetched = 0
        # A problem after the mail was stored (flagging or moving it): shown, never cleared by
        # the success that follows in the same run.
        self.warning: str | None = None
        self.marked = False

    async def _blocking(self, call: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, call)

    async def run(self, *, idle_seconds: float = 0) -> int:
        """Returns how many messages were stored; records success or the error either way."""
        try:
            await self._open()
            await self._fetch_new()
            await self._record_success()
            loop = asyncio.get_running_loop()
            deadline = loop.time() + idle_seconds
            while idle_seconds > 0 and self.mailbox.can_idle:
                remaining = deadline - loop.time()
                if remaining <= 1:
                    break
                await self._renew()
                # Short IDLE rounds keep the lease renewed and the connection alive.
                window = min(remaining, self.lease.total_seconds() / 3)
                await self._blocking(partial(self.mailbox.idle, window))
                await self._fetch_new()
                await self._record_success()
        except asyncio.CancelledError:
            # The process is stopping: a thread waiting in IDLE must not hold it up.
            self.mailbox.interrupt()
            raise
        except LeaseLost:
            logger.warning("mailbox %s: another process took it over", self.claimed.account_id)
        except (
            ImapFailure,
            tokens.TokenProblem,
            OSError,
            imaplib.IMAP4.error,
            ssl.SSLError,
            EOFError,
        ) as exc:
            await self._record_failure(describe(exc))
        except Exception as exc:
            # The database away, or a bug: shown like any other error, and retried with back-off.
            logger.exception("mailbox %s: fetch failed", self.claimed.account_id)
            await self._record_failure(f"could not store the mail: {describe(exc)}")
        finally:
            with contextlib.suppress(Exception):
                await self._blocking(self.mailbox.close)
            await self._release()
        return self.fetched

    async def _login(self) -> Opened:
        """Connects; an OAuth mailbox first gets a token with time left, and a new one once
        if the server refuses it (it may have been revoked or expired early)."""
        if not self.claimed.renewable:
            return await self._blocking(self.mailbox.open)
        token = await tokens.current_token(
            self.sessionmaker, account_id=self.claimed.account_id, owner=self.claimed.owner
        )
        self.mailbox.login = replace(self.claimed.login, secret=token.value)
        try:
            return await self._blocking(self.mailbox.open)
        except LoginRefused:
            token = await tokens.current_token(
                self.sessionmaker,
                account_id=self.claimed.account_id,
                owner=self.claimed.owner,
                refused=token,
            )
            self.mailbox.login = replace(self.claimed.login, secret=token.value)
            return await self._blocking(self.mailbox.open)

    async def _open(self) -> None:
        opened = await self._login()
        if opened.uidvalidity == self.uidvalidity:
            return
        # First time, or the folder was recreated: UIDs start again. Read mail already there is
        # the team's history (or was ours before, and \Seen by us): only unread mail is taken.
        self.uidvalidity, self.last_uid = opened.uidvalidity, 0
        self.history_uid = opened.uidnext - 1
        async with unit_of_work(self.sessionmaker) as session:
            changed = await session.execute(
                update(MailboxAccount)
                .where(*_held(self.claimed))
                .values(uidvalidity=self.uidvalidity, last_uid=0, history_uid=self.history_uid)
                .execution_options(synchronize_session=False)
            )
            if getattr(changed, "rowcount", 0) != 1:
                raise LeaseLost

    async def _fetch_new(self) -> None:
        uids = await self._blocking(
            partial(self.mailbox.uids_after, self.last_uid, history_uid=self.history_uid)
        )
        for start in range(0, len(uids), self.batch):
            chunk = uids[start : start + self.batch]
            messages = await self._blocking(partial(self.mailbox.fetch, chunk))
            try:
                await self._store(chunk[-1], [raw for _uid, raw in messages])
            except (LeaseLost, SQLAlchemyError):
                # Lost lease, or the database is away: nothing was written, try again later.
                raise
            except Exception:
                # One message the pipeline chokes on must not stop the mailbox for good: each
                # alone, and the one that fails is kept raw with the error (as the listener does).
                logger.exception(
                    "mailbox %s: a batch failed, storing one by one", self.claimed.account_id
                )
                await self._store_one_by_one(chunk[-1], messages)
            try:
                await self._blocking(
                    partial(
                        self.mailbox.mark_processed,
                        chunk,
                        self.claimed.processed,
                        self.claimed.move_to,
                    )
                )
                self.marked = True
            except ImapFailure as exc:
                # Stored already and never fetched again: say so, and go on.
                logger.warning("mailbox %s: %s", self.claimed.account_id, exc)
                self.warning = f"fetched, but {exc}"

    async def _store(self, up_to_uid: int, raws: list[bytes]) -> None:
        # Their images' thumbnails drawn before the transaction, not while it holds the database.
        deliveries = await prepare(
            [Delivery(raw, self.claimed.envelope_to, None, via="imap") for raw in raws],
            sessionmaker=self.sessionmaker,
        )
        now = utcnow()
        async with unit_of_work(self.sessionmaker) as session:
            # First, so that the row stays locked until the commit: a process that takes the
            # lease over waits for it, then finds last_uid already advanced.
            advanced = await session.execute(
                update(MailboxAccount)
                .where(*_held(self.claimed), MailboxAccount.uidvalidity == self.uidvalidity)
                .values(
                    last_uid=up_to_uid,
                    lease_until=now + self.lease,
                    messages_fetched=MailboxAccount.messages_fetched + len(raws),
                    last_fetch_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            if getattr(advanced, "rowcount", 0) != 1:
                raise LeaseLost
            await receive_inbound_batch(session, deliveries)
        self.last_uid = up_to_uid
        self.fetched += len(raws)

    async def _store_one_by_one(self, up_to_uid: int, messages: list[tuple[int, bytes]]) -> None:
        for uid, raw in messages:
            try:
                await self._store(uid, [raw])
            except (LeaseLost, SQLAlchemyError):
                raise
            except Exception as exc:
                await self._keep_failed(uid, raw, exc)
        if not messages or messages[-1][0] < up_to_uid:
            await self._store(up_to_uid, [])

    async def _keep_failed(self, uid: int, raw: bytes, error: Exception) -> None:
        async with unit_of_work(self.sessionmaker) as session:
            advanced = await session.execute(
                update(MailboxAccount)
                .where(*_held(self.claimed), MailboxAccount.uidvalidity == self.uidvalidity)
                .values(last_uid=uid, messages_fetched=MailboxAccount.messages_fetched + 1)
                .execution_options(synchronize_session=False)
            )
            if getattr(advanced, "rowcount", 0) != 1:
                raise LeaseLost
            await record_refused_inbound(
                session,
                head=raw,
                size=len(raw),
                envelope_to=self.claimed.envelope_to,
                envelope_from=None,
                via="imap",
                error=f"could not be processed: {error!r}",
                failed=True,
            )
        self.last_uid = uid
        self.fetched += 1

    async def _renew(self) -> None:
        async with unit_of_work(self.sessionmaker) as session:
            renewed = await session.execute(
                update(MailboxAccount)
                .where(*_held(self.claimed))
                .values(lease_until=utcnow() + self.lease)
                .execution_options(synchronize_session=False)
            )
            if getattr(renewed, "rowcount", 0) != 1:
                raise LeaseLost

    async def _record_success(self) -> None:
        async with unit_of_work(self.sessionmaker) as session:
            await session.execute(
                update(MailboxAccount)
                .where(*_held(self.claimed))
                .values(
                    last_fetch_at=utcnow(),
                    failures=0,
                    **self._error_after_success(),
                )
                .execution_options(synchronize_session=False)
            )

    def _error_after_success(self) -> dict[str, Any]:
        if self.warning is not None:
            return {"last_error": self.warning, "last_error_at": utcnow()}
        if self.marked:
            return {"last_error": None, "last_error_at": None}
        # Nothing was flagged or moved this time: an earlier failure (failures > 0) is over, but
        # a warning about mail that could not be moved still holds.
        failed = MailboxAccount.failures > 0
        return {
            "last_error": case((failed, None), else_=MailboxAccount.last_error),
            "last_error_at": case((failed, None), else_=MailboxAccount.last_error_at),
        }

    async def _record_failure(self, error: str) -> None:
        logger.warning("mailbox %s: %s", self.claimed.account_id, error)
        now = utcnow()
        try:
            async with unit_of_work(self.sessionmaker) as session:
                account = await session.get(MailboxAccount, self.claimed.account_id)
                if account is None or account.lease_owner != self.claimed.owner:
                    return
                account.failures += 1
                account.last_error, account.last_error_at = error[:2000], now
                account.next_attempt_at = now + backoff(account.failures)
        except SQLAlchemyError:
            # The database is away too: the lease runs out and the next round tries again.
            logger.exception("mailbox %s: cannot record the failure", self.claimed.account_id)

    async def _release(self) -> None:
        with contextlib.suppress(Exception):
            async with unit_of_work(self.sessionmaker) as session:
                await session.execute(
                    update(MailboxAccount)
                    .where(*_held(self.claimed))
                    .values(lease_owner=None, lease_until=None)
                    .execution_options(synchronize_session=False)
                )


async def fetch_due_mailboxes(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    owner: str | None = None,
    now: datetime | None = None,
    idle_seconds: float = 0,
    batch: int = BATCH,
    limit: int = MAX_MAILBOXES,
) -> int:
    """One round: every due mailbox no one else holds, fetched at once; returns how many
    messages were stored."""
    owner = owner or uuid.uuid4().hex
    async with unit_of_work(sessionmaker) as session:
        claimed = await claim_mailboxes(session, owner=owner, now=now or utcnow(), limit=limit)
    runs = [MailboxRun(sessionmaker, settings, item, batch=batch) for item in claimed]
    counts = await asyncio.gather(*(run.run(idle_seconds=idle_seconds) for run in runs))
    return sum(counts)


class MailboxFetcher:
    """The process's IMAP loop: every `imap_poll_interval` it claims the due mailboxes it is not
    already working on and runs each in its own task (and thread), waiting in IDLE between
    fetches where the server has it. Stopping ends the connections and gives the leases back."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.owner = uuid.uuid4().hex
        self._executor = ThreadPoolExecutor(MAX_MAILBOXES, thread_name_prefix="imap")
        self._runs: dict[int, tuple[MailboxRun, asyncio.Task[int]]] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="imap")

    async def _loop(self) -> None:
        interval = self.settings.imap_poll_interval
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("IMAP round failed")
            await asyncio.sleep(interval)

    async def tick(self) -> None:
        free = MAX_MAILBOXES - len(self._runs)
        if free <= 0:
            return
        async with unit_of_work(self.sessionmaker) as session:
            claimed = await claim_mailboxes(session, owner=self.owner, now=utcnow(), limit=free)
        for item in claimed:
            run = MailboxRun(self.sessionmaker, self.settings, item, executor=self._executor)
            task = asyncio.create_task(run.run(idle_seconds=self.settings.imap_poll_interval))
            self._runs[item.account_id] = (run, task)
            task.add_done_callback(partial(self._finished, item.account_id))

    def _finished(self, account_id: int, _task: asyncio.Task[int]) -> None:
        self._runs.pop(account_id, None)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        runs = list(self._runs.values())
        for run, task in runs:
            # A thread waiting in IDLE wakes when its socket is shut down.
            imap = run.mailbox._imap
            if imap is not None:
                with contextlib.suppress(OSError):
                    imap.shutdown()
            task.cancel()
        await asyncio.gather(*(task for _run, task in runs), return_exceptions=True)
        self._executor.shutdown(wait=False, cancel_futures=True)
        # Leases back at once, so another process need not wait for them to run out.
        with contextlib.suppress(Exception):
            async with unit_of_work(self.sessionmaker) as session:
                await session.execute(
                    update(MailboxAccount)
                    .where(MailboxAccount.lease_owner == self.owner)
                    .values(lease_owner=None, lease_until=None)
                    .execution_options(synchronize_session=False)
                )
