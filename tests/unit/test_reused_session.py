"""One session for transaction after transaction (db/session.py, ReusedSession; the realtime
message writer's): each transaction starts as a new session would, and commits, rolls back and
runs its after-commit hooks as `unit_of_work` does."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import update

from frontdesk.db.session import ReusedSession, after_commit, unit_of_work
from frontdesk.users.models import Role, User
from tests.conftest import Desk


async def test_a_transaction_trusts_nothing_an_earlier_one_read(app: FastAPI, desk: Desk) -> None:
    grace = await desk.user(role="admin", name="Grace")
    reused = ReusedSession(app.state.sessionmaker)
    async with reused.unit_of_work() as session:
        first = await session.get_one(User, grace["id"])
        session.info["cached for this transaction"] = first
    assert first.role is Role.admin
    async with unit_of_work(app.state.sessionmaker) as elsewhere:
        await elsewhere.execute(update(User).where(User.id == grace["id"]).values(role=Role.agent))

    async with reused.unit_of_work() as session:
        # `first` is still held here: a session that kept it would hand it back as it was.
        again = await session.get_one(User, grace["id"])
        assert again is not first
        assert again.role is Role.agent
        assert "cached for this transaction" not in session.info


async def test_a_failed_transaction_leaves_nothing_and_the_next_one_works(
    app: FastAPI, desk: Desk
) -> None:
    grace = await desk.user(name="Grace")
    reused = ReusedSession(app.state.sessionmaker)
    ran: list[str] = []

    async def hook() -> None:
        ran.append("after commit")

    async def failing() -> None:
        async with reused.unit_of_work() as session:
            (await session.get_one(User, grace["id"])).name = "Not Grace"
            after_commit(session, hook)
            raise RuntimeError("the work failed")

    with pytest.raises(RuntimeError, match="the work failed"):
        await failing()
    async with reused.unit_of_work() as session:
        assert (await session.get_one(User, grace["id"])).name == "Grace"
        assert ran == []  # the failed transaction's hook went with it
        (await session.get_one(User, grace["id"])).name = "Grace Hopper"
        after_commit(session, hook)
    assert ran == ["after commit"]
    async with app.state.sessionmaker() as session:
        assert (await session.get_one(User, grace["id"])).name == "Grace Hopper"
