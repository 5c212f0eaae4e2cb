"""Idempotency keys on the API (docs/api.md "Retrying safely"): a retry with the same key gets the
first answer again and does nothing twice; the key with another request is refused; two at once
do the thing once; a server failure is not kept."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from sqlalchemy import select, update

from frontdesk.db.session import release_before_waiting
from frontdesk.files import service as files_service
from frontdesk.files.models import StoredFile
from frontdesk.idempotency import edge, service, timers
from frontdesk.idempotency.models import IdempotencyKey
from frontdesk.idempotency.service import IN_PROGRESS_FOR
from frontdesk.kit.clock import utcnow
from frontdesk.mail.models import OutboxMessage
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import EntryKind, TicketEntry
from tests.conftest import PASSWORD, Agent, Desk
from tests.unit.support import count_rows, error_of, new_ticket

KEY = "Idempotency-Key"


async def token_client(desk: Desk, agent: Agent) -> httpx.AsyncClient:
    """A script's client: the agent's API token, no cookie."""
    response = await agent.client.post("/api/v1/me/tokens", json={"name": "integration"})
    assert response.status_code == 201, response.text
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=desk.app),
        base_url="http://desk.test",
        headers={"Authorization": f"Bearer {response.json()['token']}"},
    )


@pytest.fixture
async def script(desk: Desk) -> Any:
    inbox = await desk.inbox()
    agent = await desk.agent(inboxes=[inbox])
    async with await token_client(desk, agent) as client:
        ticket = await new_ticket(client, inbox)
        ticket["before"] = await _counts(desk.app, ticket["id"])
        yield client, ticket, agent


async def _counts(app: FastAPI, ticket_id: int) -> tuple[int, int]:
    entries = await count_rows(
        app, TicketEntry, TicketEntry.ticket_id == ticket_id, TicketEntry.kind == EntryKind.reply
    )
    mails = await count_rows(app, OutboxMessage, OutboxMessage.ticket_id == ticket_id)
    return entries, mails


async def replies_of(app: FastAPI, ticket: dict[str, Any]) -> tuple[int, int]:
    """(entries written by agents, mails queued) on the ticket since the test began."""
    entries, mails = await _counts(app, ticket["id"])
    return entries - ticket["before"][0], mails - ticket["before"][1]


async def test_a_retried_reply_is_written_and_mailed_once(app: FastAPI, script: Any) -> None:
    client, ticket, _agent = script
    key = str(uuid.uuid4())
    path = f"/api/v1/tickets/{ticket['id']}/replies"
    first = await client.post(path, json={"text": "On it."}, headers={KEY: key})
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    again = await client.post(path, json={"text": "On it."}, headers={KEY: key})
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["content-type"] == first.headers["content-type"]
    assert await replies_of(app, ticket) == (1, 1)
    # Another key is another reply.
    other = await client.post(path, json={"text": "On it."}, headers={KEY: str(uuid.uuid4())})
    assert other.status_code == 201
    assert other.json()["id"] != first.json()["id"]
    assert await replies_of(app, ticket) == (2, 2)


async def test_a_retried_ticket_is_created_once(app: FastAPI, desk: Desk, script: Any) -> None:
    client, ticket, _agent = script
    body = {
        "inbox_id": ticket["inbox_id"],
        "customer": {"email": "grace@example.org", "name": "Grace"},
        "subject": "Invoice",
    }
    answers = [
        await client.post("/api/v1/tickets", json=body, headers={KEY: "order-1"}) for _ in range(3)
    ]
    assert {answer.status_code for answer in answers} == {201}
    assert len({answer.json()["id"] for answer in answers}) == 1
    listed = await client.get("/api/v1/tickets", params={"inbox_id": ticket["inbox_id"]})
    subjects = [each["subject"] for each in listed.json()["items"]]
    assert subjects.count("Invoice") == 1


async def test_the_key_with_another_request_is_refused(app: FastAPI, script: Any) -> None:
    client, ticket, _agent = script
    path = f"/api/v1/tickets/{ticket['id']}/replies"
    first = await client.post(path, json={"text": "On it."}, headers={KEY: "k-1"})
    assert first.status_code == 201
    for method, where, body in [
        ("POST", path, {"text": "Something else."}),
        ("POST", f"/api/v1/tickets/{ticket['id']}/notes", {"text": "On it."}),
        ("PATCH", f"/api/v1/tickets/{ticket['id']}", {"status": "pending"}),
    ]:
        refused = await client.request(method, where, json=body, headers={KEY: "k-1"})
        error = error_of(refused, 422, "idempotency_key_reused")
        assert "new key" in error["message"]
        assert error["fields"][0]["field"] == "Idempotency-Key"
    assert await replies_of(app, ticket) == (1, 1)


async def test_two_requests_with_one_key_at_once_do_it_once(app: FastAPI, script: Any) -> None:
    client, ticket, _agent = script
    path = f"/api/v1/tickets/{ticket['id']}/replies"
    answers = await asyncio.gather(
        *(client.post(path, json={"text": "On it."}, headers={KEY: "same"}) for _ in range(4))
    )
    assert {answer.status_code for answer in answers} == {201}
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert sum(answer.headers.get("Idempotent-Replayed") == "true" for answer in answers) == 3
    assert await replies_of(app, ticket) == (1, 1)


async def test_a_key_is_one_credentials(app: FastAPI, desk: Desk, script: Any) -> None:
    """The desk's session and the agent's token are two credentials: a key of one is not the
    other's."""
    client, ticket, agent = script
    path = f"/api/v1/tickets/{ticket['id']}/replies"
    by_token = await client.post(path, json={"text": "On it."}, headers={KEY: "mine"})
    by_desk = await agent.client.post(path, json={"text": "On it."}, headers={KEY: "mine"})
    assert by_token.status_code == by_desk.status_code == 201
    assert by_token.json()["id"] != by_desk.json()["id"]
    replayed = await agent.client.post(path, json={"text": "On it."}, headers={KEY: "mine"})
    assert replayed.json()["id"] == by_desk.json()["id"]


async def test_a_refusal_is_kept_and_a_server_failure_is_not(
    app: FastAPI, script: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, ticket, _agent = script
    path = f"/api/v1/tickets/{ticket['id']}/replies"
    # A 4xx: the same request gets it again, even once it would pass.
    refused = await client.post(path, json={"text": ""}, headers={KEY: "empty"})
    error_of(refused, 422, "invalid")
    again = await client.post(path, json={"text": ""}, headers={KEY: "empty"})
    assert again.status_code == 422
    assert again.json() == refused.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    # A 5xx: nothing was done and nothing kept, so the retry runs.
    real = tickets_service.add_reply
    calls = 0

    async def failing(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("the disk is full")
        return await real(*args, **kwargs)

    monkeypatch.setattr(tickets_service, "add_reply", failing)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
        base_url="http://desk.test",
        headers=dict(client.headers),
    ) as failing_client:
        failed = await failing_client.post(path, json={"text": "Hi"}, headers={KEY: "boom"})
        assert failed.status_code == 500
        retried = await failing_client.post(path, json={"text": "Hi"}, headers={KEY: "boom"})
    assert retried.status_code == 201, retried.text
    assert "Idempotent-Replayed" not in retried.headers
    assert await replies_of(app, ticket) == (1, 1)


async def test_a_malformed_key_is_refused(app: FastAPI, script: Any) -> None:
    client, ticket, _agent = script
    path = f"/api/v1/tickets/{ticket['id']}/replies"
    for key in ["x" * 256, "caf\u00e9", "tab\there"]:
        refused = await client.post(path, json={"text": "Hi"}, headers={KEY: key.encode()})
        assert refused.status_code == 400, (key, refused.text)
        error_of(refused, 400, "idempotency_key_invalid")
    assert await replies_of(app, ticket) == (0, 0)


async def test_keys_are_forgotten_after_a_day(app: FastAPI, script: Any) -> None:
    client, ticket, _agent = script
    path = f"/api/v1/tickets/{ticket['id']}/replies"
    await client.post(path, json={"text": "On it."}, headers={KEY: "old"})
    await client.post(path, json={"text": "On it."}, headers={KEY: "new"})
    swept = await timers.sweep_keys(
        app.state.sessionmaker, app.state.settings, now=utcnow() + timedelta(hours=24, seconds=1)
    )
    assert swept == 2
    async with app.state.sessionmaker() as session:
        assert list(await session.scalars(select(IdempotencyKey.key))) == []
    # Forgotten: the key is new again.
    again = await client.post(path, json={"text": "On it."}, headers={KEY: "old"})
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again.headers
    assert await replies_of(app, ticket) == (3, 3)


async def test_a_sweep_keeps_the_days_keys(app: FastAPI, script: Any) -> None:
    client, ticket, _agent = script
    path = f"/api/v1/tickets/{ticket['id']}/replies"
    await client.post(path, json={"text": "On it."}, headers={KEY: "kept"})
    swept = await timers.sweep_keys(
        app.state.sessionmaker, app.state.settings, now=utcnow() + timedelta(hours=23)
    )
    assert swept == 0
    again = await client.post(path, json={"text": "On it."}, headers={KEY: "kept"})
    assert again.headers["Idempotent-Replayed"] == "true"


async def test_a_kept_answer_is_sealed(app: FastAPI, desk: Desk) -> None:
    """A new API token's answer is its secret: kept only sealed, given again whole."""
    agent = await desk.agent()
    headers = {KEY: "token-1"}
    # A name long enough that the sealed text cannot hold it by chance.
    body = {"name": "nightly-ci-runner"}
    made = await agent.client.post("/api/v1/me/tokens", json=body, headers=headers)
    again = await agent.client.post("/api/v1/me/tokens", json=body, headers=headers)
    assert made.status_code == again.status_code == 201
    assert again.json()["token"] == made.json()["token"]
    assert len((await agent.client.get("/api/v1/me/tokens")).json()) == 1
    async with app.state.sessionmaker() as session:
        (kept,) = await session.scalars(select(IdempotencyKey.body))
    assert made.json()["token"].encode() not in kept
    assert b"nightly-ci-runner" not in kept


async def test_a_post_without_a_body_takes_a_key(app: FastAPI, desk: Desk) -> None:
    agent = await desk.agent(role="admin")
    body = {"name": "billing", "color": "#b42318"}
    made = await agent.client.post("/api/v1/labels", json=body, headers={KEY: "label"})
    assert made.status_code == 201, made.text
    label = made.json()["id"]
    headers = {KEY: "delete-label"}
    deleted = await agent.client.delete(f"/api/v1/labels/{label}", headers=headers)
    again = await agent.client.delete(f"/api/v1/labels/{label}", headers=headers)
    assert deleted.status_code == again.status_code == 204
    assert again.headers["Idempotent-Replayed"] == "true"


async def test_a_refusal_that_counts_is_counted_once(app: FastAPI, desk: Desk) -> None:
    """A wrong current password counts towards throttling and is committed so (its refusal
    keeps its changes): retried with its key, it is answered again and not counted again."""
    agent = await desk.agent()
    body = {"password": "a-new-password-2026", "current_password": "wrong password"}
    headers = {KEY: "password-1"}
    # More retries than failures allowed before throttling (5): only the first one counts.
    answers = [await agent.client.patch("/api/v1/me", json=body, headers=headers) for _ in range(7)]
    error_of(answers[0], 422, "invalid")
    assert {each.status_code for each in answers} == {422}
    assert all(each.headers["Idempotent-Replayed"] == "true" for each in answers[1:])
    # Others, without the key, are counted: the account is far from throttled.
    for _ in range(3):
        error_of(await agent.client.patch("/api/v1/me", json=body), 422, "invalid")


# A write that commits part-way (db/session.py `release_before_waiting`): an upload commits
# before it reads the file, and its key's claim with it.
def upload_path(ticket: dict[str, Any]) -> str:
    return f"/api/v1/uploads?ticket_id={ticket['id']}&filename=a.txt"


async def test_a_refusal_after_a_commit_part_way_is_kept(app: FastAPI, script: Any) -> None:
    """An empty file is refused after the upload committed its claim: the retry gets the same
    refusal again, never a 500."""
    client, ticket, _agent = script
    headers = {KEY: "empty-file", "Content-Type": "text/plain"}
    refused = await client.post(upload_path(ticket), content=b"", headers=headers)
    error_of(refused, 422, "file_empty")
    again = await client.post(upload_path(ticket), content=b"", headers=headers)
    assert again.status_code == 422, again.text
    assert again.json() == refused.json()
    assert again.headers["Idempotent-Replayed"] == "true"


async def test_a_server_failure_after_a_commit_part_way_lets_the_key_go(
    app: FastAPI, script: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, ticket, _agent = script
    real = release_before_waiting
    calls = 0

    async def failing(session: Any) -> None:
        nonlocal calls
        calls += 1
        await real(session)
        if calls == 1:
            raise RuntimeError("the file store fell over")

    monkeypatch.setattr(files_service, "release_before_waiting", failing)
    headers = {**client.headers, KEY: "upload-1", "Content-Type": "text/plain"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
        base_url="http://desk.test",
    ) as failing_client:
        failed = await failing_client.post(upload_path(ticket), content=b"hi", headers=headers)
        assert failed.status_code == 500
        retried = await failing_client.post(upload_path(ticket), content=b"hi", headers=headers)
    assert retried.status_code == 201, retried.text
    assert "Idempotent-Replayed" not in retried.headers
    assert await count_rows(app, StoredFile, StoredFile.ticket_id == ticket["id"]) == 1


async def test_a_key_committed_part_way_is_in_progress_until_answered(
    app: FastAPI, script: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first upload waits after its commit, its key held: the same request meanwhile is
    told to come back (409), and once the first answered, gets its answer."""
    client, ticket, _agent = script
    real = release_before_waiting
    committed, release = asyncio.Event(), asyncio.Event()

    async def held(session: Any) -> None:
        await real(session)
        if not committed.is_set():
            committed.set()
            await release.wait()

    monkeypatch.setattr(files_service, "release_before_waiting", held)
    headers = {KEY: "upload-2", "Content-Type": "text/plain"}
    first = asyncio.create_task(client.post(upload_path(ticket), content=b"hi", headers=headers))
    await committed.wait()
    meanwhile = await client.post(upload_path(ticket), content=b"hi", headers=headers)
    error = error_of(meanwhile, 409, "idempotency_key_in_progress")
    assert "still running" in error["message"]
    release.set()
    answered = await first
    assert answered.status_code == 201, answered.text
    again = await client.post(upload_path(ticket), content=b"hi", headers=headers)
    assert again.status_code == 201
    assert again.json() == answered.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    # The key with another request is still refused as reused, in progress or not.
    other = await client.post(upload_path(ticket), content=b"other", headers=headers)
    error_of(other, 422, "idempotency_key_reused")
    assert await count_rows(app, StoredFile, StoredFile.ticket_id == ticket["id"]) == 1


async def test_a_key_left_unanswered_is_taken_over_after_a_while(
    app: FastAPI, script: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process that died after committing part-way leaves its key without an answer: in
    progress for a few minutes, then a retry runs."""
    client, ticket, _agent = script
    real = release_before_waiting
    died = False

    async def dying(session: Any) -> None:
        nonlocal died
        await real(session)
        if not died:
            died = True
            raise RuntimeError("the process is stopping")

    async def stopped(*args: Any) -> None:
        raise ConnectionError("the process stopped before settling its key")

    monkeypatch.setattr(files_service, "release_before_waiting", dying)
    monkeypatch.setattr(service, "settled", stopped)
    headers = {KEY: "upload-3", "Content-Type": "text/plain"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
        base_url="http://desk.test",
        headers={**client.headers, **headers},
    ) as failing:
        failed = await failing.post(upload_path(ticket), content=b"hi")
        assert failed.status_code == 500
        meanwhile = await failing.post(upload_path(ticket), content=b"hi")
        error_of(meanwhile, 409, "idempotency_key_in_progress")
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == "upload-3")
            .values(created_at=utcnow() - IN_PROGRESS_FOR - timedelta(seconds=1))
        )
        await session.commit()
    taken = await client.post(upload_path(ticket), content=b"hi", headers=headers)
    assert taken.status_code == 201, taken.text
    assert "Idempotent-Replayed" not in taken.headers
    again = await client.post(upload_path(ticket), content=b"hi", headers=headers)
    assert again.json() == taken.json()


async def test_a_write_no_agent_authenticates_refuses_a_key(
    app: FastAPI, desk: Desk, http: httpx.AsyncClient
) -> None:
    """Sign-in takes no key: one sent is refused, not silently ignored."""
    user = await desk.user()
    body = {"email": user["email"], "password": PASSWORD}
    refused = await http.post("/api/v1/auth/login", json=body, headers={KEY: "login-1"})
    error = error_of(refused, 400, "idempotency_key_unsupported")
    assert "POST /api/v1/auth/login" in error["message"]
    assert "set-cookie" not in refused.headers
    assert (await http.post("/api/v1/auth/login", json=body)).status_code == 200


def test_a_replay_keeps_the_headers_that_describe_the_answer(app: FastAPI) -> None:
    request = Request({"type": "http", "app": app, "headers": []})
    first = Response(
        b'{"error": {}}',
        status_code=401,
        headers={
            "Content-Type": "application/json",
            "WWW-Authenticate": 'Bearer realm="frontdesk"',
            "Allow": "GET, POST",
            "Location": "/api/v1/tickets/7",
            "Set-Cookie": "frontdesk_session=secret",
            "Retry-After": "30",
        },
    )
    kept = edge._kept(request, first)
    assert kept is not None
    replayed = edge._replayed(request, kept)
    assert replayed.body == first.body
    assert replayed.headers["www-authenticate"] == 'Bearer realm="frontdesk"'
    assert replayed.headers["allow"] == "GET, POST"
    assert replayed.headers["location"] == "/api/v1/tickets/7"
    assert "set-cookie" not in replayed.headers
    assert "retry-after" not in replayed.headers
