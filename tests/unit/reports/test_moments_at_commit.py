"""Metric moments wait for their transaction's commit (db/session.add_at_commit), and exactly the
moments of what committed are stored: however the transaction commits, never those of a
rollback, never those of a savepoint rolled back."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.db.session import add_at_commit, drop_hooks_since, hooks_mark, unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.metrics.models import Channel, MetricMoment, MomentKind, quarter_of
from tests.conftest import Desk


def moment(inbox_id: int, seconds: float) -> MetricMoment:
    """A moment told apart by its seconds."""
    at = utcnow()
    return MetricMoment(
        kind=MomentKind.response,
        at=at,
        quarter=quarter_of(at),
        inbox_id=inbox_id,
        channel=Channel.email,
        seconds=seconds,
    )


async def stored(app: FastAPI) -> list[float]:
    async with app.state.sessionmaker() as session:
        return sorted(
            s for s in await session.scalars(select(MetricMoment.seconds)) if s is not None
        )


async def failing_savepoint(session: AsyncSession, row: MetricMoment) -> None:
    async with session.begin_nested():
        add_at_commit(session, row)
        raise RuntimeError("this action failed")


async def test_a_moment_is_stored_by_a_plain_commit_and_none_by_a_rollback(
    app: FastAPI, desk: Desk
) -> None:
    inbox_id = (await desk.inbox())["id"]
    async with app.state.sessionmaker() as session:
        add_at_commit(session, moment(inbox_id, 1.0))
        await session.rollback()
        add_at_commit(session, moment(inbox_id, 2.0))
        await session.commit()
    assert await stored(app) == [2.0]


async def test_a_savepoint_rolled_back_drops_its_moments_and_keeps_the_others(
    app: FastAPI, desk: Desk
) -> None:
    inbox_id = (await desk.inbox())["id"]
    async with unit_of_work(app.state.sessionmaker) as session:
        add_at_commit(session, moment(inbox_id, 1.0))
        async with session.begin_nested():
            add_at_commit(session, moment(inbox_id, 2.0))  # released: kept
        mark = hooks_mark(session)
        with pytest.raises(RuntimeError):
            await failing_savepoint(session, moment(inbox_id, 3.0))
        drop_hooks_since(session, mark)
        add_at_commit(session, moment(inbox_id, 4.0))
    assert await stored(app) == [1.0, 2.0, 4.0]
