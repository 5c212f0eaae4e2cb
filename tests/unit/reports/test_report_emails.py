"""Report emails end to end (docs/reports.md, "Reports by email"): the round queues one email
per due subscription in the outbox, the outbox delivers it to a real SMTP sink, and the figures
are the Reports page's for the period, compared with the period before; the unsubscribe link
asks on GET and removes on POST; a late round sends one email; a deactivated user none."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.mail.models import OutboxMessage
from frontdesk.report_emails import sending
from frontdesk.report_emails.models import ReportSubscription
from tests.clock import FrozenClock
from tests.conftest import SQLITE_ONLY, Agent, Desk
from tests.mail.support import SmtpSink, deliver, with_smtp
from tests.unit.reports.history import START, at, build

pytestmark = SQLITE_ONLY

PATH = "/api/v1/reports/subscriptions"
UNSUBSCRIBE = re.compile(r"http://desk\.test(/report-emails/unsubscribe/\S+)")


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    server = SmtpSink()
    server.start()
    yield server
    server.stop()


async def subscribe(agent: Agent, **body: Any) -> dict[str, Any]:
    response = await agent.client.post(PATH, json={"frequency": "daily"} | body)
    assert response.status_code == 201, response.text
    row: dict[str, Any] = response.json()
    return row


async def send(app: FastAPI, now: datetime) -> int:
    return await sending.send_due(app.state.sessionmaker, now=now)


def mails(sink: SmtpSink) -> list[Any]:
    """The report emails the sink received (a history also mails its customers)."""
    return [
        r.message
        for r in sink.received
        if r.message["Subject"].startswith(("Support report:", "Rapport du support"))
    ]


def text_of(message: Any) -> str:
    return str(message.get_body(preferencelist=("plain",)).get_content())


def html_of(message: Any) -> str:
    return str(message.get_body(preferencelist=("html",)).get_content())


async def test_the_daily_email_carries_the_reports_figures(
    app: FastAPI,
    settings: Settings,
    desk: Desk,
    visitors: Any,
    sink: SmtpSink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """history.py: on 2026-11-10 chats A, B (answered) and C (missed); on the 11th email D. The
    email of the 12th reports the 11th against the 10th."""
    clock = FrozenClock(monkeypatch, START)
    history = await build(app, desk, visitors, clock)
    clock.set(at(17, day=11))
    olga = history.olga
    row = await subscribe(olga, time_zone="UTC", language="en")
    assert row["next_due_at"] == "2026-11-12T08:00:00Z"

    assert await send(app, at(7, 59, day=12)) == 0  # not due yet
    assert await send(app, at(8, day=12)) == 1
    assert await send(app, at(8, day=12)) == 0  # once
    await deliver(app, with_smtp(settings, sink))
    (mail,) = mails(sink)
    assert mail["Subject"] == "Support report: 2026-11-11 (all conversations)"
    assert mail["To"] == olga.user["email"]
    assert mail["From"] == "frontdesk <notifications@desk.test>"
    text = text_of(mail)
    lines = {line.split(":")[0]: line for line in text.splitlines() if ":" in line}
    # Conversations: D on the 11th; A, B, C on the 10th.
    assert lines["Conversations"] == "Conversations: 1  ▼ 67%  (before: 3)"
    # First responses: D 3600 s; A 90 s and B 180 s the day before (median 135 s).
    assert lines["First response time (median)"] == (
        "First response time (median): 1 h 0 min  ▲ 2567%  (before: 2 min)"
    )
    # Resolved: D (to its last close, 14,400 s); A and B (600 s, 300 s) the day before.
    assert lines["Resolution time (median)"] == (
        "Resolution time (median): 4 h 0 min  ▲ 3100%  (before: 7 min)"
    )
    assert lines["Conversations resolved"] == "Conversations resolved: 1  ▼ 50%  (before: 2)"
    assert lines["Missed chats"] == "Missed chats: 0  ▼ 100%  (before: 1)"
    assert lines["Chat wait time (median)"] == "Chat wait time (median): —  —  (before: 25 s)"
    # A rated good, B bad on the 10th; nothing rated on the 11th.
    assert lines["Satisfaction (good ratings)"] == (
        "Satisfaction (good ratings): —  —  (before: 50%)"
    )
    assert lines["SLA breaches"] == "SLA breaches: 0  =  (before: 0)"
    assert "http://desk.test/reports?since=2026-11-11&until=2026-11-11" in text
    assert "▼ 67%" in html_of(mail)

    # The same figures as the Reports page's for that day.
    day = {"since": "2026-11-11", "until": "2026-11-11", "time_zone": "UTC"}
    times = (await olga.client.get("/api/v1/reports/times", params=day)).json()
    first = {r["figure"]: r for r in times}["first_response"]
    assert (first["count"], first["median_seconds"]) == (1, 3600)

    async with unit_of_work(app.state.sessionmaker) as session:
        stored = await session.get(ReportSubscription, row["id"])
        assert stored is not None
        assert stored.last_sent_at == at(8, day=12)
        assert stored.next_due_at == at(8, day=13)


async def test_names_are_escaped_and_the_language_is_the_users(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(monkeypatch, datetime(2026, 11, 10, 12, tzinfo=UTC))
    inbox = await desk.inbox(name="Sales <b>&</b>")
    olga = await desk.agent(role="owner", inboxes=[inbox])
    label = (await olga.client.post("/api/v1/labels", json={"name": "<i>VIP</i>"})).json()
    await olga.client.patch("/api/v1/me", json={"preferences": {"language": "fr"}})
    await subscribe(
        olga,
        frequency="weekly",
        time_zone="Europe/Paris",
        inbox_id=inbox["id"],
        label_id=label["id"],
    )
    clock.set(datetime(2026, 11, 16, 7, tzinfo=UTC))  # Monday 08:00 in Paris
    assert await send(app, clock.now) == 1
    await deliver(app, with_smtp(settings, sink))
    (mail,) = mails(sink)
    assert mail["Subject"] == (
        "Rapport du support : du 09/11/2026 au 15/11/2026 "
        "(boîte Sales <b>&</b>, étiquette <i>VIP</i>)"
    )
    html = html_of(mail)
    assert "Sales &lt;b&gt;&amp;&lt;/b&gt;" in html
    assert "&lt;i&gt;VIP&lt;/i&gt;" in html
    assert "<i>VIP" not in html
    assert "<b>&" not in html
    assert "Conversations : 0" not in text_of(mail)  # the French words
    assert "Conversations: 0  =  (avant : 0)" in text_of(mail)
    assert (
        f"since=2026-11-09&until=2026-11-15&inbox_id={inbox['id']}&label_id={label['id']}"
        in text_of(mail)
    )


async def test_unsubscribe_by_link_asks_then_removes(
    app: FastAPI,
    settings: Settings,
    desk: Desk,
    sink: SmtpSink,
    http: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = FrozenClock(monkeypatch, datetime(2026, 11, 10, 12, tzinfo=UTC))
    ada = await desk.agent()
    row = await subscribe(ada, time_zone="UTC")
    kept = await subscribe(ada, time_zone="UTC", hour=9)
    clock.set(datetime(2026, 11, 11, 8, tzinfo=UTC))
    assert await send(app, clock.now) == 1
    await deliver(app, with_smtp(settings, sink))
    (mail,) = mails(sink)
    (path,) = UNSUBSCRIBE.findall(text_of(mail))
    assert mail["List-Unsubscribe"] == f"<http://desk.test{path}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # A GET (a mail scanner, or the person) only asks.
    page = await http.get(path)
    assert page.status_code == 200
    assert "Unsubscribe from this report?" in page.text
    assert 'method="post"' in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert len((await ada.client.get(PATH)).json()) == 2

    # An altered link: a page saying so, nothing removed.
    token = path.rsplit("/", 1)[1]
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    for method in ("GET", "POST"):
        refused = await http.request(method, path.replace(token, forged))
        assert refused.status_code == 404
        assert "This link does not work" in refused.text
    assert len((await ada.client.get(PATH)).json()) == 2

    # The mail program's one click (RFC 8058): a POST with its form, no page seen.
    done = await http.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "You are unsubscribed" in done.text
    assert [r["id"] for r in (await ada.client.get(PATH)).json()] == [kept["id"]]
    # Used again: the subscription is gone.
    assert (await http.get(path)).status_code == 404
    assert row["id"] != kept["id"]


async def test_a_late_round_sends_the_last_period_once(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    FrozenClock(monkeypatch, datetime(2026, 11, 10, 12, tzinfo=UTC))
    ada = await desk.agent()
    row = await subscribe(ada, time_zone="UTC")
    assert row["next_due_at"] == "2026-11-11T08:00:00Z"
    # Down from the 10th to the 14th, 10:00: one email, for the 13th; the next on the 15th.
    late = datetime(2026, 11, 14, 10, tzinfo=UTC)
    assert await send(app, late) == 1
    assert await send(app, late) == 0
    async with unit_of_work(app.state.sessionmaker) as session:
        (mail,) = (await session.scalars(select(OutboxMessage))).all()
        # An agent's report is their own figures: the subject says whose.
        assert mail.subject == f"Support report: 2026-11-13 (agent {ada.user['name']})"
        stored = await session.get(ReportSubscription, row["id"])
        assert stored is not None
        assert stored.next_due_at == datetime(2026, 11, 15, 8, tzinfo=UTC)


async def test_a_deactivated_user_gets_none(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    FrozenClock(monkeypatch, datetime(2026, 11, 10, 12, tzinfo=UTC))
    owner = await desk.agent(role="owner")
    ada = await desk.agent()
    row = await subscribe(ada, time_zone="UTC")
    answer = await owner.client.patch(f"/api/v1/users/{ada.id}", json={"is_active": False})
    assert answer.status_code == 200, answer.text
    due = datetime(2026, 11, 11, 8, tzinfo=UTC)
    assert await send(app, due) == 1  # skipped, its due time moved on
    async with unit_of_work(app.state.sessionmaker) as session:
        assert (await session.scalars(select(OutboxMessage))).all() == []
        stored = await session.get(ReportSubscription, row["id"])
        assert stored is not None  # kept: reactivated, the next period's comes
        assert stored.next_due_at == datetime(2026, 11, 12, 8, tzinfo=UTC)
        assert stored.last_sent_at is None
