"""An inbox's mailbox at a mail provider (IMAP): setting it up, changing it, and reading its
status. The password or token is written here and never read back out through the API."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer
from sqlalchemy.sql.elements import ColumnElement

from frontdesk.db.context import settings_of
from frontdesk.errors import Invalid, NotFound
from frontdesk.inboxes.models import Inbox
from frontdesk.kit.clock import utcnow
from frontdesk.mail.imap import is_loopback
from frontdesk.mail.models import (
    MailboxAccount,
    MailboxAuth,
    MailboxSecurity,
    OutboxMessage,
    ProcessedAction,
    SmtpSecurity,
)
from frontdesk.mail.sender import SmtpServer
from frontdesk.tickets.models import Ticket

SMTP_PORTS = {SmtpSecurity.tls: 465, SmtpSecurity.starttls: 587, SmtpSecurity.plain: 25}
# Fields whose change points the fetch at another mailbox: where it got to no longer applies.
_WHERE = ("host", "port", "username", "folder")


async def get_mailbox(session: AsyncSession, *, inbox: Inbox) -> MailboxAccount | None:
    account: MailboxAccount | None = await session.scalar(
        select(MailboxAccount).where(MailboxAccount.inbox_id == inbox.id)
    )
    return account


async def set_mailbox(
    session: AsyncSession,
    *,
    inbox: Inbox,
    host: str,
    port: int,
    security: MailboxSecurity,
    username: str,
    auth: MailboxAuth,
    secret: str | None,
    folder: str,
    processed: ProcessedAction,
    move_to: str | None,
    enabled: bool,
    smtp_host: str | None = None,
    smtp_port: int | None = None,
    smtp_security: SmtpSecurity = SmtpSecurity.starttls,
) -> MailboxAccount:
    """Creates or replaces the inbox's mailbox settings. `secret` None keeps the stored one (the
    form never shows it, so it cannot send it back)."""
    if not inbox.email_address:
        # Mail fetched from the mailbox opens tickets in this inbox by its address.
        raise Invalid("email_address", "Give the inbox an email address first.")
    if processed is ProcessedAction.move and not move_to:
        raise Invalid("move_to", "Name the folder processed mail is moved to.")
    if not settings_of(session).imap_allow_plain:
        # Passwords in clear text over a network: only to this machine (tests, a local relay).
        if security is MailboxSecurity.plain and not is_loopback(host):
            raise Invalid("security", "Choose TLS or STARTTLS: this server is not on this machine.")
        if smtp_host and smtp_security is SmtpSecurity.plain and not is_loopback(smtp_host):
            raise Invalid(
                "smtp_security", "Choose TLS or STARTTLS: this server is not on this machine."
            )
    if move_to and move_to == folder:
        raise Invalid("move_to", "Processed mail cannot be moved to the folder it is read from.")
    account = await get_mailbox(session, inbox=inbox)
    if account is None:
        if not secret:
            raise Invalid("secret", "Give the password or access token.")
        account = MailboxAccount(inbox_id=inbox.id, secret=secret, last_uid=0, history_uid=0)
        session.add(account)
    else:
        moved = any(
            getattr(account, name) != value
            for name, value in zip(_WHERE, (host, port, username, folder), strict=True)
        )
        if moved:
            account.uidvalidity, account.last_uid, account.history_uid = None, 0, 0
        if secret:
            account.secret = secret
    account.host, account.port, account.security = host, port, security
    account.username, account.auth, account.folder = username, auth, folder
    account.processed = processed
    account.move_to = move_to if processed is ProcessedAction.move else None
    account.enabled = enabled
    account.smtp_host = smtp_host
    account.smtp_port = (smtp_port or SMTP_PORTS[smtp_security]) if smtp_host else None
    account.smtp_security = smtp_security if smtp_host else None
    # New settings deserve a try now, not after the back-off the old ones earned.
    account.failures, account.next_attempt_at = 0, utcnow()
    account.last_error = account.last_error_at = None
    account.updated_at = utcnow()
    await session.flush()
    return account


async def remove_mailbox(session: AsyncSession, *, inbox: Inbox) -> None:
    found = await session.execute(delete(MailboxAccount).where(MailboxAccount.inbox_id == inbox.id))
    if not getattr(found, "rowcount", 0):
        raise NotFound("This inbox fetches no mailbox.")


def sent_through_provider() -> ColumnElement[bool]:
    """Outbox rows whose inbox sends through its provider's SMTP server."""
    return OutboxMessage.ticket_id.in_(
        select(Ticket.id)
        .join(MailboxAccount, MailboxAccount.inbox_id == Ticket.inbox_id)
        .where(MailboxAccount.smtp_host.is_not(None))
    )


async def provider_servers(
    session: AsyncSession, *, ticket_ids: Sequence[int]
) -> dict[int, SmtpServer]:
    """For each ticket whose inbox sends through its provider: that SMTP server, logged in with
    the mailbox's user name and password or token."""
    if not ticket_ids:
        return {}
    rows = (
        await session.execute(
            select(Ticket.id, MailboxAccount)
            .join(MailboxAccount, MailboxAccount.inbox_id == Ticket.inbox_id)
            .options(undefer(MailboxAccount.secret))
            .where(MailboxAccount.smtp_host.is_not(None), Ticket.id.in_(set(ticket_ids)))
        )
    ).all()
    servers: dict[int, SmtpServer] = {}
    for ticket_id, account in rows:
        if account.smtp_host is None or account.smtp_security is None:
            continue
        token = account.auth is MailboxAuth.xoauth2
        servers[ticket_id] = SmtpServer(
            host=account.smtp_host,
            port=account.smtp_port or SMTP_PORTS[account.smtp_security],
            username=account.username,
            password=None if token else account.secret,
            implicit_tls=account.smtp_security is SmtpSecurity.tls,
            starttls=account.smtp_security is SmtpSecurity.starttls,
            oauth_token=account.secret if token else None,
        )
    return servers
