"""What the desk does while an erasure runs in pieces (privacy/erasing.py): a ticket of another
customer merged into the erased one's, their record merged (refused), two admins
erasing the same address at once, mail and visitors arriving, a process whose erasure keeps
failing. Each time only the erased customer's data goes."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.config import Settings
from frontdesk.db import reading as db_reading
from frontdesk.db.migrate import downgrade
from frontdesk.privacy import erasing
from frontdesk.privacy import service as privacy_service
from frontdesk.privacy import timers as privacy_timers
from frontdesk.privacy.models import Erasure
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.mail.support import post_mime
from tests.unit.privacy.people import BORIS, CORA, SECRET, SUPPORT, two_customers
from tests.unit.privacy.test_erasure_pieces import _nothing_of_cora_left
from tests.unit.privacy.test_privacy_api import dumped
from tests.unit.support import error_of

pytestmark = SQLITE_ONLY


@pytest.fixture(autouse=True)
def _small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(erasing, "ROWS", 1)
    monkeypatch.setattr(erasing, "GROUPS", 1)
    monkeypatch.setattr(erasing, "SCRUB_IDS", 3)
    monkeypatch.setattr(erasing, "PAGES", 1)


def once(monkeypatch: pytest.MonkeyPatch, action: Any) -> None:
    """`action` between the first two pieces of the erasure, nothing between the others."""
    done = False

    async def between() -> None:
        nonlocal done
        if not done:
            done = True
            await action()

    monkeypatch.setattr(privacy_service, "between_pieces", between)


@pytest.mark.parametrize("when", ["before its tickets", "amid its ticket's pieces"])
async def test_a_ticket_merged_into_theirs_while_it_is_erased_goes_back(
    app: FastAPI,
    settings: Settings,
    http: httpx.AsyncClient,
    desk: Desk,
    visitors: Any,
    monkeypatch: pytest.MonkeyPatch,
    when: str,
) -> None:
    admin, _inbox, cora, boris = await two_customers(http, desk, visitors)

    async def merge() -> None:
        merged = await admin.client.post(
            f"/api/v1/tickets/{boris.mail_ticket_id}/merge",
            json={"into_ticket_id": cora.mail_ticket_id, "other_customer": True},
        )
        assert merged.status_code in (200, 201), merged.text

    if when == "before its tickets":
        once(monkeypatch, merge)
    else:
        # The first ticket's thread is half deleted, a piece at a time, when the merge comes.
        done = at_step(app, monkeypatch, "tickets", merge, after=2)
    erased = await admin.client.post(
        f"/api/v1/customers/{cora.customer_id}/erase", json={"confirm": CORA.email}
    )
    assert erased.status_code == 200, erased.text
    assert erased.json()["state"] == "done"
    if when != "before its tickets":
        assert done
    # Boris's thread came back to his ticket, attachment and all, and nothing of Cora is left.
    ticket = (await admin.client.get(f"/api/v1/tickets/{boris.mail_ticket_id}")).json()
    texts = " ".join(entry["text"] or "" for entry in ticket["entries"])
    assert "BORISMAILTEXT" in texts
    assert "BORISREPLYTEXT" in texts
    assert ticket["merged_into_id"] is None
    await _nothing_of_cora_left(app, settings, admin, cora, boris)


async def test_a_customer_being_erased_is_merged_neither_way(
    app: FastAPI,
    settings: Settings,
    http: httpx.AsyncClient,
    desk: Desk,
    visitors: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Merging Cora's record into Boris's while she is erased gave him her tickets, which the
    erasure then left (they were his); merging his into hers, his went with hers. Both are
    refused now until the erasure is done."""
    admin, _inbox, cora, boris = await two_customers(http, desk, visitors)
    refusals: list[dict[str, Any]] = []

    async def merge_customers() -> None:
        for target, source in ((boris, cora), (cora, boris)):
            merged = await admin.client.post(
                f"/api/v1/customers/{target.customer_id}/merge",
                json={"source_id": source.customer_id},
            )
            refusals.append(error_of(merged, 409))

    once(monkeypatch, merge_customers)
    erased = await admin.client.post(
        f"/api/v1/customers/{cora.customer_id}/erase", json={"confirm": CORA.email}
    )
    assert erased.status_code == 200, erased.text
    assert [refusal["code"] for refusal in refusals] == ["customer_being_erased"] * 2
    assert refusals[0]["message"].startswith(f"Customer {cora.customer_id} is being erased")
    boris_now = await admin.client.get(f"/api/v1/customers/{boris.customer_id}")
    assert boris_now.status_code == 200, boris_now.text
    await _nothing_of_cora_left(app, settings, admin, cora, boris)


async def test_the_record_holding_their_unproven_chat_is_not_merged_meanwhile(
    app: FastAPI,
    settings: Settings,
    http: httpx.AsyncClient,
    desk: Desk,
    visitors: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Someone typed Cora's address in the messenger without proving it: the chat's ticket went
    to a record of its own, which her erasure takes it from (`owners`). Merged into Boris's
    while she is erased, the ticket was his and the erasure left it; refused now."""
    admin, inbox, cora, boris = await two_customers(http, desk, visitors)
    visitor = await visitors(inbox)
    chat = await visitor.start_chat("TYPEDHERADDRESS", name="C", email=CORA.email)
    assert (await admin.client.post(f"/api/v1/chats/{chat['id']}/join")).status_code == 200
    ended = await admin.client.post(f"/api/v1/chats/{chat['id']}/end")
    assert ended.status_code == 200, ended.text
    chat_ticket = ended.json()["ticket_id"]
    holder = (await admin.client.get(f"/api/v1/tickets/{chat_ticket}")).json()["customer"]["id"]
    assert holder not in (cora.customer_id, boris.customer_id)
    # A ticket of its own besides: the record is somebody's, not hers to erase.
    own = await admin.client.post(
        "/api/v1/tickets",
        json={"inbox_id": inbox["id"], "customer": {"id": holder}, "subject": "Theirs"},
    )
    assert own.status_code == 201, own.text
    refusals: list[dict[str, Any]] = []

    async def merge_holder() -> None:
        merged = await admin.client.post(
            f"/api/v1/customers/{boris.customer_id}/merge", json={"source_id": holder}
        )
        refusals.append(error_of(merged, 409))

    once(monkeypatch, merge_holder)
    erased = await admin.client.post(
        f"/api/v1/customers/{cora.customer_id}/erase", json={"confirm": CORA.email}
    )
    assert erased.status_code == 200, erased.text
    assert [refusal["code"] for refusal in refusals] == ["customer_being_erased"]
    error_of(await admin.client.get(f"/api/v1/tickets/{chat_ticket}"), 404)


def both_found_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each of two erasure requests finds what to erase before either goes on: the two are as
    close together as two admins (or one request sent twice) can make them."""
    arrived = 0
    both = asyncio.Event()
    reading = db_reading.read

    async def read(*args: Any) -> Any:
        nonlocal arrived
        found = await reading(*args)
        arrived += 1
        if arrived == 2:
            both.set()
        await both.wait()
        return found

    monkeypatch.setattr(privacy_service, "read", read)


@BOTH_STORES
@pytest.mark.parametrize("who", ["customer", "address"])
async def test_two_erasures_of_one_address_at_once_are_one(
    app: FastAPI,
    settings: Settings,
    http: httpx.AsyncClient,
    desk: Desk,
    visitors: Any,
    monkeypatch: pytest.MonkeyPatch,
    who: str,
) -> None:
    admin, _inbox, cora, boris = await two_customers(http, desk, visitors)
    address = CORA.email if who == "customer" else "nobody.known@example.com"
    both_found_first(monkeypatch)
    first, second = await asyncio.gather(
        admin.client.post("/api/v1/erasures", json={"email": address}),
        admin.client.post("/api/v1/erasures", json={"email": address}),
    )
    assert first.status_code == 200, first.text
    assert second.status_code == 200, second.text
    assert first.json()["id"] == second.json()["id"]
    assert second.json()["state"] == "done"
    listed = (await admin.client.get("/api/v1/erasures")).json()
    assert [item["state"] for item in listed] == ["done"]
    if who == "customer":
        await _nothing_of_cora_left(app, settings, admin, cora, boris)


class Crash(Exception):
    """The process stopping, or a piece failing."""


async def _stopped_before_its_first_piece(
    admin: Any, customer_id: int, confirm: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def crash(*_args: Any) -> bool:
        raise Crash

    with monkeypatch.context() as patched:
        patched.setattr(erasing, "step", crash)
        with pytest.raises(Crash):
            await admin.client.post(
                f"/api/v1/customers/{customer_id}/erase", json={"confirm": confirm}
            )


async def test_an_erasure_just_started_is_not_taken_over(
    app: FastAPI,
    settings: Settings,
    http: httpx.AsyncClient,
    desk: Desk,
    visitors: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin, _inbox, cora, _boris = await two_customers(http, desk, visitors)
    await _stopped_before_its_first_piece(admin, cora.customer_id, CORA.email, monkeypatch)
    # Started a moment ago, no piece done yet: another process's loop leaves it to its own.
    assert await privacy_timers.finish_erasures(app.state.sessionmaker, settings) == 0
    listed = (await admin.client.get("/api/v1/erasures")).json()
    assert [item["state"] for item in listed] == ["running"]


async def test_an_erasure_that_keeps_failing_does_not_hold_up_the_others(
    app: FastAPI,
    settings: Settings,
    http: httpx.AsyncClient,
    desk: Desk,
    visitors: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    admin, _inbox, cora, boris = await two_customers(http, desk, visitors)
    await _stopped_before_its_first_piece(admin, cora.customer_id, CORA.email, monkeypatch)
    await _stopped_before_its_first_piece(admin, boris.customer_id, BORIS.email, monkeypatch)
    listed = (await admin.client.get("/api/v1/erasures")).json()
    coras, boriss = sorted(item["id"] for item in listed)
    stepping = erasing.step

    async def cora_fails(session: Any, erasure_id: int) -> bool:
        if erasure_id == coras:
            raise Crash
        return await stepping(session, erasure_id)

    monkeypatch.setattr(erasing, "step", cora_fails)
    monkeypatch.setattr(privacy_timers, "STOPPED", timedelta(0))
    with caplog.at_level(logging.ERROR, logger="frontdesk.privacy.service"):
        assert await privacy_timers.finish_erasures(app.state.sessionmaker, settings) == 1
    assert f"erasure {coras} stopped" in caplog.text
    states = {
        item["id"]: item["state"] for item in (await admin.client.get("/api/v1/erasures")).json()
    }
    assert states == {coras: "running", boriss: "done"}
    error_of(await admin.client.get(f"/api/v1/customers/{boris.customer_id}"), 404)


def at_step(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch, step: str, action: Any, *, after: int = 0
) -> list[str]:
    """`action` once, between two pieces, when the erasure has reached `step` and done `after`
    pieces of it."""
    done: list[str] = []
    seen = 0

    async def between() -> None:
        nonlocal seen
        if done:
            return
        async with app.state.sessionmaker() as session:
            progress = await session.scalar(
                select(Erasure.progress).where(Erasure.finished_at.is_(None))
            )
        if (progress or {}).get("step") == step:
            seen += 1
            if seen > after:
                done.append(step)
                await action()

    monkeypatch.setattr(privacy_service, "between_pieces", between)
    return done


@BOTH_STORES
async def test_a_customer_made_from_the_address_while_it_is_erased_goes_too(
    app: FastAPI,
    settings: Settings,
    http: httpx.AsyncClient,
    desk: Desk,
    visitors: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin, _inbox, _cora, _boris = await two_customers(http, desk, visitors)
    address = "dora.unknown@example.com"

    async def mail_from_them() -> None:
        message = EmailMessage()
        message["From"] = f"Dora <{address}>"
        message["To"] = SUPPORT
        message["Subject"] = "DORASUBJECT"
        message["Message-ID"] = "<dora-1@example.com>"
        message.set_content("Hello, DORAMAILTEXT here.")
        received = await post_mime(http, message.as_bytes())
        assert received.status_code == 200, received.text

    done = at_step(app, monkeypatch, "scrub", mail_from_them)
    erased = await admin.client.post("/api/v1/erasures", json={"email": address})
    assert erased.status_code == 200, erased.text
    assert done
    assert erased.json()["state"] == "done"
    dump = dumped(app, settings)
    assert address.encode() not in dump
    assert b"DORAMAILTEXT" not in dump
    assert erased.json()["counts"]["customers"] == 1


async def test_a_visitor_who_gives_their_address_while_they_are_erased_goes_too(
    app: FastAPI,
    settings: Settings,
    http: httpx.AsyncClient,
    desk: Desk,
    visitors: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin, inbox, cora, boris = await two_customers(http, desk, visitors)

    async def identified() -> None:
        visitor = await visitors(inbox)
        await visitor.identify(CORA.email)

    done = at_step(app, monkeypatch, "scrub", identified)
    erased = await admin.client.post(
        f"/api/v1/customers/{cora.customer_id}/erase", json={"confirm": CORA.email}
    )
    assert erased.status_code == 200, erased.text
    assert done
    assert erased.json()["state"] == "done"
    await _nothing_of_cora_left(app, settings, admin, cora, boris)


async def test_mail_copying_them_sent_after_the_scrub_passed_is_scrubbed_too(
    app: FastAPI,
    settings: Settings,
    http: httpx.AsyncClient,
    desk: Desk,
    visitors: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin, _inbox, cora, boris = await two_customers(http, desk, visitors)

    async def copied() -> None:
        reply = await admin.client.post(
            f"/api/v1/tickets/{boris.mail_ticket_id}/replies",
            json={"text": "Copying someone", "cc": [CORA.email]},
        )
        assert reply.status_code in (200, 201), reply.text

    done = at_step(app, monkeypatch, "customers", copied)
    erased = await admin.client.post(
        f"/api/v1/customers/{cora.customer_id}/erase", json={"confirm": CORA.email}
    )
    assert erased.status_code == 200, erased.text
    assert done
    assert erased.json()["state"] == "done"
    await _nothing_of_cora_left(app, settings, admin, cora, boris)


@BOTH_STORES
async def test_a_chat_they_start_while_they_are_erased_is_not_deleted_under_them(
    app: FastAPI,
    settings: Settings,
    http: httpx.AsyncClient,
    desk: Desk,
    visitors: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin, inbox, cora, boris = await two_customers(http, desk, visitors)
    chats: list[dict[str, Any]] = []

    async def chatting() -> None:
        visitor = await visitors(inbox)
        await visitor.identify(CORA.email, secret=SECRET)
        chats.append(
            await visitor.start_chat("CORACHATTEXT again", name=CORA.name, email=CORA.email)
        )

    done = at_step(app, monkeypatch, "scrub", chatting)
    erased = await admin.client.post(
        f"/api/v1/customers/{cora.customer_id}/erase", json={"confirm": CORA.email}
    )
    # It waits for the chat: still going on, the erasure still running.
    assert erased.status_code == 202, erased.text
    assert done
    assert erased.json()["state"] == "running"
    chat = await admin.client.get(f"/api/v1/chats/{chats[0]['id']}")
    assert chat.status_code == 200, chat.text
    assert chat.json()["state"] != "ended"

    joined = await admin.client.post(f"/api/v1/chats/{chats[0]['id']}/join")
    assert joined.status_code == 200, joined.text
    ended = await admin.client.post(f"/api/v1/chats/{chats[0]['id']}/end")
    assert ended.status_code == 200, ended.text
    monkeypatch.setattr(privacy_timers, "STOPPED", timedelta(0))
    assert await privacy_timers.finish_erasures(app.state.sessionmaker, settings) == 1
    listed = (await admin.client.get("/api/v1/erasures")).json()
    assert [item["state"] for item in listed] == ["done"]
    await _nothing_of_cora_left(app, settings, admin, cora, boris)
    error_of(await admin.client.get(f"/api/v1/chats/{chats[0]['id']}"), 404)


@BOTH_STORES
async def test_the_schema_does_not_go_back_under_a_running_erasure(
    app: FastAPI,
    settings: Settings,
    http: httpx.AsyncClient,
    desk: Desk,
    visitors: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin, _inbox, cora, boris = await two_customers(http, desk, visitors)
    await _stopped_before_its_first_piece(admin, cora.customer_id, CORA.email, monkeypatch)
    with pytest.raises(RuntimeError, match="1 customer erasure"):
        await asyncio.to_thread(downgrade, settings.database_url, "0063")
    # Still there and still running: the loop finishes it as if nothing happened.
    monkeypatch.setattr(privacy_timers, "STOPPED", timedelta(0))
    assert await privacy_timers.finish_erasures(app.state.sessionmaker, settings) == 1
    await _nothing_of_cora_left(app, settings, admin, cora, boris)


async def test_an_erasure_still_running_after_a_while_is_answered_running(
    app: FastAPI,
    settings: Settings,
    http: httpx.AsyncClient,
    desk: Desk,
    visitors: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin, _inbox, cora, boris = await two_customers(http, desk, visitors)
    answered = asyncio.Event()

    async def after_the_answer() -> None:
        await answered.wait()

    monkeypatch.setattr(privacy_service, "between_pieces", after_the_answer)
    # The wait a proxy's timeout would cut short, made nothing: the answer comes at once.
    monkeypatch.setattr(privacy_service, "ANSWER_WITHIN", 0)
    # A guard, not a measure: an answer that waited for the end would never come.
    async with asyncio.timeout(60):
        erased = await admin.client.post(
            f"/api/v1/customers/{cora.customer_id}/erase", json={"confirm": CORA.email}
        )
    assert erased.status_code == 202, erased.text
    assert erased.json()["state"] == "running"
    assert erased.json()["finished_at"] is None
    answered.set()
    # It went on in the server; the desk asks the list until it is done.
    await privacy_service._RUNNING[erased.json()["id"]]
    listed = (await admin.client.get("/api/v1/erasures")).json()
    assert [(item["id"], item["state"]) for item in listed] == [(erased.json()["id"], "done")]
    await _nothing_of_cora_left(app, settings, admin, cora, boris)
