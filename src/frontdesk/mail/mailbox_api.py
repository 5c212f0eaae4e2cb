"""An inbox's mailbox at a mail provider, fetched over IMAP: settings and status, for admins."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.deps import AuthenticateFirst, CurrentAdmin, SessionDep
from frontdesk.errors import NotFound
from frontdesk.inboxes import service as inboxes_service
from frontdesk.kit.clock import utcnow
from frontdesk.kit.schemas import Id
from frontdesk.mail import mailboxes
from frontdesk.mail.models import MailboxAccount
from frontdesk.mail.schemas import MailboxOAuthRead, MailboxRead, MailboxWrite
from frontdesk.mail.tokens import token_state

router = APIRouter(prefix="/inboxes", tags=["inboxes"], route_class=AuthenticateFirst)


@router.get("/{inbox_id}/mailbox", response_model=MailboxRead)
async def get_mailbox(inbox_id: Id, admin: CurrentAdmin, session: SessionDep) -> MailboxRead:
    inbox = await inboxes_service.get_inbox(session, user=admin, inbox_id=inbox_id)
    account = await mailboxes.get_mailbox(session, inbox=inbox)
    if account is None:
        raise NotFound("This inbox fetches no mailbox.", code="no_mailbox")
    return await _read(session, account)


@router.put("/{inbox_id}/mailbox", response_model=MailboxRead)
async def put_mailbox(
    inbox_id: Id, body: MailboxWrite, admin: CurrentAdmin, session: SessionDep
) -> MailboxRead:
    inbox = await inboxes_service.get_inbox(session, user=admin, inbox_id=inbox_id)
    oauth = mailboxes.OAuthClient(**body.oauth.model_dump()) if body.oauth else None
    account = await mailboxes.set_mailbox(
        session, inbox=inbox, oauth=oauth, **body.model_dump(exclude={"oauth"})
    )
    return await _read(session, account)


@router.delete("/{inbox_id}/mailbox", status_code=status.HTTP_204_NO_CONTENT)
async def delete_mailbox(inbox_id: Id, admin: CurrentAdmin, session: SessionDep) -> None:
    inbox = await inboxes_service.get_inbox(session, user=admin, inbox_id=inbox_id)
    await mailboxes.remove_mailbox(session, inbox=inbox)


async def _read(session: AsyncSession, account: MailboxAccount) -> MailboxRead:
    grant = await mailboxes.get_oauth(session, account=account)
    oauth = (
        MailboxOAuthRead(
            token_url=grant.token_url,
            client_id=grant.client_id,
            scope=grant.scope,
            client_secret_set=await mailboxes.has_client_secret(session, grant=grant),
            state=token_state(grant, now=utcnow()),
            expires_at=grant.expires_at,
            refreshed_at=grant.refreshed_at,
            error=grant.error,
            error_at=grant.error_at,
            next_refresh_at=grant.next_refresh_at,
        )
        if grant is not None
        else None
    )
    return MailboxRead.model_validate(account).model_copy(update={"oauth": oauth})
