"""A macro's reply over HTTP, on both stores: applied twice at the same moment it reaches the
customer once; it is checked against the thread its agent saw (`seen_entry_id`), on one ticket
and, per ticket, on many."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from frontdesk.config import Settings
from frontdesk.mail.models import OutboxMessage
from tests.clock import FrozenClock
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.mail.support import INBOUND_TOKEN, post_mime, reply_mail
from tests.unit.support import count_rows, error_of, new_ticket, use_cheap_passwords

pytestmark = SQLITE_ONLY

URL = "/api/v1/macros"
SUPPORT = "help@acme.test"
CUSTOMER = "cora@example.org"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"inbound_token": INBOUND_TOKEN})


async def _team(desk: Desk) -> tuple[Agent, Agent, dict[str, Any], dict[str, Any]]:
    """Ada and Grace in an inbox with the team macro [label, reply, close] of the audit."""
    ada = await desk.agent(name="Ada")
    grace = await desk.agent(name="Grace")
    inbox = await desk.inbox(members=[ada, grace], email_address=SUPPORT)
    admin = await desk.agent(role="admin")
    refund = (await admin.client.post("/api/v1/labels", json={"name": "refund"})).json()
    response = await ada.client.post(
        URL,
        json={
            "name": "Refund done",
            "actions": [
                {"type": "label", "add": [refund["id"]]},
                {"type": "reply", "text": "Hi {{customer.first_name}}, your refund is on its way."},
                {"type": "set_state", "state": "closed"},
            ],
            "inbox_id": inbox["id"],
        },
    )
    assert response.status_code == 201, response.text
    return ada, grace, inbox, response.json()


async def _detail(agent: Agent, ticket_id: int) -> dict[str, Any]:
    response = await agent.client.get(f"/api/v1/tickets/{ticket_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _replies(detail: dict[str, Any]) -> list[str]:
    return [
        entry["text"]
        for entry in detail["entries"]
        if entry["kind"] == "reply" and entry["direction"] == "out"
    ]


async def _customer_writes(agent: Agent, http: httpx.AsyncClient, ticket_id: int) -> int:
    """The customer answers the ticket's last reply by mail; returns their entry's id."""
    detail = await _detail(agent, ticket_id)
    last = next(e for e in reversed(detail["entries"]) if e["kind"] == "reply")
    raw = reply_mail(
        to=SUPPORT, text="Wait, one more thing!", sender=CUSTOMER, in_reply_to=last["message_id"]
    )
    response = await post_mime(http, raw)
    assert response.status_code in (200, 202), response.text
    entries = (await _detail(agent, ticket_id))["entries"]
    # (A closed ticket reopens: a timeline line after it.)
    written = [e for e in entries if e["kind"] == "reply" and e["direction"] == "in"]
    assert written[-1]["text"].startswith("Wait, one more thing!"), entries
    return int(written[-1]["id"])


class TestTwiceAtOnce:
    @BOTH_STORES
    async def test_two_agents_at_the_same_moment_send_the_customer_one_reply(
        self, desk: Desk
    ) -> None:
        ada, grace, inbox, macro = await _team(desk)
        ticket = await new_ticket(ada.client, inbox, email=CUSTOMER)
        url = f"{URL}/{macro['id']}/apply"
        first, second = await asyncio.gather(
            ada.client.post(url, json={"ticket_id": ticket["id"]}),
            grace.client.post(url, json={"ticket_id": ticket["id"]}),
        )
        assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
        detail = await _detail(ada, ticket["id"])
        assert _replies(detail) == ["Hi Cora, your refund is on its way."]
        assert await count_rows(desk.app, OutboxMessage) == 1
        assert detail["state"] == "closed"
        # The second found everything done, and says which step it left out.
        outcomes = sorted(
            (first.json(), second.json()), key=lambda outcome: len(outcome["applied"])
        )
        assert (outcomes[0]["applied"], outcomes[0]["skipped"]) == ([], ["reply"])
        assert (outcomes[1]["applied"], outcomes[1]["skipped"]) == (
            ["label", "reply", "set_state"],
            [],
        )

    @BOTH_STORES
    async def test_from_the_desk_with_the_thread_both_saw(self, desk: Desk) -> None:
        ada, grace, inbox, macro = await _team(desk)
        ticket = await new_ticket(ada.client, inbox, email=CUSTOMER)
        seen = max((e["id"] for e in (await _detail(ada, ticket["id"]))["entries"]), default=0)
        url = f"{URL}/{macro['id']}/apply"
        body = {"ticket_id": ticket["id"], "seen_entry_id": seen}
        first, second = await asyncio.gather(
            ada.client.post(url, json=body), grace.client.post(url, json=body)
        )
        # The first's reply is new to the second, yet it is the very reply it would send: the
        # work is done, not a conversation moved on.
        assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
        assert _replies(await _detail(ada, ticket["id"])) == ["Hi Cora, your refund is on its way."]
        assert await count_rows(desk.app, OutboxMessage) == 1

    async def test_again_after_the_customer_wrote_or_later_it_is_sent(
        self, desk: Desk, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        clock = FrozenClock(monkeypatch, datetime.now(UTC))
        ada, grace, inbox, macro = await _team(desk)
        ticket = await new_ticket(ada.client, inbox, email=CUSTOMER)
        url = f"{URL}/{macro['id']}/apply"
        assert (await ada.client.post(url, json={"ticket_id": ticket["id"]})).status_code == 200
        await _customer_writes(ada, http, ticket["id"])
        again = await grace.client.post(url, json={"ticket_id": ticket["id"]})
        assert again.json()["skipped"] == []
        assert len(_replies(await _detail(ada, ticket["id"]))) == 2
        clock.advance(minutes=6)
        later = await grace.client.post(url, json={"ticket_id": ticket["id"]})
        assert (later.json()["applied"], later.json()["skipped"]) == (["reply"], [])
        assert len(_replies(await _detail(ada, ticket["id"]))) == 3


class TestSeenThread:
    async def test_a_reply_over_a_message_the_agent_did_not_see_is_refused_whole(
        self, desk: Desk, http: httpx.AsyncClient
    ) -> None:
        ada, _, inbox, macro = await _team(desk)
        ticket = await new_ticket(ada.client, inbox, email=CUSTOMER)
        sent = await ada.client.post(
            f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "Looking into it"}
        )
        assert sent.status_code == 201, sent.text
        seen = int(sent.json()["id"])
        newest = await _customer_writes(ada, http, ticket["id"])
        url = f"{URL}/{macro['id']}/apply"
        stale = await ada.client.post(url, json={"ticket_id": ticket["id"], "seen_entry_id": seen})
        assert stale.status_code == 409, stale.text
        refused = stale.json()["error"]
        assert refused["code"] == "stale_thread"
        assert refused["message"].startswith(
            "1 new message arrived on this ticket since you chose the macro “Refund done”"
        )
        assert [entry["id"] for entry in refused["new_entries"]] == [newest]
        detail = await _detail(ada, ticket["id"])
        assert (detail["labels"], detail["state"]) == ([], "open")
        assert _replies(detail) == ["Looking into it"]
        # Read, then confirmed with the newest id: it goes.
        confirmed = await ada.client.post(
            url, json={"ticket_id": ticket["id"], "seen_entry_id": newest}
        )
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["applied"] == ["label", "reply", "set_state"]

    async def test_without_a_reply_nothing_is_checked(
        self, desk: Desk, http: httpx.AsyncClient
    ) -> None:
        ada, _, inbox, _ = await _team(desk)
        quiet = await ada.client.post(
            URL,
            json={
                "name": "Park",
                "actions": [{"type": "set_state", "state": "hold"}],
                "inbox_id": inbox["id"],
            },
        )
        ticket = await new_ticket(ada.client, inbox, email=CUSTOMER)
        sent = await ada.client.post(
            f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "Looking into it"}
        )
        await _customer_writes(ada, http, ticket["id"])
        response = await ada.client.post(
            f"{URL}/{quiet.json()['id']}/apply",
            json={"ticket_id": ticket["id"], "seen_entry_id": sent.json()["id"]},
        )
        assert response.status_code == 200, response.text

    async def test_on_many_each_named_ticket_is_checked_on_its_own(
        self, desk: Desk, http: httpx.AsyncClient
    ) -> None:
        ada, _, inbox, macro = await _team(desk)
        fresh = await new_ticket(ada.client, inbox, email=CUSTOMER)
        moved_on = await new_ticket(ada.client, inbox, email=CUSTOMER, subject="Other")
        unnamed = await new_ticket(ada.client, inbox, email=CUSTOMER, subject="Third")
        sent = await ada.client.post(
            f"/api/v1/tickets/{moved_on['id']}/replies", json={"text": "Looking into it"}
        )
        await _customer_writes(ada, http, moved_on["id"])
        seen_fresh = max((e["id"] for e in (await _detail(ada, fresh["id"]))["entries"]), default=0)
        ids = [fresh["id"], moved_on["id"], unnamed["id"]]
        response = await ada.client.post(
            f"{URL}/{macro['id']}/apply-many",
            json={
                "ticket_ids": ids,
                # JSON keys are strings.
                "seen_entry_ids": {
                    str(fresh["id"]): seen_fresh,
                    str(moved_on["id"]): sent.json()["id"],
                },
            },
        )
        assert response.status_code == 200, response.text
        results = {each["ticket_id"]: each for each in response.json()["results"]}
        assert results[fresh["id"]]["ok"]
        assert results[unnamed["id"]]["ok"]
        assert results[moved_on["id"]]["error"]["code"] == "stale_thread"
        assert _replies(await _detail(ada, moved_on["id"])) == ["Looking into it"]

        for seen in ({"999": 1}, {"abc": 1}, {str(fresh["id"]): -1}):
            error_of(
                await ada.client.post(
                    f"{URL}/{macro['id']}/apply-many",
                    json={"ticket_ids": [fresh["id"]], "seen_entry_ids": seen},
                ),
                422,
            )
