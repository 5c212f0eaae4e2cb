"""Linked tickets over HTTP (docs/desk.md, "Linked tickets"): agents link two tickets of their
inboxes both ways, once per pair, never a ticket to itself, at most MAX_LINKS a ticket; a linked
ticket of another inbox is shown by its number alone; both timelines say who linked; desks hear
it; a merge moves the links and its undo brings them back; a split links its new ticket; a
deleted ticket takes its links. On both stores."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.links import models as link_models
from frontdesk.links.models import TicketLink
from frontdesk.privacy import retention
from tests.conftest import BOTH_STORES, Agent, Desk, Published
from tests.unit.support import count_rows, error_of, new_ticket, use_cheap_passwords

pytestmark = BOTH_STORES


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


def path(ticket_id: int, other_id: int | None = None) -> str:
    base = f"/api/v1/tickets/{ticket_id}/links"
    return base if other_id is None else f"{base}/{other_id}"


async def link(agent: Agent, ticket_id: int, other_id: int, status: int = 201) -> dict[str, Any]:
    response = await agent.client.post(path(ticket_id), json={"ticket_id": other_id})
    assert response.status_code == status, response.text
    return dict(response.json())


async def unlink(agent: Agent, ticket_id: int, other_id: int) -> None:
    response = await agent.client.delete(path(ticket_id, other_id))
    assert response.status_code == 204, response.text


async def links(agent: Agent, ticket_id: int) -> dict[str, Any]:
    response = await agent.client.get(path(ticket_id))
    assert response.status_code == 200, response.text
    return dict(response.json())


async def linked_numbers(agent: Agent, ticket_id: int) -> list[int]:
    return [each["number"] for each in (await links(agent, ticket_id))["links"]]


async def timeline(agent: Agent, ticket_id: int) -> list[str]:
    ticket = (await agent.client.get(f"/api/v1/tickets/{ticket_id}")).json()
    return [e["text"] for e in ticket["entries"] if e["kind"] == "event"]


def told(published: Published) -> list[tuple[str, int, str, int | None]]:
    return [
        (
            m.topics[0],
            m.envelope.data["ticket_id"],
            m.envelope.data["change"],
            m.envelope.data["other_ticket_id"],
        )
        for m in published.messages
        if m.envelope.type == "ticket.links_changed"
    ]


async def test_agents_link_two_tickets_both_ways_once_and_unlink_them(
    app: FastAPI, desk: Desk, published: Published
) -> None:
    inbox = await desk.inbox(name="Support")
    ana = await desk.agent(inboxes=[inbox], name="Ana")
    ben = await desk.agent(inboxes=[inbox], name="Ben")
    printer = await new_ticket(ana.client, inbox, subject="Printer on fire")
    again = await new_ticket(ana.client, inbox, subject="Printer still on fire")
    assert await links(ana, printer["id"]) == {"ticket_id": printer["id"], "links": []}

    published.clear()
    made = await link(ana, printer["id"], again["id"])
    assert made["linked_by"] == {"id": ana.id, "name": "Ana"}
    assert {k: v for k, v in made.items() if k not in ("linked_at", "linked_by")} == {
        "ticket_id": again["id"],
        "number": again["number"],
        "visible": True,
        "subject": "Printer still on fire",
        "state": "open",
        "inbox": {"id": inbox["id"], "name": "Support"},
    }
    # Desks of each ticket's inbox hear it, naming the other ticket by id.
    topic = f"inbox:{inbox['id']}"
    assert told(published) == [
        (topic, printer["id"], "linked", again["id"]),
        (topic, again["id"], "linked", printer["id"]),
    ]
    # Both ways: the other ticket lists this one.
    [back] = (await links(ben, again["id"]))["links"]
    assert (back["ticket_id"], back["subject"]) == (printer["id"], "Printer on fire")
    # Both timelines say who linked what.
    assert await timeline(ben, printer["id"]) == [f"Ana linked this ticket to #{again['number']}"]
    assert await timeline(ben, again["id"]) == [f"Ana linked this ticket to #{printer['number']}"]

    # Linking the pair again, from either end, changes nothing: 200 and the same link.
    published.clear()
    same = await link(ben, again["id"], printer["id"], status=200)
    assert same["ticket_id"] == printer["id"]
    assert same["linked_by"] == {"id": ana.id, "name": "Ana"}
    assert (await link(ana, printer["id"], again["id"], status=200))["linked_at"] == made[
        "linked_at"
    ]
    assert told(published) == []
    assert await count_rows(app, TicketLink) == 1
    assert len(await timeline(ana, printer["id"])) == 1

    # Unlinked from the other end: gone on both, said on both timelines, heard.
    await unlink(ben, again["id"], printer["id"])
    assert (await links(ana, printer["id"]))["links"] == []
    assert (await links(ana, again["id"]))["links"] == []
    assert (await timeline(ana, printer["id"]))[-1] == (
        f"Ben unlinked #{again['number']} from this ticket"
    )
    assert told(published) == [
        (topic, again["id"], "unlinked", printer["id"]),
        (topic, printer["id"], "unlinked", again["id"]),
    ]
    # Unlinking again is safe: nothing to do, nothing said.
    published.clear()
    await unlink(ana, printer["id"], again["id"])
    assert told(published) == []
    assert len(await timeline(ana, printer["id"])) == 2
    assert await count_rows(app, TicketLink) == 0


async def test_bad_input_is_refused_with_a_sentence_and_nothing_written(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = await desk.inbox()
    ana = await desk.agent(inboxes=[inbox])
    one = await new_ticket(ana.client, inbox, subject="One")
    two = await new_ticket(ana.client, inbox, subject="Two")

    # A ticket that does not exist, at either end.
    error = error_of(await ana.client.post(path(one["id"]), json={"ticket_id": 999_999}), 404)
    assert error["message"] == "There is no ticket with the id 999999 in the inboxes you are in."
    error_of(await ana.client.delete(path(one["id"], 999_999)), 404)
    error = error_of(await ana.client.post(path(999_999), json={"ticket_id": one["id"]}), 404)
    assert error["message"] == "No such ticket."
    error_of(await ana.client.get(path(999_999)), 404)
    error_of(await ana.client.post(path(one["id"]), json={"ticket_id": 2**40}), 404)
    # Itself.
    for response in (
        await ana.client.post(path(one["id"]), json={"ticket_id": one["id"]}),
        await ana.client.delete(path(one["id"], one["id"])),
    ):
        error = error_of(response, 422)
        assert error["message"] == "A ticket cannot be linked to itself."
        assert [f["field"] for f in error["fields"]] == ["ticket_id"]
    # Not a ticket id.
    for body in ({}, {"ticket_id": None}, {"ticket_id": "2"}, {"ticket_id": 2, "type": "x"}):
        error_of(await ana.client.post(path(one["id"]), json=body), 422)
    assert await count_rows(app, TicketLink) == 0

    # At most MAX_LINKS a ticket, at either end (a small limit here, the same rule).
    monkeypatch.setattr(link_models, "MAX_LINKS", 2)
    monkeypatch.setattr("frontdesk.links.service.MAX_LINKS", 2)
    others = [await new_ticket(ana.client, inbox, subject=f"Other {i}") for i in range(3)]
    await link(ana, one["id"], others[0]["id"])
    await link(ana, one["id"], others[1]["id"])
    for ticket_id, other_id in ((one["id"], two["id"]), (two["id"], one["id"])):
        full = await ana.client.post(path(ticket_id), json={"ticket_id": other_id})
        error = error_of(full, 409, "too_many_links")
        assert error["message"] == (
            f"Ticket #{one['number']} already has 2 linked tickets, the most it may have: "
            "unlink one first."
        )
    # Linked already is no new link: still fine at the limit.
    await link(ana, others[1]["id"], one["id"], status=200)
    assert await count_rows(app, TicketLink) == 2
    assert await linked_numbers(ana, two["id"]) == []
    assert await timeline(ana, two["id"]) == []

    # Spam is not linked.
    spam = await ana.client.post(f"/api/v1/tickets/{others[2]['id']}/spam", json={})
    assert spam.status_code == 200, spam.text
    error_of(
        await ana.client.post(path(two["id"]), json={"ticket_id": others[2]["id"]}),
        409,
        "ticket_is_spam",
    )
    assert await count_rows(app, TicketLink) == 2


async def test_only_tickets_the_agent_sees_are_linked_and_others_show_no_subject(
    app: FastAPI, desk: Desk, published: Published
) -> None:
    support = await desk.inbox(name="Support")
    billing = await desk.inbox(name="Billing")
    ana = await desk.agent(inboxes=[support], name="Ana")
    bill = await desk.agent(inboxes=[billing], name="Bill")
    admin = await desk.agent(role="admin", name="Ada")
    mine = await new_ticket(ana.client, support, subject="Cannot log in")
    theirs = await new_ticket(bill.client, billing, subject="Secret refund for Boris")

    published.clear()
    # Neither end may be out of sight: the same answer as for a ticket that does not exist.
    error = error_of(await ana.client.post(path(mine["id"]), json={"ticket_id": theirs["id"]}), 404)
    assert error["message"] == (
        f"There is no ticket with the id {theirs['id']} in the inboxes you are in."
    )
    for response in (
        await bill.client.post(path(mine["id"]), json={"ticket_id": theirs["id"]}),
        await bill.client.get(path(mine["id"])),
        await bill.client.delete(path(mine["id"], theirs["id"])),
    ):
        assert error_of(response, 404)["message"] == "No such ticket."
    assert await count_rows(app, TicketLink) == 0
    assert told(published) == []

    # Linked by someone who sees both: Ana sees Billing's ticket by its number alone.
    await link(admin, mine["id"], theirs["id"])
    [hidden] = (await links(ana, mine["id"]))["links"]
    assert {k: v for k, v in hidden.items() if k not in ("linked_at", "linked_by")} == {
        "ticket_id": theirs["id"],
        "number": theirs["number"],
        "visible": False,
        "subject": None,
        "state": None,
        "inbox": None,
    }
    assert "Secret" not in str(await ana.client.get(path(mine["id"])))
    assert "Secret" not in str(await timeline(ana, mine["id"]))
    # Each inbox hears of its own ticket only.
    assert told(published) == [
        (f"inbox:{support['id']}", mine["id"], "linked", theirs["id"]),
        (f"inbox:{billing['id']}", theirs["id"], "linked", mine["id"]),
    ]
    # Nor may she unlink it; Bill sees Ana's ticket the same way.
    error_of(await ana.client.delete(path(mine["id"], theirs["id"])), 404)
    [other_way] = (await links(bill, theirs["id"]))["links"]
    assert (other_way["number"], other_way["visible"], other_way["subject"]) == (
        mine["number"],
        False,
        None,
    )
    assert await count_rows(app, TicketLink) == 1


async def test_a_merge_moves_the_links_and_its_undo_brings_them_back(
    app: FastAPI, desk: Desk, published: Published
) -> None:
    inbox = await desk.inbox()
    ana = await desk.agent(inboxes=[inbox])
    merged = await new_ticket(ana.client, inbox, subject="Merged")
    kept = await new_ticket(ana.client, inbox, subject="Kept")
    x = await new_ticket(ana.client, inbox, subject="X")
    y = await new_ticket(ana.client, inbox, subject="Y")
    z = await new_ticket(ana.client, inbox, subject="Z")
    for other in (x, y, kept):
        await link(ana, merged["id"], other["id"])
    await link(ana, kept["id"], y["id"])
    await link(ana, z["id"], kept["id"])

    published.clear()
    response = await ana.client.post(
        f"/api/v1/tickets/{merged['id']}/merge", json={"into_ticket_id": kept["id"]}
    )
    assert response.status_code == 201, response.text
    move_id = response.json()["id"]
    # The kept ticket has them now: not itself, Y once.
    assert sorted(await linked_numbers(ana, kept["id"])) == sorted(
        [y["number"], z["number"], x["number"]]
    )
    assert await linked_numbers(ana, x["id"]) == [kept["number"]]
    assert sorted(await linked_numbers(ana, y["id"])) == [kept["number"]]
    # The merged ticket's links are the kept one's, for reading and for linking.
    assert (await links(ana, merged["id"]))["ticket_id"] == kept["id"]
    error_of(await ana.client.post(path(merged["id"]), json={"ticket_id": kept["id"]}), 422)
    assert (await link(ana, merged["id"], x["id"], status=200))["ticket_id"] == x["id"]
    # Every ticket whose links changed is told.
    assert {(t[1], t[2]) for t in told(published)} == {
        (ticket["id"], "moved") for ticket in (merged, kept, x, y)
    }

    undone = await ana.client.post(f"/api/v1/tickets/moves/{move_id}/undo")
    assert undone.status_code == 200, undone.text
    assert await linked_numbers(ana, merged["id"]) == [x["number"], y["number"], kept["number"]]
    assert sorted(await linked_numbers(ana, kept["id"])) == sorted(
        [merged["number"], y["number"], z["number"]]
    )
    assert await linked_numbers(ana, x["id"]) == [merged["number"]]
    assert sorted(await linked_numbers(ana, y["id"])) == sorted([merged["number"], kept["number"]])
    assert await count_rows(app, TicketLink) == 5


async def test_a_split_links_its_new_ticket_until_it_is_undone(app: FastAPI, desk: Desk) -> None:
    inbox = await desk.inbox()
    ana = await desk.agent(inboxes=[inbox])
    first = await new_ticket(ana.client, inbox, subject="First")
    for text in ("one", "two"):
        made = await ana.client.post(f"/api/v1/tickets/{first['id']}/notes", json={"text": text})
        assert made.status_code == 201, made.text
    ticket = (await ana.client.get(f"/api/v1/tickets/{first['id']}")).json()
    two = next(e for e in ticket["entries"] if e["text"] == "two")
    response = await ana.client.post(
        f"/api/v1/tickets/{first['id']}/entries/{two['id']}/split", json={}
    )
    assert response.status_code == 201, response.text
    move = response.json()
    new_id = move["target_ticket_id"]
    new = (await ana.client.get(f"/api/v1/tickets/{new_id}")).json()
    assert await linked_numbers(ana, first["id"]) == [new["number"]]
    assert await linked_numbers(ana, new_id) == [first["number"]]

    undone = await ana.client.post(f"/api/v1/tickets/moves/{move['id']}/undo")
    assert undone.status_code == 200, undone.text
    assert await linked_numbers(ana, first["id"]) == []
    assert await count_rows(app, TicketLink) == 0


async def test_a_deleted_ticket_takes_its_links_with_it(app: FastAPI, desk: Desk) -> None:
    inbox = await desk.inbox()
    ana = await desk.agent(inboxes=[inbox])
    junk = await new_ticket(ana.client, inbox, subject="Junk")
    kept = await new_ticket(ana.client, inbox, subject="Kept", email="other@example.org")
    other = await new_ticket(ana.client, inbox, subject="Other", email="third@example.org")
    await link(ana, junk["id"], kept["id"])
    await link(ana, other["id"], junk["id"])
    await link(ana, kept["id"], other["id"])
    spam = await ana.client.post(f"/api/v1/tickets/{junk['id']}/spam", json={})
    assert spam.status_code == 200, spam.text
    async with unit_of_work(app.state.sessionmaker) as session:
        deleted = await retention.delete_spam(
            session, marked_before=utcnow() + timedelta(days=1), limit=10
        )
    assert deleted == 1
    assert await count_rows(app, TicketLink) == 1
    assert await linked_numbers(ana, kept["id"]) == [other["number"]]


async def test_two_agents_linking_the_same_pair_at_once_make_one_link(
    app: FastAPI, desk: Desk
) -> None:
    inbox = await desk.inbox()
    ana = await desk.agent(inboxes=[inbox])
    ben = await desk.agent(inboxes=[inbox])
    one = await new_ticket(ana.client, inbox, subject="One")
    two = await new_ticket(ana.client, inbox, subject="Two")
    made = await asyncio.gather(
        ana.client.post(path(one["id"]), json={"ticket_id": two["id"]}),
        ben.client.post(path(two["id"]), json={"ticket_id": one["id"]}),
        ana.client.post(path(one["id"]), json={"ticket_id": two["id"]}),
    )
    assert sorted(r.status_code for r in made) == [200, 200, 201], [r.text for r in made]
    assert await count_rows(app, TicketLink) == 1
    assert len(await timeline(ana, one["id"])) == 1
