"""Time-based rules on a frozen clock: "open and not replied for 24 hours" fires once per
unanswered message, "on hold for 5 days" once per hold; two processes running the same round
at once fire each episode once; a dry run lists what would fire now."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.rules import timed, timers
from frontdesk.rules.models import RuleRun
from frontdesk.rules.timers import run_time_rules
from tests.clock import FrozenClock
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.mail.support import INBOUND_TOKEN, post_mime, reply_mail
from tests.unit.rules.support import URL, create_rule, label_names, make_label, runs, ticket
from tests.unit.rules.support import timeline as lines_of
from tests.unit.support import (
    count_rows,
    error_of,
    fields_of,
    new_ticket,
    use_cheap_passwords,
)

pytestmark = SQLITE_ONLY

SUPPORT = "support@shop.test"
START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"inbound_token": INBOUND_TOKEN})


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch, START)


@pytest.fixture
async def second_process(settings: Settings) -> AsyncIterator[FastAPI]:
    """Another app on the same database: its own engine and connections, like a second server."""
    other = create_app(settings, run_loops=False)
    async with other.router.lifespan_context(other):
        yield other


async def _tick(app: FastAPI) -> int:
    return await run_time_rules(app.state.sessionmaker)


async def _dry(admin: Any, when: dict[str, Any], **rest: Any) -> list[int]:
    body = {"when": when, "actions": [{"type": "note", "text": "x"}], **rest}
    response = await admin.client.post(f"{URL}/dry-run", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["timed"] is True
    return [t["id"] for t in response.json()["tickets"]]


async def _mail(http: httpx.AsyncClient, text: str, **kw: Any) -> None:
    raw = reply_mail(to=SUPPORT, text=text, sender="cora@example.org", **kw)
    response = await post_mime(http, raw)
    assert response.status_code in (200, 202), response.text


class TestNoReply:
    @BOTH_STORES
    async def test_fires_once_per_unanswered_message(
        self, desk: Desk, http: httpx.AsyncClient, clock: FrozenClock
    ) -> None:
        inbox = await desk.inbox(name="Shop", email_address=SUPPORT)
        admin = await desk.agent(role="admin", inboxes=[inbox], name="Ada")
        late = await make_label(admin, "Late")
        when = {"type": "no_reply", "hours": 24}
        rule = await create_rule(
            admin, "Late", when=when, actions=[{"type": "label", "add": [late["id"]]}]
        )
        await _mail(http, "Where is my order?", subject="Order 1")
        (listed,) = (await admin.client.get("/api/v1/tickets")).json()["items"]
        clock.advance(hours=23)
        assert await _dry(admin, when) == []
        assert await _tick(desk.app) == 0
        clock.advance(hours=2)
        assert await _dry(admin, when) == [listed["id"]]
        assert await _tick(desk.app) == 1
        assert await _tick(desk.app) == 0
        after = await ticket(admin, listed["id"])
        assert label_names(after) == ["Late"]
        assert "The rule “Late” ran" in lines_of(after)

        # Answered, then the customer writes again: a new episode, due 24 hours later.
        reply = await admin.client.post(
            f"/api/v1/tickets/{listed['id']}/replies", json={"text": "Soon", "then": "send"}
        )
        assert reply.status_code == 201, reply.text
        clock.advance(hours=48)
        assert await _tick(desk.app) == 0
        await _mail(
            http, "Still nothing", subject="Re: Order 1", in_reply_to=reply.json()["message_id"]
        )
        clock.advance(hours=24, seconds=1)
        assert await _tick(desk.app) == 1
        assert [r["outcome"] for r in await runs(admin, rule)] == ["unchanged", "done"]

    async def test_a_rules_own_reply_leaves_the_customer_waiting(
        self, desk: Desk, http: httpx.AsyncClient, clock: FrozenClock
    ) -> None:
        """An acknowledgement sent by a rule is no agent reply (docs/routing.md, "Then")."""
        inbox = await desk.inbox(name="Shop", email_address=SUPPORT)
        admin = await desk.agent(role="admin", inboxes=[inbox])
        await create_rule(
            admin,
            "Acknowledge",
            when={"type": "created"},
            actions=[{"type": "reply", "text": "We have your message."}],
        )
        when = {"type": "no_reply", "hours": 4}
        await create_rule(admin, "Late", when=when, actions=[{"type": "note", "text": "late"}])
        await _mail(http, "Where is my order?", subject="Order 1")
        (listed,) = (await admin.client.get("/api/v1/tickets")).json()["items"]
        assert [
            e["direction"]
            for e in (await ticket(admin, listed["id"]))["entries"]
            if e["kind"] == "reply"
        ] == ["in", "out"]
        clock.advance(hours=5)
        assert await _dry(admin, when) == [listed["id"]]
        assert await _tick(desk.app) == 1

    async def test_conditions_judged_once_when_due(
        self, desk: Desk, http: httpx.AsyncClient, clock: FrozenClock
    ) -> None:
        inbox = await desk.inbox(name="Shop", email_address=SUPPORT)
        admin = await desk.agent(role="admin", inboxes=[inbox])
        when = {"type": "no_reply", "hours": 1}
        conditions = [{"field": "text", "op": "contains", "value": "invoice"}]
        rule = await create_rule(
            admin,
            "Invoices",
            when=when,
            conditions=conditions,
            actions=[{"type": "note", "text": "Invoice waiting"}],
        )
        await _mail(http, "Please send the invoice", subject="Papers")
        await _mail(http, "Hello there", subject="Chat")
        clock.advance(hours=2)
        due = await _dry(admin, when, conditions=conditions)
        assert len(due) == 1
        assert await _tick(desk.app) == 1
        (run,) = await runs(admin, rule)
        assert run["ticket"]["id"] == due[0]
        # The other ticket's episode was looked at and let go, not looked at every minute.
        assert await count_rows(desk.app, RuleRun) == 2
        assert await _tick(desk.app) == 0


class TestCatchingUp:
    """A new rule judges the tickets a window at a time (rules/timed.WINDOW, two here), and a
    ticket that changes behind the window meanwhile is judged at the next batch. A round runs
    a few batches (rules/timers.BATCHES)."""

    @BOTH_STORES
    async def test_a_new_rule_judges_a_window_at_a_time(
        self,
        desk: Desk,
        http: httpx.AsyncClient,
        clock: FrozenClock,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setattr(timed, "WINDOW", 2)
        monkeypatch.setattr(timers, "BATCHES", 1)
        admin, (first, *rest) = await self._five_waiting(desk, http)
        held = await admin.client.patch(f"/api/v1/tickets/{first}", json={"state": "hold"})
        assert held.status_code == 200, held.text
        clock.advance(hours=30)
        rule = await self._late_rule(admin)
        assert rule["catch_up"] == {"state": "waiting", "share": 0.0}
        # The first two tickets: the first is on hold, nobody owes it an answer.
        assert await _tick(desk.app) == 1
        assert await self._catch_up(admin, rule) == ("catching_up", rest[0] / rest[-1])
        opened = await admin.client.patch(f"/api/v1/tickets/{first}", json={"state": "open"})
        assert opened.status_code == 200, opened.text
        # Behind the window now, and due at once; with the next two.
        clock.advance(minutes=10)
        assert await _tick(desk.app) == 3
        assert await self._catch_up(admin, rule) == ("catching_up", rest[2] / rest[-1])
        clock.advance(minutes=10)
        assert await _tick(desk.app) == 1
        assert await self._catch_up(admin, rule) == ("caught_up", 1.0)
        # Caught up: each ticket once.
        assert await _ticks(desk.app, clock, hours=48, every=6) == 0
        judged = {r["ticket"]["id"]: r["outcome"] for r in await runs(admin, rule)}
        assert judged == dict.fromkeys([first, *rest], "done")

    async def test_a_full_batch_goes_on_from_its_last_ticket(
        self,
        desk: Desk,
        http: httpx.AsyncClient,
        clock: FrozenClock,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setattr(timed, "BATCH", 2)
        monkeypatch.setattr(timers, "BATCHES", 2)
        admin, _ = await self._five_waiting(desk, http)
        clock.advance(hours=30)
        rule = await self._late_rule(admin)
        assert [await _tick(desk.app) for _ in range(3)] == [4, 1, 0]
        assert len(await runs(admin, rule)) == 5

    @BOTH_STORES
    async def test_only_a_change_to_its_episodes_starts_the_catch_up_again(
        self, desk: Desk, http: httpx.AsyncClient, clock: FrozenClock
    ) -> None:
        admin, _ = await self._five_waiting(desk, http)
        clock.advance(hours=30)
        rule = await self._late_rule(admin)
        assert await _tick(desk.app) == 5
        assert await self._catch_up(admin, rule) == ("caught_up", 1.0)
        # The desk's form sends the definition with a new name: nothing to judge again.
        same = {key: rule[key] for key in ("when", "match", "conditions", "actions")}
        renamed = await admin.client.patch(
            f"{URL}/{rule['id']}", json={"name": "Late answers", "definition": same}
        )
        assert renamed.status_code == 200, renamed.text
        assert renamed.json()["catch_up"] == {"state": "caught_up", "share": 1.0}
        off = await admin.client.patch(f"{URL}/{rule['id']}", json={"enabled": False})
        assert off.json()["catch_up"] is None
        on = await admin.client.patch(f"{URL}/{rule['id']}", json={"enabled": True})
        assert on.json()["catch_up"] == {"state": "waiting", "share": 0.0}
        assert await _tick(desk.app) == 0
        longer = {**same, "when": {"type": "no_reply", "hours": 48}}
        edited = await admin.client.patch(f"{URL}/{rule['id']}", json={"definition": longer})
        assert edited.json()["catch_up"] == {"state": "waiting", "share": 0.0}
        event = await create_rule(
            admin, "New", when={"type": "created"}, actions=[{"type": "note", "text": "hi"}]
        )
        assert event["catch_up"] is None
        listed = (await admin.client.get(URL)).json()
        assert [r["catch_up"] and r["catch_up"]["state"] for r in listed] == ["waiting", None]

    @staticmethod
    async def _catch_up(admin: Any, rule: dict[str, Any]) -> tuple[str, float]:
        read = (await admin.client.get(f"{URL}/{rule['id']}")).json()["catch_up"]
        return read["state"], read["share"]

    @staticmethod
    async def _five_waiting(desk: Desk, http: httpx.AsyncClient) -> tuple[Any, list[int]]:
        """An admin, and five tickets whose customer waits for an answer, in order of id."""
        inbox = await desk.inbox(name="Shop", email_address=SUPPORT)
        admin = await desk.agent(role="admin", inboxes=[inbox])
        for n in range(5):
            await _mail(http, "Where is my order?", subject=f"Order {n}")
        listed = (await admin.client.get("/api/v1/tickets")).json()
        return admin, sorted(t["id"] for t in listed["items"])

    @staticmethod
    async def _late_rule(admin: Any) -> dict[str, Any]:
        when = {"type": "no_reply", "hours": 24}
        return await create_rule(
            admin, "Late", when=when, actions=[{"type": "note", "text": "late"}]
        )


class TestInState:
    @BOTH_STORES
    async def test_on_hold_five_days_is_closed_once(self, desk: Desk, clock: FrozenClock) -> None:
        inbox = await desk.inbox(name="Shop")
        admin = await desk.agent(role="admin", inboxes=[inbox])
        when = {"type": "in_state", "state": "hold", "hours": 120}
        await create_rule(
            admin, "Close waiting", when=when, actions=[{"type": "set_state", "state": "closed"}]
        )
        held = await new_ticket(admin.client, inbox, subject="Waiting", state="hold")
        changed = await new_ticket(admin.client, inbox, subject="Later held")
        clock.advance(hours=100)
        patched = await admin.client.patch(
            f"/api/v1/tickets/{changed['id']}", json={"state": "hold"}
        )
        assert patched.status_code == 200, patched.text
        clock.advance(hours=21)
        assert await _dry(admin, when) == [held["id"]]
        assert await _tick(desk.app) == 1
        assert (await ticket(admin, held["id"]))["state"] == "closed"
        assert (await ticket(admin, changed["id"]))["state"] == "hold"
        clock.advance(hours=100)
        assert await _tick(desk.app) == 1
        assert (await ticket(admin, changed["id"]))["state"] == "closed"


class TestInStatus:
    """ "Waiting on vendor for 5 hours" counts from the status's last change, which a change
    within the state (plain Hold → Waiting on vendor) makes as well; "In a state for" counts
    from the state's."""

    @BOTH_STORES
    async def test_counts_from_the_status_not_the_state(
        self, desk: Desk, clock: FrozenClock
    ) -> None:
        inbox = await desk.inbox(name="Shop")
        admin = await desk.agent(role="admin", inboxes=[inbox])
        vendor = await _status(admin, "Waiting on vendor", "hold")
        parts = await _status(admin, "Waiting on parts", "hold")
        when = {"type": "in_status", "status_id": vendor["id"], "hours": 5}
        rule = await create_rule(
            admin, "Chase the vendor", when=when, actions=[{"type": "note", "text": "Chase"}]
        )
        held = await new_ticket(admin.client, inbox, subject="Broken part", state="hold")
        other = await new_ticket(admin.client, inbox, subject="Plain hold", state="hold")
        assert await _tick(desk.app) == 0
        clock.advance(hours=2)
        await _patch(admin, held["id"], status_id=vendor["id"])
        clock.advance(hours=3, minutes=1)
        # Five hours on hold, three in the status: not yet.
        assert await _dry(admin, when) == []
        assert await _tick(desk.app) == 0
        clock.advance(hours=2)
        assert await _dry(admin, when) == [held["id"]]
        assert await _tick(desk.app) == 1
        clock.advance(hours=10)
        assert await _tick(desk.app) == 0
        assert [r["outcome"] for r in await runs(admin, rule)] == ["done"]
        assert (await ticket(admin, other["id"]))["status"] is None

        # Another status and back: a new stay, due 5 hours after it began.
        await _patch(admin, held["id"], status_id=parts["id"])
        clock.advance(hours=1)
        await _patch(admin, held["id"], status_id=vendor["id"])
        clock.advance(hours=4, minutes=59)
        assert await _tick(desk.app) == 0
        clock.advance(minutes=2)
        assert await _tick(desk.app) == 1
        # Back to the plain status, open and on hold again with it: a new stay too.
        await _patch(admin, held["id"], status_id=None)
        await _patch(admin, held["id"], state="open")
        await _patch(admin, held["id"], status_id=vendor["id"])
        clock.advance(hours=5, minutes=1)
        assert await _tick(desk.app) == 1
        assert await _tick(desk.app) == 0
        assert [r["outcome"] for r in await runs(admin, rule)] == ["done"] * 3

    async def test_the_status_exists_is_not_archived_and_stays(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        vendor = await _status(admin, "Waiting on vendor", "hold")
        old = await _status(admin, "Old", "hold")
        archived = await admin.client.patch(
            f"/api/v1/ticket-statuses/{old['id']}", json={"archived": True}
        )
        assert archived.status_code == 200, archived.text
        note = [{"type": "note", "text": "Chase"}]
        for status_id, words in ((old["id"], "archived"), (10_000, "No such status")):
            sent = {
                "name": "x",
                "when": {"type": "in_status", "status_id": status_id, "hours": 5},
                "actions": note,
            }
            refused = error_of(await admin.client.post(URL, json=sent), 422)
            assert fields_of(refused) == {"when.status_id"}, refused
            assert words in refused["message"]
        when = {"type": "in_status", "status_id": vendor["id"], "hours": 120}
        rule = await create_rule(admin, "Chase the vendor", enabled=False, when=when, actions=note)
        at = f"/api/v1/ticket-statuses/{vendor['id']}"
        for response in (
            await admin.client.patch(at, json={"archived": True}),
            await admin.client.delete(at),
        ):
            error = error_of(response, 409, "status_in_use")
            assert "the rule “Chase the vendor” (switched off) waits on it" in error["message"]
        assert (await admin.client.delete(f"{URL}/{rule['id']}")).status_code == 204
        assert (await admin.client.delete(at)).status_code == 204


async def _status(admin: Any, name: str, state: str) -> dict[str, Any]:
    response = await admin.client.post(
        "/api/v1/ticket-statuses", json={"name": name, "state": state}
    )
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


async def _patch(admin: Any, ticket_id: int, **body: Any) -> None:
    response = await admin.client.patch(f"/api/v1/tickets/{ticket_id}", json=body)
    assert response.status_code == 200, response.text


class TestSeveralProcesses:
    @BOTH_STORES
    async def test_two_rounds_at_once_fire_each_episode_once(
        self, desk: Desk, clock: FrozenClock, second_process: FastAPI
    ) -> None:
        inbox = await desk.inbox(name="Shop")
        admin = await desk.agent(role="admin", inboxes=[inbox])
        when = {"type": "in_state", "state": "open", "hours": 1}
        rule = await create_rule(
            admin, "Nudge", when=when, actions=[{"type": "note", "text": "Nudge"}]
        )
        made = [await new_ticket(admin.client, inbox, subject=f"T{n}") for n in range(3)]
        clock.advance(hours=2)
        fired = await asyncio.gather(*(_tick(app) for app in (desk.app, second_process) * 2))
        assert sum(fired) == 3
        assert await count_rows(desk.app, RuleRun) == 3
        for each in made:
            full = await ticket(admin, each["id"])
            notes = [e["text"] for e in full["entries"] if e["kind"] == "note"]
            assert notes == ["Nudge"]
            assert lines_of(full).count("The rule “Nudge” ran") == 1
        assert len(await runs(admin, rule)) == 3


async def _ticks(app: FastAPI, clock: FrozenClock, *, hours: int, every: int = 1) -> int:
    """A round every `every` hours for `hours` hours, as the loop runs them; how many fired."""
    fired = 0
    for _ in range(hours // every):
        clock.advance(hours=every)
        fired += await _tick(app)
    return fired


class TestRoundsAfterTheFirst:
    """After a whole round, a rule reads only the tickets that changed since (rules/timed.py):
    each way an episode can come due is found that way too."""

    async def test_a_message_left_on_hold_is_due_once_the_ticket_reopens(
        self, desk: Desk, http: httpx.AsyncClient, clock: FrozenClock
    ) -> None:
        inbox = await desk.inbox(name="Shop", email_address=SUPPORT)
        admin = await desk.agent(role="admin", inboxes=[inbox])
        when = {"type": "no_reply", "hours": 24}
        await create_rule(admin, "Late", when=when, actions=[{"type": "note", "text": "late"}])
        assert await _tick(desk.app) == 0
        await _mail(http, "Where is my order?", subject="Order 1")
        (listed,) = (await admin.client.get("/api/v1/tickets")).json()["items"]
        held = await admin.client.patch(f"/api/v1/tickets/{listed['id']}", json={"state": "hold"})
        assert held.status_code == 200, held.text
        # On hold nobody owes the customer an answer, however long it waits.
        assert await _ticks(desk.app, clock, hours=30) == 0
        # Open again, unanswered for 30 hours: due at once, not 24 hours on.
        opened = await admin.client.patch(f"/api/v1/tickets/{listed['id']}", json={"state": "open"})
        assert opened.status_code == 200, opened.text
        assert await _tick(desk.app) == 1
        assert await _ticks(desk.app, clock, hours=30) == 0

    async def test_a_ticket_created_on_hold_is_due_when_it_comes_of_age(
        self, desk: Desk, clock: FrozenClock
    ) -> None:
        inbox = await desk.inbox(name="Shop")
        admin = await desk.agent(role="admin", inboxes=[inbox])
        when = {"type": "in_state", "state": "hold", "hours": 120}
        await create_rule(
            admin, "Close waiting", when=when, actions=[{"type": "set_state", "state": "closed"}]
        )
        assert await _tick(desk.app) == 0
        held = await new_ticket(admin.client, inbox, subject="Waiting", state="hold")
        assert await _ticks(desk.app, clock, hours=110, every=10) == 0
        assert (await ticket(admin, held["id"]))["state"] == "hold"
        assert await _ticks(desk.app, clock, hours=20, every=10) == 1
        assert (await ticket(admin, held["id"]))["state"] == "closed"

    async def test_an_edited_rule_judges_the_tickets_already_waiting(
        self, desk: Desk, http: httpx.AsyncClient, clock: FrozenClock
    ) -> None:
        inbox = await desk.inbox(name="Shop", email_address=SUPPORT)
        admin = await desk.agent(role="admin", inboxes=[inbox])
        rule = await create_rule(
            admin,
            "Late",
            when={"type": "no_reply", "hours": 48},
            actions=[{"type": "note", "text": "late"}],
        )
        assert await _tick(desk.app) == 0
        await _mail(http, "Where is my order?", subject="Order 1")
        assert await _ticks(desk.app, clock, hours=30) == 0
        # A day is enough now: the message, 30 hours old, is due at the next round.
        definition = {
            "when": {"type": "no_reply", "hours": 24},
            "actions": [{"type": "note", "text": "late"}],
        }
        edited = await admin.client.patch(f"{URL}/{rule['id']}", json={"definition": definition})
        assert edited.status_code == 200, edited.text
        assert await _tick(desk.app) == 1
