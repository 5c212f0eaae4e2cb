"""An inbox's mailbox at a mail provider (IMAP): setting it up, changing it, and reading its
status. The password or token is written here and never read back out through the API."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.errors import Invalid, NotFound
from frontdesk.inboxes.models import Inbox
from frontdesk.kit.clock import utcnow
from frontdesk.mail.models import MailboxAccount, MailboxAuth, MailboxSecurity, ProcessedAction

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
) -> MailboxAccount:
    """Creates or replaces the inbox's mailbox settings. `secret` None keeps the stored one (the
    form never shows it, so it cannot send it back)."""
    if not inbox.email_address:
        # Mail fetched from the mailbox opens tickets in this inbox by its address.
        raise Invalid("email_address", "Give the inbox an email address first.")
    if processed is ProcessedAction.move and not move_to:
        raise Invalid("move_to", "Name the folder processed mail is moved to.")
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
