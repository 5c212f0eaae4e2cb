"""Translations heard live over real desk sockets (docs/knowledge-base.md, "Languages"): a
colleague's save, publication, mark up to date and deletion of a translation reach every
agent's desk (`article.translation_changed`, naming the language, the translation's version and
status, and who, never its words), so an editor open on the article reads it again at once
instead of meeting a 409 at its own save; a refused save and a save that changes nothing, none."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from tests.conftest import BOTH_STORES, Desk, Published
from tests.realtime import Socket, desk_socket, serve
from tests.unit.support import use_cheap_passwords

pytestmark = BOTH_STORES

URL = "/api/v1/knowledge/articles"
EVENT = "article.translation_changed"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
async def live(app: FastAPI) -> AsyncIterator[str]:
    """host:port of the app under test, served by uvicorn on loopback."""
    async with serve(app) as host:
        yield host


def changes(sock: Socket) -> list[tuple[str, str, int, str, str]]:
    return [
        (d["language"], d["change"], d["version"], d["status"], d["by"]["name"])
        for d in (f["data"] for f in sock.of_type(EVENT))
    ]


async def test_a_colleagues_translation_changes_reach_the_other_agents_desk(
    live: str, desk: Desk, published: Published
) -> None:
    ada = await desk.agent(name="Ada")
    olive = await desk.agent(role="admin", name="Olive")
    created = await ada.client.post(URL, json={"title": "Refunds", "body": "Ask us."})
    assert created.status_code == 201, created.text
    article = created.json()
    path = f"{URL}/{article['id']}/translations/fr"
    # Ada has the article open in her editor; Olive translates it.
    ada_ws = await desk_socket(live, ada)

    added = await olive.client.put(path, json={"title": "Remboursements", "body": "Demandez."})
    assert added.status_code == 200, added.text
    heard = await ada_ws.event(EVENT, change="created")
    assert heard["data"] == {
        "article_id": article["id"],
        "language": "fr",
        "change": "created",
        "version": 1,
        "status": "draft",
        "by": {"id": olive.id, "name": "Olive"},
    }
    saved = await olive.client.put(
        path, json={"version": 1, "title": "Remboursements", "body": "Demandez-nous."}
    )
    assert saved.status_code == 200, saved.text
    # Ada's save on the version she read is refused, and nobody hears of it; nor of a save
    # that changes nothing.
    stale = await ada.client.put(path, json={"version": 1, "title": "Mine", "body": "Mine."})
    assert stale.status_code == 409, stale.text
    same = await olive.client.put(
        path, json={"version": 2, "title": "Remboursements", "body": "Demandez-nous."}
    )
    assert same.status_code == 200, same.text
    assert same.json()["version"] == 2
    # The original changes (its own event), and Olive marks the translation up to date: a
    # save of the same words.
    original = await olive.client.patch(
        f"{URL}/{article['id']}", json={"version": 1, "body": "Ask us within 30 days."}
    )
    assert original.status_code == 200, original.text
    marked = await olive.client.put(
        path, json={"version": 2, "title": "Remboursements", "body": "Demandez-nous."}
    )
    assert marked.status_code == 200, marked.text
    published_now = await olive.client.put(
        path,
        json={"version": 3, "title": "Remboursements", "body": "Demandez-nous.", "published": True},
    )
    assert published_now.status_code == 200, published_now.text
    gone = await olive.client.delete(path, params={"version": 4})
    assert gone.status_code == 204, gone.text
    await ada_ws.event(EVENT, change="deleted")
    assert changes(ada_ws) == [
        ("fr", "created", 1, "draft", "Olive"),
        ("fr", "updated", 2, "draft", "Olive"),
        ("fr", "updated", 3, "draft", "Olive"),
        ("fr", "published", 4, "published", "Olive"),
        ("fr", "deleted", 4, "published", "Olive"),
    ]
    await ada_ws.close()
    # All to every agent, and only that (the fixture holds each to the catalogue).
    sent = [topics for name, topics, _keys in published.summary() if name == EVENT]
    assert sent == [["agents"]] * 5
