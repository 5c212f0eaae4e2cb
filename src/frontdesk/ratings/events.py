"""The rating event: desks of the ticket's inbox (who may see the ticket) hear each rating given
or changed, and show it on the ticket and in the customer's history."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.ratings.models import Rating
from frontdesk.realtime.catalogue import RatingEvent, RatingRecorded, RatingSummary
from frontdesk.realtime.envelope import inbox_topic
from frontdesk.realtime.publisher import record


def rating_summary(rating: Rating, *, agent_ids: list[int]) -> RatingSummary:
    return RatingSummary(
        id=rating.id,
        ticket_id=rating.ticket_id,
        chat_id=rating.chat_id,
        customer_id=rating.customer_id,
        inbox_id=rating.inbox_id,
        agent_ids=agent_ids,
        score=rating.score.value,
        comment=rating.comment,
        channel=rating.channel.value,
        created_at=rating.created_at.isoformat(),
        updated_at=rating.updated_at.isoformat(),
        changeable_until=rating.changeable_until.isoformat(),
    )


def record_rating(session: AsyncSession, rating: Rating, *, agent_ids: list[int]) -> None:
    record(
        session,
        type=RatingEvent.recorded,
        topics=[inbox_topic(rating.inbox_id)],
        data=RatingRecorded(rating=rating_summary(rating, agent_ids=agent_ids)),
    )
