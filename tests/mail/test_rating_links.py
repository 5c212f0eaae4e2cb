"""The rating email after a ticket is closed, through the real SMTP sink: the links taken from the
sent mail record a rating, may change it for a while, and refuse clearly when tampered with,
expired, retired or final. One email per closing, none twice within the window."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import update

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.kit.headers import script_hash
from frontdesk.ratings import page as rating_page
from frontdesk.ratings import service as ratings_service
from frontdesk.ratings.models import Rating, RatingRequest
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.mail.support import (
    SmtpSink,
    answered_ticket,
    deliver,
    later,
    ticket_with_reply,
    with_smtp,
)

pytestmark = SQLITE_ONLY

LINK = re.compile(r"https?://\S+/rate/(\d+\.[0-9a-f]+)/(good|okay|bad)")


async def ask(app: FastAPI, *, minutes: float = 0) -> int:
    async with unit_of_work(app.state.sessionmaker) as session:
        return await ratings_service.send_due_requests(session, now=later(minutes))


async def enable(desk: Desk, inbox: dict[str, Any], **fields: Any) -> None:
    admin = await desk.agent(role="admin")
    body = {"email_enabled": True, "email_delay_minutes": 0} | fields
    answer = await admin.client.patch(f"/api/v1/inboxes/{inbox['id']}/rating-settings", json=body)
    assert answer.status_code == 200, answer.text


def rating_mails(sink: SmtpSink) -> list[Any]:
    return [r for r in sink.received if r.message["Subject"].startswith("How did we do?")]


def links_in(received: Any) -> dict[str, str]:
    text = received.message.get_body(preferencelist=("plain",)).get_content()
    return {score: token for token, score in LINK.findall(text)}


async def rated_scene(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, **fields: Any
) -> tuple[Any, dict[str, Any], dict[str, str]]:
    """Ada closed a ticket with her reply; its rating email was sent; returns (ada, ticket, the
    email's tokens by score)."""
    ada, inbox, ticket, _row = await answered_ticket(desk)
    await enable(desk, inbox, **fields)
    # Email was turned on after the ticket closed: that ticket is not asked…
    assert await ask(app) == 0
    # …but one closed from now on is.
    await ada.client.patch(f"/api/v1/tickets/{ticket['id']}", json={"state": "open"})
    await ada.client.patch(f"/api/v1/tickets/{ticket['id']}", json={"state": "closed"})
    assert await ask(app) == 1
    await deliver(app, with_smtp(settings, sink))
    (mail,) = rating_mails(sink)
    assert mail.rcpt_tos == ["cora@example.org"]
    assert mail.message["Auto-Submitted"] == "auto-generated"
    tokens = links_in(mail)
    assert set(tokens) == {"good", "okay", "bad"}
    assert len(set(tokens.values())) == 1
    return ada, ticket, tokens


@BOTH_STORES
async def test_one_click_records_and_the_page_takes_a_comment(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, http: Any
) -> None:
    ada, ticket, tokens = await rated_scene(app, settings, desk, sink, question="Happy?")
    # A link checker's HEAD records nothing.
    assert (await http.head(f"/rate/{tokens['bad']}/bad")).status_code == 200
    assert (await ada.client.get(f"/api/v1/tickets/{ticket['id']}/ratings")).json() == []
    # A mail scanner GETs every answer of the message: the pages offer them, nothing is recorded.
    for score in ("good", "okay", "bad"):
        offered = await http.get(f"/rate/{tokens[score]}/{score}")
        assert offered.status_code == 200
        assert f'value="{score}" checked' in offered.text
    assert (await ada.client.get(f"/api/v1/tickets/{ticket['id']}/ratings")).json() == []
    page = await http.get(f"/rate/{tokens['okay']}/okay")
    assert "Sending your answer" in page.text
    assert "Happy?" in page.text
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    # The page's one script (it sends the answer) is the only one allowed, by its hash.
    assert f"<script>{rating_page.SUBMIT}</script>" in page.text
    assert f"script-src {script_hash(rating_page.SUBMIT)}" in policy
    assert page.headers["referrer-policy"] == "no-referrer"
    sent = await http.post(f"/rate/{tokens['okay']}", data={"score": "okay", "comment": ""})
    assert sent.status_code == 200
    assert "Your answer is saved" in sent.text
    assert "<script" not in sent.text  # sent once: the saved page does not send it again
    (rating,) = (await ada.client.get(f"/api/v1/tickets/{ticket['id']}/ratings")).json()
    assert (rating["score"], rating["channel"], rating["agent_ids"]) == ("okay", "email", [ada.id])

    comment = "<script>alert(1)</script> Great & fast"
    saved = await http.post(
        f"/rate/{tokens['okay']}",
        data={"score": "good", "comment": comment},
    )
    assert saved.status_code == 200
    assert "<script>alert(1)" not in saved.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Great &amp; fast" in saved.text
    (rating,) = (await ada.client.get(f"/api/v1/tickets/{ticket['id']}/ratings")).json()
    assert (rating["score"], rating["comment"]) == ("good", comment)

    too_long = await http.post(f"/rate/{tokens['okay']}", data={"comment": "x" * 2001})
    assert too_long.status_code == 422
    assert "At most 2000 characters." in too_long.text
    assert "<form" in too_long.text
    (rating,) = (await ada.client.get(f"/api/v1/tickets/{ticket['id']}/ratings")).json()
    assert rating["comment"] == comment

    # Not an answer: refused, nothing changed; a form without the comment keeps it.
    odd = await http.post(f"/rate/{tokens['okay']}", data={"score": "meh"})
    assert odd.status_code == 422
    assert "This is not an answer" in odd.text
    kept = await http.post(f"/rate/{tokens['okay']}", data={"score": "bad"})
    assert kept.status_code == 200
    (rating,) = (await ada.client.get(f"/api/v1/tickets/{ticket['id']}/ratings")).json()
    assert (rating["score"], rating["comment"]) == ("bad", comment)
    # Emptied on the page, the comment goes.
    await http.post(f"/rate/{tokens['okay']}", data={"score": "bad", "comment": ""})
    (rating,) = (await ada.client.get(f"/api/v1/tickets/{ticket['id']}/ratings")).json()
    assert rating["comment"] == ""


async def test_another_link_changes_the_rating_within_the_window_then_it_is_final(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, http: Any
) -> None:
    ada, ticket, tokens = await rated_scene(app, settings, desk, sink)
    assert (await http.post(f"/rate/{tokens['bad']}", data={"score": "bad"})).status_code == 200
    good = await http.post(f"/rate/{tokens['good']}", data={"score": "good", "comment": "Kind"})
    assert good.status_code == 200
    ratings = (await ada.client.get(f"/api/v1/tickets/{ticket['id']}/ratings")).json()
    assert [(r["score"], r["comment"]) for r in ratings] == [("good", "Kind")]
    # Another answer's page, opened while the rating may change, sends the comment along with it.
    other = (await http.get(f"/rate/{tokens['bad']}/bad")).text
    assert 'value="bad" checked' in other
    assert ">Kind</textarea>" in other
    await http.post(f"/rate/{tokens['good']}", data={"score": "good", "comment": ""})

    async with unit_of_work(app.state.sessionmaker) as session:
        await session.execute(
            update(Rating).values(changeable_until=utcnow() - timedelta(seconds=1))
        )
    reused = await http.get(f"/rate/{tokens['bad']}/bad")
    assert reused.status_code == 409
    assert "can no longer be changed" in reused.text
    assert (await http.post(f"/rate/{tokens['bad']}", data={"comment": "hi"})).status_code == 409
    ratings = (await ada.client.get(f"/api/v1/tickets/{ticket['id']}/ratings")).json()
    assert [(r["score"], r["comment"]) for r in ratings] == [("good", "")]


async def test_tampered_links_get_a_clear_page(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, http: Any
) -> None:
    ada, ticket, tokens = await rated_scene(app, settings, desk, sink)
    token = tokens["good"]
    request_id, mac = token.split(".")
    flipped = mac[:-1] + ("0" if mac[-1] != "0" else "1")
    for path in (
        f"/rate/{request_id}.{flipped}/good",
        f"/rate/{int(request_id) + 1}.{mac}/good",
        f"/rate/{token}/great",
        f"/rate/{token[:-4]}/good",
        "/rate/nothing/good",
        f"/rate/{'9' * 30}.{mac}/good",
        f"/rate/{request_id}.{flipped}",
    ):
        answer = await http.get(path)
        assert answer.status_code == 404, (path, answer.text)
        assert "This link does not work" in answer.text
    assert (
        await http.post(f"/rate/{request_id}.{flipped}", data={"score": "bad"})
    ).status_code == 404
    assert (await ada.client.get(f"/api/v1/tickets/{ticket['id']}/ratings")).json() == []


@BOTH_STORES
async def test_an_expired_link_says_so(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, http: Any
) -> None:
    ada, ticket, tokens = await rated_scene(app, settings, desk, sink)
    async with unit_of_work(app.state.sessionmaker) as session:
        await session.execute(
            update(RatingRequest).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    answer = await http.get(f"/rate/{tokens['good']}/good")
    assert answer.status_code == 410
    assert "expired" in answer.text
    assert (await http.post(f"/rate/{tokens['good']}", data={"score": "good"})).status_code == 410
    assert (await ada.client.get(f"/api/v1/tickets/{ticket['id']}/ratings")).json() == []


async def test_a_first_answer_refused_comes_back_to_correct_and_records_nothing(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, http: Any
) -> None:
    ada, ticket, tokens = await rated_scene(app, settings, desk, sink)
    comment = "x" * 2001
    refused = await http.post(f"/rate/{tokens['bad']}", data={"score": "bad", "comment": comment})
    assert refused.status_code == 422
    assert "At most 2000 characters." in refused.text
    assert 'value="bad" checked' in refused.text
    assert "<script" not in refused.text  # not sent again by itself: the person corrects it
    # A comment with no answer given has nothing to attach to.
    alone = await http.post(f"/rate/{tokens['bad']}", data={"comment": "hello"})
    assert alone.status_code == 404
    assert (await ada.client.get(f"/api/v1/tickets/{ticket['id']}/ratings")).json() == []


async def test_closed_reopened_closed_within_the_window_is_asked_once(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
) -> None:
    ada, ticket, _tokens = await rated_scene(app, settings, desk, sink)
    for state in ("open", "closed"):
        await ada.client.patch(f"/api/v1/tickets/{ticket['id']}", json={"state": state})
    # The closing is handled (recorded as skipped), and no second email goes out.
    assert await ask(app) == 1
    assert await ask(app) == 0
    await deliver(app, with_smtp(settings, sink))
    assert len(rating_mails(sink)) == 1


async def test_the_delay_passes_before_the_email_and_a_reopened_ticket_is_not_asked(
    app: FastAPI, settings: Settings, desk: Desk
) -> None:
    ada, inbox, ticket, _row = await answered_ticket(desk)
    await enable(desk, inbox, email_delay_minutes=60)
    for state in ("open", "closed"):
        await ada.client.patch(f"/api/v1/tickets/{ticket['id']}", json={"state": state})
    assert await ask(app, minutes=59) == 0
    await ada.client.patch(f"/api/v1/tickets/{ticket['id']}", json={"state": "open"})
    assert await ask(app, minutes=61) == 0
    await ada.client.patch(f"/api/v1/tickets/{ticket['id']}", json={"state": "closed"})
    assert await ask(app, minutes=61) == 1


async def test_an_address_typed_into_the_messenger_is_not_mailed(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink, visitors: Any
) -> None:
    inbox = await desk.inbox(name="Support", email_address="support@shop.test")
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    await enable(desk, inbox)
    await ada.client.put("/api/v1/me/availability", json={"available": True})
    stranger = await visitors(inbox)
    chat = await stranger.start_chat("Hi", email="someone-else@example.org")
    await ada.client.post(f"/api/v1/chats/{chat['id']}/join")
    await ada.client.post(f"/api/v1/chats/{chat['id']}/end")
    ticket_id = (await ada.client.get(f"/api/v1/chats/{chat['id']}")).json()["ticket_id"]
    # The chat's own closing is the messenger's to ask about: no email.
    assert await ask(app) == 0
    for state in ("open", "closed"):
        await ada.client.patch(f"/api/v1/tickets/{ticket_id}", json={"state": state})
    assert await ask(app) == 1  # handled, as skipped: nothing proved the address
    await deliver(app, with_smtp(settings, sink))
    assert rating_mails(sink) == []
    assert await ask(app) == 0


async def test_a_ticket_merged_away_is_not_asked_the_one_it_went_into_is_once(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
) -> None:
    """Merging closes the merged ticket, but the conversation goes on in the other one: no
    email for it; the kept ticket's closing is asked, once."""
    ada, inbox, _first_closed, _row = await answered_ticket(desk)
    await enable(desk, inbox)
    first, _ = await ticket_with_reply(ada, inbox, then="send")
    second, _ = await ticket_with_reply(ada, inbox, then="send")
    merged = await ada.client.post(
        f"/api/v1/tickets/{first['id']}/merge", json={"into_ticket_id": second["id"]}
    )
    assert merged.status_code == 201, merged.text
    assert await ask(app) == 0
    await ada.client.patch(f"/api/v1/tickets/{second['id']}", json={"state": "closed"})
    assert await ask(app) == 1
    assert await ask(app) == 0
    await deliver(app, with_smtp(settings, sink))
    assert [m.message["Subject"] for m in rating_mails(sink)] == [
        f"How did we do? [#{second['number']}]"
    ]


async def test_a_ticket_asked_then_merged_counts_for_the_one_it_went_into(
    app: FastAPI, settings: Settings, desk: Desk, sink: SmtpSink
) -> None:
    """The merged ticket's conversation goes on in the kept one: closed within 7 days of the
    merged ticket's rating email, the kept ticket is not asked again."""
    ada, asked, _tokens = await rated_scene(app, settings, desk, sink)
    inbox = {"id": asked["inbox_id"]}
    kept, _ = await ticket_with_reply(ada, inbox, then="send")
    merged = await ada.client.post(
        f"/api/v1/tickets/{asked['id']}/merge", json={"into_ticket_id": kept["id"]}
    )
    assert merged.status_code == 201, merged.text
    await ada.client.patch(f"/api/v1/tickets/{kept['id']}", json={"state": "closed"})
    assert await ask(app) == 1  # handled, as skipped
    await deliver(app, with_smtp(settings, sink))
    assert len(rating_mails(sink)) == 1
