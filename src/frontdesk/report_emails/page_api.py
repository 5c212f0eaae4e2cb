"""The unsubscribe page under /report-emails/unsubscribe: no login, the signed link is the
credential. Every answer is a page a person can read (never a JSON error)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.db.context import settings_of
from frontdesk.deps import SessionDep
from frontdesk.errors import NotFound
from frontdesk.report_emails import links, page, service
from frontdesk.report_emails.digest import filter_words
from frontdesk.report_emails.models import Frequency, ReportSubscription
from frontdesk.users.models import User

router = APIRouter(prefix=links.PATH, include_in_schema=False)

Token = Annotated[str, Path(max_length=80)]


def _html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status, headers=page.PAGE_HEADERS)


def _refusal() -> HTMLResponse:
    text = (
        "This unsubscribe link is not valid. It may be incomplete, or the report email was "
        "already removed. You can see your report emails on the Reports page."
    )
    return _html(page.message_page("This link does not work", text), 404)


async def _described(session: AsyncSession, subscription: ReportSubscription) -> str:
    kind = "daily" if subscription.frequency is Frequency.daily else "weekly"
    names = await service.names_of(
        session,
        inbox_id=subscription.inbox_id,
        channel=subscription.channel,
        agent_id=subscription.agent_id,
        label_id=subscription.label_id,
    )
    return f"{kind} support report ({filter_words(names, 'en')})"


@router.get("/{token}", response_class=HTMLResponse)
async def ask(token: Token, session: SessionDep) -> HTMLResponse:
    """Asks to confirm: a GET removes nothing."""
    try:
        subscription = await service.by_link(
            session, secret=settings_of(session).secret, token=token
        )
    except NotFound:
        return _refusal()
    user = await session.get(User, subscription.user_id)
    return _html(
        page.confirm_page(
            action=f"{links.PATH}/{token}",
            report=await _described(session, subscription),
            email=user.email if user else "",
        )
    )


@router.post("/{token}", response_class=HTMLResponse)
async def confirm(token: Token, session: SessionDep) -> HTMLResponse:
    """The page's form, or a mail program's one-click unsubscribe (RFC 8058): removes it."""
    try:
        subscription = await service.by_link(
            session, secret=settings_of(session).secret, token=token
        )
    except NotFound:
        return _refusal()
    await service.unsubscribe(session, subscription=subscription)
    text = "You will no longer get this report by email. Your other report emails are unchanged."
    return _html(page.message_page("You are unsubscribed", text))
