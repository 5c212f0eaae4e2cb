"""Every write route of the real app, walked as a light agent (docs/security.md, "Light
agents"): enumerated from `app.routes` itself, not from the OpenAPI document, so that a route
hidden from the document (`include_in_schema=False`) or one that authenticates a desk user
some other way than the common dependency is walked too. Each answers 403 `light_agent`, unless
it is one of `ALLOWED_WRITES` or takes no desk credential at all (`NO_DESK_CREDENTIAL`, each
with its reason). A route added later joins the walk by itself; the last test proves that the
walk catches one that is not guarded."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from frontdesk.deps import CurrentAgent, SessionDep
from frontdesk.users.light_agents import ALLOWED_WRITES
from tests.conftest import SQLITE_ONLY, Agent, Desk
from tests.unit.support import use_cheap_passwords

pytestmark = SQLITE_ONLY

READS = frozenset({"GET", "HEAD", "OPTIONS"})

# Writes that take no desk credential, so the light agents' gate has nothing to say about them.
NO_DESK_CREDENTIAL = frozenset(
    {
        # Signing in: before anyone is known.
        ("POST", "/api/v1/auth/login"),
        ("POST", "/api/v1/auth/login/2fa"),
        # The mail relay's key (FRONTDESK_INBOUND_KEY), not a user's.
        ("POST", "/api/v1/inbound/mime"),
    }
)
# Whole areas that take no desk credential: the messenger (a visitor's token), the help center
# and its portal (a customer's session and the form's CSRF token), signed links (ratings,
# report emails' unsubscribe).
NO_DESK_CREDENTIAL_AREAS = ("/messenger/", "/help/", "/rate/", "/report-emails/unsubscribe/")


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


def write_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, whole template) of every HTTP route of the app that may write, prefixes of the
    included routers and all: what `deps.route_template` names for the gate."""
    found: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.routes):
        methods = getattr(context.original_route, "methods", None) or set()
        if context.path is None:
            continue
        found.update((method, context.path) for method in methods if method not in READS)
    return sorted(found)


def takes_no_desk_credential(method: str, path: str) -> bool:
    return (method, path) in NO_DESK_CREDENTIAL or path.startswith(NO_DESK_CREDENTIAL_AREAS)


def filled(path: str) -> str:
    """Any id will do: the refusal comes before the route looks anything up."""
    return re.sub(r"\{[^}]+\}", "1", path)


def _code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("code") if isinstance(error, dict) else None


async def leaks(app: FastAPI, client: httpx.AsyncClient) -> list[tuple[str, str, int, str]]:
    """The write routes a light agent's `client` reaches without the refusal, and the allowed
    ones refused all the same. Allowed ones last, logging out last of all."""
    logout = ("POST", "/api/v1/auth/logout")
    walk = sorted(
        (op for op in write_routes(app) if not takes_no_desk_credential(*op)),
        key=lambda op: (op in ALLOWED_WRITES, op == logout),
    )
    found = []
    for method, path in walk:
        response = await client.request(method, filled(path), json={})
        refused = response.status_code == 403 and _code(response) == "light_agent"
        if refused is ((method, path) in ALLOWED_WRITES):
            found.append((method, path, response.status_code, response.text[:120]))
    return found


async def light_agent(desk: Desk) -> Agent:
    inbox = await desk.inbox(name="Billing")
    return await desk.agent(role="collaborator", inboxes=[inbox], name="Linus")


def test_the_walk_sees_the_routes_the_openapi_document_leaves_out(app: FastAPI) -> None:
    """The walk is of the app's routes: more than the document lists (the portal's forms, the
    messenger's), every allow-listed write among them, and every area left out still routed."""
    routes = write_routes(app)
    assert set(routes) >= ALLOWED_WRITES
    assert ("POST", "/help/requests/{number}/reply") in routes
    assert set(routes) >= NO_DESK_CREDENTIAL
    for area in NO_DESK_CREDENTIAL_AREAS:
        assert any(path.startswith(area) for _method, path in routes), area


async def test_every_write_route_of_the_app_refuses_a_light_agents_session(
    app: FastAPI, desk: Desk
) -> None:
    light = await light_agent(desk)
    assert await leaks(app, light.client) == []


async def test_every_write_route_of_the_app_refuses_a_light_agents_token(
    app: FastAPI, desk: Desk
) -> None:
    light = await light_agent(desk)
    made = await light.client.post("/api/v1/me/tokens", json={"name": "script", "access": "write"})
    assert made.status_code == 201, made.text
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://desk.test",
        headers={"Authorization": f"Bearer {made.json()['token']}"},
    ) as script:
        assert await leaks(app, script) == []


async def test_the_walk_catches_a_write_route_added_without_the_gate(
    app: FastAPI, desk: Desk
) -> None:
    """A route added to the desk's API that authenticates nobody through the common dependency
    (hidden from the document, too) is reported; one hidden but using it is refused."""

    @app.post("/api/v1/probe/unguarded", include_in_schema=False)
    async def unguarded(session: SessionDep) -> dict[str, Any]:
        return {"done": True}

    @app.post("/api/v1/probe/guarded", include_in_schema=False)
    async def guarded(user: CurrentAgent) -> dict[str, Any]:
        return {"done": user.id}

    light = await light_agent(desk)
    found = [(method, path) for method, path, _status, _text in await leaks(app, light.client)]
    assert found == [("POST", "/api/v1/probe/unguarded")]
