"""Customer data rights over HTTP: the export archive, the erasure (then nothing of the customer
is left in the database's files or the data directory), and who may do either."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.config import Settings
from frontdesk.customers.models import Customer
from frontdesk.db.session import unit_of_work
from frontdesk.ops import databases
from frontdesk.privacy.models import Erasure, FileDeletion
from frontdesk.webhooks.models import WebhookDelivery
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.mail.support import post_mime, reply_mail
from tests.unit.privacy.people import BORIS, CORA, SECRET, Person, png_with, two_customers
from tests.unit.support import count_rows, error_of, online

pytestmark = SQLITE_ONLY


def unpacked(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


class TestExport:
    async def test_the_archive_holds_the_customers_conversations_and_nobody_elses(
        self, http: httpx.AsyncClient, desk: Desk, visitors: Any
    ) -> None:
        admin, _inbox, cora, boris = await two_customers(http, desk, visitors)
        for person in (CORA, BORIS):
            blocked = await admin.client.post(
                "/api/v1/blocked-senders", json={"pattern": person.email}
            )
            assert blocked.status_code == 201, blocked.text
        response = await admin.client.get(f"/api/v1/customers/{cora.customer_id}/export")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/zip"
        assert "attachment;" in response.headers["content-disposition"]
        files = unpacked(response.content)
        names = set(files)
        assert {"README.txt", "customer.json"} <= names
        assert f"tickets/{cora.mail_ticket_id}.json" in names
        assert f"tickets/{cora.chat_ticket_id}.json" in names
        assert f"chats/{cora.chat_id}.json" in names
        assert f"tickets/{boris.mail_ticket_id}.json" not in names
        customer = json.loads(files["customer.json"])
        assert customer["customer"]["name"] == CORA.name
        assert {"kind": "email", "value": CORA.email} in customer["contacts"]
        assert [row["address"] for row in customer["blocked_addresses"]] == [CORA.email]
        ticket = json.loads(files[f"tickets/{cora.mail_ticket_id}.json"])
        texts = " ".join(entry["text"] for entry in ticket["entries"])
        assert "CORAMAILTEXT" in texts
        assert "CORAREPLYTEXT" in texts
        chat = json.loads(files[f"chats/{cora.chat_id}.json"])
        assert any("CORACHATTEXT" in event["text"] for event in chat["events"])
        (eml,) = [name for name in names if name.startswith("mails/received/")]
        assert eml.endswith(".eml")
        assert b"CORAMAILTEXT" in files[eml]
        assert any(name.startswith("mails/sent/") for name in names)
        pdf = next(name for name in names if name.endswith("CORA.pdf"))
        assert pdf.startswith("files/mails/")
        assert b"CORAATTACHMENT" in files[pdf]
        chat_png = next(name for name in names if name.startswith("files/chats/"))
        assert files[chat_png] == png_with("CORAFILEBYTES")
        assert any(name.startswith(f"files/tickets/{cora.chat_ticket_id}/") for name in names)
        everything = b"".join(files.values())
        for mark in (*BORIS.marks, BORIS.email.encode().decode(), BORIS.name):
            assert mark.encode() not in everything, mark

    async def test_only_files_of_the_conversation_go_with_names_every_system_extracts(
        self, http: httpx.AsyncClient, desk: Desk, visitors: Any
    ) -> None:
        admin, inbox, cora, _boris = await two_customers(http, desk, visitors)
        ticket_id = cora.mail_ticket_id

        async def upload(name: str, content: bytes) -> dict[str, Any]:
            response = await admin.client.post(
                "/api/v1/uploads",
                params={"ticket_id": ticket_id, "filename": name},
                content=content,
                headers={"Content-Type": "application/octet-stream"},
            )
            assert response.status_code == 201, response.text
            result: dict[str, Any] = response.json()
            return result

        # An agent's draft never sent is not the customer's conversation (an internal file).
        await upload("draft.txt", b"AGENTDRAFT never sent")
        sent = await upload('Invoice <May>: "final" | v2? *.pdf', b"%PDF-1.4 CORASENTFILE")
        reply = await admin.client.post(
            f"/api/v1/tickets/{ticket_id}/replies",
            json={"text": "Your invoice.", "attachment_ids": [sent["id"]]},
        )
        assert reply.status_code == 201, reply.text
        # In a chat: the agent's upload never sent stays out; the visitor's own goes.
        visitor = await visitors(inbox)
        await visitor.identify(CORA.email, secret=SECRET)
        chat = await visitor.start_chat("Another question", name=CORA.name, email=CORA.email)
        assert (await admin.client.post(f"/api/v1/chats/{chat['id']}/join")).status_code == 200
        for client, path, name, content in (
            (admin.client, "/api/v1/chat-uploads", "notes.txt", b"AGENTCHATDRAFT"),
            (visitor.client, "/messenger/v1/uploads", "mine.txt", b"CORAUNSENTUPLOAD"),
        ):
            uploaded = await client.post(
                path,
                params={"chat_id": chat["id"], "client_id": name, "filename": name},
                content=content,
            )
            assert uploaded.status_code == 201, uploaded.text

        response = await admin.client.get(f"/api/v1/customers/{cora.customer_id}/export")
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "private, no-store"
        files = unpacked(response.content)
        everything = b"".join(files.values())
        assert b"AGENTDRAFT" not in everything
        assert b"AGENTCHATDRAFT" not in everything
        assert b"CORAUNSENTUPLOAD" in everything
        invoice = f"files/tickets/{ticket_id}/{sent['id']}-Invoice _May_ _final_ _ v2_ _.pdf"
        assert files[invoice] == b"%PDF-1.4 CORASENTFILE"
        ticket = json.loads(files[f"tickets/{ticket_id}.json"])
        assert [item["archive_path"] for item in ticket["files"]] == [invoice]
        for name in files:
            assert not set(name) & set('<>:"|?*\\'), name
            assert all(part == part.rstrip(" .") for part in name.split("/")), name

    async def test_agents_may_neither_export_nor_erase(
        self, http: httpx.AsyncClient, desk: Desk, visitors: Any
    ) -> None:
        _admin, inbox, cora, _boris = await two_customers(http, desk, visitors)
        agent = await desk.agent(inboxes=[inbox])
        error_of(await agent.client.get(f"/api/v1/customers/{cora.customer_id}/export"), 403)
        error_of(
            await agent.client.post(
                f"/api/v1/customers/{cora.customer_id}/erase", json={"confirm": CORA.email}
            ),
            403,
        )
        error_of(await agent.client.post("/api/v1/erasures", json={"email": CORA.email}), 403)
        # Nothing was touched.
        assert (await agent.client.get(f"/api/v1/tickets/{cora.mail_ticket_id}")).status_code == 200


def dumped(app: FastAPI, settings: Settings) -> bytes:
    """The database as its files hold it (SQLite: the file and its log, page by page, free pages
    included) or as pg_dump writes it, and every file of the data directory, decompressed."""
    parts: list[bytes] = []
    if settings.is_sqlite:
        database = databases.sqlite_path(settings.database_url)
        for path in (database, database.with_name(database.name + "-wal")):
            if path.exists():
                parts.append(path.read_bytes())
    else:
        _url, environment = databases._pg_environment(settings.database_url)
        parts.append(
            subprocess.run(
                [databases._tool("pg_dump"), "--format=plain", "--no-owner"],
                env=environment,
                capture_output=True,
                check=True,
            ).stdout
        )
    # The data directory: stored files, and anything else written there.
    for path in Path(settings.data_dir).rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            parts.append(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data)
    return b"\n".join(parts)


def found(dump: bytes, person: Person) -> list[str]:
    words = [person.email, person.name, *person.marks]
    # Search indexes keep words folded to lower case; pg_dump writes bytea (raw mail,
    # attachments) as hex.
    folded = dump.lower()
    return [
        word
        for word in words
        if word.lower().encode() in folded or word.encode().hex().encode() in folded
    ]


class TestErase:
    @BOTH_STORES
    async def test_after_an_erasure_nothing_of_the_customer_is_left_anywhere(
        self, app: FastAPI, settings: Settings, http: httpx.AsyncClient, desk: Desk, visitors: Any
    ) -> None:
        # A webhook's deliveries hold each event's names, addresses and words.
        owner = await desk.agent(role="owner")
        events = ["ticket.created", "ticket.updated", "message.created", "chat.started"]
        hook = {"name": "CRM", "url": "http://127.0.0.1:9/hook", "events": events}
        assert (await owner.client.post("/api/v1/webhooks", json=hook)).status_code == 201
        admin, _inbox, cora, boris = await two_customers(http, desk, visitors)
        assert await count_rows(app, WebhookDelivery) > 0
        # Blocked, their address is on the list: the erasure takes it off.
        blocked = await admin.client.post("/api/v1/blocked-senders", json={"pattern": CORA.email})
        assert blocked.status_code == 201, blocked.text
        assert found(dumped(app, settings), CORA), "the test must see the data before"
        erased = await admin.client.post(
            f"/api/v1/customers/{cora.customer_id}/erase", json={"confirm": CORA.email.upper()}
        )
        assert erased.status_code == 200, erased.text
        record = erased.json()
        assert record["customer_id"] == cora.customer_id
        assert record["actor_id"] == admin.id
        assert record["counts"]["tickets"] == 2
        assert record["counts"]["chats"] == 1
        assert record["counts"]["customers"] == 1
        assert record["counts"]["blocked_senders"] == 1
        assert record["counts"]["files"] >= 2
        dump = dumped(app, settings)
        assert not found(dump, CORA)
        assert set(found(dump, BORIS)) == {
            BORIS.email,
            BORIS.name,
            *BORIS.marks,
        }
        # The desk no longer knows them; the other customer is whole, files included.
        error_of(await admin.client.get(f"/api/v1/customers/{cora.customer_id}"), 404)
        error_of(await admin.client.get(f"/api/v1/tickets/{cora.mail_ticket_id}"), 404)
        other = (await admin.client.get(f"/api/v1/tickets/{boris.chat_ticket_id}")).json()
        transcript = next(e for e in other["entries"] if e["kind"] == "transcript")
        line = next(line for line in transcript["data"]["lines"] if line.get("files"))
        served = await admin.client.get(
            f"/api/v1/tickets/{boris.chat_ticket_id}/files/{line['files'][0]['id']}"
        )
        assert served.content == png_with("BORISFILEBYTES")
        assert await count_rows(app, FileDeletion) == 0
        listed = (await admin.client.get("/api/v1/erasures")).json()
        assert [item["id"] for item in listed] == [record["id"]]
        # The record names no one.
        assert CORA.email not in json.dumps(listed)

    @BOTH_STORES
    async def test_a_customer_in_a_chat_is_not_erased(
        self, app: FastAPI, http: httpx.AsyncClient, desk: Desk, visitors: Any
    ) -> None:
        admin, inbox, cora, _boris = await two_customers(http, desk, visitors)
        await online(admin)
        visitor = await visitors(inbox)
        await visitor.identify(CORA.email, secret="privacy-identity-secret-0123456789")
        await visitor.start_chat("Still there?", name=CORA.name, email=CORA.email)
        error = error_of(
            await admin.client.post(
                f"/api/v1/customers/{cora.customer_id}/erase", json={"confirm": CORA.email}
            ),
            409,
            "chat_in_progress",
        )
        assert "End the chat" in error["message"]
        assert await count_rows(app, Customer, Customer.id == cora.customer_id) == 1
        assert await count_rows(app, Erasure) == 0

    async def test_the_confirmation_must_be_the_customers_address(
        self, app: FastAPI, http: httpx.AsyncClient, desk: Desk, visitors: Any
    ) -> None:
        admin, _inbox, cora, _boris = await two_customers(http, desk, visitors)
        for typed in (BORIS.email, CORA.name, "yes"):
            error = error_of(
                await admin.client.post(
                    f"/api/v1/customers/{cora.customer_id}/erase", json={"confirm": typed}
                ),
                422,
            )
            assert error["fields"][0]["field"] == "confirm"
        assert await count_rows(app, Customer, Customer.id == cora.customer_id) == 1
        error_of(
            await admin.client.post("/api/v1/customers/999999/erase", json={"confirm": "x@y.z"}),
            404,
        )

    @BOTH_STORES
    async def test_an_address_the_desk_took_in_can_be_erased_whatever_its_domain(
        self, app: FastAPI, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        """Mail from a special-use domain is stored as it came: erasing by address must reach
        it too (the strict check for new customers refused `corp.local`)."""
        inbox = await desk.inbox(email_address="support@shop.test")
        admin = await desk.agent(role="admin", inboxes=[inbox])
        raw = reply_mail(to="support@shop.test", text="Hello", sender="jane@corp.local")
        taken = await post_mime(http, raw, to=["support@shop.test"])
        assert taken.status_code == 200, taken.text
        ticket = (await admin.client.get(f"/api/v1/tickets/{taken.json()['ticket_id']}")).json()
        erased = await admin.client.post("/api/v1/erasures", json={"email": "JANE@corp.local"})
        assert erased.status_code == 200, erased.text
        assert erased.json()["counts"]["customers"] == 1
        assert await count_rows(app, Customer, Customer.id == ticket["customer"]["id"]) == 0
        for wrong in ("no address", "@corp.local", "jane@"):
            error_of(await admin.client.post("/api/v1/erasures", json={"email": wrong}), 422)

    async def test_an_address_without_a_customer_is_erased_too(
        self, app: FastAPI, settings: Settings, http: httpx.AsyncClient, desk: Desk, visitors: Any
    ) -> None:
        admin, _inbox, _cora, _boris = await two_customers(http, desk, visitors)
        erased = await admin.client.post("/api/v1/erasures", json={"email": CORA.email})
        assert erased.status_code == 200, erased.text
        assert erased.json()["counts"]["customers"] == 1
        assert not found(dumped(app, settings), CORA)
        async with unit_of_work(app.state.sessionmaker) as session:
            assert (await session.scalars(select(Erasure))).all()

    async def test_a_chat_under_their_typed_address_goes_too(
        self, app: FastAPI, settings: Settings, http: httpx.AsyncClient, desk: Desk, visitors: Any
    ) -> None:
        admin, inbox, cora, _boris = await two_customers(http, desk, visitors)
        # Not signed by the website: the chat's ticket goes to a customer of its own, without
        # the address (customers/service.py find_or_create), yet it is Cora's conversation.
        visitor = await visitors(inbox)
        chat = await visitor.start_chat("CORATYPEDCHAT again", name=CORA.name, email=CORA.email)
        assert (await admin.client.post(f"/api/v1/chats/{chat['id']}/join")).status_code == 200
        ended = await admin.client.post(f"/api/v1/chats/{chat['id']}/end")
        ticket_id = ended.json()["ticket_id"]
        ticket = (await admin.client.get(f"/api/v1/tickets/{ticket_id}")).json()
        assert ticket["customer"]["id"] != cora.customer_id
        erased = await admin.client.post(
            f"/api/v1/customers/{cora.customer_id}/erase", json={"confirm": CORA.email}
        )
        assert erased.status_code == 200, erased.text
        assert erased.json()["counts"]["customers"] == 2
        error_of(await admin.client.get(f"/api/v1/tickets/{ticket_id}"), 404)
        dump = dumped(app, settings)
        assert b"CORATYPEDCHAT" not in dump
        assert not found(dump, CORA)
