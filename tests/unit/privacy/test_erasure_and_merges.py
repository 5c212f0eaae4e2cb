"""An erasure meets merges that went further than one step: what another customer's ticket lent
to the erased customer's goes home wherever later merges took it, and an undo of a merge that an
erasure emptied in part puts back what is left (docs/privacy.md, docs/desk.md)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.unit.privacy.test_other_people import (
    CARL,
    MARIE,
    ZELDA,
    erase_zelda,
    mail,
    received,
    scene,
    texts,
)
from tests.unit.support import error_of

pytestmark = SQLITE_ONLY


async def merge(agent: Agent, source: int, target: int) -> dict[str, Any]:
    response = await agent.client.post(
        f"/api/v1/tickets/{source}/merge",
        json={"into_ticket_id": target, "other_customer": True},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def ticket(agent: Agent, ticket_id: int) -> dict[str, Any]:
    response = await agent.client.get(f"/api/v1/tickets/{ticket_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def events(thread: dict[str, Any]) -> list[str]:
    return [entry["text"] for entry in thread["entries"] if entry["kind"] == "event"]


class TestErasureAlongAMergeChain:
    @BOTH_STORES
    async def test_a_thread_merged_on_through_the_erased_ticket_goes_home(
        self, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        """Zelda's ticket A into Marie's B, then B into Carl's D; Marie is erased. Zelda's thread
        (and her reply on Marie's thread, which went on to D with it) go back to A: nothing of
        hers stays on Carl's ticket, and A is no closed shell pointing nowhere."""
        s = await scene(http, desk)
        carl_ticket = await received(
            http, mail(CARL, "My own matter, CARLALONE.", subject="Carl's toaster")
        )
        numbers = {
            ticket_id: (await ticket(s.admin, ticket_id))["number"]
            for ticket_id in (s.zelda_ticket, s.marie_ticket, carl_ticket)
        }
        await merge(s.admin, s.zelda_ticket, s.marie_ticket)
        await merge(s.admin, s.marie_ticket, carl_ticket)
        carl = await ticket(s.admin, carl_ticket)
        assert "ZELDAMAILTEXT" in texts(carl)
        assert "ZELDAONMARIE" in texts(carl)
        (zelda_file,) = [
            attachment["id"]
            for entry in carl["entries"]
            if "ZELDAONMARIE" in entry["text"]
            for attachment in entry["data"]["attachments"]
        ]

        erased = await s.admin.client.post(
            f"/api/v1/customers/{s.marie_customer}/erase", json={"confirm": MARIE.email}
        )
        assert erased.status_code == 200, erased.text
        assert erased.json()["counts"]["entries_kept"] >= 2

        error_of(await s.admin.client.get(f"/api/v1/tickets/{s.marie_ticket}"), 404)
        zelda = await ticket(s.admin, s.zelda_ticket)
        assert "ZELDAMAILTEXT" in texts(zelda)
        assert "ZELDAONMARIE" in texts(zelda)
        assert zelda["merged_into_id"] is None
        assert any(
            f"came back from #{numbers[s.marie_ticket]}" in line for line in events(zelda)
        ), events(zelda)
        carl = await ticket(s.admin, carl_ticket)
        assert "CARLALONE" in texts(carl)
        assert "ZELDA" not in texts(carl).replace(ZELDA.name, "")
        assert any(f"went back to #{numbers[s.zelda_ticket]}" in line for line in events(carl)), (
            events(carl)
        )
        # Her reply's attachment went with it.
        attachment = await s.admin.client.get(
            f"/api/v1/tickets/{s.zelda_ticket}/attachments/{zelda_file}"
        )
        assert attachment.status_code == 200, attachment.text
        searched = await s.admin.client.get("/api/v1/tickets", params={"q": "ZELDAMAILTEXT"})
        assert [item["id"] for item in searched.json()["items"]] == [s.zelda_ticket]


class TestUndoAfterAnErasure:
    @BOTH_STORES
    async def test_undo_puts_back_what_is_left_and_says_what_was_erased(
        self, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        """Zelda's A into Marie's B, then B into Marie's D; Zelda is erased (A and her messages
        with her). Undoing B→D moves back what is left of B's thread and says that part of it was
        erased, instead of a "try again" that could never succeed."""
        s = await scene(http, desk)
        marie_again = await received(
            http, mail(MARIE, "Again, MARIEMAILTEXT.", subject="Kettle again MARIESUBJECT")
        )
        first = await merge(s.admin, s.zelda_ticket, s.marie_ticket)
        second = await merge(s.admin, s.marie_ticket, marie_again)
        await erase_zelda(s)
        error_of(await s.admin.client.post(f"/api/v1/tickets/moves/{first['id']}/undo"), 404)

        undone = await s.admin.client.post(f"/api/v1/tickets/moves/{second['id']}/undo")
        assert undone.status_code == 200, undone.text
        marie = await ticket(s.admin, s.marie_ticket)
        assert marie["merged_into_id"] is None
        assert "MARIEREPLYTEXT" in texts(marie)
        assert "Hello, MARIEMAILTEXT" in texts(marie)
        assert "ZELDA" not in texts(marie)
        kept = await ticket(s.admin, marie_again)
        assert "Again, MARIEMAILTEXT" in texts(kept)
        assert "MARIEREPLYTEXT" not in texts(kept)
        for thread in (marie, kept):
            (line,) = [text for text in events(thread) if "undid the merge" in text]
            assert "erasure" in line, line
        again = await s.admin.client.post(f"/api/v1/tickets/moves/{second['id']}/undo")
        assert error_of(again, 409)["code"] == "already_undone"

    async def test_undo_of_a_merge_whose_copied_writer_was_erased(
        self, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        """No chain: Zelda answered on Marie's ticket from the address it copied; Marie's ticket
        is merged into another of hers; Zelda is erased. The undo still works."""
        s = await scene(http, desk)
        marie_again = await received(
            http, mail(MARIE, "Again, MARIEMAILTEXT.", subject="Kettle again")
        )
        move = await merge(s.admin, s.marie_ticket, marie_again)
        await erase_zelda(s)
        undone = await s.admin.client.post(f"/api/v1/tickets/moves/{move['id']}/undo")
        assert undone.status_code == 200, undone.text
        marie = await ticket(s.admin, s.marie_ticket)
        assert "MARIEREPLYTEXT" in texts(marie)
        assert "ZELDAONMARIE" not in texts(marie)
        assert marie["merged_into_id"] is None
        (line,) = [text for text in events(marie) if "undid the merge" in text]
        assert "1 entry it had moved went with an erasure" in line, line
