"""What the messenger and the desk read about the chats going on now does not grow with the chats
of the past.

Ending a chat leaves its participants in it, and most chats have ended, so a read that asks for
"not ended", or starts from an agent's participations, reads the desk's whole history; a read of
an inbox's answered chats with no index for it reads and sorts every chat. On SQLite (no
statistics, and every statement on the event loop's thread) that was every messenger's status,
every chat bar and every offer. The work is counted in SQLite's virtual machine steps, which do
not depend on the machine's speed."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy import text

from tests.conftest import SQLITE_ITSELF, Agent, Desk
from tests.unit.support import online, sqlite_steps

pytestmark = SQLITE_ITSELF

# Each past chat waited this long for its agent: what the messenger's estimate comes from.
PAST_WAIT_SECONDS = 30


async def add_past_chats(app: FastAPI, *, like: int, count: int) -> None:
    """`count` ended chats copied from chat `like`: the same inbox, visitor and agents, each
    answered PAST_WAIT_SECONDS after it started, earlier than `like` was."""
    async with app.state.engine.begin() as connection:
        first = (await connection.execute(text("SELECT max(id) + 1 FROM chats"))).scalar_one()
        await connection.execute(
            text(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)"
                " INSERT INTO chats (id, inbox_id, visitor_id, state, end_reason, last_seq,"
                " visitor_name, visitor_verified, started_at, answered_at, ended_at,"
                " last_message_text, last_visitor_seq)"
                " SELECT :first + n.i, c.inbox_id, c.visitor_id, 'ended', 'agent', c.last_seq,"
                " c.visitor_name, c.visitor_verified,"
                " strftime('%Y-%m-%d %H:%M:%f000', c.started_at, -(n.i * 600) || ' seconds'),"
                " strftime('%Y-%m-%d %H:%M:%f000', c.started_at,"
                "          -(n.i * 600 - :wait) || ' seconds'),"
                " strftime('%Y-%m-%d %H:%M:%f000', c.started_at,"
                "          -(n.i * 600 - 300) || ' seconds'),"
                " c.last_message_text, c.last_visitor_seq"
                " FROM n, chats AS c WHERE c.id = :like"
            ),
            {"count": count, "first": first - 1, "like": like, "wait": PAST_WAIT_SECONDS},
        )
        # Each was offered to its agent, who took it.
        await connection.execute(
            text(
                "INSERT INTO chat_offers (chat_id, user_id, offered_at, expires_at, outcome,"
                " decided_at)"
                " SELECT c.id, p.user_id, c.started_at, c.answered_at, 'accepted', c.answered_at"
                " FROM chats AS c, chat_participants AS p"
                " WHERE c.id >= :first AND p.chat_id = :like"
            ),
            {"first": first, "like": like},
        )
        # Their agents stay in them, as ending a chat leaves them.
        await connection.execute(
            text(
                "INSERT INTO chat_participants (chat_id, user_id, joined_at, left_at, read_seq)"
                " SELECT c.id, p.user_id, c.answered_at, NULL, p.read_seq"
                " FROM chats AS c, chat_participants AS p"
                " WHERE c.id >= :first AND p.chat_id = :like"
            ),
            {"first": first, "like": like},
        )


async def reads(app: FastAPI, ada: Agent, key: str) -> dict[str, tuple[int, Any]]:
    """Each read's steps (in hundreds) and its answer."""
    done: dict[str, tuple[int, Any]] = {}
    for name, client, path in (
        ("messenger status", ada.client, f"/messenger/v1/status?inbox={key}"),
        ("ongoing chats", ada.client, "/api/v1/chats"),
        ("chat bar", ada.client, "/api/v1/chats/bar"),
        ("agents", ada.client, "/api/v1/chats/agents"),
    ):
        async with sqlite_steps(app) as steps:
            response = await client.get(path)
        assert response.status_code == 200, response.text
        done[name] = steps[0], response.json()
    return done


async def test_the_live_reads_cost_the_same_with_two_thousand_past_chats(
    app: FastAPI, desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    # One chat at a time: with hers going on, Ada is full, and the messenger tells the next
    # visitor how long they would wait.
    ada = await desk.agent(inboxes=[inbox], name="Ada", max_concurrent_chats=1)
    await online(ada)
    visitor = await visitors(inbox)
    chat = await visitor.start_chat("Where is my parcel?")
    joined = await ada.client.post(f"/api/v1/chats/{chat['id']}/join")
    assert joined.status_code == 200, joined.text

    await add_past_chats(app, like=chat["id"], count=20)
    few = await reads(app, ada, inbox["public_key"])
    await add_past_chats(app, like=chat["id"], count=2_000)
    many = await reads(app, ada, inbox["public_key"])

    for done in (few, many):
        status = done["messenger status"][1]
        assert (status["state"], status["online"]) == ("away", True)
        # The median wait of the inbox's last twenty answered chats: the past ones (the one
        # going on was answered at once, and is the latest).
        assert (status["queue_position"], status["estimated_wait_seconds"]) == (
            1,
            PAST_WAIT_SECONDS,
        )
        assert [row["id"] for row in done["ongoing chats"][1]] == [chat["id"]]
        assert [row["chat"]["id"] for row in done["chat bar"][1]] == [chat["id"]]
        (agent,) = [row for row in done["agents"][1] if row["id"] == ada.id]
        assert agent["active_chats"] == 1
    for name in few:
        # A hundred times the history, the same work (give or take the b-trees' depth).
        assert many[name][0] <= few[name][0] * 1.2 + 5, (name, few[name][0], many[name][0])


async def test_offers_read_the_open_offers_not_every_offer_an_agent_was_made(
    app: FastAPI, desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin")
    # Chats are offered to one agent at a time, who accepts or passes.
    assignment = await admin.client.put(
        f"/api/v1/inboxes/{inbox['id']}/assignment",
        json={"mode": "round_robin", "ticket_limit": 10, "offer_chats": True},
    )
    assert assignment.status_code == 200, assignment.text
    grace = await desk.agent(inboxes=[inbox], name="Grace", max_concurrent_chats=3)
    await online(grace)
    first = await (await visitors(inbox)).start_chat("An old question")
    joined = await grace.client.post(f"/api/v1/chats/{first['id']}/join")
    assert joined.status_code == 200, joined.text

    done: list[tuple[int, int]] = []
    for count in (20, 2_000):
        await add_past_chats(app, like=first["id"], count=count)
        visitor = await visitors(inbox)
        async with sqlite_steps(app) as started:
            chat = await visitor.start_chat("Are you there?")
        # Offered to Grace, who has room for it.
        bar = (await grace.client.get("/api/v1/chats/bar")).json()
        (offered,) = [row for row in bar if row["chat"]["id"] == chat["id"]]
        assert offered["color"] == "red"
        assert offered["offer_expires_in"] is not None
        # She goes offline: the chats offered to her move on at once.
        async with sqlite_steps(app) as passed:
            await online(grace, available=False)
        bar = (await grace.client.get("/api/v1/chats/bar")).json()
        assert [row["chat"]["id"] for row in bar] == [first["id"]]
        # With nobody left online to take it, the chat ended: the next round starts as this one.
        state = (await grace.client.get(f"/api/v1/chats/{chat['id']}")).json()["state"]
        assert state == "ended"
        await online(grace)
        done.append((started[0], passed[0]))
    (start_few, pass_few), (start_many, pass_many) = done
    assert start_many <= start_few * 1.2 + 5, done
    assert pass_many <= pass_few * 1.2 + 5, done


async def test_deleting_a_label_reads_its_own_chats(
    app: FastAPI, desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin", inboxes=[inbox])
    await online(admin)
    first = await (await visitors(inbox)).start_chat("An old question")
    done = []
    for count in (20, 2_000):
        await add_past_chats(app, like=first["id"], count=count)
        labels = []
        for name in (f"busy-{count}", f"rare-{count}"):
            created = await admin.client.post(
                "/api/v1/labels", json={"name": name, "color": "#336699"}
            )
            assert created.status_code == 201, created.text
            labels.append(created.json()["id"])
        busy, rare = labels
        # The busy label is on every past chat, the rare one on the live chat alone.
        async with app.state.engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO chat_labels (chat_id, label_id)"
                    " SELECT id, :busy FROM chats WHERE state = 'ended'"
                    " UNION ALL SELECT :chat, :rare"
                ),
                {"busy": busy, "rare": rare, "chat": first["id"]},
            )
        async with sqlite_steps(app) as steps:
            deleted = await admin.client.delete(f"/api/v1/labels/{rare}")
        assert deleted.status_code == 204, deleted.text
        # The rare label left the live chat, and the busy one stayed on every past chat.
        async with app.state.engine.connect() as connection:
            left = await connection.execute(
                text("SELECT label_id, count(*) FROM chat_labels GROUP BY label_id")
            )
            ended = await connection.scalar(
                text("SELECT count(*) FROM chats WHERE state = 'ended'")
            )
        assert dict(left.all()) == {busy: ended}
        # The busy label goes too, unmeasured, so that each round starts alike.
        assert (await admin.client.delete(f"/api/v1/labels/{busy}")).status_code == 204
        done.append(steps[0])
    few, many = done
    assert many <= few * 1.2 + 5, done
