"""The outbox loop: claim due mail, send it, record the outcome."""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.files.store import file_store
from frontdesk.kit.clock import utcnow
from frontdesk.mail import mailboxes, outbox, sender, tokens
from frontdesk.mail.models import OutboxMessage, OutboxState
from frontdesk.notifications import service as notifications_service

logger = logging.getLogger(__name__)

BATCH = 50
# Longer than any SMTP conversation can take (the client times out after a minute), so a lease
# runs out only when its sender died.
LEASE = timedelta(minutes=5)


async def deliver_outbox(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    now: datetime | None = None,
    limit: int = BATCH,
) -> int:
    """One round: returns how many messages were claimed (0 when nothing was due). Mail of an
    inbox that sends through its mail provider goes to that provider's SMTP server; the rest to
    FRONTDESK_SMTP_URL, and stays queued (the mail viewer) when that is unset."""
    default = sender.parse_smtp_url(settings.smtp_url) if settings.smtp_url else None
    claimed_at = now or utcnow()
    # The claim commits before any network I/O: locks are held for milliseconds, and other
    # processes see the lease at once.
    async with unit_of_work(sessionmaker) as session:
        rows = await outbox.claim_outbox(
            session,
            now=claimed_at,
            limit=limit,
            lease=LEASE,
            only=None if default is not None else mailboxes.sent_through_provider(),
        )
        # A notification email waits in the outbox: its reader may have lost sight of the ticket
        # (or their account) since. Such mail is deleted unsent.
        unsendable = await notifications_service.unsendable_mail(session, rows=rows)
        if unsendable:
            await outbox.delete_unsent(session, ids=unsendable)
            rows = [row for row in rows if row.id not in unsendable]
        providers = await mailboxes.provider_servers(
            session, ticket_ids=[row.ticket_id for row in rows if row.ticket_id is not None]
        )
    if not rows:
        return 0
    leases = {row.id: row.next_attempt_at for row in rows}
    groups: dict[sender.SmtpServer, list[OutboxMessage]] = {}
    for row in rows:
        server = providers.get(row.ticket_id) if row.ticket_id is not None else None
        server = server or default
        if server is None:
            # The inbox stopped sending through its provider since the claim: the next round
            # (with FRONTDESK_SMTP_URL) or the mail viewer has it when its lease runs out.
            continue
        groups.setdefault(server, []).append(row)
    store = file_store(settings)
    owner = uuid.uuid4().hex

    async def files(row: OutboxMessage) -> list[sender.FilePart]:
        async with sessionmaker() as session:
            return await outbox.outbox_files(store, row, session)

    outcomes = [
        outcome
        for server, group in groups.items()
        for outcome in await _send_group(sessionmaker, server, group, files, owner=owner)
    ]
    finished_at = now or utcnow()
    async with unit_of_work(sessionmaker) as session:
        for outcome in outcomes:
            row = outcome.row
            if outcome.error is None:
                kept = await outbox.mark_sent(
                    session, message=row, claimed_until=leases[row.id], now=finished_at
                )
            else:
                state = await outbox.record_send_failure(
                    session,
                    message=row,
                    claimed_until=leases[row.id],
                    error=outcome.error,
                    permanent=outcome.permanent,
                    now=finished_at,
                )
                kept = state is not None
                log = logger.error if state is OutboxState.failed else logger.warning
                log("mail %s to %s: %s", row.message_id, row.recipients, outcome.error)
            if not kept:
                logger.warning("mail %s: lease lost while sending", row.message_id)
    return len(rows)


async def _send_group(
    sessionmaker: async_sessionmaker[AsyncSession],
    server: sender.SmtpServer,
    rows: list[OutboxMessage],
    files: sender.FileLoader,
    *,
    owner: str,
) -> list[sender.Outcome]:
    """A provider's SMTP server with an OAuth token that mail/tokens.py renews: logged in with a
    token that has time left, and with a new one once if the server refuses it."""
    if server.renewable_mailbox is None:
        return await sender.send_all(server, rows, files)
    try:
        token = await tokens.current_token(
            sessionmaker, account_id=server.renewable_mailbox, owner=owner
        )
        outcomes = await sender.send_all(replace(server, oauth_token=token.value), rows, files)
        if outcomes and all(outcome.login_refused for outcome in outcomes):
            token = await tokens.current_token(
                sessionmaker, account_id=server.renewable_mailbox, owner=owner, refused=token
            )
            outcomes = await sender.send_all(replace(server, oauth_token=token.value), rows, files)
    except tokens.TokenProblem as exc:
        return [sender.Outcome(row, str(exc)) for row in rows]
    return outcomes
