"""The public rating page under /rate: no login, the signed link is the credential. Every
refusal is a page a person can read (never a JSON error, never a 500)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from frontdesk.deps import SessionDep
from frontdesk.errors import FrontdeskError, Invalid
from frontdesk.kit.methods import HEAD_KEY
from frontdesk.ratings import links, page, service
from frontdesk.ratings.errors import LinkExpired, RatingFinal
from frontdesk.ratings.models import RatingScore

router = APIRouter(prefix=links.PATH, include_in_schema=False)

Token = Annotated[str, Path(max_length=80)]
QUESTION = "How would you rate the support you received?"
MAX_FORM_BYTES = 16_384


def _html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status, headers=page.PAGE_HEADERS)


def _refusal(error: FrontdeskError) -> HTMLResponse:
    if isinstance(error, LinkExpired):
        text = (
            "This rating link has expired. Thank you all the same; if something is still "
            "wrong, reply to any of our emails."
        )
        return _html(page.message_page("This link has expired", text), 410)
    if isinstance(error, RatingFinal):
        text = "You already rated this conversation, and the answer can no longer be changed."
        return _html(page.message_page("Thanks, we have your answer", text), 409)
    text = "This rating link is not valid. It may be incomplete, or a newer email replaced it."
    return _html(page.message_page("This link does not work", text), 404)


def _saved_page(target: service.LinkTarget, token: str, *, error: str | None = None) -> str:
    if target.rating is None:
        raise FrontdeskError("no rating")
    return page.rating_page(
        action=f"{links.PATH}/{token}",
        question=target.question or QUESTION,
        inbox_name=target.inbox_name,
        ticket_number=target.ticket.number,
        rating=target.rating,
        saved="Thanks! Your answer is saved." if error is None else "Your comment was not saved.",
        error=error,
    )


@router.get("/{token}/{score}", response_class=HTMLResponse)
async def click(token: Token, score: str, request: Request, session: SessionDep) -> HTMLResponse:
    """One click of the email: records the score (or changes it) and offers a comment box.
    A HEAD (link checkers and mail scanners send them) records nothing."""
    if score not in RatingScore.__members__:
        return _refusal(FrontdeskError("bad score"))
    if request.scope.get(HEAD_KEY):
        return await show(token, session)
    try:
        target = await service.rate_by_link(
            session, token=token, score=RatingScore(score), comment=None
        )
    except FrontdeskError as error:
        return _refusal(error)
    return _html(_saved_page(target, token))


@router.get("/{token}", response_class=HTMLResponse)
async def show(token: Token, session: SessionDep) -> HTMLResponse:
    try:
        target = await service.resolve_link(session, token=token)
    except FrontdeskError as error:
        return _refusal(error)
    if target.rating is None:
        text = "Choose one of the answers in the email to rate this conversation."
        return _html(page.message_page("How did we do?", text))
    return _html(_saved_page(target, token))


@router.post("/{token}", response_class=HTMLResponse)
async def save(token: Token, request: Request, session: SessionDep) -> HTMLResponse:
    """The page's form: the score (to change it) and the comment."""
    body = await request.body()
    form = parse_qs(body[:MAX_FORM_BYTES].decode("utf-8", "replace"), max_num_fields=10)
    score = (form.get("score") or [""])[0]
    comment = (form.get("comment") or [""])[0]
    try:
        target = await service.resolve_link(session, token=token)
        if target.rating is None:
            # The form exists only after a click: without one there is nothing to comment on.
            return _refusal(FrontdeskError("no rating"))
        chosen = RatingScore(score) if score in RatingScore.__members__ else target.rating.score
        try:
            target = await service.rate_by_link(session, token=token, score=chosen, comment=comment)
        except Invalid as invalid:
            return _html(_saved_page(target, token, error=invalid.message), 422)
    except FrontdeskError as error:
        return _refusal(error)
    return _html(_saved_page(target, token))
