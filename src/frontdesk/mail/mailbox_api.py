"""An inbox's mailbox at a mail provider, fetched over IMAP: settings and status, for admins."""

from __future__ import annotations

from fastapi import APIRouter, status

from frontdesk.deps import AuthenticateFirst, CurrentAdmin, SessionDep
from frontdesk.errors import NotFound
from frontdesk.inboxes import service as inboxes_service
from frontdesk.kit.schemas import Id
from frontdesk.mail import mailboxes
from frontdesk.mail.schemas import MailboxRead, MailboxWrite

router = APIRouter(prefix="/inboxes", tags=["inboxes"], route_class=AuthenticateFirst)


@router.get("/{inbox_id}/mailbox", response_model=MailboxRead)
async def get_mailbox(inbox_id: Id, admin: CurrentAdmin, session: SessionDep) -> MailboxRead:
    inbox = await inboxes_service.get_inbox(session, user=admin, inbox_id=inbox_id)
    account = await mailboxes.get_mailbox(session, inbox=inbox)
    if account is None:
        raise NotFound("This inbox fetches no mailbox.", code="no_mailbox")
    return MailboxRead.model_validate(account)


@router.put("/{inbox_id}/mailbox", response_model=MailboxRead)
async def put_mailbox(
    inbox_id: Id, body: MailboxWrite, admin: CurrentAdmin, session: SessionDep
) -> MailboxRead:
    inbox = await inboxes_service.get_inbox(session, user=admin, inbox_id=inbox_id)
    account = await mailboxes.set_mailbox(session, inbox=inbox, **body.model_dump())
    return MailboxRead.model_validate(account)


@router.delete("/{inbox_id}/mailbox", status_code=status.HTTP_204_NO_CONTENT)
async def delete_mailbox(inbox_id: Id, admin: CurrentAdmin, session: SessionDep) -> None:
    inbox = await inboxes_service.get_inbox(session, user=admin, inbox_id=inbox_id)
    await mailboxes.remove_mailbox(session, inbox=inbox)
