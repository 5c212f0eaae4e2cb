"""An inbox's mailbox at a mail provider (IMAP): setting it up, changing it, and reading its
status. The password or token is written here and never read back out through the API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer
from sqlalchemy.sql.elements import ColumnElement

from frontdesk.audit import service as audit
from frontdesk.db.context import settings_of
from frontdesk.errors import Invalid, NotFound
from frontdesk.inboxes.models import Inbox
from frontdesk.kit.clock import utcnow
from frontdesk.mail.imap import is_loopback
from frontdesk.mail.models import (
    MailboxAccount,
    MailboxAuth,
    MailboxOAuth,
    MailboxSecurity,
    OutboxMessage,
    ProcessedAction,
    SmtpSecurity,
)
from frontdesk.mail.oauth import is_loopback_url
from frontdesk.mail.sender import SmtpServer
from frontdesk.tickets.models import Ticket

SMTP_PORTS = {SmtpSecurity.tls: 465, SmtpSecurity.starttls: 587, SmtpSecurity.plain: 25}
# Fields whose change points the fetch at another mailbox: where it got to no longer applies.
_WHERE = ("host", "port", "username", "folder")


@dataclass(frozen=True)
class OAuthClient:
    """The refresh_token grant of an OAuth mailbox, as an admin saves it. A secret left None
    keeps the stored one."""

    token_url: str
    client_id: str
    client_secret: str | None = None
    refresh_token: str | None = None
    scope: str | None = None


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
    oauth: OAuthClient | None = None,
) -> MailboxAccount:
    """Creates or replaces the inbox's mailbox settings. `secret` None keeps the stored one (the
    form never shows it, so it cannot send it back). With `oauth`, the access token is renewed
    with the refresh token (mail/tokens.py), and `secret` may be left out."""
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
    if oauth is not None:
        _check_oauth(session, auth=auth, oauth=oauth)
    account = await get_mailbox(session, inbox=inbox)
    if account is None:
        if not secret and not (oauth and oauth.refresh_token):
            raise Invalid("secret", "Give the password or access token.")
        account = MailboxAccount(inbox_id=inbox.id, secret=secret or "", last_uid=0, history_uid=0)
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
    await _set_oauth(session, account=account, oauth=oauth, new_secret=bool(secret))
    return account


def _check_oauth(session: AsyncSession, *, auth: MailboxAuth, oauth: OAuthClient) -> None:
    if auth is not MailboxAuth.xoauth2:
        raise Invalid("oauth", "A refresh token goes with auth xoauth2 (OAuth 2.0).")
    url = oauth.token_url
    if not url.startswith(("https://", "http://")) or " " in url:
        raise Invalid("oauth.token_url", "Give the token endpoint's address (https://…).")
    if (
        url.startswith("http://")
        and not is_loopback_url(url)
        and not settings_of(session).imap_allow_plain
    ):
        # The refresh token and the client secret would cross the network in clear text.
        raise Invalid("oauth.token_url", "The token endpoint must be https://.")


async def _set_oauth(
    session: AsyncSession, *, account: MailboxAccount, oauth: OAuthClient | None, new_secret: bool
) -> None:
    grant = await get_oauth(session, account=account)
    if oauth is None:
        # The access token is used as saved: a stored refresh token is forgotten.
        if grant is not None:
            await session.delete(grant)
            await session.flush()
        return
    now = utcnow()
    if grant is None:
        if not oauth.refresh_token:
            raise Invalid("oauth.refresh_token", "Give the refresh token.", field_code="required")
        grant = MailboxOAuth(account_id=account.id, refresh_token=oauth.refresh_token)
        session.add(grant)
    changed_client = (grant.token_url, grant.client_id) != (oauth.token_url, oauth.client_id)
    grant.token_url, grant.client_id, grant.scope = oauth.token_url, oauth.client_id, oauth.scope
    if oauth.client_secret:
        grant.client_secret = oauth.client_secret
    if oauth.refresh_token or changed_client or oauth.client_secret or new_secret:
        # Reconnected, or another client: what was refused may work now. The access token is
        # renewed before its next use (one saved by hand has a lifetime nobody told us), and a
        # renewal under way with the old credentials stores nothing.
        if oauth.refresh_token:
            grant.refresh_token = oauth.refresh_token
        grant.refused, grant.failures, grant.next_refresh_at = False, 0, None
        grant.error = grant.error_at = None
        grant.expires_at = None
        grant.refresh_owner = grant.refresh_until = None
    grant.version = (grant.version or 0) + 1
    grant.updated_at = now
    await session.flush()


async def get_oauth(session: AsyncSession, *, account: MailboxAccount) -> MailboxOAuth | None:
    grant: MailboxOAuth | None = await session.scalar(
        select(MailboxOAuth).where(MailboxOAuth.account_id == account.id)
    )
    return grant


async def remove_mailbox(session: AsyncSession, *, inbox: Inbox) -> None:
    found = await session.execute(delete(MailboxAccount).where(MailboxAccount.inbox_id == inbox.id))
    if not getattr(found, "rowcount", 0):
        raise NotFound("This inbox fetches no mailbox.")
    # A bulk delete, unseen by the flush listener (audit/changes.py): recorded here.
    audit.record(session, action="mailbox.deleted", target=inbox)


def sent_through_provider() -> ColumnElement[bool]:
    """Outbox rows whose inbox sends through its provider's SMTP server. Asked of each due row
    (its ticket, then its inbox's mailbox): as `ticket_id IN (...)`, SQLite listed every
    ticket of the desk first, in every round of the outbox while mail was due."""
    return exists().where(
        Ticket.id == OutboxMessage.ticket_id,
        MailboxAccount.inbox_id == Ticket.inbox_id,
        MailboxAccount.smtp_host.is_not(None),
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
            select(Ticket.id, MailboxAccount, MailboxOAuth.id)
            .join(MailboxAccount, MailboxAccount.inbox_id == Ticket.inbox_id)
            .outerjoin(MailboxOAuth, MailboxOAuth.account_id == MailboxAccount.id)
            .options(undefer(MailboxAccount.secret))
            .where(MailboxAccount.smtp_host.is_not(None), Ticket.id.in_(set(ticket_ids)))
        )
    ).all()
    servers: dict[int, SmtpServer] = {}
    for ticket_id, account, grant_id in rows:
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
            renewable_mailbox=account.id if token and grant_id is not None else None,
        )
    return servers


async def has_client_secret(session: AsyncSession, *, grant: MailboxOAuth) -> bool:
    found = await session.scalar(
        select(MailboxOAuth.id).where(
            MailboxOAuth.id == grant.id, MailboxOAuth.client_secret.is_not(None)
        )
    )
    return found is not None
