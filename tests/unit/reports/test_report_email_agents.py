"""The agents' table of a report email (docs/reports.md, "Reports by email"): the rows of the
Reports page's agents table for the email's period and filter, with the page's figures and in
its order, at most `figures.MAX_AGENTS` of them; only the rows the page would show the
subscriber (an agent: their own); names escaped in the HTML; in the subscriber's language.

history.py's week of 2026-11-09 to 15 (UTC), reported by the weekly email of Monday the 16th:
Ada joined chats A and B, answered A and D, closed A and D (first responses 90 s and 3600 s,
median 1845 s), was online 10 hours; Bob took B by a transfer, answered and closed it (first
response 180 s), online from the 10th 08:00 to the end of the range (136 hours). A is rated
good (about Ada), B bad (about Ada and Bob)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.report_emails import figures, sending
from tests.clock import FrozenClock
from tests.conftest import SQLITE_ONLY, Agent, Desk
from tests.mail.support import SmtpSink, deliver, with_smtp
from tests.unit.reports.history import START, History, at, build

pytestmark = SQLITE_ONLY

PATH = "/api/v1/reports/subscriptions"
MONDAY = datetime(2026, 11, 16, 8, tzinfo=UTC)  # the weekly emails' hour, 08:00 UTC
WEEK = {"since": "2026-11-09", "until": "2026-11-15", "time_zone": "UTC"}
ADA = (
    "Ada — Chats 2 · Tickets replied 2 · Tickets closed 2 · First response (median) 30 min · "
    "CSAT 50% (2 ratings) · Time online 10 h 0 min · SLA breaches 0"
)
BOB = (
    "Bob — Chats 1 · Tickets replied 1 · Tickets closed 1 · First response (median) 3 min · "
    "CSAT 0% (1 rating) · Time online 136 h 0 min · SLA breaches 0"
)


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    server = SmtpSink()
    server.start()
    yield server
    server.stop()


async def history_of(
    app: FastAPI, desk: Desk, visitors: Any, monkeypatch: pytest.MonkeyPatch
) -> tuple[History, FrozenClock]:
    clock = FrozenClock(monkeypatch, START)
    history = await build(app, desk, visitors, clock)
    clock.set(at(17, day=11))
    return history, clock


async def subscribe(agent: Agent, **body: Any) -> None:
    base = {"frequency": "weekly", "time_zone": "UTC", "language": "en"}
    response = await agent.client.post(PATH, json=base | body)
    assert response.status_code == 201, response.text


async def emails(
    app: FastAPI, settings: Settings, sink: SmtpSink, clock: FrozenClock, count: int
) -> dict[str, Any]:
    """Monday's round, delivered: the report emails by recipient."""
    clock.set(MONDAY)
    assert await sending.send_due(app.state.sessionmaker, now=MONDAY) == count
    await deliver(app, with_smtp(settings, sink))
    found = {
        r.message["To"]: r.message
        for r in sink.received
        if r.message["Subject"].startswith(("Support report", "Rapport du support"))
    }
    assert len(found) == count
    return found


def text_of(message: Any) -> str:
    return str(message.get_body(preferencelist=("plain",)).get_content())


def html_of(message: Any) -> str:
    return str(message.get_body(preferencelist=("html",)).get_content())


def agents_section(text: str, title: str = "Agents") -> list[str]:
    """The plain text's agents table: the lines from its title to the blank line after it."""
    lines = text.splitlines()
    start = lines.index(title) + 1
    return lines[start : lines.index("", start)]


async def agents_api(agent: Agent, **params: Any) -> list[dict[str, Any]]:
    response = await agent.client.get("/api/v1/reports/agents", params=WEEK | params)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


async def test_the_email_has_the_pages_agents_table(
    app: FastAPI,
    settings: Settings,
    desk: Desk,
    visitors: Any,
    sink: SmtpSink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    history, clock = await history_of(app, desk, visitors, monkeypatch)
    olga = history.olga
    await subscribe(olga)
    mail = (await emails(app, settings, sink, clock, 1))[olga.user["email"]]
    assert mail["Subject"] == "Support report: 2026-11-09 to 2026-11-15 (all conversations)"

    # Both agents, in the page's order, with the page's figures.
    assert agents_section(text_of(mail)) == [ADA, BOB]
    rows = await agents_api(olga)
    assert [r["agent"] for r in rows] == ["Ada", "Bob"]
    ada, bob = rows
    assert (ada["chats"], ada["tickets_replied"], ada["tickets_closed"]) == (2, 2, 2)
    assert (bob["chats"], bob["tickets_replied"], bob["tickets_closed"]) == (1, 1, 1)
    assert ada["first_response_median_seconds"] == (90 + 3600) / 2  # 30 min
    assert bob["first_response_median_seconds"] == 180  # 3 min
    assert (ada["ratings"], ada["csat"], bob["ratings"], bob["csat"]) == (2, 0.5, 1, 0.0)
    assert (ada["online_seconds"], bob["online_seconds"]) == (10 * 3600, 136 * 3600)
    assert (ada["sla_breaches"], bob["sla_breaches"]) == (0, 0)

    # The HTML: a row per agent, the name beside its figures.
    html = html_of(mail)
    assert html.index(">Agents</h2>") < html.index(">Ada</th>") < html.index(">Bob</th>")
    assert "Tickets replied <b>2</b>" in html
    assert "Time online <b>136 h 0 min</b>" in html
    assert "CSAT <b>0% (1 rating)</b>" in html
    assert "more agent" not in html


async def test_an_agent_filter_gives_that_agents_row_in_french(
    app: FastAPI,
    settings: Settings,
    desk: Desk,
    visitors: Any,
    sink: SmtpSink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    history, clock = await history_of(app, desk, visitors, monkeypatch)
    olga = history.olga
    await subscribe(olga, agent_id=history.bob.id, language="fr")
    mail = (await emails(app, settings, sink, clock, 1))[olga.user["email"]]
    assert [r["agent"] for r in await agents_api(olga, agent_id=history.bob.id)] == ["Bob"]
    assert agents_section(text_of(mail)) == [
        "Bob — Chats 1 · Tickets répondus 1 · Tickets fermés 1 · Première réponse (médiane) "
        "3 min · Satisfaction 0\u202f% (1 note) · Temps en ligne 136 h 0 min · "
        "Dépassements SLA 0"
    ]
    html = html_of(mail)
    assert ">Bob</th>" in html
    assert "Ada" not in html
    assert "Tickets répondus <b>1</b>" in html


async def test_an_agent_gets_only_the_rows_the_page_shows_them(
    app: FastAPI,
    settings: Settings,
    desk: Desk,
    visitors: Any,
    sink: SmtpSink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An agent's Reports page has their own row only: so has their email, also when they
    subscribe to another inbox than theirs, or to all of them."""
    history, clock = await history_of(app, desk, visitors, monkeypatch)
    sales = await desk.inbox(name="Sales")
    cleo = await desk.agent(inboxes=[sales], name="Cleo")
    support = history.inbox["id"]
    await subscribe(cleo, inbox_id=support)
    await subscribe(history.ada)
    sent = await emails(app, settings, sink, clock, 2)
    # Cleo, of Sales, with the Support inbox's filter: the page shows her nothing of Support.
    assert await agents_api(cleo, inbox_id=support) == []
    assert await agents_api(cleo, inbox_id=support, agent_id=history.ada.id) == []
    cleos = sent[cleo.user["email"]]
    assert agents_section(text_of(cleos)) == ["Nothing in this period."]
    for part in (text_of(cleos), html_of(cleos)):
        assert "Ada" not in part
        assert "Bob" not in part
    # Ada, of Support: her own row, not Bob's, as on her page.
    assert [r["agent"] for r in await agents_api(history.ada)] == ["Ada"]
    adas = sent[history.ada.user["email"]]
    assert agents_section(text_of(adas)) == [ADA]
    assert "Bob" not in html_of(adas)


async def test_agents_names_are_escaped_in_the_html(
    app: FastAPI,
    settings: Settings,
    desk: Desk,
    visitors: Any,
    sink: SmtpSink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    history, clock = await history_of(app, desk, visitors, monkeypatch)
    olga = history.olga
    renamed = await olga.client.patch(
        f"/api/v1/users/{history.bob.id}", json={"name": "Bob <img src=x onerror=alert(1)> & Co"}
    )
    assert renamed.status_code == 200, renamed.text
    await subscribe(olga)
    mail = (await emails(app, settings, sink, clock, 1))[olga.user["email"]]
    html = html_of(mail)
    assert ">Bob &lt;img src=x onerror=alert(1)&gt; &amp; Co</th>" in html
    assert "<img" not in html
    # The plain text keeps the name as written.
    assert agents_section(text_of(mail))[1].startswith("Bob <img src=x onerror=alert(1)> & Co — ")


async def test_at_most_the_limit_then_how_many_more_on_the_page(
    app: FastAPI,
    settings: Settings,
    desk: Desk,
    visitors: Any,
    sink: SmtpSink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    history, clock = await history_of(app, desk, visitors, monkeypatch)
    monkeypatch.setattr(figures, "MAX_AGENTS", 1)
    await subscribe(history.olga)
    mail = (await emails(app, settings, sink, clock, 1))[history.olga.user["email"]]
    page = "http://desk.test/reports?since=2026-11-09&until=2026-11-15"
    # The first row in the page's order (by name), then the rest on the page.
    assert agents_section(text_of(mail)) == [ADA, f"and 1 more agent on the Reports page: {page}"]
    html = html_of(mail)
    assert ">Bob</th>" not in html
    link = page.replace("&", "&amp;")
    assert f'<a href="{link}">and 1 more agent on the Reports page</a>' in html
