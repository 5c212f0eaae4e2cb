"""What the SMTP listener leaves in the server's log: no customer's address (docs/privacy.md,
"The server's log"), which no erasure could remove."""

from __future__ import annotations

import logging

import pytest

from frontdesk.mail.listener import InboundListener
from tests.conftest import SQLITE_ONLY, Desk
from tests.mail.support import SUPPORT, reply_mail, send_to_listener

pytestmark = SQLITE_ONLY

SENDER = "zelda.quux@example.net"


async def test_a_delivery_leaves_no_address_in_the_log(
    desk: Desk, listener: InboundListener, caplog: pytest.LogCaptureFixture
) -> None:
    await desk.inbox(name="Support", email_address=SUPPORT)
    caplog.set_level(logging.INFO)
    raw = reply_mail(to=SUPPORT, text="My parcel is late.", sender=SENDER)
    assert await send_to_listener(listener.port, raw, sender=SENDER, recipients=[SUPPORT]) == {}
    assert caplog.records, "the listener logged nothing at all: the test would prove nothing"
    assert SENDER not in caplog.text
    assert SUPPORT not in caplog.text
