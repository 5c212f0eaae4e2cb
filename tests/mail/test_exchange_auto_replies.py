"""Exchange and Outlook out-of-office replies that carry no RFC 3834 header are told from people's
replies sent with Outlook, though both may carry `X-Auto-Response-Suppress`: the header alone
proves nothing (Outlook puts it on people's own mail, applications on theirs), with a mark only
Exchange's own replies have it does (docs/email.md, "Auto-replies, bounces and loops"). Each
message is a full header set as Exchange or Outlook writes it, posted to the MIME endpoint as a
reply to our mail on a closed ticket."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from frontdesk.tickets.models import Ticket
from tests.conftest import SQLITE_ONLY, Desk
from tests.mail.support import (
    CUSTOMER,
    SUPPORT,
    answered_ticket,
    inbound_entries,
    post_mime,
    reply_mail,
    ticket_of,
)
from tests.unit.support import count_rows

pytestmark = SQLITE_ONLY

# What Exchange Online puts on every message of a mailbox, whoever wrote it.
EXCHANGE = {
    "Thread-Index": "AQHXyzE4tGQ1p2vJ0kq3n1bJ8m2kVg==",
    "Accept-Language": "en-US",
    "Content-Language": "en-US",
    "X-MS-Has-Attach": "",
    "X-MS-TNEF-Correlator": "",
    "X-MS-PublicTrafficType": "Email",
    "X-MS-Exchange-CrossTenant-AuthAs": "Internal",
}


def exchange_mail(
    sent: dict[str, Any], *, subject: str, text: str, topic: str, **headers: str
) -> bytes:
    """A message from the customer's Exchange mailbox answering our reply `sent`."""
    return reply_mail(
        to=sent["headers"]["Reply-To"],
        subject=subject,
        text=text,
        in_reply_to=sent["message_id"],
        headers={"Thread-Topic": topic, **EXCHANGE, **headers},
    )


def topic_of(sent: dict[str, Any]) -> str:
    subject = str(sent["subject"])
    return subject.removeprefix("Re: ")


OUT_OF_OFFICE = "I am out of the office until Monday 7 December with limited access to email."


class TestOutOfOffice:
    @pytest.mark.parametrize(
        ("prefix", "headers"),
        [
            # Exchange 2010, German: no Auto-Submitted at all.
            (
                "Automatische Antwort: ",
                {"X-Auto-Response-Suppress": "All", "X-MS-Exchange-Inbox-Rules-Loop": CUSTOMER},
            ),
            # The rules loop header dropped by a gateway on the way: the subject still says it.
            ("Automatic reply: ", {"X-Auto-Response-Suppress": "All"}),
            ("Réponse automatique : ", {"X-Auto-Response-Suppress": "All"}),
            ("自動応答: ", {"X-Auto-Response-Suppress": "All"}),
            # Outlook 2003 with Exchange 2003.
            ("Out of Office AutoReply: ", {"X-Auto-Response-Suppress": "All"}),
        ],
    )
    async def test_an_exchange_out_of_office_does_not_reopen_the_ticket(
        self, http: httpx.AsyncClient, desk: Desk, prefix: str, headers: dict[str, str]
    ) -> None:
        ada, _inbox, ticket, sent = await answered_ticket(desk, then="close")
        raw = exchange_mail(
            sent,
            subject=prefix + sent["subject"],
            text=OUT_OF_OFFICE,
            topic=topic_of(sent),
            **headers,
        )
        result = (await post_mime(http, raw)).json()
        assert result["ticket_id"] == ticket["id"], result
        assert result["auto"] is True
        assert result["reopened"] is False
        after = await ticket_of(ada, ticket["id"])
        assert after["state"] == "closed"
        (entry,) = inbound_entries(after)
        assert entry["data"]["auto"] is True
        assert entry["data"]["auto_reason"] == "Exchange automatic reply"
        assert entry["text"] == OUT_OF_OFFICE
        # Not the customer's word: it proves nothing and copies nobody.
        assert after["cc"] == []

    async def test_a_reply_rule_with_its_own_subject_is_automatic_too(
        self, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        """ "Have server reply using a specific message": the rule's template gives the subject;
        the mailbox's rules still stamp what they send."""
        ada, _inbox, ticket, sent = await answered_ticket(desk, then="close")
        raw = exchange_mail(
            sent,
            subject="Thank you for your message",
            text="We received your message and will answer within two working days.",
            topic="Thank you for your message",
            **{"X-Auto-Response-Suppress": "All", "X-MS-Exchange-Inbox-Rules-Loop": CUSTOMER},
        )
        result = (await post_mime(http, raw)).json()
        assert (result["auto"], result["reopened"]) == (True, False)
        assert (await ticket_of(ada, ticket["id"]))["state"] == "closed"

    async def test_an_out_of_office_to_the_inbox_address_opens_no_ticket(
        self, app: FastAPI, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        await desk.inbox(email_address=SUPPORT)
        raw = reply_mail(
            to=SUPPORT,
            subject="Automatic reply: Your order",
            text=OUT_OF_OFFICE,
            headers={"Thread-Topic": "Your order", "X-Auto-Response-Suppress": "All", **EXCHANGE},
        )
        result = (await post_mime(http, raw)).json()
        assert result["status"] == "ignored"
        assert await count_rows(app, Ticket) == 0


class TestPeopleWritingWithOutlook:
    @pytest.mark.parametrize(
        "suppress",
        [
            "RN, NRN",
            "OOF",
            "DR, RN, NRN, OOF, AutoReply",
            # An application of the customer's answering on their behalf, or Outlook set to it.
            "All",
        ],
    )
    async def test_a_reply_from_outlook_reopens_the_ticket(
        self, http: httpx.AsyncClient, desk: Desk, suppress: str
    ) -> None:
        ada, _inbox, ticket, sent = await answered_ticket(desk, then="close")
        raw = exchange_mail(
            sent,
            subject="RE: " + sent["subject"],
            text="It has not arrived yet, can you check again?",
            topic=topic_of(sent),
            **{"X-Auto-Response-Suppress": suppress},
        )
        result = (await post_mime(http, raw)).json()
        assert result["auto"] is False, result
        assert result["reopened"] is True
        after = await ticket_of(ada, ticket["id"])
        assert after["state"] == "open"
        (entry,) = inbound_entries(after)
        assert entry["data"]["auto"] is False
        assert entry["author_customer_id"] == after["customer"]["id"]

    async def test_a_person_answering_an_automatic_reply_is_a_person(
        self, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        """A subject that starts with the words only after "RE:", or names them as its own topic:
        Outlook's Thread-Topic tells a person's subject from Exchange's prefix."""
        ada, _inbox, ticket, sent = await answered_ticket(desk, then="close")
        for subject, topic in [
            ("RE: Automatic reply: " + sent["subject"], "Automatic reply: " + topic_of(sent)),
            ("Automatic reply: why did I get one?", "Automatic reply: why did I get one?"),
        ]:
            raw = exchange_mail(
                sent,
                subject=subject,
                text="Your automatic reply said you are closed, are you?",
                topic=topic,
                **{"X-Auto-Response-Suppress": "All"},
            )
            result = (await post_mime(http, raw)).json()
            assert result["auto"] is False, (subject, result)
        assert (await ticket_of(ada, ticket["id"]))["state"] == "open"
