"""The public rating page under /rate: no login, the signed link is the credential. Every
refusal is a page a person can read (never a JSON error, never a 500)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from frontdesk.deps import SessionDep
from frontdesk.errors import FrontdeskError, Invalid
from frontdesk.kit.methods import is_head
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


def _asking(target: service.LinkTarget, token: str) -> page.Asking:
    return page.Asking(
        action=f"{links.PATH}/{token}",
        question=target.question or QUESTION,
        inbox_name=target.inbox_name,
        ticket_number=target.ticket.number,
    )


def _saved_page(target: service.LinkTarget, token: str, *, error: str | None = None) -> str:
    if target.rating is None:
        raise FrontdeskError("no rating")
    return page.rating_page(
        _asking(target, token),
        rating=target.rating,
        saved="Thanks! Your answer is saved." if error is None else "Your comment was not saved.",
        error=error,
    )


def _answer_page(
    target: service.LinkTarget, token: str, score: str, comment: str, error: str | None = None
) -> str:
    return page.answer_page(_asking(target, token), score=score, comment=comment, error=error)


@router.get("/{token}/{score}", response_class=HTMLResponse)
async def click(token: Token, score: str, request: Request, session: SessionDep) -> HTMLResponse:
    """One click of the email: a page that sends that answer by itself (a GET records nothing,
    so a mail scanner fetching every link gives no rating), with the comment box. A HEAD (link
    checkers send them) shows what is recorded."""
    if score not in RatingScore.__members__:
        return _refusal(FrontdeskError("bad score"))
    if is_head(request.scope):
        return await show(token, session)
    try:
        target = await service.open_link(session, token=token)
    except FrontdeskError as error:
        return _refusal(error)
    comment = target.rating.comment if target.rating is not None else ""
    return _html(_answer_page(target, token, score, comment))


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
    """The page's form: the answer (gives the rating, or changes it) and the comment."""
    body = await request.body()
    form = parse_qs(
        body[:MAX_FORM_BYTES].decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=10
    )
    score = (form.get("score") or [""])[0]
    # A form without the field leaves the comment as it is (the page's forms always send it).
    comment = form["comment"][0] if "comment" in form else None
    if score and score not in RatingScore.__members__:
        text = "Choose one of the answers on the page: good, okay or bad."
        return _html(page.message_page("This is not an answer", text), 422)
    try:
        target = await service.resolve_link(session, token=token)
        if score in RatingScore.__members__:
            chosen = RatingScore(score)
        elif target.rating is not None:
            chosen = target.rating.score
        else:
            # A comment alone, with no answer given yet: nothing to attach it to.
            return _refusal(FrontdeskError("no rating"))
        try:
            target = await service.rate_by_link(session, token=token, score=chosen, comment=comment)
        except Invalid as invalid:
            if target.rating is not None:
                return _html(_saved_page(target, token, error=invalid.message), 422)
            return _html(
                _answer_page(target, token, chosen.value, comment or "", invalid.message), 422
            )
    except FrontdeskError as error:
        return _refusal(error)
    return _html(_saved_page(target, token))
