"""A reply sent to many tickets from the list, over HTTP on both stores: each ticket is checked
against the list the agent chose it from (`seen_updated_at`, or `seen_entry_ids`), and one
whose thread gained messages since is skipped whole and counted in `stale`. On one ticket,
`/tickets/{id}/actions` takes `seen_entry_id` as a macro does. And a macro applied with its reply
drafted: the reply comes back for the composer, the rest applies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from frontdesk.config import Settings
from frontdesk.mail.models import OutboxMessage
from tests.clock import FrozenClock
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.mail.support import INBOUND_TOKEN
from tests.unit.macros.test_macro_replies import (
    CUSTOMER,
    URL,
    _customer_writes,
    _detail,
    _replies,
    _team,
)
from tests.unit.support import count_rows, error_of, new_ticket, statements, use_cheap_passwords

pytestmark = SQLITE_ONLY

REPLY = {"type": "reply", "text": "Hi {{customer.first_name}}, we are on it."}


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"inbound_token": INBOUND_TOKEN})


async def _list_view(agent: Any, inbox: dict[str, Any]) -> dict[str, str]:
    """What the desk's list shows of each ticket: its `updated_at`, by id as a JSON key."""
    response = await agent.client.get("/api/v1/tickets", params={"inbox_id": inbox["id"]})
    assert response.status_code == 200, response.text
    return {str(item["id"]): item["updated_at"] for item in response.json()["items"]}


class TestBulkReply:
    async def test_a_ticket_whose_customer_wrote_since_the_list_is_skipped_whole(
        self, desk: Desk, http: httpx.AsyncClient
    ) -> None:
        ada, grace, inbox, _ = await _team(desk)
        admin = await desk.agent(role="admin")
        vip = (await admin.client.post("/api/v1/labels", json={"name": "vip"})).json()
        quiet = await new_ticket(ada.client, inbox, email=CUSTOMER, subject="Quiet")
        moved_on = await new_ticket(ada.client, inbox, email=CUSTOMER, subject="Moved on")
        relabelled = await new_ticket(ada.client, inbox, email=CUSTOMER, subject="Relabelled")
        for ticket in (moved_on, relabelled):
            sent = await ada.client.post(
                f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "Looking into it"}
            )
            assert sent.status_code == 201, sent.text
        seen = await _list_view(ada, inbox)
        # After the list was shown: the customer writes on one, a colleague labels another.
        newest = await _customer_writes(ada, http, moved_on["id"])
        labelled = await grace.client.patch(
            f"/api/v1/tickets/{relabelled['id']}", json={"label_ids": [vip["id"]]}
        )
        assert labelled.status_code == 200, labelled.text
        outbox = await count_rows(desk.app, OutboxMessage)
        ids = [quiet["id"], moved_on["id"], relabelled["id"]]
        response = await ada.client.post(
            "/api/v1/tickets/bulk",
            json={
                "ticket_ids": ids,
                "actions": [REPLY, {"type": "set_state", "state": "hold"}],
                "seen_updated_at": seen,
            },
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["done"], body["refused"], body["stale"]) == (2, 1, 1)
        results = {each["ticket_id"]: each for each in body["results"]}
        refused = results[moved_on["id"]]["error"]
        assert refused["code"] == "stale_thread"
        assert refused["message"].startswith(
            "1 new message arrived on this ticket since the list you chose it from was shown"
        )
        assert [entry["id"] for entry in refused["new_entries"]] == [newest]
        # Nothing of it was done to the ticket that moved on: no reply, no state.
        detail = await _detail(ada, moved_on["id"])
        assert (_replies(detail), detail["state"]) == (["Looking into it"], "open")
        assert await count_rows(desk.app, OutboxMessage) == outbox + 2
        # A label is no new message: that reply went.
        for ticket in (quiet, relabelled):
            detail = await _detail(ada, ticket["id"])
            assert _replies(detail)[-1] == "Hi Cora, we are on it."
            assert detail["state"] == "hold"

    async def test_without_a_reply_or_unnamed_nothing_is_checked(
        self, desk: Desk, http: httpx.AsyncClient
    ) -> None:
        ada, _, inbox, _ = await _team(desk)
        ticket = await new_ticket(ada.client, inbox, email=CUSTOMER)
        await ada.client.post(f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "Hi"})
        seen = await _list_view(ada, inbox)
        await _customer_writes(ada, http, ticket["id"])
        closing = await ada.client.post(
            "/api/v1/tickets/bulk",
            json={
                "ticket_ids": [ticket["id"]],
                "actions": [{"type": "set_state", "state": "hold"}],
                "seen_updated_at": seen,
            },
        )
        assert (closing.json()["done"], closing.json()["stale"]) == (1, 0), closing.text
        unnamed = await ada.client.post(
            "/api/v1/tickets/bulk", json={"ticket_ids": [ticket["id"]], "actions": [REPLY]}
        )
        assert unnamed.json()["done"] == 1, unnamed.text

    async def test_by_entry_id_and_from_a_macro_on_many(
        self, desk: Desk, http: httpx.AsyncClient
    ) -> None:
        ada, _, inbox, macro = await _team(desk)
        ticket = await new_ticket(ada.client, inbox, email=CUSTOMER)
        sent = await ada.client.post(
            f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "Looking into it"}
        )
        seen = await _list_view(ada, inbox)
        await _customer_writes(ada, http, ticket["id"])
        by_id = await ada.client.post(
            "/api/v1/tickets/bulk",
            json={
                "ticket_ids": [ticket["id"]],
                "actions": [REPLY],
                "seen_entry_ids": {str(ticket["id"]): sent.json()["id"]},
            },
        )
        assert by_id.json()["stale"] == 1, by_id.text
        many = await ada.client.post(
            f"{URL}/{macro['id']}/apply-many",
            json={"ticket_ids": [ticket["id"]], "seen_updated_at": seen},
        )
        assert (many.json()["refused"], many.json()["stale"]) == (1, 1), many.text
        assert _replies(await _detail(ada, ticket["id"])) == ["Looking into it"]

    async def test_what_cannot_be_checked_is_refused(self, desk: Desk) -> None:
        ada, _, inbox, macro = await _team(desk)
        ticket = await new_ticket(ada.client, inbox, email=CUSTOMER)
        moment = "2026-12-05T13:40:00Z"
        for seen in (
            {"999": moment},
            {str(ticket["id"]): "2026-12-05T13:40:00"},
            {str(ticket["id"]): "yesterday"},
        ):
            for url, body in (
                ("/api/v1/tickets/bulk", {"actions": [REPLY]}),
                (f"{URL}/{macro['id']}/apply-many", {}),
            ):
                error_of(
                    await ada.client.post(
                        url, json={"ticket_ids": [ticket["id"]], "seen_updated_at": seen, **body}
                    ),
                    422,
                )


class TestListRowsNameTheNewestMessage:
    """The list's rows carry `last_public_entry_id`, what the desk's bulk bar sends back as
    `seen_entry_ids`: an id, not a clock reading."""

    @BOTH_STORES
    async def test_a_message_stamped_no_later_than_the_list_is_still_seen(
        self, desk: Desk, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        ada, _, inbox, macro = await _team(desk)
        ticket = await new_ticket(ada.client, inbox, email=CUSTOMER)
        # Every write of this test at one instant, as on PostgreSQL, where a transaction's
        # time is its start: a reply committed after the list was read can carry a time not
        # later than the `updated_at` the list showed.
        FrozenClock(monkeypatch, datetime.now(UTC))
        sent = await ada.client.post(
            f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "Looking into it"}
        )
        assert sent.status_code == 201, sent.text
        listed = await ada.client.get("/api/v1/tickets", params={"inbox_id": inbox["id"]})
        (row,) = listed.json()["items"]
        assert row["last_public_entry_id"] == sent.json()["id"]
        newest = await _customer_writes(ada, http, ticket["id"])
        for url, body in (
            ("/api/v1/tickets/bulk", {"actions": [REPLY]}),
            (f"{URL}/{macro['id']}/apply-many", {}),
        ):
            response = await ada.client.post(
                url,
                json={
                    "ticket_ids": [ticket["id"]],
                    "seen_entry_ids": {str(ticket["id"]): row["last_public_entry_id"]},
                    **body,
                },
            )
            assert response.status_code == 200, response.text
            assert response.json()["stale"] == 1, response.text
            (outcome,) = response.json()["results"]
            assert [entry["id"] for entry in outcome["error"]["new_entries"]] == [newest]
        assert _replies(await _detail(ada, ticket["id"])) == ["Looking into it"]
        # What the desk sent before: the clock reading, which misses the message (the weaker
        # check, kept for API clients that send it).
        by_clock = await ada.client.post(
            "/api/v1/tickets/bulk",
            json={
                "ticket_ids": [ticket["id"]],
                "actions": [REPLY],
                "seen_updated_at": {str(ticket["id"]): row["updated_at"]},
            },
        )
        assert (by_clock.json()["done"], by_clock.json()["stale"]) == (1, 0), by_clock.text

    async def test_a_page_gets_each_value_in_one_statement(
        self, desk: Desk, http: httpx.AsyncClient
    ) -> None:
        ada, _, inbox, _ = await _team(desk)
        empty = await new_ticket(ada.client, inbox, email=CUSTOMER, subject="Nothing said")
        noted = await new_ticket(ada.client, inbox, email=CUSTOMER, subject="Noted")
        answered = await new_ticket(ada.client, inbox, email=CUSTOMER, subject="Answered")
        reply = await ada.client.post(
            f"/api/v1/tickets/{noted['id']}/replies", json={"text": "On it"}
        )
        # A note and a timeline line after the reply are no message to the customer.
        note = await ada.client.post(f"/api/v1/tickets/{noted['id']}/notes", json={"text": "hm"})
        assert note.status_code == 201, note.text
        held = await ada.client.patch(f"/api/v1/tickets/{noted['id']}", json={"state": "hold"})
        assert held.status_code == 200, held.text
        await ada.client.post(f"/api/v1/tickets/{answered['id']}/replies", json={"text": "Hi"})
        wrote = await _customer_writes(ada, http, answered["id"])

        async def listed(limit: int) -> tuple[dict[int, int | None], int]:
            with statements(desk.app) as sent:
                response = await ada.client.get(
                    "/api/v1/tickets",
                    params={"inbox_id": inbox["id"], "state": ["open", "hold"], "limit": limit},
                )
            assert response.status_code == 200, response.text
            rows = response.json()["items"]
            return {row["id"]: row["last_public_entry_id"] for row in rows}, len(sent)

        values, many = await listed(3)
        assert values == {empty["id"]: None, noted["id"]: reply.json()["id"], answered["id"]: wrote}
        one, few = await listed(1)
        assert len(one) == 1
        assert many == few, "one statement for the page, not one per ticket"


async def test_actions_on_one_ticket_check_the_thread_seen(
    desk: Desk, http: httpx.AsyncClient
) -> None:
    ada, _, inbox, _ = await _team(desk)
    ticket = await new_ticket(ada.client, inbox, email=CUSTOMER)
    sent = await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "Looking into it"}
    )
    newest = await _customer_writes(ada, http, ticket["id"])
    url = f"/api/v1/tickets/{ticket['id']}/actions"
    stale = await ada.client.post(
        url, json={"actions": [REPLY], "seen_entry_id": sent.json()["id"]}
    )
    assert stale.status_code == 409, stale.text
    assert stale.json()["error"]["code"] == "stale_thread"
    assert _replies(await _detail(ada, ticket["id"])) == ["Looking into it"]
    confirmed = await ada.client.post(url, json={"actions": [REPLY], "seen_entry_id": newest})
    assert confirmed.status_code == 200, confirmed.text


class TestDraftedReply:
    async def test_the_reply_comes_back_filled_and_the_rest_applies(self, desk: Desk) -> None:
        ada, _, inbox, macro = await _team(desk)
        ticket = await new_ticket(ada.client, inbox, email=CUSTOMER)
        outbox = await count_rows(desk.app, OutboxMessage)
        response = await ada.client.post(
            f"{URL}/{macro['id']}/apply", json={"ticket_id": ticket["id"], "reply": "draft"}
        )
        assert response.status_code == 200, response.text
        outcome = response.json()
        assert outcome["draft"] == {
            "text": "Hi Cora, your refund is on its way.",
            "then": "close",
            "snooze_until": None,
        }
        # The label applied; the state waits for the reply it goes with.
        assert outcome["applied"] == ["label"]
        detail = await _detail(ada, ticket["id"])
        assert [label["name"] for label in detail["labels"]] == ["refund"]
        assert (detail["state"], _replies(detail)) == ("open", [])
        assert await count_rows(desk.app, OutboxMessage) == outbox
        # Sent as the draft says, from the reply box.
        sent = await ada.client.post(
            f"/api/v1/tickets/{ticket['id']}/replies",
            json={"text": outcome["draft"]["text"], "then": outcome["draft"]["then"]},
        )
        assert sent.status_code == 201, sent.text
        assert (await _detail(ada, ticket["id"]))["state"] == "closed"

    async def test_a_snooze_waits_for_the_reply_and_ends_the_ticket_snoozed(
        self, desk: Desk
    ) -> None:
        """As the macro sending its reply would: the reply opens the ticket, then the snooze
        has the last word. Applied at once, the draft's Send would undo it."""
        ada, _, inbox, _ = await _team(desk)
        macro = await ada.client.post(
            URL,
            json={
                "name": "Waiting on the bank",
                "actions": [
                    {"type": "reply", "text": "Hi {{customer.first_name}}, the bank is on it."},
                    {"type": "snooze", "minutes": 1440},
                ],
            },
        )
        assert macro.status_code == 201, macro.text
        ticket = await new_ticket(ada.client, inbox, email=CUSTOMER)
        before = datetime.now(UTC)
        response = await ada.client.post(
            f"{URL}/{macro.json()['id']}/apply",
            json={"ticket_id": ticket["id"], "reply": "draft"},
        )
        assert response.status_code == 200, response.text
        draft = response.json()["draft"]
        assert (draft["text"], draft["then"]) == ("Hi Cora, the bank is on it.", "send")
        until = datetime.fromisoformat(draft["snooze_until"])
        assert before + timedelta(days=1) <= until <= datetime.now(UTC) + timedelta(days=1)
        # Nothing snoozed yet: the ticket waits for the reply.
        assert response.json()["applied"] == []
        detail = await _detail(ada, ticket["id"])
        assert (detail["state"], detail["snoozed_until"], _replies(detail)) == ("open", None, [])

        replies = f"/api/v1/tickets/{ticket['id']}/replies"
        # A snooze goes with Send only, and ends in the future: refused whole, nothing sent.
        for wrong in (
            {"then": "close", "snooze_until": draft["snooze_until"]},
            {"then": "send", "snooze_until": (before - timedelta(minutes=1)).isoformat()},
        ):
            error = error_of(await ada.client.post(replies, json={"text": "x", **wrong}), 422)
            assert "snooze_until" in str(error.get("fields")), error
        assert _replies(await _detail(ada, ticket["id"])) == []

        sent = await ada.client.post(
            replies,
            json={"text": draft["text"], "then": "send", "snooze_until": draft["snooze_until"]},
        )
        assert sent.status_code == 201, sent.text
        detail = await _detail(ada, ticket["id"])
        assert detail["state"] == "snoozed"
        assert datetime.fromisoformat(detail["snoozed_until"]) == until
        assert _replies(detail) == ["Hi Cora, the bank is on it."]

    async def test_sent_as_before_unless_asked(self, desk: Desk) -> None:
        ada, _, inbox, macro = await _team(desk)
        ticket = await new_ticket(ada.client, inbox, email=CUSTOMER)
        response = await ada.client.post(
            f"{URL}/{macro['id']}/apply", json={"ticket_id": ticket["id"]}
        )
        assert response.json()["draft"] is None
        assert response.json()["applied"] == ["label", "reply", "set_state"]
        error_of(
            await ada.client.post(
                f"{URL}/{macro['id']}/apply", json={"ticket_id": ticket["id"], "reply": "later"}
            ),
            422,
        )
