"""Keeping a mailbox's OAuth 2.0 access token usable, for the IMAP fetch and the provider's SMTP
alike: renewed with the refresh_token grant (mail/oauth.py) a little before it runs out, and once
more when the server refuses it; the new access token, its expiry and a refresh token the
provider rotated are stored at once.

Across processes, one renews at a time: a process first takes the renewal with a guarded UPDATE
(`refresh_owner`, only while no one else holds it and the token is still the version it saw),
asks the provider outside any transaction, and stores the answer only while it still holds the
renewal. A process that finds the renewal taken waits for the new version instead of asking
too: a provider that rotates refresh tokens would refuse the second use of the old one.

A refusal for good (invalid_grant: the user revoked access, the grant expired, the client is
wrong) is remembered and nothing is asked again until an admin saves a new refresh token; a
failure that may pass (unreachable, 5xx) waits 30 s, 1 min, 2 min … before the next try."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import undefer

from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.mail import oauth
from frontdesk.mail.models import MailboxAccount, MailboxOAuth

# Renewed when it has less than this left: a fetch or a send must not start with a token about
# to run out.
MARGIN = timedelta(minutes=5)
# Longer than the token request may take (its timeout): a renewal outlives it only when the
# process renewing died, and then another takes over.
CLAIM = timedelta(seconds=oauth.TIMEOUT * 2)
# When the provider does not say how long the token lasts (RFC 6749 allows it).
DEFAULT_LIFETIME = timedelta(hours=1)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(minutes=30)
POLL = 0.1

TokenState = Literal["valid", "expired", "failing", "refused"]


class TokenProblem(Exception):
    """No usable access token now, in words an admin can act on (shown in the status)."""


@dataclass(frozen=True)
class Token:
    value: str
    # The renewal count of this token (None: a token saved by hand, never renewed). A caller
    # whose token was refused names it, so that only a token nobody renewed since is renewed.
    version: int | None


def backoff(failures: int) -> timedelta:
    return min(FIRST_RETRY * (1 << max(failures - 1, 0)), LONGEST_RETRY)


def token_state(grant: MailboxOAuth, *, now: datetime) -> TokenState:
    if grant.refused:
        return "refused"
    if grant.next_refresh_at is not None and grant.error:
        return "failing"
    if grant.expires_at is not None and grant.expires_at > now:
        return "valid"
    return "expired"


def _refusal(grant: MailboxOAuth) -> TokenProblem:
    return TokenProblem(
        f"the provider refused to renew the access token ({grant.error}): connect the mailbox "
        "again with a new refresh token"
    )


async def current_token(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    account_id: int,
    owner: str,
    refused: Token | None = None,
) -> Token:
    """A usable access token for the mailbox: the stored one while it has time left, else a new
    one. `refused`: the server just refused this token, renew it unless someone already did."""
    deadline = time.monotonic() + CLAIM.total_seconds() + 5
    while True:
        now = utcnow()
        async with unit_of_work(sessionmaker) as session:
            found = (
                await session.execute(
                    select(MailboxAccount.secret, MailboxOAuth)
                    .outerjoin(MailboxOAuth, MailboxOAuth.account_id == MailboxAccount.id)
                    .options(
                        undefer(MailboxOAuth.refresh_token), undefer(MailboxOAuth.client_secret)
                    )
                    .where(MailboxAccount.id == account_id)
                    .execution_options(populate_existing=True)
                )
            ).one_or_none()
            if found is None:
                raise TokenProblem("the mailbox was removed")
            secret, grant = found
            if grant is None:
                return Token(secret, None)
            if grant.refused:
                raise _refusal(grant)
            expires = grant.expires_at
            fresh = bool(secret) and expires is not None and expires > now + MARGIN
            # After a refusal, only a token renewed since (another process did) is worth a try.
            if fresh and (refused is None or refused.version != grant.version):
                return Token(secret, grant.version)
            if grant.next_refresh_at is not None and grant.next_refresh_at > now:
                raise TokenProblem(f"cannot renew the access token: {grant.error}")
            taken = await session.execute(
                update(MailboxOAuth)
                .where(
                    MailboxOAuth.id == grant.id,
                    MailboxOAuth.version == grant.version,
                    or_(MailboxOAuth.refresh_until.is_(None), MailboxOAuth.refresh_until < now),
                )
                .values(refresh_owner=owner, refresh_until=now + CLAIM)
                .execution_options(synchronize_session=False)
            )
            request = (
                grant.id,
                grant.token_url,
                grant.client_id,
                grant.client_secret,
                grant.refresh_token,
                grant.scope,
            )
        if getattr(taken, "rowcount", 0) == 1:
            return await _renew(sessionmaker, owner=owner, account_id=account_id, request=request)
        # Another process is renewing: its token will do, once stored.
        if time.monotonic() > deadline:
            raise TokenProblem("another process is renewing the access token; trying later")
        await asyncio.sleep(POLL)


async def _renew(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    owner: str,
    account_id: int,
    request: tuple[int, str, str, str | None, str, str | None],
) -> Token:
    grant_id, token_url, client_id, client_secret, refresh_token, scope = request
    held = (MailboxOAuth.id == grant_id, MailboxOAuth.refresh_owner == owner)
    released = {"refresh_owner": None, "refresh_until": None}
    try:
        answer = await oauth.refresh_access_token(
            token_url,
            client_id=client_id,
            client_secret=client_secret,
            refresh_token=refresh_token,
            scope=scope,
        )
    except (oauth.TokenRefused, oauth.TokenUnavailable) as exc:
        now = utcnow()
        final = isinstance(exc, oauth.TokenRefused)
        async with unit_of_work(sessionmaker) as session:
            grant = await session.get(MailboxOAuth, grant_id, populate_existing=True)
            if grant is not None and grant.refresh_owner == owner:
                grant.error, grant.error_at = str(exc)[:2000], now
                grant.refresh_owner = grant.refresh_until = None
                grant.updated_at = now
                if final:
                    grant.refused = True
                else:
                    grant.failures += 1
                    grant.next_refresh_at = now + backoff(grant.failures)
        if final:
            raise TokenProblem(
                f"the provider refused to renew the access token ({exc}): connect the mailbox "
                "again with a new refresh token"
            ) from exc
        raise TokenProblem(f"cannot renew the access token: {exc}") from exc
    except BaseException:
        async with unit_of_work(sessionmaker) as session:
            await session.execute(update(MailboxOAuth).where(*held).values(**released))
        raise
    now = utcnow()
    lifetime = (
        timedelta(seconds=answer.expires_in) if answer.expires_in is not None else DEFAULT_LIFETIME
    )
    async with unit_of_work(sessionmaker) as session:
        stored = await session.execute(
            update(MailboxOAuth)
            .where(*held)
            .values(
                version=MailboxOAuth.version + 1,
                expires_at=now + lifetime,
                refreshed_at=now,
                refresh_token=answer.refresh_token or refresh_token,
                refused=False,
                error=None,
                error_at=None,
                failures=0,
                next_refresh_at=None,
                updated_at=now,
                **released,
            )
            .returning(MailboxOAuth.version)
            .execution_options(synchronize_session=False)
        )
        version = stored.scalar_one_or_none()
        if version is not None:
            await session.execute(
                update(MailboxAccount)
                .where(MailboxAccount.id == account_id)
                .values(secret=answer.access_token)
                .execution_options(synchronize_session=False)
            )
    # Not stored (this process stalled past its claim and another took over): the token still
    # works for this use.
    return Token(answer.access_token, version)
