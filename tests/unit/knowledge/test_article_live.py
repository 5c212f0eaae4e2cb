"""The knowledge base heard live over real desk sockets (docs/knowledge-base.md, "Editing
together"): every change of an article reaches every agent's desk (`article.changed`: every agent
reads every article, drafts included), a refused or empty save none; who has an article open in
the editor, and who holds unsaved changes in it, is heard as the tickets' viewers are and goes
with the tab."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.knowledge.models import ArticleViewer
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk, Published
from tests.realtime import Socket, desk_socket, serve
from tests.unit.support import count_rows, use_cheap_passwords

pytestmark = SQLITE_ONLY

URL = "/api/v1/knowledge/articles"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
async def live(app: FastAPI) -> AsyncIterator[str]:
    """host:port of the app under test, served by uvicorn on loopback."""
    async with serve(app) as host:
        yield host


def changes(sock: Socket) -> list[tuple[str, int, str, str]]:
    return [
        (f["data"]["change"], f["data"]["version"], f["data"]["status"], f["data"]["by"]["name"])
        for f in sock.of_type("article.changed")
    ]


async def test_every_change_reaches_every_agent_and_a_refused_one_none(
    live: str, desk: Desk, published: Published
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    # In no inbox at all: articles are the installation's, and she reads every one.
    bea = await desk.agent(name="Bea")
    olive = await desk.agent(role="admin", name="Olive")
    bea_ws = await desk_socket(live, bea)

    created = await ada.client.post(URL, json={"title": "Refunds", "body": "Ask us."})
    assert created.status_code == 201, created.text
    article = created.json()
    path = f"{URL}/{article['id']}"
    heard = await bea_ws.event("article.changed", change="created")
    assert heard["data"] == {
        "article_id": article["id"],
        "change": "created",
        "version": 1,
        "status": "draft",
        "title": "Refunds",
        "by": {"id": ada.id, "name": "Ada"},
    }

    saved = await ada.client.patch(path, json={"version": 1, "body": "Ask us within 30 days."})
    assert saved.status_code == 200, saved.text
    # Saved on a version it did not see: refused, and nobody hears of it. Nor of a save that
    # changes nothing.
    stale = await olive.client.patch(path, json={"version": 1, "body": "Mine."})
    assert stale.status_code == 409, stale.text
    same = await ada.client.patch(path, json={"version": 2, "body": "Ask us within 30 days."})
    assert same.status_code == 200, same.text
    assert (await olive.client.post(f"{path}/publish", json={"version": 2})).status_code == 200
    assert (await olive.client.post(f"{path}/unpublish", json={"version": 3})).status_code == 200
    assert (await olive.client.delete(path, params={"version": 4})).status_code == 204
    await bea_ws.event("article.changed", change="deleted")
    assert changes(bea_ws) == [
        ("created", 1, "draft", "Ada"),
        ("updated", 2, "draft", "Ada"),
        ("published", 3, "published", "Olive"),
        ("unpublished", 4, "draft", "Olive"),
        ("deleted", 4, "draft", "Olive"),
    ]
    await bea_ws.close()
    # Each held to the catalogue by the fixture; all to every agent, and only that.
    sent = [topics for name, topics, _keys in published.summary() if name == "article.changed"]
    assert sent == [["agents"]] * 5


def names(frame: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(v["user"]["name"], v["composing"]) for v in frame["data"]["viewers"]]


async def viewers_event(
    sock: Socket, article_id: int, expected: list[tuple[str, str | None]]
) -> None:
    """The next `article.viewers` of the article says `expected` (earlier ones are used up)."""
    seen = getattr(sock, "viewers_seen", 0)

    def latest(frame: dict[str, Any]) -> bool:
        return (
            frame.get("type") == "article.viewers"
            and frame["data"]["article_id"] == article_id
            and names(frame) == expected
            and sock.frames.index(frame) >= seen
        )

    frame = await sock.wait_for(latest)
    sock.viewers_seen = sock.frames.index(frame) + 1  # type: ignore[attr-defined]


async def presence(sock: Socket, article_id: int, **fields: Any) -> dict[str, Any]:
    return await sock.request({"type": "article_presence", "article_id": article_id, **fields})


@BOTH_STORES
async def test_who_edits_an_article_is_heard_live_and_goes_with_the_tab(
    app: FastAPI, live: str, desk: Desk, published: Published
) -> None:
    ada = await desk.agent(name="Ada")
    ben = await desk.agent(name="Ben")
    created = await ada.client.post(URL, json={"title": "Shipping", "body": ""})
    article_id = created.json()["id"]
    ada_ws = await desk_socket(live, ada)
    ben_ws, ben_other_tab = await desk_socket(live, ben), await desk_socket(live, ben)

    ack = await presence(ada_ws, article_id, viewing=True)
    assert ack["type"] == "ack"
    assert names(ack) == [("Ada", None)]
    await presence(ben_ws, article_id, viewing=True)
    await viewers_event(ada_ws, article_id, [("Ada", None), ("Ben", None)])
    # Ben types in one of his two editors: he is editing, whatever the other tab shows.
    await presence(ben_other_tab, article_id, viewing=True, composing="edit")
    await viewers_event(ada_ws, article_id, [("Ada", None), ("Ben", "edit")])
    await ben_other_tab.close()
    await viewers_event(ada_ws, article_id, [("Ada", None), ("Ben", None)])
    await ben_ws.close()
    await viewers_event(ada_ws, article_id, [("Ada", None)])
    assert await count_rows(app, ArticleViewer, ArticleViewer.user_id == ben.id) == 0

    refused = await presence(ada_ws, 999_999, viewing=True)
    assert refused["type"] == "error"
    assert refused["error"]["code"] == "not_found"
    await presence(ada_ws, article_id, viewing=False)
    assert await count_rows(app, ArticleViewer) == 0
    await ada_ws.close()
    viewers = [topics for name, topics, _keys in published.summary() if name == "article.viewers"]
    assert viewers
    assert all(topics == ["agents"] for topics in viewers)
