"""Changing a ticket: subject, state, assignee, labels, snoozes and their timer, notes, replies."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.mail.models import OutboxMessage
from frontdesk.tickets import timers
from frontdesk.tickets.models import TicketEntry
from frontdesk.tickets.timers import wake_snoozed_tickets
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.unit.support import count_rows, error_of, fields_of, new_ticket, use_cheap_passwords

pytestmark = SQLITE_ONLY

SNOOZE_ENDED = "The snooze ended; the ticket is open again"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


def later(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


async def thread(agent: Agent, ticket: dict[str, Any]) -> list[tuple[str, str]]:
    detail = (await agent.client.get(f"/api/v1/tickets/{ticket['id']}")).json()
    return [(entry["kind"], entry["text"]) for entry in detail["entries"]]


async def setup(desk: Desk) -> tuple[Agent, dict[str, Any], dict[str, Any]]:
    agent = await desk.agent(name="Ada")
    inbox = await desk.inbox(members=[agent])
    return agent, inbox, await new_ticket(agent.client, inbox)


async def snoozes_ended(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, *, count: int
) -> tuple[Agent, list[dict[str, Any]]]:
    """`count` tickets snoozed for five minutes, and the timer's clock an hour on."""
    agent, inbox, first = await setup(desk)
    tickets = [first] + [await new_ticket(agent.client, inbox) for _ in range(count - 1)]
    for ticket in tickets:
        response = await agent.client.patch(
            f"/api/v1/tickets/{ticket['id']}", json={"snoozed_until": later(minutes=5)}
        )
        assert response.status_code == 200
    an_hour_on = datetime.now(UTC) + timedelta(hours=1)
    monkeypatch.setattr(timers, "utcnow", lambda: an_hour_on)
    return agent, tickets


class TestUpdate:
    async def test_subject_and_state_changes_are_logged_in_the_thread(self, desk: Desk) -> None:
        agent, _inbox, ticket = await setup(desk)
        url = f"/api/v1/tickets/{ticket['id']}"
        response = await agent.client.patch(
            url, json={"subject": " New subject ", "state": "closed"}
        )
        assert response.status_code == 200, response.text
        closed = response.json()
        assert closed["subject"] == "New subject"
        assert closed["state"] == "closed"
        assert closed["closed_at"] is not None
        assert closed["updated_at"] > ticket["updated_at"]
        reopened = (await agent.client.patch(url, json={"state": "open"})).json()
        assert reopened["closed_at"] is None
        # Setting the state it already has is not a change.
        assert (await agent.client.patch(url, json={"state": "open"})).status_code == 200
        assert await thread(agent, ticket) == [
            ("event", "Ada set the state to Closed"),
            ("event", "Ada set the state to Open"),
        ]

    async def test_assign_unassign_and_labels(self, desk: Desk) -> None:
        agent, inbox, ticket = await setup(desk)
        colleague = await desk.user(name="Grace")
        await desk.add_member(inbox, colleague)
        admin = await desk.agent(role="admin")
        bug = (await admin.client.post("/api/v1/labels", json={"name": "bug"})).json()
        vip = (await admin.client.post("/api/v1/labels", json={"name": "vip"})).json()
        url = f"/api/v1/tickets/{ticket['id']}"
        response = await agent.client.patch(
            url, json={"assignee_id": colleague["id"], "label_ids": [vip["id"], bug["id"]]}
        )
        assert response.json()["assignee_id"] == colleague["id"]
        assert [label["name"] for label in response.json()["labels"]] == ["bug", "vip"]
        response = await agent.client.patch(url, json={"unassign": True, "label_ids": [vip["id"]]})
        assert response.json()["assignee_id"] is None
        assert [label["name"] for label in response.json()["labels"]] == ["vip"]
        response = await agent.client.patch(url, json={"label_ids": []})
        assert response.json()["labels"] == []
        # Labels are written to the timeline too, as every path that changes them does.
        assert await thread(agent, ticket) == [
            ("event", "Ada assigned the ticket to Grace"),
            ("event", "Ada added the labels bug, vip"),
            ("event", "Ada unassigned the ticket"),
            ("event", "Ada removed the label bug"),
            ("event", "Ada removed the label vip"),
        ]

    async def test_refused_updates_change_nothing(self, desk: Desk) -> None:
        agent, inbox, ticket = await setup(desk)
        outsider = await desk.user()
        inactive = await desk.user()
        await desk.add_member(inbox, inactive)
        admin = await desk.agent(role="admin")
        await admin.client.patch(f"/api/v1/users/{inactive['id']}", json={"is_active": False})
        url = f"/api/v1/tickets/{ticket['id']}"
        past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
        # Each also carries a valid change, which must not be half-applied.
        cases: list[tuple[dict[str, Any], int, str]] = [
            ({"state": "snoozed"}, 422, "snoozed_until"),
            ({"state": "snoozed", "snoozed_until": past}, 422, "snoozed_until"),
            ({"snoozed_until": past}, 422, "snoozed_until"),
            ({"state": "open", "snoozed_until": later(hours=1)}, 422, "snoozed_until"),
            ({"state": "closed", "snoozed_until": later(hours=1)}, 422, "snoozed_until"),
            ({"state": "snoozed", "snoozed_until": "2099-01-01T09:00:00"}, 422, "snoozed_until"),
            ({"snoozed_until": "next week"}, 422, "snoozed_until"),
            ({"state": "done"}, 422, "state"),
            ({"subject": ""}, 422, "subject"),
            ({"subject": 42}, 422, "subject"),
            ({"label_ids": [999999]}, 422, "label_ids"),
            ({"label_ids": "bug"}, 422, "label_ids"),
            ({"assignee_id": outsider["id"]}, 422, "assignee_id"),
            ({"assignee_id": inactive["id"]}, 422, "assignee_id"),
            ({"unassign": "please"}, 422, "unassign"),
            ({"priority": 1}, 422, "priority"),
            # Unknown, like an unknown label: a bad value, not a missing page.
            ({"assignee_id": 999999}, 422, "assignee_id"),
        ]
        for change, status, field in cases:
            body = {"subject": "Should not stick", "state": "closed"} | change
            error = error_of(await agent.client.patch(url, json=body), status)
            if field:
                assert field in fields_of(error), (body, error)
        after = (await agent.client.get(url)).json()
        assert (after["subject"], after["state"], after["assignee_id"]) == (
            ticket["subject"],
            "open",
            None,
        )
        assert after["entries"] == []
        assert after["updated_at"] == ticket["updated_at"]


class TestSnooze:
    async def test_snooze_until_a_time_and_wake_up_early(self, desk: Desk) -> None:
        agent, _inbox, ticket = await setup(desk)
        url = f"/api/v1/tickets/{ticket['id']}"
        until = later(hours=2)
        response = await agent.client.patch(url, json={"snoozed_until": until})
        assert response.status_code == 200, response.text
        snoozed = response.json()
        assert snoozed["state"] == "snoozed"
        assert datetime.fromisoformat(snoozed["snoozed_until"]) == datetime.fromisoformat(until)
        # Snoozing again moves the time; reopening by hand clears it.
        response = await agent.client.patch(
            url, json={"state": "snoozed", "snoozed_until": later(days=1)}
        )
        assert response.json()["snoozed_until"] > snoozed["snoozed_until"]
        opened = (await agent.client.patch(url, json={"state": "open"})).json()
        assert (opened["state"], opened["snoozed_until"]) == ("open", None)
        counts = (await agent.client.get("/api/v1/tickets/counts")).json()
        assert (counts["open"], counts["snoozed"]) == (1, 0)

    async def test_the_timer_reopens_tickets_whose_snooze_ended(
        self, desk: Desk, app: FastAPI, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        agent, inbox, due = await setup(desk)
        not_yet = await new_ticket(agent.client, inbox)
        for ticket, hours in ((due, 1), (not_yet, 3)):
            response = await agent.client.patch(
                f"/api/v1/tickets/{ticket['id']}", json={"snoozed_until": later(hours=hours)}
            )
            assert response.status_code == 200
        assert await wake_snoozed_tickets(app.state.sessionmaker) == 0
        two_hours_on = datetime.now(UTC) + timedelta(hours=2)
        monkeypatch.setattr(timers, "utcnow", lambda: two_hours_on)
        assert await wake_snoozed_tickets(app.state.sessionmaker) == 1
        woken = (await agent.client.get(f"/api/v1/tickets/{due['id']}")).json()
        assert (woken["state"], woken["snoozed_until"]) == ("open", None)
        assert woken["entries"][-1]["text"] == SNOOZE_ENDED
        assert woken["entries"][-1]["author_user_id"] is None
        still = (await agent.client.get(f"/api/v1/tickets/{not_yet['id']}")).json()
        assert still["state"] == "snoozed"
        assert await wake_snoozed_tickets(app.state.sessionmaker) == 0

    @BOTH_STORES
    async def test_concurrent_wake_ups_wake_each_ticket_once(
        self, desk: Desk, app: FastAPI, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        agent, tickets = await snoozes_ended(desk, monkeypatch, count=12)
        woken = await asyncio.gather(
            wake_snoozed_tickets(app.state.sessionmaker),
            wake_snoozed_tickets(app.state.sessionmaker),
        )
        assert sum(woken) == len(tickets)
        for ticket in tickets:
            assert (
                await count_rows(
                    app,
                    TicketEntry,
                    TicketEntry.ticket_id == ticket["id"],
                    TicketEntry.text == SNOOZE_ENDED,
                )
                == 1
            )
        counts = (await agent.client.get("/api/v1/tickets/counts")).json()
        assert (counts["open"], counts["snoozed"]) == (len(tickets), 0)

    async def test_snoozes_ending_together_wake_in_short_transactions(
        self, desk: Desk, app: FastAPI, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A round wakes BATCHES batches of BATCH, a transaction each (two of two here), and
        the next round the rest: nobody waits behind one long transaction."""
        monkeypatch.setattr(timers, "BATCH", 2)
        monkeypatch.setattr(timers, "BATCHES", 2)
        await snoozes_ended(desk, monkeypatch, count=5)
        rounds = [await wake_snoozed_tickets(app.state.sessionmaker) for _ in range(3)]
        assert rounds == [4, 1, 0]


class TestNotes:
    async def test_a_note_joins_the_thread_and_sends_no_mail(self, desk: Desk) -> None:
        agent, _inbox, ticket = await setup(desk)
        response = await agent.client.post(
            f"/api/v1/tickets/{ticket['id']}/notes", json={"text": "Internal: VIP customer"}
        )
        assert response.status_code == 201, response.text
        note = response.json()
        assert (note["kind"], note["direction"], note["author_user_id"]) == (
            "note",
            "out",
            agent.id,
        )
        assert note["message_id"] is None
        assert await thread(agent, ticket) == [("note", "Internal: VIP customer")]
        assert await count_rows(desk.app, OutboxMessage) == 0
        after = (await agent.client.get(f"/api/v1/tickets/{ticket['id']}")).json()
        assert after["updated_at"] > ticket["updated_at"]
        assert after["state"] == "open"

    async def test_empty_or_malformed_notes_are_422(self, desk: Desk) -> None:
        agent, _inbox, ticket = await setup(desk)
        for body in ({}, {"text": ""}, {"text": "   \n "}, {"text": 5}, {"text": "a", "to": "x"}):
            response = await agent.client.post(f"/api/v1/tickets/{ticket['id']}/notes", json=body)
            error_of(response, 422, "invalid")
        error_of(await agent.client.post("/api/v1/tickets/999999/notes", json={"text": "x"}), 404)
        assert await thread(agent, ticket) == []


class TestReplies:
    async def test_reply_writes_an_entry_and_a_threaded_outbox_message(self, desk: Desk) -> None:
        agent = await desk.agent(name="Ada")
        inbox = await desk.inbox(name="Support", members=[agent], email_address="help@acme.test")
        admin = await desk.agent(role="admin")
        ticket = await new_ticket(agent.client, inbox, subject="Refund", email="Marie@Example.org")
        url = f"/api/v1/tickets/{ticket['id']}/replies"
        response = await agent.client.post(url, json={"text": "We refunded you."})
        assert response.status_code == 201, response.text
        first = response.json()
        assert (first["kind"], first["direction"], first["author_user_id"]) == (
            "reply",
            "out",
            agent.id,
        )
        second = (await agent.client.post(url, json={"text": "Anything else?"})).json()
        outbox = (await admin.client.get("/api/v1/outbox")).json()
        assert [message["text"] for message in outbox] == ["Anything else?", "We refunded you."]
        newest, oldest = outbox
        assert oldest["recipients"] == ["marie@example.org"]
        # The thread's first mail answers nothing: no "Re:".
        assert oldest["subject"] == f"Refund [#{ticket['number']}]"
        assert newest["subject"] == f"Re: Refund [#{ticket['number']}]"
        assert oldest["sender"] == '"Ada (Support)" <help@acme.test>'
        assert oldest["message_id"] == first["message_id"]
        assert oldest["headers"]["Reply-To"].startswith(f"reply+{ticket['id']}.")
        assert oldest["headers"]["Reply-To"].endswith("@desk.test")
        assert "In-Reply-To" not in oldest["headers"]
        assert oldest["state"] == "queued"
        assert oldest["ticket_id"] == ticket["id"]
        assert newest["message_id"] == second["message_id"]
        assert newest["headers"]["In-Reply-To"] == first["message_id"]
        assert newest["headers"]["References"] == first["message_id"]

    async def test_then_sets_the_state_and_the_replier_takes_the_ticket(self, desk: Desk) -> None:
        agent, inbox, _ticket = await setup(desk)
        for then, state in (("send", "open"), ("hold", "hold"), ("close", "closed")):
            ticket = await new_ticket(agent.client, inbox, state="hold")
            response = await agent.client.post(
                f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "Done.", "then": then}
            )
            assert response.status_code == 201, response.text
            after = (await agent.client.get(f"/api/v1/tickets/{ticket['id']}")).json()
            assert (after["state"], after["assignee_id"]) == (state, agent.id), then
        assert await count_rows(desk.app, OutboxMessage) == 3

    async def test_reply_to_a_customer_without_email_is_refused_whole(self, desk: Desk) -> None:
        agent = await desk.agent()
        inbox = await desk.inbox(members=[agent])
        customer = (
            await agent.client.post(
                "/api/v1/customers", json={"name": "Walk-in", "phones": ["555 0100"]}
            )
        ).json()
        ticket = await new_ticket(agent.client, inbox, customer={"id": customer["id"]})
        response = await agent.client.post(
            f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "Hello", "then": "close"}
        )
        error = error_of(response, 409, "no_recipient")
        assert "note" in error["message"]
        after = (await agent.client.get(f"/api/v1/tickets/{ticket['id']}")).json()
        assert after["entries"] == []
        assert (after["state"], after["assignee_id"]) == ("open", None)
        assert await count_rows(desk.app, TicketEntry) == 0
        assert await count_rows(desk.app, OutboxMessage) == 0

    async def test_malformed_replies_are_422_and_send_nothing(self, desk: Desk) -> None:
        agent, _inbox, ticket = await setup(desk)
        url = f"/api/v1/tickets/{ticket['id']}/replies"
        for body, field in [
            ({}, "text"),
            ({"text": " "}, "text"),
            ({"text": "Hi", "then": "archive"}, "then"),
            ({"text": ["Hi"]}, "text"),
            ({"text": "Hi", "cc": "boss@example.org"}, "cc"),
        ]:
            error = error_of(await agent.client.post(url, json=body), 422, "invalid")
            assert field in fields_of(error), (body, error)
        assert await count_rows(desk.app, TicketEntry) == 0
        assert await count_rows(desk.app, OutboxMessage) == 0


class TestTextLimit:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"max_text_length": 100})

    async def test_oversize_note_and_reply_are_422_and_write_nothing(self, desk: Desk) -> None:
        agent, _inbox, ticket = await setup(desk)
        for kind in ("notes", "replies"):
            response = await agent.client.post(
                f"/api/v1/tickets/{ticket['id']}/{kind}", json={"text": "x" * 101}
            )
            error = error_of(response, 422, "invalid")
            assert fields_of(error) == {"text"}
            assert "100" in error["message"]
        assert await count_rows(desk.app, TicketEntry) == 0
        assert await count_rows(desk.app, OutboxMessage) == 0
        for kind in ("notes", "replies"):
            response = await agent.client.post(
                f"/api/v1/tickets/{ticket['id']}/{kind}", json={"text": "x" * 100}
            )
            assert response.status_code == 201
