"""Two customers with a conversation of every kind: mail with an attachment, an agent's reply, a
chat with a file carried into its ticket. Every text is marked with whose it is, so a test can
look for it anywhere."""

from __future__ import annotations

import io
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx
from PIL import Image

from tests.conftest import Agent, Desk
from tests.mail.support import post_mime
from tests.unit.support import online

SUPPORT = "support@shop.test"
SECRET = "privacy-identity-secret-0123456789"


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    # Unique words written by or about the person: in mail, attachments, chat, files, replies.
    marks: tuple[str, ...]


CORA = Person(
    name="Cora Lindqvist",
    email="cora.lindqvist@example.org",
    marks=(
        "CORAMAILTEXT",
        "CORAATTACHMENT",
        "CORACHATTEXT",
        "CORAFILEBYTES",
        "CORAREPLYTEXT",
        "CORASUBJECT",
    ),
)
BORIS = Person(
    name="Boris Okonkwo",
    email="boris.okonkwo@example.net",
    marks=(
        "BORISMAILTEXT",
        "BORISATTACHMENT",
        "BORISCHATTEXT",
        "BORISFILEBYTES",
        "BORISREPLYTEXT",
        "BORISSUBJECT",
    ),
)


def png_with(text: str) -> bytes:
    """A PNG whose bytes carry `text` (a tEXt chunk), so the file can be found in a dump."""
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", text)
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(out, format="PNG", pnginfo=info)
    return out.getvalue()


@dataclass
class Conversations:
    mail_ticket_id: int
    chat_id: int
    chat_ticket_id: int
    customer_id: int


async def converse(
    http: httpx.AsyncClient,
    admin: Agent,
    visitors: Any,
    inbox: dict[str, Any],
    person: Person,
    *,
    assignee: Agent,
) -> Conversations:
    first = person.name.split()[0].upper()
    message = EmailMessage()
    message["From"] = f"{person.name} <{person.email}>"
    message["To"] = SUPPORT
    message["Subject"] = f"Order problem {first}SUBJECT"
    message["Message-ID"] = f"<{first.lower()}-1@example.org>"
    message.set_content(f"Hello, {first}MAILTEXT my order is late.")
    message.add_attachment(
        f"%PDF-1.4 {first}ATTACHMENT".encode(), "application", "pdf", filename=f"{first}.pdf"
    )
    received = await post_mime(http, message.as_bytes())
    assert received.status_code == 200, received.text
    mail_ticket_id = received.json()["ticket_id"]
    # The assignee is told by email too: a notification mail that quotes the customer.
    assigned = await admin.client.patch(
        f"/api/v1/tickets/{mail_ticket_id}", json={"assignee_id": assignee.id}
    )
    assert assigned.status_code == 200, assigned.text
    reply = await admin.client.post(
        f"/api/v1/tickets/{mail_ticket_id}/replies",
        json={"text": f"We are on it, {first}REPLYTEXT.", "then": "close"},
    )
    assert reply.status_code in (200, 201), reply.text

    visitor = await visitors(inbox)
    await visitor.identify(person.email, secret=SECRET)
    chat = await visitor.start_chat(
        f"Hi, {first}CHATTEXT here", name=person.name, email=person.email
    )
    joined = await admin.client.post(f"/api/v1/chats/{chat['id']}/join")
    assert joined.status_code == 200, joined.text
    uploaded = await visitor.client.post(
        "/messenger/v1/uploads",
        params={"chat_id": chat["id"], "client_id": "f1", "filename": f"{first}.png"},
        content=png_with(f"{first}FILEBYTES"),
        headers={"Content-Type": "image/png"},
    )
    assert uploaded.status_code in (200, 201), uploaded.text
    sent = await visitor.client.post(
        f"/messenger/v1/chats/{chat['id']}/file-messages",
        json={
            "text": "my screen",
            "client_msg_id": "m1",
            "attachment_ids": [uploaded.json()["id"]],
        },
    )
    assert sent.status_code in (200, 201), sent.text
    ended = await admin.client.post(f"/api/v1/chats/{chat['id']}/end")
    assert ended.status_code == 200, ended.text
    ticket = (await admin.client.get(f"/api/v1/tickets/{mail_ticket_id}")).json()
    return Conversations(
        mail_ticket_id=mail_ticket_id,
        chat_id=chat["id"],
        chat_ticket_id=ended.json()["ticket_id"],
        customer_id=ticket["customer"]["id"],
    )


async def two_customers(
    http: httpx.AsyncClient, desk: Desk, visitors: Any
) -> tuple[Agent, dict[str, Any], Conversations, Conversations]:
    inbox = await desk.inbox(email_address=SUPPORT, identity_secret=SECRET)
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Ada Admin")
    await online(admin)
    nina = await desk.agent(inboxes=[inbox], name="Nina Notified")
    chosen = await nina.client.put(
        "/api/v1/notifications/preferences",
        json={"preferences": {"assigned": {"email": True}}},
    )
    assert chosen.status_code == 200, chosen.text
    cora = await converse(http, admin, visitors, inbox, CORA, assignee=nina)
    boris = await converse(http, admin, visitors, inbox, BORIS, assignee=nina)
    return admin, inbox, cora, boris
