"""Searching the ticket list (`q`): what a word finds through the full-text index of each store,
in which order, with which parts marked, and only in the agent's own inboxes."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import delete, text

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.search import queries as search_queries
from frontdesk.tickets.models import Ticket
from tests.conftest import Agent, Desk
from tests.mail.support import INBOUND_TOKEN, SUPPORT, post_mime, reply_mail
from tests.unit.support import new_ticket, use_cheap_passwords


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"inbound_token": INBOUND_TOKEN})


async def search(agent: Agent, q: str, **params: Any) -> list[dict[str, Any]]:
    response = await agent.client.get("/api/v1/tickets", params={"q": q, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def subjects(agent: Agent, q: str, **params: Any) -> list[str]:
    return [item["subject"] for item in await search(agent, q, **params)]


def marked(parts: list[dict[str, Any]] | None) -> list[str]:
    return [part["text"] for part in parts or [] if part["match"]]


async def assert_index_intact(app: FastAPI) -> None:
    """SQLite: each FTS5 table agrees with the rows it indexes (FTS5's own check)."""
    async with unit_of_work(app.state.sessionmaker) as session:
        if session.get_bind().dialect.name != "sqlite":
            return
        for table in ("search_tickets", "search_entries", "search_customers", "search_contacts"):
            check = f"INSERT INTO {table} ({table}) VALUES ('integrity-check')"  # noqa: S608
            await session.execute(text(check))


async def test_best_matches_first_subject_above_message_more_words_above_fewer(
    desk: Desk,
) -> None:
    admin = await desk.agent(role="admin")
    inbox = await desk.inbox()
    await new_ticket(admin.client, inbox, subject="Printer jam, older")
    await new_ticket(admin.client, inbox, subject="Only the jam", note="nothing else")
    await new_ticket(admin.client, inbox, subject="Office", note="The printer has a paper jam")
    await new_ticket(admin.client, inbox, subject="Printer jam, newer")
    await new_ticket(admin.client, inbox, subject="Printer ink")
    await new_ticket(admin.client, inbox, subject="Unrelated", note="no match here")

    assert await subjects(admin, "printer jam") == [
        "Printer jam, newer",  # both words in the subject, the most recent first
        "Printer jam, older",
        "Office",  # both words, in a message
        "Printer ink",  # one word, in the subject
        "Only the jam",
    ]
    # Another sort orders the same tickets by it.
    assert await subjects(admin, "printer jam", sort="number") == [
        "Printer jam, older",
        "Only the jam",
        "Office",
        "Printer jam, newer",
        "Printer ink",
    ]

    pages: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"q": "printer jam", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        response = await admin.client.get("/api/v1/tickets", params=params)
        assert response.status_code == 200, response.text
        pages.extend(item["subject"] for item in response.json()["items"])
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert pages == await subjects(admin, "printer jam")


async def test_accents_fold_both_ways_and_words_match_by_prefix(desk: Desk) -> None:
    admin = await desk.agent(role="admin")
    inbox = await desk.inbox()
    await new_ticket(admin.client, inbox, subject="Mon Résumé est joint")
    await new_ticket(admin.client, inbox, subject="Plain resume upload")
    await new_ticket(admin.client, inbox, subject="Hello", note="Grüße aus MÜNCHEN, Kumquat")

    assert set(await subjects(admin, "resume")) == {"Mon Résumé est joint", "Plain resume upload"}
    assert set(await subjects(admin, "RÉSUMÉ")) == {"Mon Résumé est joint", "Plain resume upload"}
    assert await subjects(admin, "munchen") == ["Hello"]
    assert await subjects(admin, "kumq") == ["Hello"]
    assert await subjects(admin, "umquat") == []

    (found,) = [i for i in await search(admin, "resume") if i["subject"].startswith("Mon")]
    assert marked(found["search"]["subject"]) == ["Résumé"]
    (hello,) = await search(admin, "munchen")
    assert hello["search"]["subject"] is None
    assert marked(hello["search"]["snippet"]) == ["MÜNCHEN"]
    assert "".join(part["text"] for part in hello["search"]["snippet"]) == (
        "Grüße aus MÜNCHEN, Kumquat"
    )


async def test_letters_beyond_latin_accents_fold_as_on_both_stores(desk: Desk) -> None:
    """ß, ł, ø, æ, a dotless i, Greek accents and ё fold on SQLite as PostgreSQL's unaccent
    folds them; й stays a letter of its own on both."""
    admin = await desk.agent(role="admin")
    inbox = await desk.inbox()
    subjects_of = {
        "Lieferung in die Hauptstraße": ("hauptstrasse", "HAUPTSTRASSE", "hauptstraße"),
        "Zwrot z Łodzi": ("lodzi", "łodzi"),
        "Søren's Æble-order": ("soren", "aeble"),
        "Fatura \u00c7a\u011fr\u0131": ("cagri",),
        "Παραγγελία της Ελένης": ("ελενης", "παραγγελια"),
        "Ёлка не пришла": ("елка", "ёлка"),
        "Йогурт": ("йогурт",),
    }
    for subject in subjects_of:
        await new_ticket(admin.client, inbox, subject=subject)

    for subject, queries in subjects_of.items():
        for query in queries:
            assert await subjects(admin, query) == [subject], query
    assert await subjects(admin, "иогурт") == []
    (found,) = await search(admin, "lodz")
    assert marked(found["search"]["subject"]) == ["Łodzi"]
    (greek,) = await search(admin, "ελενης")
    assert marked(greek["search"]["subject"]) == ["Ελένης"]
    await assert_index_intact(desk.app)


async def test_finished_words_match_whole_and_the_word_being_typed_as_a_prefix(
    desk: Desk,
) -> None:
    admin = await desk.agent(role="admin")
    inbox = await desk.inbox()
    await new_ticket(admin.client, inbox, subject="Printer on fire")
    await new_ticket(admin.client, inbox, subject="Printers on fire")

    assert await subjects(admin, "printer") == ["Printers on fire", "Printer on fire"]
    # "printer" is finished: only the ticket with that very word matches both terms.
    assert await subjects(admin, "printer fire") == ["Printer on fire", "Printers on fire"]
    assert await subjects(admin, "printer fir") == ["Printer on fire", "Printers on fire"]
    # `*` makes it a prefix again: both match both terms, the newest first.
    assert await subjects(admin, "printer* fire") == ["Printers on fire", "Printer on fire"]
    (found, other) = await search(admin, "printer fire")
    assert marked(found["search"]["subject"]) == ["Printer", "fire"]
    assert marked(other["search"]["subject"]) == ["fire"]


async def test_a_customer_email_full_or_partial_finds_their_tickets(desk: Desk) -> None:
    admin = await desk.agent(role="admin")
    inbox = await desk.inbox()
    jane = {"email": "jane.doe@example.com", "name": "Jane Doe"}
    await new_ticket(admin.client, inbox, customer=jane, subject="Where is my parcel")
    await new_ticket(admin.client, inbox, customer=jane, subject="Second question")
    await new_ticket(
        admin.client, inbox, customer={"email": "bob@sample.org", "name": "Bob"}, subject="Bob's"
    )

    both = {"Where is my parcel", "Second question"}
    for query in ("jane.doe@example.com", "jane.doe@", "JANE.DOE", "example.com", "jane doe"):
        assert set(await subjects(admin, query)) == both, query
    assert await subjects(admin, "bob@sample.org") == ["Bob's"]
    assert await subjects(admin, "jane@sample.org") == []


async def test_a_ticket_number_finds_that_ticket_first(desk: Desk) -> None:
    admin = await desk.agent(role="admin")
    inbox = await desk.inbox()
    first = await new_ticket(admin.client, inbox, subject="First")
    second = await new_ticket(admin.client, inbox, subject=f"About order {first['number']}00")
    number = second["number"]
    await new_ticket(admin.client, inbox, subject=f"Mentions {number} in passing")

    assert (await subjects(admin, f"#{number}"))[0] == second["subject"]
    assert (await subjects(admin, str(number)))[0] == second["subject"]
    assert await subjects(admin, f"#{first['number']}") == ["First", second["subject"]]


async def test_an_agent_finds_only_tickets_of_their_inboxes(desk: Desk) -> None:
    ada = await desk.agent()
    admin = await desk.agent(role="admin")
    support = await desk.inbox(name="Support", members=[ada])
    sales = await desk.inbox(name="Sales")
    await new_ticket(admin.client, support, subject="Quarterly invoice")
    secret = await new_ticket(
        admin.client,
        sales,
        customer={"email": "vip@secret.example", "name": "Very Private"},
        subject="Quarterly invoice for VIP",
    )

    assert await subjects(ada, "invoice") == ["Quarterly invoice"]
    assert await subjects(ada, "vip@secret.example") == []
    assert await subjects(ada, "Private") == []
    assert await subjects(ada, f"#{secret['number']}") == []
    assert await subjects(ada, "invoice", inbox_id=support["id"]) == ["Quarterly invoice"]
    assert len(await subjects(admin, "invoice")) == 2
    # Filters still apply to search results.
    assert await subjects(admin, "invoice", inbox_id=sales["id"]) == [secret["subject"]]
    assert await subjects(admin, "invoice", state="closed") == []


async def test_matches_come_back_as_plain_text_parts(desk: Desk) -> None:
    admin = await desk.agent(role="admin")
    inbox = await desk.inbox()
    await new_ticket(
        admin.client,
        inbox,
        subject="<script>alert(1)</script> invoice & <b>refund</b>",
        note="word " * 100 + "Your <i>refund</i> was sent. " + "tail " * 100,
    )
    (found,) = await search(admin, "refund")
    parts = found["search"]["subject"]
    assert "".join(part["text"] for part in parts) == found["subject"]
    assert parts[0] == {"text": "<script>alert(1)</script> invoice & <b>", "match": False}
    assert marked(parts) == ["refund"]
    snippet = found["search"]["snippet"]
    assert snippet[0] == {"text": "…", "match": False}
    assert snippet[-1] == {"text": "…", "match": False}
    assert marked(snippet) == ["refund"]
    assert "Your <i>" in "".join(part["text"] for part in snippet)
    assert len("".join(part["text"] for part in snippet)) < 200


async def test_a_word_finds_its_newest_matches_however_common_or_old(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Eight tickets stand for a big desk: each field gives its newest 3 matches (CAP). On
    PostgreSQL a word its statistics call frequent is first looked for in the newest 4 rows
    (WALK), others go to the index: the newest matches come back either way, whether the walk
    found them all (a common word), some (the rest are older) or none (a word only in old
    tickets)."""
    monkeypatch.setattr(search_queries, "CAP", 3)
    monkeypatch.setattr(search_queries, "WALK", 4)
    admin = await desk.agent(role="admin")
    inbox = await desk.inbox()
    for subject, note in [
        ("Parcel lost A", "Gasket one"),
        ("Parcel lost B", "Gasket two"),
        ("Ancient walrus", "Tusk"),
        ("Refund 0", "Sprocket zero"),
        ("Refund 1 parcel", "Sprocket one gasket"),
        ("Refund 2", "Sprocket two"),
        ("Refund 3", "Sprocket three"),
        ("Refund 4 parcel", "Sprocket four"),
    ]:
        await new_ticket(admin.client, inbox, subject=subject, note=note)
    # Every word counts as frequent (the walk first), then none does (the index only).
    for frequent in (0.0, 2.0):
        monkeypatch.setattr(search_queries, "FREQUENT", frequent)
        # In the subjects or notes of the newest four: the walk is enough.
        newest = ["Refund 4 parcel", "Refund 3", "Refund 2"]
        assert await subjects(admin, "refund") == newest
        assert await subjects(admin, "sprocket") == newest
        # Two of the newest four, then older ones.
        assert await subjects(admin, "parcel") == [
            "Refund 4 parcel",
            "Refund 1 parcel",
            "Parcel lost B",
        ]
        assert await subjects(admin, "gasket") == [
            "Refund 1 parcel",
            "Parcel lost B",
            "Parcel lost A",
        ]
        # Only in old tickets.
        assert await subjects(admin, "walrus") == ["Ancient walrus"]
        assert await subjects(admin, "tusk") == ["Ancient walrus"]
        # A term of several words, its last a prefix. PostgreSQL asks the index for the words
        # before the last when one of them is rare (FREQUENT 2.0), else for the whole term:
        # either way, only rows with the whole phrase count.
        assert await subjects(admin, "sprocket.on") == ["Refund 1 parcel"]
        assert await subjects(admin, "parcel-lo") == ["Parcel lost B", "Parcel lost A"]


async def test_the_index_follows_edits_and_deletes(app: FastAPI, desk: Desk) -> None:
    admin = await desk.agent(role="admin")
    inbox = await desk.inbox()
    ticket = await new_ticket(admin.client, inbox, subject="Broken zipper", note="Velcro instead")
    response = await admin.client.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"subject": "Broken button"}
    )
    assert response.status_code == 200, response.text
    assert await subjects(admin, "zipper") == []
    assert await subjects(admin, "button") == ["Broken button"]
    await assert_index_intact(app)

    async with unit_of_work(app.state.sessionmaker) as session:
        await session.execute(delete(Ticket).where(Ticket.id == ticket["id"]))
    assert await subjects(admin, "button") == []
    assert await subjects(admin, "velcro") == []
    await assert_index_intact(app)


async def test_a_new_mail_is_found_as_soon_as_it_arrived(
    app: FastAPI, desk: Desk, http: Any
) -> None:
    admin = await desk.agent(role="admin")
    await desk.inbox(email_address=SUPPORT)
    raw = reply_mail(
        to=SUPPORT,
        text="My anemometer spins backwards",
        subject="Weather station",
        sender="met@office.example",
    )
    response = await post_mime(http, raw, to=[SUPPORT])
    assert response.status_code in (200, 202), response.text
    (found,) = await search(admin, "anemometer")
    assert found["subject"] == "Weather station"
    assert marked(found["search"]["snippet"]) == ["anemometer"]
    assert [item["subject"] for item in await search(admin, "met@office.example")] == [
        "Weather station"
    ]
    await assert_index_intact(app)


async def test_only_punctuation_finds_nothing_and_relevance_needs_a_search(desk: Desk) -> None:
    admin = await desk.agent(role="admin")
    inbox = await desk.inbox()
    await new_ticket(admin.client, inbox, subject="100% done")
    assert await subjects(admin, "%") == []
    assert await subjects(admin, "100%") == ["100% done"]
    response = await admin.client.get("/api/v1/tickets", params={"sort": "relevance"})
    assert response.status_code == 422
