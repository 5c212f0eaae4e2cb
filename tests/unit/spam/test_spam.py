"""Spam over the API: marking spam takes a ticket out of every ordinary list into the Spam folder
(with its count), blocks its sender if asked, and is audited and broadcast; "not spam" brings it
back; who may do what; two agents at once; and the Spam folder emptied after the retention."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.audit.models import AuditEvent
from frontdesk.config import Settings
from frontdesk.files.models import StoredFile
from frontdesk.files.store import file_store
from frontdesk.notifications.models import Notification
from frontdesk.sla.models import SlaAlert
from frontdesk.sla.timers import check_slas
from frontdesk.spam.timers import empty_spam
from frontdesk.tickets.models import TicketEntry
from tests.clock import FrozenClock
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk, Published
from tests.unit.support import count_rows, error_of, new_ticket

pytestmark = SQLITE_ONLY

SPAMMER = "deals@junk.example"


async def audited(app: FastAPI) -> list[tuple[str, str | None]]:
    async with app.state.sessionmaker() as session:
        rows = await session.execute(
            select(AuditEvent.action, AuditEvent.target_label)
            .where(AuditEvent.action.like("%spam%") | AuditEvent.action.like("sender.%"))
            .order_by(AuditEvent.id)
        )
        return [(action, label) for action, label in rows]


async def listed(agent: Agent, **params: Any) -> list[int]:
    response = await agent.client.get("/api/v1/tickets", params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def counts(agent: Agent) -> dict[str, int]:
    body: dict[str, int] = (await agent.client.get("/api/v1/tickets/counts")).json()
    return body


@pytest.fixture
async def team(desk: Desk) -> tuple[dict[str, Any], Agent, Agent, Agent]:
    """An inbox with Ada (agent) and an admin in it, and Olga, an agent of another inbox."""
    inbox = await desk.inbox(name="Support", email_address="help@eu.shop.example")
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Root")
    olga = await desk.agent(inboxes=[await desk.inbox(name="Sales")], name="Olga")
    return inbox, ada, admin, olga


class TestMarkingSpam:
    async def test_spam_leaves_the_lists_for_its_folder_and_comes_back(
        self, app: FastAPI, team: Any, published: Published
    ) -> None:
        inbox, ada, admin, olga = team
        junk = await new_ticket(ada.client, inbox, email=SPAMMER, subject="Cheap watches")
        kept = await new_ticket(ada.client, inbox, subject="A real question")
        url = f"/api/v1/tickets/{junk['id']}/spam"

        # Olga does not see the inbox: no such ticket. Ada may not block a whole domain.
        error_of(await olga.client.post(url, json={}), 404)
        error_of(await ada.client.post(url, json={"block": "domain"}), 403, "admins_only")
        assert await listed(ada) == [kept["id"], junk["id"]]

        published.clear()
        marked = await ada.client.post(url, json={"block": "address"})
        assert marked.status_code == 200, marked.text
        assert marked.json()["changed"] is True
        assert marked.json()["ticket"]["state"] == "spam"
        assert marked.json()["blocked"]["pattern"] == SPAMMER
        # Other desks hear the ticket change (their list and folder counts fetch again).
        assert ("ticket.updated", [f"inbox:{inbox['id']}"]) in [
            (kind, topics) for kind, topics, _ in published.summary()
        ]
        assert await listed(ada) == [kept["id"]]
        assert await listed(ada, state="open") == [kept["id"]]
        assert await listed(ada, q="watches") == []
        assert await listed(ada, state="spam") == [junk["id"]]
        # The desk shows when it will be deleted: marked at, plus the retention /me gives.
        folder = (await ada.client.get("/api/v1/tickets", params={"state": "spam"})).json()
        assert folder["items"][0]["spam_at"] == marked.json()["ticket"]["spam_at"]
        assert (await ada.client.get("/api/v1/me")).json()["spam_retention_days"] == 30
        assert (await counts(ada))["spam"] == 1
        assert (await counts(ada))["open"] == 1

        # Only "Not spam" takes it out: not a reply, not a state change; and spam is not a
        # state a PATCH sets.
        error_of(
            await ada.client.patch(f"/api/v1/tickets/{junk['id']}", json={"state": "closed"}),
            409,
            "ticket_is_spam",
        )
        error_of(
            await ada.client.post(f"/api/v1/tickets/{junk['id']}/replies", json={"text": "Hi"}),
            409,
            "ticket_is_spam",
        )
        error_of(
            await ada.client.patch(f"/api/v1/tickets/{kept['id']}", json={"state": "spam"}), 422
        )

        # Ada cannot see the list, where her block is, nor unblock it; an admin blocks the domain.
        error_of(await ada.client.get("/api/v1/blocked-senders"), 403)
        (row,) = (await admin.client.get("/api/v1/blocked-senders")).json()["items"]
        assert (row["pattern"], row["kind"], row["created_by_name"]) == (SPAMMER, "address", "Ada")
        domain = await admin.client.post(
            "/api/v1/blocked-senders", json={"pattern": "@junk.example"}
        )
        assert domain.status_code == 201, domain.text

        back = await ada.client.post(f"/api/v1/tickets/{junk['id']}/not-spam")
        assert back.status_code == 200, back.text
        assert back.json()["ticket"]["state"] == "open"
        # Not spam unblocks the customer's address (else their next mail went to Spam again); the
        # domain an admin blocked stays, and the answer says so.
        assert back.json()["ticket"]["spam_at"] is None
        assert (back.json()["unblocked"], back.json()["domains_blocked"]) == (
            [SPAMMER],
            ["@junk.example"],
        )
        listed_blocks = (await admin.client.get("/api/v1/blocked-senders")).json()["items"]
        assert [each["pattern"] for each in listed_blocks] == ["@junk.example"]
        assert sorted(await listed(ada, state="open")) == sorted([kept["id"], junk["id"]])
        assert (await counts(ada))["spam"] == 0
        detail = (await ada.client.get(f"/api/v1/tickets/{junk['id']}")).json()
        assert [e["text"] for e in detail["entries"] if e["kind"] == "event"] == [
            "Ada marked the ticket as spam",
            "Ada marked the ticket as not spam",
        ]
        # An address is personal data: the audit log names it by number, a domain by name.
        assert await audited(app) == [
            ("sender.blocked", f"blocked sender #{row['id']}"),
            ("ticket.marked_spam", f"ticket #{junk['number']}"),
            ("sender.blocked", "@junk.example"),
            ("sender.unblocked", f"blocked sender #{row['id']}"),
            ("ticket.not_spam", f"ticket #{junk['number']}"),
        ]

    async def test_the_list_of_blocked_senders(self, app: FastAPI, team: Any) -> None:
        _inbox, ada, admin, _olga = team
        url = "/api/v1/blocked-senders"
        error_of(await ada.client.post(url, json={"pattern": "@junk.example"}), 403)
        malformed = ("junk", "@", "a b@junk.example", "@localhost", "@junk\u200b.example")
        for bad in (*malformed, "@*.junk.example", "@junk..example", "@-junk.example", "@a/b.net"):
            error_of(await admin.client.post(url, json={"pattern": bad}), 422)
        # Never our own mail: an inbox's address or domain (or one above it), an agent's.
        hired = await admin.client.post(
            "/api/v1/users", json={"email": "bob@team.example", "name": "Bob", "password": "x" * 12}
        )
        assert hired.status_code == 201, hired.text
        ours = ("help@eu.shop.example", "@shop.example", "bob@team.example", "@team.example")
        for own in ours:
            refused = error_of(await admin.client.post(url, json={"pattern": own}), 422)
            assert "our own mail" in refused["message"], refused
        made = await admin.client.post(url, json={"pattern": " @Junk.Example "})
        assert made.status_code == 201, made.text
        assert (made.json()["pattern"], made.json()["kind"]) == ("@junk.example", "domain")
        error_of(
            await admin.client.post(url, json={"pattern": "@junk.example"}),
            409,
            "sender_blocked_already",
        )
        removed = await admin.client.delete(f"{url}/{made.json()['id']}")
        assert removed.status_code == 204, removed.text
        assert (await admin.client.get(url)).json() == {"items": [], "next_cursor": None}
        error_of(await admin.client.delete(f"{url}/{made.json()['id']}"), 404)
        assert await audited(app) == [
            ("sender.blocked", "@junk.example"),
            ("sender.unblocked", "@junk.example"),
        ]

    async def test_a_contact_form_message_from_a_blocked_domain_lands_in_spam(
        self, team: Any, visitors: Any
    ) -> None:
        inbox, ada, admin, _olga = team
        made = await admin.client.post("/api/v1/blocked-senders", json={"pattern": "@junk.example"})
        assert made.status_code == 201, made.text
        visitor = await visitors(inbox)
        # A domain blocks its subdomains too (spammers rotate them).
        for email in (SPAMMER, "promo@news.junk.example", "alan@example.org"):
            sent = await visitor.client.post(
                "/messenger/v1/contact", json={"name": "A", "email": email, "text": f"From {email}"}
            )
            assert sent.status_code == 201, sent.text
        listed = (await ada.client.get("/api/v1/tickets", params={"type": "web"})).json()
        assert [t["subject"] for t in listed["items"]] == ["From alan@example.org"]
        spam = (await ada.client.get("/api/v1/tickets", params={"state": "spam"})).json()
        assert sorted(t["subject"] for t in spam["items"]) == [
            f"From {SPAMMER}",
            "From promo@news.junk.example",
        ]

    @BOTH_STORES
    async def test_bulk_marks_each_ticket_alone(self, team: Any) -> None:
        inbox, ada, _admin, olga = team
        first = await new_ticket(ada.client, inbox, email=SPAMMER)
        second = await new_ticket(ada.client, inbox, email="other@junk.example")
        (sales,) = (await olga.client.get("/api/v1/inboxes")).json()
        hidden = await new_ticket(olga.client, sales)
        done = await ada.client.post(
            "/api/v1/tickets/spam", json={"ticket_ids": [second["id"], first["id"], hidden["id"]]}
        )
        assert done.status_code == 200, done.text
        assert (done.json()["done"], done.json()["refused"]) == (2, 1)
        assert [(r["ticket_id"], r["ok"]) for r in done.json()["results"]] == [
            (first["id"], True),
            (second["id"], True),
            (hidden["id"], False),
        ]
        assert done.json()["results"][2]["error"]["code"] == "not_found"
        assert sorted(await listed(ada, state="spam")) == [first["id"], second["id"]]
        undone = await ada.client.post(
            "/api/v1/tickets/not-spam", json={"ticket_ids": [first["id"]]}
        )
        assert undone.json()["done"] == 1
        assert await listed(ada, state="spam") == [second["id"]]
        assert await listed(olga, state="spam") == []


class TestRefusedOnSpam:
    async def test_spam_is_not_merged_split_or_assigned(self, app: FastAPI, team: Any) -> None:
        inbox, ada, admin, _olga = team
        junk = await new_ticket(ada.client, inbox, email=SPAMMER, note="Cheap watches")
        good = await new_ticket(ada.client, inbox, email=SPAMMER, subject="A real question")
        assert (await ada.client.post(f"/api/v1/tickets/{junk['id']}/spam", json={})).is_success
        # Junk into a good ticket, or a good ticket into spam (deleted with it later): refused.
        for source, into in ((junk, good), (good, junk)):
            merged = await ada.client.post(
                f"/api/v1/tickets/{source['id']}/merge", json={"into_ticket_id": into["id"]}
            )
            error_of(merged, 409, "ticket_is_spam")
        many = {"ticket_ids": [junk["id"], good["id"]], "into_ticket_id": good["id"]}
        error_of(await ada.client.post("/api/v1/tickets/merges", json=many), 409, "ticket_is_spam")
        detail = (await ada.client.get(f"/api/v1/tickets/{junk['id']}")).json()
        (note,) = [e for e in detail["entries"] if e["kind"] == "note"]
        split = await ada.client.post(
            f"/api/v1/tickets/{junk['id']}/entries/{note['id']}/split", json={}
        )
        error_of(split, 409, "ticket_is_spam")
        # Nobody is handed (and told of) junk, one ticket or many.
        assign = {"assignee_id": admin.id}
        patched = await ada.client.patch(f"/api/v1/tickets/{junk['id']}", json=assign)
        error_of(patched, 409, "ticket_is_spam")
        action = {"type": "assign", "assignee": admin.id}
        bulk = await ada.client.post(
            "/api/v1/tickets/bulk", json={"ticket_ids": [junk["id"]], "actions": [action]}
        )
        assert (bulk.json()["done"], bulk.json()["refused"]) == (0, 1), bulk.text
        assert bulk.json()["results"][0]["error"]["code"] == "ticket_is_spam"
        assert await count_rows(app, Notification) == 0
        assert await listed(ada) == [good["id"]]
        shown = (await ada.client.get(f"/api/v1/tickets/{junk['id']}")).json()
        assert (shown["state"], shown["assignee_id"]) == ("spam", None)


class TestAtOnce:
    @BOTH_STORES
    async def test_two_agents_marking_the_same_ticket_make_one_change(
        self, app: FastAPI, team: Any, desk: Desk
    ) -> None:
        inbox, ada, admin, _olga = team
        ticket = await new_ticket(ada.client, inbox, email=SPAMMER)
        url = f"/api/v1/tickets/{ticket['id']}/spam"
        both = await asyncio.gather(
            ada.client.post(url, json={"block": "address"}),
            admin.client.post(url, json={"block": "address"}),
        )
        assert [r.status_code for r in both] == [200, 200], [r.text for r in both]
        assert sorted(r.json()["changed"] for r in both) == [False, True]
        assert [action for action, _ in await audited(app)] == [
            "sender.blocked",
            "ticket.marked_spam",
        ]
        assert (
            await count_rows(
                app, TicketEntry, TicketEntry.ticket_id == ticket["id"], TicketEntry.kind == "event"
            )
            == 1
        )
        assert len((await admin.client.get("/api/v1/blocked-senders")).json()["items"]) == 1


START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class TestEmptying:
    @BOTH_STORES
    async def test_spam_older_than_the_retention_is_deleted_with_its_files(
        self, app: FastAPI, settings: Settings, desk: Desk, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        clock = FrozenClock(monkeypatch, START)
        inbox = await desk.inbox()
        user = await desk.user(role="admin")
        await desk.add_member(inbox, user)
        admin = await desk.login(user)
        old = await new_ticket(admin.client, inbox, email=SPAMMER)
        upload = await admin.client.post(
            "/api/v1/uploads",
            params={"ticket_id": old["id"], "filename": "x.txt"},
            content=b"junk",
        )
        assert upload.status_code == 201, upload.text
        replied = await admin.client.post(
            f"/api/v1/tickets/{old['id']}/replies",
            json={"text": "Sure", "attachment_ids": [upload.json()["id"]]},
        )
        assert replied.status_code == 201, replied.text
        async with app.state.sessionmaker() as session:
            (key,) = await session.scalars(
                select(StoredFile.key).where(StoredFile.ticket_id == old["id"])
            )
        assert (await admin.client.post(f"/api/v1/tickets/{old['id']}/spam", json={})).is_success
        clock.advance(days=20)
        admin = await desk.login(user)
        recent = await new_ticket(admin.client, inbox, email=SPAMMER)
        assert (await admin.client.post(f"/api/v1/tickets/{recent['id']}/spam", json={})).is_success
        kept = await new_ticket(admin.client, inbox)

        clock.advance(days=10, minutes=1)  # the first marked 30 days ago, the other 10
        kept_forever = settings.model_copy(update={"spam_retention_days": 0})
        assert await empty_spam(app.state.sessionmaker, kept_forever) == 0
        # Two processes at once share the work.
        first, second = await asyncio.gather(
            empty_spam(app.state.sessionmaker, settings),
            empty_spam(app.state.sessionmaker, settings),
        )
        assert first + second == 1
        admin = await desk.login(user)
        assert (await admin.client.get(f"/api/v1/tickets/{old['id']}")).status_code == 404
        assert not await file_store(settings).exists(key)
        for ticket in (recent, kept):
            assert (await admin.client.get(f"/api/v1/tickets/{ticket['id']}")).status_code == 200
        assert await empty_spam(app.state.sessionmaker, settings) == 0


class TestStopping:
    @BOTH_STORES
    async def test_spam_stops_the_sla_without_a_breach_and_ends_the_snooze(
        self, app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        clock = FrozenClock(monkeypatch, START)
        inbox = await desk.inbox()
        admin = await desk.agent(role="owner", inboxes=[inbox])
        made = await admin.client.post(
            "/api/v1/sla-policies",
            json={"name": "Std", "business_hours": False, "resolution_minutes": 60},
        )
        assert made.status_code == 201, made.text
        late = await new_ticket(admin.client, inbox, email=SPAMMER)
        assert late["sla_due_at"] is not None
        snoozed = await new_ticket(admin.client, inbox, email=SPAMMER)
        until = datetime(2026, 3, 9, 9, 0, tzinfo=UTC).isoformat()
        patched = await admin.client.patch(
            f"/api/v1/tickets/{snoozed['id']}", json={"snoozed_until": until}
        )
        assert patched.status_code == 200, patched.text

        clock.advance(minutes=90)  # past due; the SLA timer has not come yet
        admin = await desk.agent(role="owner", inboxes=[inbox])
        for ticket in (late, snoozed):
            marked = await admin.client.post(f"/api/v1/tickets/{ticket['id']}/spam", json={})
            assert marked.status_code == 200, marked.text
        assert await check_slas(app.state.sessionmaker, app.state.settings) == 0
        assert await count_rows(app, SlaAlert) == 0
        for ticket in (late, snoozed):
            shown = (await admin.client.get(f"/api/v1/tickets/{ticket['id']}")).json()
            assert (shown["state"], shown["sla_due_at"], shown["snoozed_until"]) == (
                "spam",
                None,
                None,
            )
        assert (await counts(admin))["snoozed"] == 0
