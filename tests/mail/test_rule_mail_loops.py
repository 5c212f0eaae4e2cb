"""Rules and automatic mail, over real SMTP through our listener (docs/routing.md, "Rules and
automatic mail"): an out-of-office or a bounce on a ticket is stored, but it is not the customer
replying (no "The customer replies" rule, no "not replied for" wait), a rule's reply says it is
automatic, and a help desk that answers it anyway gets at most REPLIES_PER_DAY a day."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.mail.listener import InboundListener
from frontdesk.rules.engine import REPLIES_PER_DAY
from frontdesk.rules.timers import run_time_rules
from tests.clock import FrozenClock
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.mail.dsn import Recipient, postfix_bounce
from tests.mail.support import (
    CUSTOMER,
    SUPPORT,
    Received,
    SmtpSink,
    deliver,
    reply_mail,
    send_to_listener,
    with_smtp,
)
from tests.unit.rules.support import create_rule, runs, ticket, timeline

pytestmark = SQLITE_ONLY

START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
ACK = "Hi {{customer.first_name}}, we got your message"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch, START)


async def _only_ticket(admin: Agent) -> dict[str, Any]:
    (listed,) = (await admin.client.get("/api/v1/tickets")).json()["items"]
    return await ticket(admin, listed["id"])


def _answering(last: Received, text: str, *, sender: str = CUSTOMER, **headers: str) -> bytes:
    """A message in answer to one of ours, to the reply address it gave."""
    return reply_mail(
        to=str(last.message["Reply-To"]),
        text=text,
        sender=sender,
        in_reply_to=str(last.message["Message-ID"]),
        headers=headers,
    )


@BOTH_STORES
async def test_automatic_mail_sets_off_no_rule_and_waits_for_nobody(
    app: FastAPI,
    settings: Settings,
    desk: Desk,
    sink: SmtpSink,
    listener: InboundListener,
    clock: FrozenClock,
) -> None:
    smtp = with_smtp(settings, sink)
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Ada")
    thanks = await create_rule(
        admin,
        "Thank for replies",
        when={"type": "customer_replied"},
        actions=[{"type": "reply", "text": ACK}],
    )
    chase = await create_rule(
        admin,
        "Chase",
        when={"type": "no_reply", "hours": 1},
        actions=[{"type": "note", "text": "Nobody answered for an hour."}],
    )
    first = reply_mail(to=SUPPORT, text="My kettle does not boil.", subject="Kettle")
    assert await send_to_listener(listener.port, first, recipients=[SUPPORT]) == {}
    found = await _only_ticket(admin)
    answered = await admin.client.post(
        f"/api/v1/tickets/{found['id']}/replies", json={"text": "Try descaling it."}
    )
    assert answered.status_code == 201, answered.text
    assert await deliver(app, smtp) == 1
    (ours,) = sink.received

    # The customer's out-of-office, and their server's bounce of our answer.
    away = _answering(ours, "I am out of the office.", **{"Auto-Submitted": "auto-replied"})
    reply_to = str(ours.message["Reply-To"])
    assert await send_to_listener(listener.port, away, recipients=[reply_to]) == {}
    failed = Recipient(CUSTOMER, "failed", "5.2.2", "552 5.2.2 Mailbox full")
    bounce = postfix_bounce(ours.raw, [failed])
    assert await send_to_listener(listener.port, bounce, sender="", recipients=[SUPPORT]) == {}

    after = await ticket(admin, found["id"])
    inbound = [e for e in after["entries"] if e["kind"] == "reply" and e["direction"] == "in"]
    assert [(e["data"]["auto"], bool(e["data"].get("bounce"))) for e in inbound] == [
        (False, False),
        (True, False),
        (True, True),
    ]
    # Stored on the ticket, answered by no rule, now ...
    assert await deliver(app, smtp) == 0
    assert await runs(admin, thanks) == []
    # ... nor later: nobody waits for an answer to an out-of-office.
    clock.advance(hours=2)
    assert await run_time_rules(app.state.sessionmaker) == 0
    assert await runs(admin, chase) == []

    # The customer writing is the customer replying: answered, saying it is automatic.
    back = _answering(ours, "Descaled it, still cold.")
    assert await send_to_listener(listener.port, back, recipients=[reply_to]) == {}
    assert await deliver(app, smtp) == 1
    ack = sink.received[-1].message
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["X-Auto-Response-Suppress"] == "All"
    body = ack.get_body(preferencelist=("plain",))
    assert body is not None
    assert str(body.get_content()).strip() == "Hi Cora, we got your message"
    clock.advance(hours=1, seconds=1)
    assert await run_time_rules(app.state.sessionmaker) == 1
    assert [r["outcome"] for r in await runs(admin, chase)] == ["done"]


async def test_two_help_desks_answering_each_other_stop_for_the_day(
    app: FastAPI,
    settings: Settings,
    desk: Desk,
    sink: SmtpSink,
    listener: InboundListener,
    clock: FrozenClock,
) -> None:
    """The other desk acknowledges every message without saying it is automatic: each of its
    acknowledgements looks like the customer replying, and each is a transaction of its own,
    so the rules' loop bound never meets it."""
    other = "help@other-desk.example"
    smtp = with_smtp(settings, sink)
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Ada")
    await create_rule(
        admin,
        "Thank for replies",
        when={"type": "customer_replied"},
        actions=[{"type": "reply", "text": ACK}],
    )
    opening = reply_mail(to=SUPPORT, text="Your invoice is attached.", sender=other)
    assert await send_to_listener(listener.port, opening, sender=other, recipients=[SUPPORT]) == {}
    found = await _only_ticket(admin)
    answered = await admin.client.post(
        f"/api/v1/tickets/{found['id']}/replies", json={"text": "Thanks, which order is it?"}
    )
    assert answered.status_code == 201, answered.text
    assert await deliver(app, smtp) == 1

    async def their_ack() -> int:
        ack = _answering(sink.received[-1], "We have received your message.", sender=other)
        to = str(sink.received[-1].message["Reply-To"])
        assert await send_to_listener(listener.port, ack, sender=other, recipients=[to]) == {}
        clock.advance(minutes=1)
        return await deliver(app, smtp)

    sent = [await their_ack() for _ in range(REPLIES_PER_DAY + 1)]
    # Each of theirs answered until the day's share is used; then the ping-pong ends.
    assert sent == [1] * REPLIES_PER_DAY + [0]
    after = await ticket(admin, found["id"])
    assert timeline(after)[-1] == (
        "The rule “Thank for replies” sent no reply: this ticket had "
        f"{REPLIES_PER_DAY} automatic replies in the last 24 hours, the most it gets"
    )
    # A day later, the rule answers again.
    clock.advance(hours=24)
    assert await their_ack() == 1
