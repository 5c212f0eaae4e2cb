"""The mail a visitor gets from a chat, over real SMTP: in the language the messenger spoke and on
the visitor's clock (docs/email.md, "In the visitor's language and time"); a language or zone we
cannot use never stops a chat and leaves the mail in English and UTC."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI

from frontdesk.chats import service as chats_service
from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from tests.conftest import SQLITE_ONLY, Desk
from tests.mail.support import (
    CUSTOMER,
    SUPPORT,
    SmtpSink,
    deliver,
    later,
    online,
    ticket_of,
    with_smtp,
)

pytestmark = SQLITE_ONLY

SECRET = "identity-secret-of-the-shop"
PARIS = ZoneInfo("Europe/Paris")


def _body(message: Any, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part"
    return str(part.get_content())


async def _answered_chat(desk: Desk, visitors: Any, **start: Any) -> tuple[Any, dict[str, Any]]:
    """A signed-in visitor's chat (so the transcript itself is mailed) that Ada answered and
    ended; returns Ada and the ended chat as the visitor reads it."""
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT, identity_secret=SECRET)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    await online(ada)
    visitor = await visitors(inbox)
    await visitor.identify(CUSTOMER, secret=SECRET)
    chat = await visitor.start_chat("Ma commande est-elle partie ?", email=CUSTOMER, **start)
    assert (await ada.client.post(f"/api/v1/chats/{chat['id']}/join")).status_code == 200
    sent = await ada.client.post(
        f"/api/v1/chats/{chat['id']}/messages",
        json={"text": "Oui, elle part aujourd'hui.", "client_msg_id": "a1"},
    )
    assert sent.status_code == 201, sent.text
    ended = await ada.client.post(f"/api/v1/chats/{chat['id']}/end")
    assert ended.status_code == 200, ended.text
    read = await visitor.client.get(f"/messenger/v1/chats/{chat['id']}")
    return ada, read.json() | {"ticket_id": ended.json()["ticket_id"]}


def _at(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["at"].replace("Z", "+00:00"))


class TestFrench:
    async def test_a_french_chat_mails_a_french_transcript_on_paris_time(
        self, app: FastAPI, settings: Settings, desk: Desk, visitors: Any, sink: SmtpSink
    ) -> None:
        ada, chat = await _answered_chat(desk, visitors, locale="fr-FR", time_zone="Europe/Paris")
        ticket = await ticket_of(ada, chat["ticket_id"])

        assert await deliver(app, with_smtp(settings, sink)) == 1
        (received,) = sink.received
        message = received.message
        # The number stays in the form replies are matched by.
        assert message["Subject"] == (
            f"Transcription de votre conversation avec Shop Support [#{ticket['number']}]"
        )
        text = _body(message, "plain")
        html = _body(message, "html")
        assert "Merci d'avoir discuté avec nous." in text
        assert "Ada a rejoint la conversation" in text
        assert f"demande n° {ticket['number']}" in text
        assert 'lang="fr"' in html
        assert "Ada a rejoint la conversation" in html
        first = next(e for e in chat["events"] if e["type"] == "chat.message_added")
        at = _at(first)
        paris = at.astimezone(PARIS)
        # December: Paris is an hour ahead, so its time is not the UTC one.
        assert paris.utcoffset() != at.utcoffset()
        stamp = f"{paris:%d/%m/%Y %H:%M} (Europe/Paris)"
        assert f"[{stamp}] Marie Curie:" in text
        assert stamp in html
        assert "UTC" not in text
        assert "UTC" not in html
        # The ticket's transcript stays as agents read it: English, UTC.
        assert "Ada joined the chat" in ticket["entries"][0]["text"]
        assert f"{at:%Y-%m-%d %H:%M} UTC" in ticket["entries"][0]["text"]

    async def test_an_unconfirmed_address_gets_the_notice_in_french(
        self, app: FastAPI, settings: Settings, desk: Desk, visitors: Any, sink: SmtpSink
    ) -> None:
        inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
        await online(await desk.agent(inboxes=[inbox]))
        visitor = await visitors(inbox)
        await visitor.start_chat(
            "Bonjour", email="cora@example.org", locale="fr-CA", time_zone="America/Montreal"
        )
        async with unit_of_work(app.state.sessionmaker) as session:
            ended = await chats_service.end_unanswered_chats(
                session, now=later(60), visitor_grace=settings.visitor_grace
            )
        assert ended == 1

        assert await deliver(app, with_smtp(settings, sink)) == 1
        (received,) = sink.received
        message = received.message
        assert message["Subject"].startswith("Votre conversation avec Shop Support [#")
        text = _body(message, "plain")
        assert "personne n'a pu répondre" in text
        assert "ignorez cet e-mail" in text
        assert 'lang="fr"' in _body(message, "html")


class TestFallback:
    @pytest.mark.parametrize(
        ("locale", "time_zone"),
        [
            ("tlh", "Mars/Olympus_Mons"),  # a language we have no words for, a made-up zone
            ("<script>", "../../../etc/passwd"),
            ("fr" * 40, "Europe/Paris" * 10),  # too long to be either
            (12, ["Europe/Paris"]),  # not even strings
        ],
    )
    async def test_values_we_cannot_use_start_the_chat_and_mail_english_utc(
        self,
        app: FastAPI,
        settings: Settings,
        desk: Desk,
        visitors: Any,
        sink: SmtpSink,
        locale: Any,
        time_zone: Any,
    ) -> None:
        ada, chat = await _answered_chat(desk, visitors, locale=locale, time_zone=time_zone)
        ticket = await ticket_of(ada, chat["ticket_id"])

        assert await deliver(app, with_smtp(settings, sink)) == 1
        (received,) = sink.received
        message = received.message
        assert message["Subject"] == (
            f"Transcript of your chat with Shop Support [#{ticket['number']}]"
        )
        text = _body(message, "plain")
        assert "Thanks for chatting with us." in text
        assert "Ada joined the chat" in text
        first = next(e for e in chat["events"] if e["type"] == "chat.message_added")
        assert f"[{_at(first):%Y-%m-%d %H:%M} (UTC)] Marie Curie:" in text
