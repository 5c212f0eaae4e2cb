"""An erasure and an export touch one person: what other people wrote, or what was merged in from
their conversations, stays theirs; what the person wrote on somebody else's ticket (from an
address only copied there) is theirs. Marie, Zelda and Carl share threads here; every text is
marked with whose it is."""

from __future__ import annotations

import json
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import httpx
from fastapi import FastAPI

from frontdesk.config import Settings
from tests.conftest import Agent, Desk
from tests.mail.support import outbox, post_mime
from tests.unit.privacy.people import Person
from tests.unit.privacy.test_privacy_api import dumped, found, unpacked
from tests.unit.support import error_of, online

SUPPORT = "support@shop.test"
MARIE = Person(
    name="Marie Sklodowska",
    email="marie.sklodowska@example.org",
    marks=("MARIEMAILTEXT", "MARIEATTACHMENT", "MARIESUBJECT", "MARIEREPLYTEXT", "MARIEFILE"),
)
ZELDA = Person(
    name="Zelda Quux",
    email="zelda.quux@example.net",
    marks=("ZELDAMAILTEXT", "ZELDASUBJECT", "ZELDAONMARIE", "ZELDAFILENAME"),
)
CARL = Person(name="Carl Cc", email="carl.cc@example.com", marks=("CARLCOPIEDHER", "CARLALONE"))


def mail(
    person: Person,
    text: str,
    *,
    subject: str,
    to: str = SUPPORT,
    cc: str | None = None,
    in_reply_to: str | None = None,
    attachment: tuple[str, bytes] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = f"{person.name} <{person.email}>"
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.org")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message.set_content(text)
    if attachment:
        name, content = attachment
        message.add_attachment(content, "application", "pdf", filename=name)
    return message.as_bytes()


async def received(http: httpx.AsyncClient, raw: bytes) -> int:
    response = await post_mime(http, raw, to=[SUPPORT])
    assert response.status_code == 200, response.text
    ticket_id: int = response.json()["ticket_id"]
    return ticket_id


async def reply(
    agent: Agent, ticket_id: int, text: str, *, cc: list[str], files: tuple[int, ...] = ()
) -> dict[str, Any]:
    response = await agent.client.post(
        f"/api/v1/tickets/{ticket_id}/replies",
        json={"text": text, "cc": cc, "attachment_ids": list(files)},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@dataclass
class Scene:
    owner: Agent
    admin: Agent
    nina: Agent
    inbox: dict[str, Any]
    webhook_id: int
    marie_ticket: int
    marie_customer: int
    marie_file: int
    zelda_ticket: int
    zelda_customer: int


async def scene(http: httpx.AsyncClient, desk: Desk) -> Scene:
    """Marie's ticket, answered with a file and Zelda in Cc; Zelda answers it from that address
    (with a file), then writes about her own matter on a ticket of her own."""
    inbox = await desk.inbox(email_address=SUPPORT)
    owner = await desk.agent(role="owner")
    hook = {
        "name": "CRM",
        "url": "http://127.0.0.1:9/hook",
        "events": ["ticket.created", "ticket.updated", "message.created"],
    }
    created = await owner.client.post("/api/v1/webhooks", json=hook)
    assert created.status_code == 201, created.text
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Ada Admin")
    await online(admin)
    nina = await desk.agent(inboxes=[inbox], name="Nina Notified")
    marie_ticket = await received(
        http,
        mail(
            MARIE,
            "Hello, MARIEMAILTEXT here.",
            subject="Broken kettle MARIESUBJECT",
            attachment=("MARIEATTACHMENT.pdf", b"%PDF-1.4 MARIEATTACHMENT"),
        ),
    )
    # Nina is told when someone answers on Marie's ticket (a notification quotes the answer).
    assigned = await admin.client.patch(
        f"/api/v1/tickets/{marie_ticket}", json={"assignee_id": nina.id}
    )
    assert assigned.status_code == 200, assigned.text
    upload = await admin.client.post(
        "/api/v1/uploads",
        params={"ticket_id": marie_ticket, "filename": "label.pdf"},
        content=b"%PDF-1.4 MARIEFILE",
    )
    assert upload.status_code == 201, upload.text
    sent = await reply(
        admin,
        marie_ticket,
        "Here is your label, MARIEREPLYTEXT.",
        cc=[ZELDA.email],
        files=(upload.json()["id"],),
    )
    zelda_answer = mail(
        ZELDA,
        "I am her neighbour, ZELDAONMARIE.",
        subject="Re: Broken kettle",
        in_reply_to=sent["message_id"],
        attachment=("ZELDAFILENAME.pdf", b"%PDF-1.4 ZELDAFILENAME"),
    )
    assert await received(http, zelda_answer) == marie_ticket
    zelda_ticket = await received(
        http, mail(ZELDA, "Hi, ZELDAMAILTEXT.", subject="My order ZELDASUBJECT")
    )
    marie = (await admin.client.get(f"/api/v1/tickets/{marie_ticket}")).json()
    zelda = (await admin.client.get(f"/api/v1/tickets/{zelda_ticket}")).json()
    assert zelda["customer"]["id"] != marie["customer"]["id"]
    ours = next(e for e in marie["entries"] if "ZELDAONMARIE" in e["text"])
    assert ours["data"]["unexpected_sender"] is True
    return Scene(
        owner=owner,
        admin=admin,
        nina=nina,
        inbox=inbox,
        webhook_id=created.json()["id"],
        marie_ticket=marie_ticket,
        marie_customer=marie["customer"]["id"],
        marie_file=upload.json()["id"],
        zelda_ticket=zelda_ticket,
        zelda_customer=zelda["customer"]["id"],
    )


async def export_of(agent: Agent, customer_id: int) -> dict[str, bytes]:
    response = await agent.client.get(f"/api/v1/customers/{customer_id}/export")
    assert response.status_code == 200, response.text
    return unpacked(response.content)


async def erase_zelda(scene: Scene) -> dict[str, Any]:
    erased = await scene.admin.client.post(
        f"/api/v1/customers/{scene.zelda_customer}/erase", json={"confirm": ZELDA.email}
    )
    assert erased.status_code == 200, erased.text
    body: dict[str, Any] = erased.json()
    return body


def texts(ticket: dict[str, Any]) -> str:
    return " ".join(entry["text"] for entry in ticket["entries"])


class TestErasingOnePerson:
    async def test_what_was_merged_into_their_ticket_goes_back_with_its_files(
        self, app: FastAPI, settings: Settings, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        s = await scene(http, desk)
        merged = await s.admin.client.post(
            f"/api/v1/tickets/{s.marie_ticket}/merge",
            json={"into_ticket_id": s.zelda_ticket, "other_customer": True},
        )
        assert merged.status_code in (200, 201), merged.text
        # The mail sent to Marie moved with her thread (tickets/merging.py), and stays hers.
        before = await export_of(s.admin, s.zelda_customer)
        sent = [body for name, body in before.items() if name.startswith("mails/sent/")]
        assert not [body for body in sent if b"MARIEREPLYTEXT" in body]
        await erase_zelda(s)
        error_of(await s.admin.client.get(f"/api/v1/tickets/{s.zelda_ticket}"), 404)
        marie = (await s.admin.client.get(f"/api/v1/tickets/{s.marie_ticket}")).json()
        assert "MARIEMAILTEXT" in texts(marie)
        assert "MARIEREPLYTEXT" in texts(marie)
        assert "ZELDAONMARIE" not in texts(marie)
        assert marie["merged_into_id"] is None
        assert any(e["kind"] == "event" and "came back" in e["text"] for e in marie["entries"]), (
            texts(marie)
        )
        served = await s.admin.client.get(f"/api/v1/tickets/{s.marie_ticket}/files/{s.marie_file}")
        assert served.status_code == 200, served.text
        assert served.content == b"%PDF-1.4 MARIEFILE"
        files = await export_of(s.admin, s.marie_customer)
        thread = json.loads(files[f"tickets/{s.marie_ticket}.json"])
        assert "MARIEMAILTEXT" in texts(thread)
        # The mail to Marie that copied Zelda is Marie's: kept, without Zelda.
        (to_marie,) = [row for row in await outbox(s.admin) if "MARIEREPLYTEXT" in row["text"]]
        assert to_marie["recipients"] == [MARIE.email]
        dump = dumped(app, settings)
        assert not found(dump, ZELDA)
        assert set(found(dump, MARIE)) == {MARIE.email, MARIE.name, *MARIE.marks}

    async def test_their_answer_on_another_customers_ticket_is_theirs(
        self, app: FastAPI, settings: Settings, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        s = await scene(http, desk)
        told = (await s.nina.client.get("/api/v1/notifications")).json()
        assert "ZELDAONMARIE" in json.dumps(told), "the test must see the notification"
        # In her export before the erasure, with the mail she sent; not in Marie's.
        zelda_files = await export_of(s.admin, s.zelda_customer)
        elsewhere = json.loads(zelda_files["customer.json"])["messages_on_other_tickets"]
        assert ["ZELDAONMARIE" in entry["text"] for entry in elsewhere] == [True]
        assert any(b"ZELDAONMARIE" in content for content in zelda_files.values() if content)
        marie_files = await export_of(s.admin, s.marie_customer)
        assert b"ZELDAONMARIE" not in b"".join(marie_files.values())

        await erase_zelda(s)
        marie = (await s.admin.client.get(f"/api/v1/tickets/{s.marie_ticket}")).json()
        assert "ZELDAONMARIE" not in texts(marie)
        assert "MARIEREPLYTEXT" in texts(marie)
        assert ZELDA.email not in json.dumps(marie)
        searched = await s.admin.client.get("/api/v1/tickets", params={"q": "ZELDAONMARIE"})
        assert searched.status_code == 200, searched.text
        assert searched.json()["items"] == []
        told = (await s.nina.client.get("/api/v1/notifications")).json()
        assert "ZELDAONMARIE" not in json.dumps(told)
        # What the webhook was sent about Marie's ticket (her Cc list among it) can be replayed:
        # without Zelda.
        hooks = f"/api/v1/webhooks/{s.webhook_id}/deliveries"
        deliveries = (await s.owner.client.get(hooks)).json()
        assert deliveries, "the test must see the deliveries"
        for delivery in deliveries:
            detail = await s.owner.client.get(f"{hooks}/{delivery['id']}")
            assert detail.status_code == 200, detail.text
            assert ZELDA.email not in detail.text
            assert "ZELDAONMARIE" not in detail.text
        dump = dumped(app, settings)
        assert not found(dump, ZELDA), found(dump, ZELDA)
        assert set(found(dump, MARIE)) == {MARIE.email, MARIE.name, *MARIE.marks}


class TestExportOfOnePerson:
    async def test_the_export_holds_her_conversation_not_other_peoples(
        self, http: httpx.AsyncClient, desk: Desk, visitors: Any
    ) -> None:
        s = await scene(http, desk)
        # Carl, copied on Zelda's ticket, answers twice: once copying her, once only to us.
        answered = await reply(s.admin, s.zelda_ticket, "Noted.", cc=[CARL.email])
        for text, cc in (("CARLCOPIEDHER", ZELDA.email), ("CARLALONE", None)):
            raw = mail(
                CARL,
                f"About her order: {text}.",
                subject="Re: My order",
                cc=cc,
                in_reply_to=answered["message_id"],
                attachment=(f"{text}.pdf", f"%PDF-1.4 {text}".encode()),
            )
            assert await received(http, raw) == s.zelda_ticket
        # Marie's ticket merged into Zelda's: Marie's thread is not Zelda's to take.
        merged = await s.admin.client.post(
            f"/api/v1/tickets/{s.marie_ticket}/merge",
            json={"into_ticket_id": s.zelda_ticket, "other_customer": True},
        )
        assert merged.status_code in (200, 201), merged.text
        # Someone typed Zelda's address in the messenger without proving it.
        visitor = await visitors(s.inbox)
        chat = await visitor.start_chat("GIVENADDRESSCHAT", name="Z", email=ZELDA.email)
        assert (await s.admin.client.post(f"/api/v1/chats/{chat['id']}/join")).status_code == 200
        ended = await s.admin.client.post(f"/api/v1/chats/{chat['id']}/end")
        assert ended.status_code == 200, ended.text

        files = await export_of(s.admin, s.zelda_customer)
        thread = json.loads(files[f"tickets/{s.zelda_ticket}.json"])
        assert "ZELDAMAILTEXT" in texts(thread)
        assert "CARLCOPIEDHER" in texts(thread)
        assert "CARLALONE" not in texts(thread)
        assert "MARIEMAILTEXT" not in texts(thread)
        assert "MARIEREPLYTEXT" not in texts(thread)
        received_mails = {
            name: content for name, content in files.items() if name.startswith("mails/received/")
        }
        assert received_mails
        for content in received_mails.values():
            assert ZELDA.email in message_from_bytes(content)["From"]
        everything = b"".join(files.values())
        for foreign in (b"CARLALONE", b"MARIEMAILTEXT", b"MARIEATTACHMENT", b"MARIEFILE"):
            assert foreign not in everything, foreign
        assert not any(b"CARLCOPIEDHER.pdf" in name.encode() for name in files)
        # The chat under her typed address is listed apart, flagged as not proven to be hers.
        assert f"chats/{chat['id']}.json" not in files
        given = json.loads(files[f"unverified/chats/{chat['id']}.json"])
        assert any("GIVENADDRESSCHAT" in event["text"] for event in given["events"])
        assert f"unverified/tickets/{ended.json()['ticket_id']}.json" in files
        assert "not proven" in files["README.txt"].decode()
