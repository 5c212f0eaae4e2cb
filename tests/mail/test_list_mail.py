"""Mail through a list or group run as the support address (a Google Group, a Microsoft 365
group, Mailman): each message is marked `Precedence: list`, and a Google Group rewrites From for
an author whose domain has a strict DMARC policy. Such mail is a customer's: it opens and
continues tickets for its author, and the desk's automatic reply goes to the author, never to
the list.
Mail through a list that is not the desk's, and genuinely automatic mail, still opens nothing
and is never answered; the desk's own automatic mail never loops."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import httpx
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.mail.listener import InboundListener
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.mail.support import (
    CUSTOMER,
    SUPPORT,
    SmtpSink,
    answered_ticket,
    deliver,
    inbound_entries,
    post_mime,
    reply_mail,
    send_to_listener,
    ticket_of,
    with_smtp,
)
from tests.unit.rules.support import create_rule

pytestmark = SQLITE_ONLY

JANE = "jane@example.org"
# Where the group passes its mail on to: the desk's own address at its mail domain, as a
# group member (FRONTDESK_MAIL_DOMAIN is desk.test in the tests).
MEMBER = "inbox@desk.test"


def through_group(
    raw: bytes,
    *,
    group: str = SUPPORT,
    rewrite: bool = False,
    original_from: bool = True,
) -> bytes:
    """The message as a Google Group passes it on to its members: its list headers added and,
    with `rewrite` (the author's domain publishes `p=reject`), From replaced by the group's
    address, the author kept in Reply-To and, with `original_from`, X-Original-From."""
    message = message_from_bytes(raw, policy=policy.SMTP)
    local, _, domain = group.partition("@")
    author = str(message["From"])
    message["Mailing-list"] = f"list {group}; contact {local}+owners@{domain}"
    message["List-Id"] = f"<{local}.{domain}>"
    message["List-Post"] = f"<https://groups.google.com/a/{domain}/group/{local}/post>, " + (
        f"<mailto:{group}>"
    )
    message["List-Help"] = f"<https://support.google.com/a/{domain}/bin/topic.py?topic=25838>"
    message["Precedence"] = "list"
    message["X-Original-Sender"] = JANE
    if rewrite:
        name = author.partition("<")[0].strip().strip('"')
        del message["From"]
        message["From"] = f"\"'{name}' via Support\" <{group}>"
        del message["Reply-To"]
        message["Reply-To"] = author
        if original_from:
            message["X-Original-From"] = author
    return message.as_bytes(policy=policy.SMTP)


def jane_mail(
    text: str, *, to: str = SUPPORT, in_reply_to: str | None = None, **headers: str
) -> bytes:
    message = EmailMessage()
    message["From"] = f"Jane Doe <{JANE}>"
    message["To"] = to
    message["Subject"] = "My invoice is wrong"
    message["Message-ID"] = make_msgid(domain="example.org")
    message["Date"] = "Tue, 01 Dec 2026 10:00:00 +0000"
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return message.as_bytes(policy=policy.SMTP)


async def _acknowledging_desk(desk: Desk) -> tuple[Agent, dict[str, Any]]:
    """The support inbox, with a rule that acknowledges every new ticket by email."""
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Ada Admin")
    await create_rule(
        admin,
        "Acknowledge",
        when={"type": "created"},
        actions=[{"type": "reply", "text": "We have your request #{{ticket.number}}."}],
    )
    return admin, inbox


class TestThroughTheDesksGroup:
    @BOTH_STORES
    async def test_a_customers_mail_opens_a_ticket_and_is_acknowledged_never_to_the_list(
        self,
        app: FastAPI,
        settings: Settings,
        desk: Desk,
        sink: SmtpSink,
        listener: InboundListener,
    ) -> None:
        admin, inbox = await _acknowledging_desk(desk)
        raw = through_group(jane_mail("Invoice 4711 charges me twice.", Cc="bob@example.org"))
        assert await send_to_listener(listener.port, raw, sender=JANE, recipients=[MEMBER]) == {}

        listed = (await admin.client.get("/api/v1/tickets")).json()["items"]
        (found,) = listed
        ticket = await ticket_of(admin, found["id"])
        assert ticket["inbox_id"] == inbox["id"]
        assert ticket["customer"]["emails"] == [JANE]
        (entry,) = inbound_entries(ticket)
        assert entry["text"] == "Invoice 4711 charges me twice."
        assert entry["data"]["auto"] is False
        assert entry["data"]["mailing_list"] == "<support.shop.test>"
        assert entry["author_customer_id"] == ticket["customer"]["id"]
        # The list's address is how mail reaches the desk, never someone to copy.
        assert ticket["cc"] == ["bob@example.org"]

        assert await deliver(app, with_smtp(settings, sink)) == 1
        (ack,) = sink.received
        # To the author and whom she copied, as any reply is; the group is not among them.
        assert sorted(ack.rcpt_tos) == sorted([JANE, "bob@example.org"])
        assert ack.message["To"] == JANE
        # An automatic reply says so: an auto-responder or another desk does not answer it.
        assert ack.message["Auto-Submitted"] == "auto-replied"

    async def test_the_ack_coming_back_through_the_group_loops_nowhere(
        self,
        app: FastAPI,
        settings: Settings,
        desk: Desk,
        sink: SmtpSink,
        http: httpx.AsyncClient,
    ) -> None:
        admin, _inbox = await _acknowledging_desk(desk)
        first = await post_mime(http, through_group(jane_mail("Hello?")), to=[MEMBER])
        assert first.json()["created_ticket"] is True, first.text
        assert await deliver(app, with_smtp(settings, sink)) == 1
        (ack,) = sink.received
        # Jane's address forwards to the group (or her desk answers with our own text): it
        # comes back from our address, through the group.
        back = through_group(ack.raw)
        again = await post_mime(http, back, to=[MEMBER])
        assert again.json()["status"] == "ignored", again.text
        assert again.json()["reason"] == "our own message came back"
        # The same mail under a new Message-ID (a system that sends it on as its own): it says
        # it is automatic, so it is recorded on its ticket, reopens nothing and is not answered.
        renamed = back.replace(
            str(ack.message["Message-ID"]).encode(), make_msgid(domain="x.example").encode()
        )
        echoed = (await post_mime(http, renamed, to=[MEMBER])).json()
        assert (echoed["ticket_id"], echoed["auto"], echoed["reopened"]) == (
            first.json()["ticket_id"],
            True,
            False,
        )
        assert await deliver(app, with_smtp(settings, sink)) == 0
        assert len((await admin.client.get("/api/v1/tickets")).json()["items"]) == 1

    async def test_a_reply_through_the_group_continues_and_reopens_its_ticket(
        self, desk: Desk, http: httpx.AsyncClient
    ) -> None:
        ada, _inbox, ticket, sent = await answered_ticket(desk, then="close")
        raw = reply_mail(to=SUPPORT, text="Still broken, sorry.", in_reply_to=sent["message_id"])
        response = await post_mime(http, through_group(raw), to=[MEMBER])
        result = response.json()
        assert (result["ticket_id"], result["auto"], result["reopened"]) == (
            ticket["id"],
            False,
            True,
        ), response.text
        after = await ticket_of(ada, ticket["id"])
        assert after["state"] == "open"
        (entry,) = inbound_entries(after)
        assert entry["author_customer_id"] == after["customer"]["id"]
        assert entry["data"]["unexpected_sender"] is False

    async def test_genuinely_automatic_mail_through_the_group_opens_nothing(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, http: httpx.AsyncClient
    ) -> None:
        admin, _inbox = await _acknowledging_desk(desk)
        away = jane_mail("I am away until Monday.", Auto_Submitted="auto-replied")
        result = (await post_mime(http, through_group(away), to=[MEMBER])).json()
        assert (result["status"], result["auto"]) == ("ignored", True)
        assert (await admin.client.get("/api/v1/tickets")).json()["items"] == []
        assert await deliver(app, with_smtp(settings, sink)) == 0


class TestRewrittenFrom:
    """A Google Group rewrites From when the author's domain has a strict DMARC policy."""

    async def test_the_author_is_x_original_from(
        self, desk: Desk, listener: InboundListener
    ) -> None:
        inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
        ada = await desk.agent(inboxes=[inbox])
        raw = through_group(jane_mail("My invoice is wrong."), rewrite=True)
        assert b"From: \"'Jane Doe' via Support\" <support@shop.test>" in raw
        assert await send_to_listener(listener.port, raw, sender=SUPPORT, recipients=[MEMBER]) == {}

        (found,) = (await ada.client.get("/api/v1/tickets")).json()["items"]
        ticket = await ticket_of(ada, found["id"])
        assert (ticket["customer"]["emails"], ticket["customer"]["name"]) == ([JANE], "Jane Doe")
        (entry,) = inbound_entries(ticket)
        assert entry["data"]["from_address"] == JANE
        assert entry["data"]["via"] == "'Jane Doe' via Support <support@shop.test>"
        assert entry["author_customer_id"] == ticket["customer"]["id"]

    async def test_without_x_original_from_the_author_is_reply_to(
        self, desk: Desk, http: httpx.AsyncClient
    ) -> None:
        inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
        ada = await desk.agent(inboxes=[inbox])
        raw = through_group(jane_mail("Second try."), rewrite=True, original_from=False)
        assert b"X-Original-From" not in raw
        result = (await post_mime(http, raw, to=[MEMBER])).json()
        assert result["created_ticket"] is True, result
        ticket = await ticket_of(ada, result["ticket_id"])
        assert ticket["customer"]["emails"] == [JANE]

    async def test_a_rewritten_reply_is_the_customers_own(
        self, desk: Desk, http: httpx.AsyncClient
    ) -> None:
        ada, _inbox, ticket, sent = await answered_ticket(desk, then="hold")
        raw = reply_mail(to=SUPPORT, text="Thanks, that helped.", in_reply_to=sent["message_id"])
        result = (await post_mime(http, through_group(raw, rewrite=True), to=[MEMBER])).json()
        assert (result["ticket_id"], result["unexpected_sender"]) == (ticket["id"], False)
        (entry,) = inbound_entries(await ticket_of(ada, ticket["id"]))
        assert entry["data"]["from_address"] == CUSTOMER

    async def test_our_own_address_in_reply_to_is_never_the_author(
        self, desk: Desk, http: httpx.AsyncClient
    ) -> None:
        """Mail from our address naming only our addresses stays ours: nothing to open."""
        await desk.inbox(name="Shop Support", email_address=SUPPORT)
        message = EmailMessage()
        message["From"] = f"Shop Support <{SUPPORT}>"
        message["To"] = SUPPORT
        message["Reply-To"] = "reply+1.abc@desk.test"
        message["X-Original-From"] = SUPPORT
        message["Subject"] = "Ours"
        message.set_content("From ourselves.")
        result = (await post_mime(http, message.as_bytes(), to=[SUPPORT])).json()
        assert result["status"] == "ignored"
        assert "our own addresses" in result["reason"]


class TestAnotherList:
    async def test_a_list_that_is_not_the_desks_stays_automatic(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, http: httpx.AsyncClient
    ) -> None:
        """The desk's address subscribed to a discussion list: RFC 3834 holds, nothing opens
        and nobody is answered."""
        admin, _inbox = await _acknowledging_desk(desk)
        post = through_group(
            jane_mail("Has anyone tried the new release?", to="discuss@lists.example.net"),
            group="discuss@lists.example.net",
        )
        result = (await post_mime(http, post, to=[SUPPORT])).json()
        assert (result["status"], result["auto"]) == ("ignored", True), result
        assert "Precedence: list" in result["reason"]
        assert (await admin.client.get("/api/v1/tickets")).json()["items"] == []
        assert await deliver(app, with_smtp(settings, sink)) == 0


class TestAutomaticMailIsNeverAnswered:
    async def test_an_out_of_office_on_a_ticket_sets_off_no_rule(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, http: httpx.AsyncClient
    ) -> None:
        """A rule that answers customers' replies answers people, not their auto-responders:
        two such replies would answer each other for ever."""
        _ada, inbox, ticket, sent = await answered_ticket(desk, then="hold")
        admin = await desk.agent(role="admin", inboxes=[inbox])
        await create_rule(
            admin,
            "Thank for replies",
            when={"type": "customer_replied"},
            actions=[{"type": "reply", "text": "Thanks, we will look at it."}],
        )
        await deliver(app, with_smtp(settings, sink))
        sink.received.clear()
        away = reply_mail(
            to=sent["headers"]["Reply-To"],
            text="I am out of the office until Monday.",
            in_reply_to=sent["message_id"],
            headers={"Auto-Submitted": "auto-replied"},
        )
        result = (await post_mime(http, away)).json()
        assert (result["ticket_id"], result["auto"]) == (ticket["id"], True)
        assert await deliver(app, with_smtp(settings, sink)) == 0
        # A person's reply is answered, and the answer says it is automatic.
        person = reply_mail(
            to=sent["headers"]["Reply-To"], text="Back now.", in_reply_to=sent["message_id"]
        )
        assert (await post_mime(http, person)).json()["auto"] is False
        assert await deliver(app, with_smtp(settings, sink)) == 1
        assert sink.received[0].message["Auto-Submitted"] == "auto-replied"
