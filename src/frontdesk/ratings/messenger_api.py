"""The visitor's rating of their ended chat, under /messenger/v1."""

from __future__ import annotations

from fastapi import APIRouter

from frontdesk.chats.messenger_deps import CurrentVisitor, VisitorFirst
from frontdesk.deps import SessionDep
from frontdesk.kit.schemas import Id
from frontdesk.ratings import service
from frontdesk.ratings.models import Rating
from frontdesk.ratings.schemas import VisitorRating, VisitorRatingOffer, VisitorRatingWrite

router = APIRouter(prefix="/messenger/v1", tags=["messenger"], route_class=VisitorFirst)


def _offer(offered: bool, question: str, rating: Rating | None) -> VisitorRatingOffer:
    return VisitorRatingOffer(
        offered=offered,
        question=question,
        rating=VisitorRating.model_validate(rating) if rating else None,
    )


@router.get("/chats/{chat_id}/rating", response_model=VisitorRatingOffer)
async def get_rating(
    chat_id: Id, visitor: CurrentVisitor, session: SessionDep
) -> VisitorRatingOffer:
    offer = await service.chat_offer(session, visitor=visitor, chat_id=chat_id)
    return _offer(offer.offered, offer.question, offer.rating)


@router.post("/chats/{chat_id}/rating", response_model=VisitorRatingOffer)
async def rate(
    chat_id: Id, body: VisitorRatingWrite, visitor: CurrentVisitor, session: SessionDep
) -> VisitorRatingOffer:
    """Gives the rating, or changes it within a day of giving it (409 `rating_final` after)."""
    rating = await service.rate_chat(
        session, visitor=visitor, chat_id=chat_id, score=body.score, comment=body.comment
    )
    offer = await service.chat_offer(session, visitor=visitor, chat_id=chat_id)
    return _offer(True, offer.question, rating)
