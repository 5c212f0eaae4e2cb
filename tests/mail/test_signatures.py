"""Email signatures over real SMTP: an inbox's signature, filled for the reply's author, ends the
mail an agent's reply sends (below a "-- " line, in both parts), whether sent at once or held for
Undo send; `signature: false` sends none; the ticket keeps the text as written and the
signature it went with. Markup in it goes escaped in the HTML part; notes and forwards go
unsigned; a held reply taken back keeps its choice. A short signed reply the customer's client
pastes back, with or without the signature, is cut from their answer. Only admins set it, within
its limits, line ends counted as saved. An agent's own signature fills `{{agent.signature}}` and
signs alone from an inbox without one; without it, the line naming it goes (docs/email.md,
"Signatures")."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.inboxes.signatures import filled
from frontdesk.kit.clock import utcnow
from frontdesk.mail.listener import InboundListener
from frontdesk.pending_replies.timers import send_due_replies
from tests.conftest import SQLITE_ONLY, Agent, Desk
from tests.mail.support import (
    SUPPORT,
    SmtpSink,
    deliver,
    inbound_entries,
    reply_mail,
    send_to_listener,
    ticket_of,
    with_smtp,
)
from tests.unit.rules.support import create_rule
from tests.unit.support import error_of, fields_of

pytestmark = SQLITE_ONLY

SIGNATURE = "{{agent.first_name}} from {{inbox.name}}\nhttps://shop.test/help"
FILLED = "Ada from Shop Support\nhttps://shop.test/help"
TEXT = "It left the warehouse today.\nTracking follows."


def _body(message: Any, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part"
    # As a reader's client shows it: lines end in CRLF on the wire.
    return str(part.get_content()).replace("\r\n", "\n")


async def _signed_inbox(
    desk: Desk, *, signature: str = SIGNATURE, name: str = "Ada Lovelace"
) -> tuple[Agent, dict[str, Any], dict[str, Any]]:
    """An inbox whose admin set a signature, its agent Ada Lovelace, and a ticket of hers."""
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    admin = await desk.agent(role="admin")
    changed = await admin.client.patch(
        f"/api/v1/inboxes/{inbox['id']}", json={"email_signature": signature}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["email_signature"] == signature
    ada = await desk.agent(inboxes=[inbox], name=name)
    # Every agent of the inbox reads it: the desk shows it under the reply box.
    seen = await ada.client.get(f"/api/v1/inboxes/{inbox['id']}")
    assert seen.json()["email_signature"] == signature
    created = await ada.client.post(
        "/api/v1/tickets",
        json={
            "inbox_id": inbox["id"],
            "customer": {"email": "cora@example.org", "name": "Cora"},
            "subject": "Where is my parcel?",
        },
    )
    assert created.status_code == 201, created.text
    return ada, inbox, created.json()


async def _reply(ada: Agent, ticket: dict[str, Any], **body: Any) -> Any:
    return await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies", json={"text": TEXT, **body}
    )


class TestSentMail:
    async def test_a_reply_ends_with_the_signature_filled_for_its_author(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
    ) -> None:
        ada, _inbox, ticket = await _signed_inbox(desk)
        sent = await _reply(ada, ticket)
        assert sent.status_code == 201, sent.text
        # The entry keeps what Ada wrote, and says what went under it.
        assert sent.json()["text"] == TEXT
        assert sent.json()["data"]["signature"] == FILLED
        (entry,) = [
            e for e in (await ticket_of(ada, ticket["id"]))["entries"] if e["kind"] == "reply"
        ]
        assert entry["text"] == TEXT
        assert entry["data"]["signature"] == FILLED

        assert await deliver(app, with_smtp(settings, sink)) == 1
        (received,) = sink.received
        text = _body(received.message, "plain")
        assert text.rstrip("\n").endswith(f"{TEXT}\n\n-- \n{FILLED}")
        html = _body(received.message, "html")
        assert "-- <br>\nAda from Shop Support<br>\nhttps://shop.test/help" in html
        assert html.index("Tracking follows.") < html.index("Ada from Shop Support")

    async def test_signature_false_sends_the_reply_without_it(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
    ) -> None:
        ada, _inbox, ticket = await _signed_inbox(desk)
        sent = await _reply(ada, ticket, signature=False)
        assert sent.status_code == 201, sent.text
        assert "signature" not in sent.json()["data"]

        await deliver(app, with_smtp(settings, sink))
        (received,) = sink.received
        text = _body(received.message, "plain")
        assert text.rstrip("\n") == TEXT
        assert "-- " not in text
        assert "Shop Support" not in _body(received.message, "html")

    async def test_a_reply_held_for_undo_send_keeps_the_choice(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
    ) -> None:
        ada, _inbox, ticket = await _signed_inbox(desk)
        held = await _reply(ada, ticket, undo_seconds=10, signature=False)
        assert held.status_code == 202, held.text
        signed = await _reply(ada, ticket, undo_seconds=10)
        assert signed.status_code == 202, signed.text
        due = utcnow() + timedelta(seconds=30)
        assert await send_due_replies(app.state.sessionmaker, settings, now=due) == 2

        assert await deliver(app, with_smtp(settings, sink), now=due) == 2
        texts = sorted(_body(r.message, "plain").rstrip("\n") for r in sink.received)
        assert texts == [TEXT, f"{TEXT}\n\n-- \n{FILLED}"]

    async def test_an_inbox_without_a_signature_adds_nothing(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
    ) -> None:
        ada, inbox, ticket = await _signed_inbox(desk)
        admin = await desk.agent(role="admin")
        cleared = await admin.client.patch(
            f"/api/v1/inboxes/{inbox['id']}", json={"email_signature": ""}
        )
        assert cleared.json()["email_signature"] is None
        sent = await _reply(ada, ticket)
        assert "signature" not in sent.json()["data"]
        await deliver(app, with_smtp(settings, sink))
        (received,) = sink.received
        assert _body(received.message, "plain").rstrip("\n") == TEXT

    async def test_a_macro_an_agent_applies_signs_its_reply_and_a_rule_does_not(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
    ) -> None:
        ada, inbox, ticket = await _signed_inbox(desk)
        macro = await ada.client.post(
            "/api/v1/macros",
            json={"name": "Shipped", "actions": [{"type": "reply", "text": TEXT}]},
        )
        assert macro.status_code == 201, macro.text
        applied = await ada.client.post(
            f"/api/v1/macros/{macro.json()['id']}/apply", json={"ticket_id": ticket["id"]}
        )
        assert applied.status_code == 200, applied.text
        admin = await desk.agent(role="admin")
        await create_rule(
            admin,
            "Acknowledge",
            when={"type": "created"},
            actions=[{"type": "reply", "text": "We have your request."}],
        )
        created = await ada.client.post(
            "/api/v1/tickets",
            json={
                "inbox_id": inbox["id"],
                "customer": {"email": "cora@example.org"},
                "subject": "Another question",
            },
        )
        assert created.status_code == 201, created.text

        assert await deliver(app, with_smtp(settings, sink)) == 2
        texts = sorted(_body(r.message, "plain").rstrip("\n") for r in sink.received)
        assert texts == [f"{TEXT}\n\n-- \n{FILLED}", "We have your request."]

    async def test_markup_in_the_signature_or_the_name_is_text_in_the_html_part(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
    ) -> None:
        ada, _inbox, ticket = await _signed_inbox(
            desk,
            signature='{{agent.name}} <help@shop.test>\nQ&A: "Ask us"',
            name='Ada <b>"A&B"</b>',
        )
        assert (await _reply(ada, ticket)).status_code == 201
        await deliver(app, with_smtp(settings, sink))
        (received,) = sink.received
        text = _body(received.message, "plain")
        assert text.rstrip("\n").endswith('-- \nAda <b>"A&B"</b> <help@shop.test>\nQ&A: "Ask us"')
        html = _body(received.message, "html")
        assert (
            "-- <br>\nAda &lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt; &lt;help@shop.test&gt;<br>\n"
            "Q&amp;A: &quot;Ask us&quot;" in html
        )
        assert "<b>" not in html
        assert "<help@" not in html

    async def test_notes_and_forwards_go_unsigned(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
    ) -> None:
        ada, _inbox, ticket = await _signed_inbox(desk)
        note = await ada.client.post(
            f"/api/v1/tickets/{ticket['id']}/notes", json={"text": "Called the courier."}
        )
        assert note.status_code == 201, note.text
        assert "signature" not in note.json()["data"]
        reply = await _reply(ada, ticket)
        assert reply.status_code == 201, reply.text
        forward = await ada.client.post(
            f"/api/v1/tickets/{ticket['id']}/entries/{reply.json()['id']}/forward",
            json={"to": ["courier@example.net"], "text": "Please look into this parcel."},
        )
        assert forward.status_code == 201, forward.text
        assert "signature" not in forward.json()["data"]

        assert await deliver(app, with_smtp(settings, sink)) == 2
        (forwarded,) = [r for r in sink.received if "courier@example.net" in r.rcpt_tos]
        text = _body(forwarded.message, "plain")
        assert "Please look into this parcel." in text
        assert FILLED not in text
        assert "Ada from Shop Support" not in _body(forwarded.message, "html")


OWN = "Ada Lovelace, Support Lead\n+44 20 7946 0000"


async def _own_signature(agent: Agent, text: str) -> None:
    saved = await agent.client.patch("/api/v1/me", json={"email_signature": text})
    assert saved.status_code == 200, saved.text
    assert saved.json()["email_signature"] == text


class TestAgentsOwnSignature:
    async def test_the_inbox_signature_carries_the_agents_own_under_the_delimiter(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
    ) -> None:
        ada, _inbox, ticket = await _signed_inbox(
            desk, signature="{{agent.signature}}\n{{inbox.name}} · https://shop.test/help"
        )
        await _own_signature(ada, OWN)
        sent = await _reply(ada, ticket)
        assert sent.status_code == 201, sent.text
        signed = f"{OWN}\nShop Support · https://shop.test/help"
        assert sent.json()["data"]["signature"] == signed

        assert await deliver(app, with_smtp(settings, sink)) == 1
        (received,) = sink.received
        text = _body(received.message, "plain")
        assert text.rstrip("\n").endswith(f"{TEXT}\n\n-- \n{signed}")
        html = _body(received.message, "html")
        assert "-- <br>\nAda Lovelace, Support Lead<br>\n+44 20 7946 0000<br>\nShop Support" in html

    async def test_an_inbox_without_a_signature_sends_the_agents_own(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
    ) -> None:
        inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
        ada = await desk.agent(inboxes=[inbox], name="Ada Lovelace")
        # Braces in one's own signature are text: it is never filled in turn.
        own = f"{OWN}\n{{{{agent.first_name}}}} on Mondays"
        await _own_signature(ada, own)
        created = await ada.client.post(
            "/api/v1/tickets",
            json={
                "inbox_id": inbox["id"],
                "customer": {"email": "cora@example.org"},
                "subject": "Where is my parcel?",
            },
        )
        assert created.status_code == 201, created.text
        ticket = created.json()
        sent = await _reply(ada, ticket)
        assert sent.status_code == 201, sent.text
        assert sent.json()["data"]["signature"] == own
        unsigned = await _reply(ada, ticket, text="Tracking follows.", signature=False)
        assert "signature" not in unsigned.json()["data"]

        assert await deliver(app, with_smtp(settings, sink)) == 2
        texts = sorted(_body(r.message, "plain").rstrip("\n") for r in sink.received)
        assert texts == [f"{TEXT}\n\n-- \n{own}", "Tracking follows."]

    async def test_without_one_the_line_naming_it_goes_cleanly(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
    ) -> None:
        ada, _inbox, ticket = await _signed_inbox(
            desk, signature="{{agent.name}}\n\n{{agent.signature}}\n\n{{inbox.name}}"
        )
        assert (await _reply(ada, ticket)).status_code == 201
        await deliver(app, with_smtp(settings, sink))
        (received,) = sink.received
        text = _body(received.message, "plain").rstrip("\n")
        assert text.endswith(f"{TEXT}\n\n-- \nAda Lovelace\n\nShop Support")
        assert "{{" not in text
        assert "\n\n\n" not in text


class TestHeldReplies:
    async def test_taken_back_it_keeps_its_choice_and_sent_again_it_is_signed_once(
        self, app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
    ) -> None:
        ada, _inbox, ticket = await _signed_inbox(desk)
        held = await _reply(ada, ticket, undo_seconds=10, signature=False)
        assert held.status_code == 202, held.text
        assert held.json()["signature"] is False
        base = f"/api/v1/tickets/{ticket['id']}/pending-replies"
        (listed,) = (await ada.client.get(base)).json()
        assert listed["signature"] is False
        # Undo answers the reply for the box: the choice comes back with the text, which is the
        # text as written (the signature is added only when the mail goes).
        undone = await ada.client.delete(f"{base}/{listed['id']}")
        assert undone.status_code == 200, undone.text
        assert undone.json()["signature"] is False
        assert undone.json()["text"] == TEXT

        # Sent again as it came back, with the signature ticked this time.
        again = await _reply(ada, ticket, text=undone.json()["text"], undo_seconds=10)
        assert again.status_code == 202, again.text
        assert again.json()["signature"] is True
        due = utcnow() + timedelta(seconds=30)
        assert await send_due_replies(app.state.sessionmaker, settings, now=due) == 1
        assert await deliver(app, with_smtp(settings, sink), now=due) == 1
        (received,) = sink.received
        text = _body(received.message, "plain").rstrip("\n")
        assert text == f"{TEXT}\n\n-- \n{FILLED}"
        assert _body(received.message, "html").count("Ada from Shop Support") == 1


SHORT = "Your refund went out this morning."


class TestTrimming:
    async def test_a_short_signed_reply_quoted_back_is_cut_from_the_answer(
        self, desk: Desk, listener: InboundListener
    ) -> None:
        """Quoted with no marker, with or without the signature: the customer's entry is only
        their words. (The first 60 characters of the mail as sent reach into the signature.)"""
        ada, _inbox, ticket = await _signed_inbox(desk)
        sent = await _reply(ada, ticket, text=SHORT)
        assert sent.status_code == 201, sent.text
        admin = await desk.agent(role="admin")
        (row,) = [
            r
            for r in (await admin.client.get("/api/v1/outbox")).json()
            if r["message_id"] == sent.json()["message_id"]
        ]
        assert row["text"] == f"{SHORT}\n\n-- \n{FILLED}"
        reply_to = row["headers"]["Reply-To"]
        own = "Perfect, thank you!\n\nCora"
        for quoted in (SHORT, row["text"]):
            raw = reply_mail(
                to=reply_to, text=f"{own}\n\n{quoted}\n", in_reply_to=row["message_id"]
            )
            assert await send_to_listener(listener.port, raw, recipients=[reply_to]) == {}

        without, signed = inbound_entries(await ticket_of(ada, ticket["id"]))
        assert without["text"] == own
        assert without["data"]["quoted"] == SHORT
        assert signed["text"] == own


class TestSetting:
    async def test_only_an_admin_sets_it(self, desk: Desk) -> None:
        inbox = await desk.inbox(name="Shop Support")
        ada = await desk.agent(inboxes=[inbox])
        refused = await ada.client.patch(
            f"/api/v1/inboxes/{inbox['id']}", json={"email_signature": "Ada"}
        )
        error_of(refused, 403)
        shown = await ada.client.get(f"/api/v1/inboxes/{inbox['id']}")
        assert shown.json()["email_signature"] is None

    async def test_too_long_a_nul_or_a_variable_it_cannot_fill_is_refused(self, desk: Desk) -> None:
        inbox = await desk.inbox(name="Shop Support")
        admin = await desk.agent(role="admin")
        path = f"/api/v1/inboxes/{inbox['id']}"
        for value, words in (
            ("x" * 2001, "2000"),
            ("Ada\x00", "NUL"),
            ("Thanks, {{customer.first_name}}", "{{customer.first_name}}"),
            ("{{agent.nmae}}", "{{agent.nmae}}"),
        ):
            error = error_of(await admin.client.patch(path, json={"email_signature": value}), 422)
            assert "email_signature" in fields_of(error), error
            assert words in str(error), error
        accepted = await admin.client.patch(path, json={"email_signature": "x" * 2000})
        assert accepted.status_code == 200, accepted.text
        assert (await admin.client.get(path)).json()["email_signature"] == "x" * 2000

    async def test_line_ends_count_and_are_saved_as_one_newline(self, desk: Desk) -> None:
        inbox = await desk.inbox(name="Shop Support")
        admin = await desk.agent(role="admin")
        path = f"/api/v1/inboxes/{inbox['id']}"
        # 2,000 characters as saved; more as a browser's textarea sends them (CRLF), and with
        # the spaces around it.
        lines = ["x" * 99] * 20
        written = "\r\n".join(lines)
        assert len(written) > 2000
        accepted = await admin.client.patch(path, json={"email_signature": f"  {written}\r\n"})
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["email_signature"] == "\n".join(lines)
        # A lone CR (an old Mac's line end) is a line end too, never a stray byte in the mail.
        lone = await admin.client.patch(path, json={"email_signature": "Ada\rShop Support"})
        assert lone.status_code == 200, lone.text
        assert lone.json()["email_signature"] == "Ada\nShop Support"


def test_a_value_that_looks_like_a_variable_is_sent_as_it_is() -> None:
    """Filled in one pass: an author without a name leaves `{{agent.name}}` out, and the inbox's
    name, inserted by the same pass, stays whole even when it reads like a variable."""
    signature = "{{agent.name}}\n{{inbox.name}}"
    assert filled(signature, author_name=None, inbox_name="Team {{agent.name}}") == (
        "Team {{agent.name}}"
    )
    assert filled(signature, author_name=" ", inbox_name="Shop") == "Shop"
    assert filled("{{agent.name|The team}}", author_name=None, inbox_name="Shop") == "The team"


def test_a_line_left_without_the_agents_signature_leaves_no_gap() -> None:
    """Only a line that held nothing but variables left out goes, with one blank line beside it
    when it stood between two; blank lines the admin wrote elsewhere stay, and so does a line
    with words of its own."""

    def sign(signature: str, own: str | None = None) -> str | None:
        return filled(
            signature, author_name="Ada Lovelace", inbox_name="Shop", author_signature=own
        )

    assert sign("{{agent.signature}}\n{{inbox.name}}") == "Shop"
    assert sign("{{agent.name}}\n  {{agent.signature}}  \n{{inbox.name}}") == "Ada Lovelace\nShop"
    assert sign("{{agent.name}}\n\n{{agent.signature}}\n\n{{inbox.name}}") == (
        "Ada Lovelace\n\nShop"
    )
    assert sign("{{agent.name}}\n{{agent.signature}}\n\n{{inbox.name}}") == ("Ada Lovelace\n\nShop")
    assert sign("{{agent.name}}\n\n\n{{inbox.name}}\n{{agent.signature}}") == (
        "Ada Lovelace\n\n\nShop"
    )
    assert sign("{{agent.name}}\nCall: {{agent.signature}}") == "Ada Lovelace\nCall:"
    assert sign("{{agent.signature|The Shop team}}\n{{inbox.name}}") == "The Shop team\nShop"
    assert sign("{{agent.signature}}\n{{inbox.name}}", "Ada\n\nLead") == "Ada\n\nLead\nShop"
    # No inbox signature: the agent's own alone, as written; neither: none.
    assert sign("", "{{agent.name}}") == "{{agent.name}}"
    assert sign("", None) is None
