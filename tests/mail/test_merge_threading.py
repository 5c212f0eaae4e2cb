"""Mail after a merge, through the real inbound paths: a reply to either ticket's mail (by its
reply address or only by its Message-ID) continues the merged ticket; after an undo, the old one
again. And the stale-thread check of replies: a reply composed before the customer wrote again is
refused until the agent confirms."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from frontdesk.db.migrate import downgrade, upgrade
from frontdesk.db.session import create_engine
from frontdesk.mail.listener import InboundListener
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.mail.support import (
    SUPPORT,
    answered_ticket,
    inbound_entries,
    post_mime,
    reply_mail,
    send_to_listener,
    ticket_of,
    ticket_with_reply,
)

pytestmark = SQLITE_ONLY


async def sent_row(desk: Desk, message_id: str) -> dict[str, Any]:
    admin = await desk.agent(role="admin")
    rows = (await admin.client.get("/api/v1/outbox")).json()
    (row,) = [row for row in rows if row["message_id"] == message_id]
    return dict(row)


async def test_a_reply_to_the_merged_away_ticket_lands_on_the_merged_one(
    app: FastAPI, desk: Desk, listener: InboundListener, http: httpx.AsyncClient
) -> None:
    ada, inbox, old, old_sent = await answered_ticket(desk)
    kept, kept_reply = await ticket_with_reply(ada, inbox)
    merged = await ada.client.post(
        f"/api/v1/tickets/{old['id']}/merge", json={"into_ticket_id": kept["id"]}
    )
    assert merged.status_code == 201, merged.text

    # By the old ticket's reply address, over SMTP to our listener.
    reply_to = old_sent["headers"]["Reply-To"]
    raw = reply_mail(to=reply_to, text="Any news?", in_reply_to=old_sent["message_id"])
    assert await send_to_listener(listener.port, raw, recipients=[reply_to]) == {}
    # Only by the Message-ID it answers, over HTTP.
    raw = reply_mail(to=SUPPORT, text="Hello again?", in_reply_to=old_sent["message_id"])
    response = await post_mime(http, raw, to=[SUPPORT])
    assert response.json()["ticket_id"] == kept["id"], response.text
    # A reply to the kept ticket's own mail still lands there too.
    kept_sent = await sent_row(desk, kept_reply["message_id"])
    raw = reply_mail(
        to=kept_sent["headers"]["Reply-To"], text="Third", in_reply_to=kept_reply["message_id"]
    )
    assert (
        await send_to_listener(listener.port, raw, recipients=[kept_sent["headers"]["Reply-To"]])
        == {}
    )

    after = await ticket_of(ada, kept["id"])
    assert [e["text"] for e in inbound_entries(after)] == ["Any news?", "Hello again?", "Third"]
    assert after["state"] == "open"
    old_after = await ticket_of(ada, old["id"])
    assert inbound_entries(old_after) == []
    assert old_after["merged_into_id"] == kept["id"]

    # Undone, the old ticket's mail is its own again.
    undo = await ada.client.post(f"/api/v1/tickets/moves/{merged.json()['id']}/undo")
    assert undo.status_code == 200, undo.text
    raw = reply_mail(to=reply_to, text="After the undo", in_reply_to=old_sent["message_id"])
    assert await send_to_listener(listener.port, raw, recipients=[reply_to]) == {}
    assert [e["text"] for e in inbound_entries(await ticket_of(ada, old["id"]))] == [
        "After the undo"
    ]


async def test_a_reply_against_a_stale_thread_is_refused_until_confirmed(
    desk: Desk, http: httpx.AsyncClient
) -> None:
    ada, _inbox, ticket, sent = await answered_ticket(desk, then="send")
    seen = (await ticket_of(ada, ticket["id"]))["entries"][-1]["id"]
    # Meanwhile the customer writes again.
    raw = reply_mail(to=sent["headers"]["Reply-To"], text="Actually, never mind.")
    await post_mime(http, raw, to=[sent["headers"]["Reply-To"]])
    url = f"/api/v1/tickets/{ticket['id']}/replies"
    response = await ada.client.post(url, json={"text": "Here is more.", "seen_entry_id": seen})
    assert response.status_code == 409, response.text
    # The one error shape, with what is new beside the message.
    refused = response.json()["error"]
    assert refused["code"] == "stale_thread"
    assert refused["message"].startswith("1 new message arrived")
    (new,) = refused["new_entries"]
    assert new["text"] == "Actually, never mind."
    assert new["direction"] == "in"
    assert new["id"] > seen
    # Nothing was written by the refusal.
    replies = [e for e in (await ticket_of(ada, ticket["id"]))["entries"] if e["kind"] == "reply"]
    assert len(replies) == 2
    # "Send anyway": the agent has now seen it.
    confirmed = await ada.client.post(
        url, json={"text": "Here is more.", "seen_entry_id": new["id"]}
    )
    assert confirmed.status_code == 201, confirmed.text
    # A note after that does not make the thread stale; without the field nothing is checked.
    await ada.client.post(f"/api/v1/tickets/{ticket['id']}/notes", json={"text": "fyi"})
    again = await ada.client.post(
        url, json={"text": "And more.", "seen_entry_id": confirmed.json()["id"]}
    )
    assert again.status_code == 201, again.text
    assert (await ada.client.post(url, json={"text": "Old client."})).status_code == 201


@BOTH_STORES
async def test_a_merged_mail_keeps_its_attachment_and_original_on_the_kept_ticket(
    desk: Desk, http: httpx.AsyncClient
) -> None:
    """The mail moves with its entry: its attachment and its original open from the ticket it
    is on now (they answered 404 there), and come back with an undo."""
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    message = EmailMessage()
    message["From"] = "Cora Customer <cora@example.org>"
    message["To"] = SUPPORT
    message["Subject"] = "Invoice attached"
    message["Message-ID"] = "<invoice-1@example.org>"
    message.set_content("Here is the invoice.")
    message.add_attachment(b"%PDF-1.4 invoice", "application", "pdf", filename="invoice.pdf")
    received = await post_mime(http, message.as_bytes(), to=[SUPPORT])
    assert received.status_code == 200, received.text
    old_id = received.json()["ticket_id"]
    kept, _reply = await ticket_with_reply(ada, inbox, email="cora@example.org")
    merged = await ada.client.post(
        f"/api/v1/tickets/{old_id}/merge", json={"into_ticket_id": kept["id"]}
    )
    assert merged.status_code == 201, merged.text

    after = await ticket_of(ada, kept["id"])
    (entry,) = [e for e in inbound_entries(after) if e["text"] == "Here is the invoice."]
    (pdf,) = entry["data"]["attachments"]
    download = await ada.client.get(f"/api/v1/tickets/{kept['id']}/attachments/{pdf['id']}")
    assert download.status_code == 200, download.text
    assert download.content == b"%PDF-1.4 invoice"
    original = await ada.client.get(f"/api/v1/tickets/{kept['id']}/entries/{entry['id']}/original")
    assert original.status_code == 200, original.text
    assert b"<invoice-1@example.org>" in original.content

    undone = await ada.client.post(f"/api/v1/tickets/moves/{merged.json()['id']}/undo")
    assert undone.status_code == 200, undone.text
    back = await ada.client.get(f"/api/v1/tickets/{old_id}/attachments/{pdf['id']}")
    assert back.status_code == 200, back.text
    assert (
        await ada.client.get(f"/api/v1/tickets/{kept['id']}/attachments/{pdf['id']}")
    ).status_code == 404


@BOTH_STORES
async def test_0058_puts_the_mail_of_earlier_merges_on_its_entries_ticket(
    app: FastAPI, desk: Desk, http: httpx.AsyncClient, database_url: str
) -> None:
    """Merges before 0058 left the mail rows on the merged-away ticket: the upgrade moves them
    to the ticket their entries are on."""
    ada, inbox, old, old_sent = await answered_ticket(desk)
    kept, kept_reply = await ticket_with_reply(ada, inbox)
    raw = reply_mail(to=SUPPORT, text="Photo attached", in_reply_to=old_sent["message_id"])
    assert (await post_mime(http, raw, to=[SUPPORT])).json()["ticket_id"] == old["id"]
    merged = await ada.client.post(
        f"/api/v1/tickets/{old['id']}/merge", json={"into_ticket_id": kept["id"]}
    )
    assert merged.status_code == 201, merged.text
    (entry,) = inbound_entries(await ticket_of(ada, kept["id"]))
    original = f"/api/v1/tickets/{kept['id']}/entries/{entry['id']}/original"
    assert (await ada.client.get(original)).status_code == 200
    await app.state.engine.dispose()
    # As a merge before 0058 left them.
    await asyncio.to_thread(downgrade, database_url, "0057")
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            for table in ("inbound_messages", "outbox"):
                await connection.execute(
                    text(f"UPDATE {table} SET ticket_id = :old WHERE ticket_id = :kept"),  # noqa: S608
                    {"old": old["id"], "kept": kept["id"]},
                )
            # Read as it is at 0057: the models (and so the API) may name later columns.
            left = await connection.scalar(
                text("SELECT ticket_id FROM inbound_messages WHERE entry_id = :entry"),
                {"entry": entry["id"]},
            )
    finally:
        await engine.dispose()
    assert left == old["id"]
    await app.state.engine.dispose()
    await asyncio.to_thread(upgrade, database_url)
    assert (await ada.client.get(original)).status_code == 200
    kept_sent = await sent_row(desk, kept_reply["message_id"])
    assert kept_sent["ticket_id"] == kept["id"]
