"""Schemathesis over the whole API on a live server: as an owner, as an agent, anonymously, and the
messenger's routes as a visitor. Every answer must be below 500 and match the OpenAPI document:
its status documented, its body and headers of the documented shape.

The suite makes a short run on SQLite with a fixed seed; `make fuzz` a long one, every phase, on
PostgreSQL too, with a new seed each time (FRONTDESK_FUZZ_EXAMPLES, FRONTDESK_FUZZ_PHASES,
FRONTDESK_FUZZ_SEED, FRONTDESK_FUZZ_POSTGRES)."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from frontdesk.config import Settings
from tests.conftest import Agent, Desk
from tests.realtime import serve
from tests.unit.support import new_ticket, use_cheap_passwords

pytestmark = pytest.mark.fuzz

# The short run's examples per operation: two (with the documented examples besides), for every
# operation and every actor. Each example more cost the owner's and the agent's runs ~4.5 s of CPU
# (measured 2026-12-06: 35 s at four, 21 s at one); `make fuzz` sends 50.
EXAMPLES = os.environ.get("FRONTDESK_FUZZ_EXAMPLES", "2")
SEED = os.environ.get("FRONTDESK_FUZZ_SEED", "1")
PHASES = os.environ.get("FRONTDESK_FUZZ_PHASES", "examples,fuzzing")
LONG_RUN = bool(os.environ.get("FRONTDESK_FUZZ_POSTGRES"))
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_headers_conformance,response_schema_conformance"
)
SCHEMATHESIS = Path(sys.executable).parent / "st"
INBOUND_TOKEN = "fuzz-inbound-token"
# Anonymously, an operation that asks for a credential answers 401 whatever its parameters and
# body hold (the credential is checked before they are validated; only a body that is not JSON at
# all is refused first, the same code for every operation, which the agent's and owner's runs
# reach): more examples would only repeat the 401. The suite's short run sends each of those (192
# of 201 operations on 2026-12-05) one example, the open ones EXAMPLES.
LOCKED_EXAMPLES = 1
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
# Users the fuzzer may edit, deactivate or demote: ids 1-40, the small ones it tries most.
# The acting owner and agent come after them, so that it rarely locks them out.
BYSTANDERS = 40


@pytest.fixture(
    params=[
        "sqlite",
        *([pytest.param("postgresql", marks=pytest.mark.integration)] if LONG_RUN else []),
    ]
)
def database_url(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path) -> str:
    """The short run on SQLite only; the long one on PostgreSQL too."""
    if request.param == "sqlite":
        path = tmp_path / "frontdesk.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture(autouse=True)
def _no_traffic_to_sidebar_apps(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fuzzer creates sidebar apps with any URL, and the desk calls them for their panels:
    every such call is refused before it leaves the process."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no traffic leaves a fuzz run", request=request)

    real = httpx.AsyncClient

    def offline(*args: Any, **kwargs: Any) -> httpx.AsyncClient:
        kwargs.setdefault("transport", httpx.MockTransport(refuse))
        return real(*args, **kwargs)

    monkeypatch.setattr(httpx, "AsyncClient", offline)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Limits high enough that the fuzzer tests what is behind them, not only the 429.
    return settings.model_copy(
        update={
            "inbound_token": INBOUND_TOKEN,
            "login_max_failures_per_account": 1_000_000,
            "login_max_failures_per_ip": 1_000_000,
            "ip_rate_per_minute": 1_000_000,
            "visitor_rate_per_minute": 1_000_000,
        }
    )


async def seed(app: FastAPI, desk: Desk, visitors: Any) -> dict[str, Agent | str]:
    """Something of each kind, at small ids: a ticket with a reply in the outbox, a chat, a label,
    an app; bystander users; then the owner, the agent and the visitor who act."""
    for _ in range(BYSTANDERS):
        await desk.user()
    owner = await desk.agent(role="owner")
    agent = await desk.agent()
    inbox = await desk.inbox(name="Support", members=[owner, agent])
    await desk.inbox(name="Sales", members=[owner])
    label = await owner.client.post("/api/v1/labels", json={"name": "billing", "color": "#b42318"})
    assert label.status_code == 201, label.text
    app_row = await owner.client.post(
        "/api/v1/apps", json={"name": "CRM", "url": "http://127.0.0.1:9/frontdesk"}
    )
    assert app_row.status_code == 201, app_row.text
    ticket = await new_ticket(owner.client, inbox)
    reply = await owner.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "On its way.", "then": "send"}
    )
    assert reply.status_code == 201, reply.text
    assert (
        await agent.client.put("/api/v1/me/availability", json={"available": True})
    ).status_code == 200
    visitor = await visitors(inbox)
    chat = await visitor.start_chat()
    assert (await agent.client.post(f"/api/v1/chats/{chat['id']}/join")).status_code == 200
    return {"owner": owner, "agent": agent, "visitor": visitor.token}


def desk_headers(agent: Agent) -> list[str]:
    session = agent.client.cookies["frontdesk_session"]
    csrf = agent.client.headers["X-CSRF-Token"]
    return [f"Cookie: frontdesk_session={session}", f"X-CSRF-Token: {csrf}"]


def locked_operations(document: dict[str, Any]) -> list[str]:
    """The operations of the OpenAPI document that name a security requirement, as schemathesis
    names them ("GET /api/v1/me")."""
    return [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS and operation.get("security")
    ]


def fewer_examples(path: Path, operations: list[str], examples: int) -> list[str]:
    """A schemathesis configuration that sends `operations` `examples` examples each, as options
    that go before `run` (an operation's setting yields to --max-examples, so that is left out
    of the command and set here for the others)."""
    names = ", ".join(f'"{name}"' for name in operations)
    path.write_text(
        f"generation.max-examples = {EXAMPLES}\n\n"
        f"[[operations]]\ninclude-name = [{names}]\ngeneration.max-examples = {examples}\n"
    )
    return [f"--config-file={path}"]


async def schemathesis(
    base: str, *options: str, config: list[str] | None = None
) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        str(SCHEMATHESIS),
        *(config or []),
        "run",
        f"{base}/openapi.json",
        f"--checks={CHECKS}",
        *([] if config else [f"--max-examples={EXAMPLES}"]),
        *([f"--seed={SEED}"] if SEED else []),
        f"--phases={PHASES}",
        "--workers=1",
        "--no-shrink",
        "--warnings=off",
        *options,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": ""},
    )
    output, _ = await process.communicate()
    return await process.wait(), output.decode(errors="replace")


@pytest.mark.parametrize("actor", ["anonymous", "visitor", "agent", "owner"])
async def test_the_api_answers_as_documented(
    app: FastAPI, settings: Settings, desk: Desk, visitors: Any, actor: str, tmp_path: Path
) -> None:
    actors = await seed(app, desk, visitors)
    options: list[str] = []
    if actor in ("owner", "agent"):
        who = actors[actor]
        assert isinstance(who, Agent)
        for header in desk_headers(who):
            options += ["-H", header]
        # Logging out would end the run's own session.
        options.append("--exclude-path=/api/v1/auth/logout")
    elif actor == "visitor":
        options += ["-H", f"Authorization: Bearer {actors['visitor']}"]
        options.append("--include-path-regex=^/messenger/")
    async with serve(app, settings) as host:
        config = None
        if actor == "anonymous" and not LONG_RUN:
            locked = locked_operations(app.openapi())
            config = fewer_examples(tmp_path / "schemathesis.toml", locked, LOCKED_EXAMPLES)
        status, output = await schemathesis(f"http://{host}", *options, config=config)
    assert status == 0, output
