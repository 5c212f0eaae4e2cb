"""HTTP hardening at the boundary: security headers and each page's Content-Security-Policy,
who may name the client's address, and how long a client may take to send its request head."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.kit.headers import script_hash
from frontdesk.openapi import ERRORS_OF_OPERATIONS
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.realtime import serve
from tests.unit.support import error_of

pytestmark = SQLITE_ONLY

INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
SCRIPT_SRC = re.compile(r'<script src="([^"]+)"')


def directives(response: httpx.Response) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    parsed = (part.split() for part in policy.split(";") if part.strip())
    return {name: sources for name, *sources in parsed}


def allows_its_scripts(response: httpx.Response) -> None:
    """Every script of the page is allowed by its policy, and nothing inline runs unlisted."""
    script_src = directives(response)["script-src"]
    assert "'unsafe-inline'" not in script_src
    for source in INLINE_SCRIPT.findall(response.text):
        assert script_hash(source) in script_src, source[:60]
    for url in SCRIPT_SRC.findall(response.text):
        parts = urlsplit(url)
        assert not parts.netloc or f"{parts.scheme}://{parts.netloc}" in script_src, url


class TestSecurityHeaders:
    @BOTH_STORES
    @pytest.mark.parametrize("path", ["/", "/login", "/api/v1/me", "/healthz", "/openapi.json"])
    async def test_every_response_carries_them(self, http: httpx.AsyncClient, path: str) -> None:
        response = await http.get(path)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "same-origin"
        policy = directives(response)
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]

    @BOTH_STORES
    async def test_the_demo_shop_allows_exactly_its_inline_scripts(
        self, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        await desk.inbox(name="Shop")
        for path in ("/demo", "/demo/about", "/demo/product/mug"):
            response = await http.get(path)
            assert response.status_code == 200
            assert "messenger.js" in response.text
            allows_its_scripts(response)
            assert directives(response)["frame-ancestors"] == ["'none'"]

    async def test_the_api_docs_page_allows_swagger_ui(self, http: httpx.AsyncClient) -> None:
        response = await http.get("/api/docs")
        assert response.status_code == 200
        allows_its_scripts(response)
        policy = directives(response)
        assert policy["connect-src"] == ["'self'"]
        stylesheet = re.search(r'rel="stylesheet" href="([^"]+)"', response.text)
        assert stylesheet is not None
        assert "{0.scheme}://{0.netloc}".format(urlsplit(stylesheet[1])) in policy["style-src"]


@contextlib.asynccontextmanager
async def running(settings: Settings, **changes: Any) -> AsyncIterator[str]:
    """The app on loopback, served the way `frontdesk run` serves it; yields its base URL."""
    changed = settings.model_copy(update=changes)
    app = create_app(changed, run_loops=False)
    async with app.router.lifespan_context(app), serve(app, changed) as host:
        yield f"http://{host}"


async def failed_logins(base: str, forwarded_for: list[str]) -> list[int]:
    """One failed login per address claimed in X-Forwarded-For, each for an unknown account."""
    statuses = []
    async with httpx.AsyncClient(base_url=base) as client:
        for number, address in enumerate(forwarded_for):
            response = await client.post(
                "/api/v1/auth/login",
                json={"email": f"nobody{number}@example.org", "password": "wrong password"},
                headers={"X-Forwarded-For": address},
            )
            statuses.append(response.status_code)
    return statuses


class TestForwardedFor:
    async def test_a_client_cannot_pick_its_own_address(self, settings: Settings) -> None:
        async with running(settings) as base:
            statuses = await failed_logins(base, [f"198.51.100.{n}" for n in range(25)])
        # Counted as the one loopback client they are: throttled after the 20th failure.
        assert statuses == [401] * 20 + [429] * 5

    async def test_a_trusted_proxy_names_the_client(self, settings: Settings) -> None:
        clients = ["203.0.113.1"] * 3 + ["203.0.113.2", "203.0.113.1"]
        async with running(
            settings, trusted_proxies=["127.0.0.0/8"], login_max_failures_per_ip=3
        ) as base:
            statuses = await failed_logins(base, clients)
        assert statuses == [401, 401, 401, 401, 429]


async def closed_within(reader: asyncio.StreamReader, seconds: float) -> bool:
    try:
        async with asyncio.timeout(seconds):
            return await reader.read() == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


@SQLITE_ONLY
class TestRequestHeadDeadline:
    async def test_a_client_trickling_its_headers_is_dropped(self, settings: Settings) -> None:
        async with running(settings, header_timeout=0.5) as base:
            host, port = urlsplit(base).netloc.split(":")
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: desk.test\r\n")

            async def trickle() -> None:
                # A header byte every 100 ms: the keep-alive timer alone would never fire.
                with contextlib.suppress(ConnectionError):
                    for _ in range(40):
                        writer.write(b"X")
                        await writer.drain()
                        await asyncio.sleep(0.1)

            trickling = asyncio.create_task(trickle())
            assert await closed_within(reader, 3.0)
            trickling.cancel()
            writer.close()

    async def test_the_deadline_is_per_request(self, settings: Settings) -> None:
        async with running(settings, header_timeout=0.5) as base:
            host, port = urlsplit(base).netloc.split(":")
            reader, writer = await asyncio.open_connection(host, int(port))
            # A witness opened after it that sends nothing: once the server has closed it, the
            # deadline has passed for the first connection's opening as well.
            witness, witness_writer = await asyncio.open_connection(host, int(port))
            # (A long limit: a busy machine can hold this process up beyond the deadline, and the
            # close and the limit must not both fall due at once.)
            witness_closed = asyncio.create_task(closed_within(witness, 30.0))

            async def get() -> None:
                writer.write(b"GET /healthz HTTP/1.1\r\nHost: desk.test\r\n\r\n")
                head = await reader.readuntil(b"\r\n\r\n")
                assert head.startswith(b"HTTP/1.1 200"), head
                length = int(re.search(rb"content-length: (\d+)", head.lower())[1])  # type: ignore[index]
                await reader.readexactly(length)

            # Heads sent promptly, one after another, for longer than the deadline.
            answered = 0
            while not witness_closed.done():
                await get()
                answered += 1
            assert await witness_closed
            await get()
            assert answered >= 1
            # Idle after the last answer: no new head within the deadline, so it is closed.
            assert await closed_within(reader, 3.0)
            writer.close()
            witness_writer.close()


def preflight_headers(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }


class TestCors:
    @BOTH_STORES
    async def test_only_websites_an_inbox_accepts_are_granted(
        self, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        inbox = await desk.inbox(allowed_origins=["https://shop.example.com"])
        granted = await http.options(
            "/messenger/v1/visitors", headers=preflight_headers("https://shop.example.com")
        )
        assert granted.status_code == 204
        assert granted.headers["access-control-allow-origin"] == "https://shop.example.com"

        refused = await http.options(
            "/messenger/v1/visitors", headers=preflight_headers("https://evil.example")
        )
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "origin_not_allowed"
        assert "access-control-allow-origin" not in refused.headers
        # Simple requests need no preflight: the refusal is readable (the messenger hides itself),
        # any other answer is not.
        refusal = await http.get(
            "/messenger/v1/status",
            params={"inbox": inbox["public_key"]},
            headers={"Origin": "https://evil.example"},
        )
        assert refusal.status_code == 403
        assert refusal.json()["error"]["code"] == "origin_not_allowed"
        assert refusal.headers["access-control-allow-origin"] == "https://evil.example"
        unknown = await http.get(
            "/messenger/v1/me",
            headers={"Origin": "https://evil.example", "Authorization": "Bearer v_unknown"},
        )
        assert unknown.status_code == 401
        assert "access-control-allow-origin" not in unknown.headers

    async def test_an_inbox_without_allowed_origins_takes_any_website(
        self, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        await desk.inbox(allowed_origins=["https://shop.example.com"])
        inbox = await desk.inbox(name="Anywhere")
        preflight = await http.options(
            "/messenger/v1/visitors", headers=preflight_headers("https://blog.example.org")
        )
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == "https://blog.example.org"
        answer = await http.get(
            "/messenger/v1/status",
            params={"inbox": inbox["public_key"]},
            headers={"Origin": "https://blog.example.org"},
        )
        assert answer.status_code == 200
        assert answer.headers["access-control-allow-origin"] == "https://blog.example.org"

    @pytest.mark.parametrize("path", ["/api/v1/tickets", "/api/v1/auth/login", "/healthz"])
    async def test_nothing_else_is_granted(
        self, http: httpx.AsyncClient, desk: Desk, path: str
    ) -> None:
        await desk.inbox()  # takes any website: still only for the messenger's routes
        preflight = await http.options(path, headers=preflight_headers("https://blog.example.org"))
        answer = await http.get(path, headers={"Origin": "https://blog.example.org"})
        for response in (preflight, answer):
            assert not any(name.startswith("access-control-") for name in response.headers)


class TestMethods:
    async def test_a_405_names_every_method_the_path_takes(self, desk: Desk) -> None:
        agent = await desk.agent()
        for method, path, allow in [
            ("PUT", "/api/v1/me", "GET, HEAD, PATCH"),
            ("DELETE", "/api/v1/tickets", "GET, HEAD, POST"),
            ("GET", "/api/v1/auth/login", "POST"),
            ("POST", "/tickets/12", "GET, HEAD"),
        ]:
            response = await agent.client.request(method, path)
            error = error_of(response, 405, "not_allowed")
            assert response.headers["allow"] == allow, (method, path)
            assert allow in error["message"]

    async def test_a_path_of_the_api_that_does_not_exist_is_a_404_for_every_method(
        self, desk: Desk
    ) -> None:
        agent = await desk.agent()
        for method in ("POST", "PUT", "PATCH", "DELETE", "GET", "HEAD"):
            for path in (
                "/api/v1/ticketz",
                "/api/v1/tickets/",
                "/api/v2/tickets/5",
                "/api/v1/tickets/5/nothing",
                "/messenger/v1/nothing",
            ):
                response = await agent.client.request(method, path, json={})
                assert response.status_code == 404, (method, path, response.text)
                assert "allow" not in response.headers
                if method != "HEAD":
                    error = error_of(response, 404, "not_found")
                    assert path in error["message"]

    @pytest.mark.parametrize("path", ["/healthz", "/api/v1/me", "/api/v1/tickets", "/", "/login"])
    async def test_head_answers_wherever_get_does(self, desk: Desk, path: str) -> None:
        agent = await desk.agent()
        got = await agent.client.get(path)
        head = await agent.client.head(path)
        assert head.status_code == got.status_code == 200
        assert head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"]
        assert head.headers["content-length"] == got.headers["content-length"]


class TestErrorDocs:
    @SQLITE_ONLY
    async def test_each_operation_documents_its_errors_in_the_error_shape(
        self, http: httpx.AsyncClient
    ) -> None:
        document = (await http.get("/openapi.json")).json()
        paths = document["paths"]
        expected = {
            ("post", "/api/v1/auth/login"): {"400", "401", "403", "413", "415", "422", "429"},
            # 429: every agent's request counts against its credential's rate limit.
            ("get", "/api/v1/me"): {"401", "429"},
            # 403 `token_read_only` (a read-only API token), `token_needs_login`; 422 a lifetime
            # out of range. The list: 403 to a user who must set up two-factor authentication.
            # 409 `idempotency_key_in_progress`: its Idempotency-Key's first request still runs.
            ("post", "/api/v1/me/tokens"): {
                *("400", "401", "403", "409", "413", "415", "422", "429"),
            },
            ("get", "/api/v1/me/tokens"): {"401", "403", "429"},
            ("get", "/api/v1/users"): {"401", "403", "429"},
            # 409 `out_of_office`: going online while out of office; 422: a bad end or note.
            ("put", "/api/v1/me/out-of-office"): {
                *("400", "401", "403", "409", "413", "415", "422", "429"),
            },
            # 403: an admin and an owner's absence; 409 `user_deactivated`.
            ("put", "/api/v1/users/{user_id}/out-of-office"): {
                *("400", "401", "403", "404", "409", "413", "415", "422", "429"),
            },
            ("delete", "/api/v1/users/{user_id}/out-of-office"): {
                *("400", "401", "403", "404", "409", "422", "429"),
            },
            # 429: an admin's own new password with wrong current ones counts as failed logins.
            ("patch", "/api/v1/users/{user_id}"): {
                *("400", "401", "403", "404", "409", "413", "415", "422", "429"),
            },
            # 403: two-factor authentication to set up first (`two_factor_required`).
            ("get", "/api/v1/tickets/{ticket_id}"): {"401", "403", "404", "422", "429"},
            # 409 `ticket_merged`: a merged ticket is not moved to another inbox.
            ("patch", "/api/v1/tickets/{ticket_id}"): {
                *("400", "401", "403", "404", "409", "413", "415", "422", "429"),
            },
            ("post", "/api/v1/auth/login/2fa"): {
                *("400", "401", "403", "413", "415", "422", "429"),
            },
            # 409: refused (a later move stands, too late) or the thread changed meanwhile.
            # 400, 409, 422: an agent's write takes an Idempotency-Key (`idempotency_key_invalid`,
            # `idempotency_key_in_progress`, `idempotency_key_reused`).
            ("post", "/api/v1/tickets/moves/{move_id}/undo"): {
                *("400", "401", "403", "404", "409", "422", "429"),
            },
            ("post", "/api/v1/chats/{chat_id}/join"): {
                *("400", "401", "403", "404", "409", "422", "429"),
            },
            ("post", "/messenger/v1/visitors"): {
                *("400", "403", "404", "413", "415", "422", "429"),
            },
            ("get", "/messenger/v1/me"): {"401", "403", "429"},
            # 409 `chat_has_email`: an ended chat that had the visitor's address already.
            ("post", "/messenger/v1/chats/{chat_id}/email"): {
                *("400", "401", "403", "404", "409", "413", "415", "422", "429"),
            },
            # 409 `saved_reply_in_use`: a rule or a macro sends it; 403 `sent_by_rule` on a
            # text change by an agent who is no admin.
            ("delete", "/api/v1/saved-replies/{reply_id}"): {
                *("400", "401", "403", "404", "409", "422", "429"),
            },
            ("patch", "/api/v1/saved-replies/{reply_id}"): {
                *("400", "401", "403", "404", "409", "413", "415", "422", "429"),
            },
            # 403 `knowledge_admins_only` (a published article); 409 `article_changed`.
            ("patch", "/api/v1/knowledge/articles/{article_id}"): {
                *("400", "401", "403", "404", "409", "413", "415", "422", "429"),
            },
            ("post", "/api/v1/knowledge/articles/{article_id}/publish"): {
                *("400", "401", "403", "404", "409", "413", "415", "422", "429"),
            },
            # The public help center's search, as every messenger route.
            ("get", "/messenger/v1/help/articles"): {"403", "404", "422", "429"},
            # 403 `shared_view_admins_only`; 409 `view_name_taken`, `too_many_views`; 404 an id
            # out of range in the filters.
            ("post", "/api/v1/views"): {
                *("400", "401", "403", "404", "409", "413", "415", "422", "429"),
            },
            ("delete", "/api/v1/views/{view_id}"): {
                *("400", "401", "403", "404", "409", "422", "429"),
            },
            # 403 `shared_view_admins_only`; past either end is no error (nothing moves).
            ("post", "/api/v1/views/{view_id}/move"): {
                *("400", "401", "403", "404", "409", "413", "415", "422", "429"),
            },
            # 403 not an admin; 409 `field_exists`, `field_key_taken`, `too_many_fields`.
            ("post", "/api/v1/fields"): {
                *("400", "401", "403", "409", "413", "415", "422", "429"),
            },
            # 409 `option_in_use` (and `field_exists` for a label taken).
            ("patch", "/api/v1/fields/{field_id}"): {
                *("400", "401", "403", "404", "409", "413", "415", "422", "429"),
            },
            # 409 `field_in_use`: a rule or a macro names the field.
            ("delete", "/api/v1/fields/{field_id}"): {
                *("400", "401", "403", "404", "409", "422", "429"),
            },
            # 404 `no_timer`: nothing runs (time tracking); 409 `timer_too_long`,
            # `timer_ticket_gone`, `ticket_is_spam`; 403 `not_your_time_entry`.
            ("post", "/api/v1/me/timer/stop"): {
                *("400", "401", "403", "404", "409", "413", "415", "422", "429"),
            },
            ("patch", "/api/v1/time-entries/{entry_id}"): {
                *("400", "401", "403", "404", "409", "413", "415", "422", "429"),
            },
            # 409 `ticket_is_spam`; starting, `timer_too_long` for the timer running elsewhere.
            ("post", "/api/v1/tickets/{ticket_id}/timer"): {
                *("400", "401", "403", "404", "409", "422", "429"),
            },
            ("post", "/api/v1/tickets/{ticket_id}/time-entries"): {
                *("400", "401", "403", "404", "409", "413", "415", "422", "429"),
            },
            # 409 `reply_already_sent`: undo send once the reply went out.
            ("delete", "/api/v1/tickets/{ticket_id}/pending-replies/{pending_id}"): {
                *("400", "401", "403", "404", "409", "422", "429"),
            },
            # 403 `admins_only` (a whole domain blocked by an agent), 409 `ticket_merged`.
            ("post", "/api/v1/tickets/{ticket_id}/spam"): {
                *("400", "401", "403", "404", "409", "413", "415", "422", "429"),
            },
            # Admins only (403); 409 `sender_blocked_already`.
            ("post", "/api/v1/blocked-senders"): {
                *("400", "401", "403", "409", "413", "415", "422", "429"),
            },
            # The mail server's: no rate limit, its own token; 409 `idempotency_key_in_progress`.
            ("post", "/api/v1/inbound/mime"): {
                *("400", "401", "409", "413", "415", "422", "503"),
            },
        }
        for (method, path), statuses in expected.items():
            responses = paths[path][method]["responses"]
            assert {code for code in responses if code >= "400"} == statuses, (method, path)
            for status in statuses:
                schema = responses[status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorResponse"}
        assert "Retry-After" in paths["/api/v1/auth/login"]["post"]["responses"]["429"]["headers"]
        limited = paths["/api/v1/tickets/{ticket_id}"]["get"]["responses"]["429"]["headers"]
        assert {"Retry-After", "RateLimit-Remaining", "RateLimit-Reset"} <= set(limited)
        assert "WWW-Authenticate" in paths["/api/v1/me"]["get"]["responses"]["401"]["headers"]
        assert "HTTPValidationError" not in document["components"]["schemas"]

    @SQLITE_ONLY
    async def test_each_operation_says_how_to_authenticate(self, http: httpx.AsyncClient) -> None:
        document = (await http.get("/openapi.json")).json()
        schemes = document["components"]["securitySchemes"]
        assert schemes["apiToken"] == schemes["apiToken"] | {"type": "http", "scheme": "bearer"}
        assert (
            schemes["sessionCookie"] | {"in": "cookie", "name": "frontdesk_session"}
            == (schemes["sessionCookie"])
        )
        assert (
            schemes["csrfToken"] | {"in": "header", "name": "X-CSRF-Token"}
            == (schemes["csrfToken"])
        )
        paths = document["paths"]
        by_desk: list[dict[str, list[str]]] = [{"apiToken": []}, {"sessionCookie": []}]
        writes: list[dict[str, list[str]]] = [
            {"apiToken": []},
            {"sessionCookie": [], "csrfToken": []},
        ]
        assert paths["/api/v1/tickets"]["get"]["security"] == by_desk
        assert paths["/api/v1/tickets"]["post"]["security"] == writes
        assert paths["/api/v1/users"]["post"]["security"] == writes  # admins: the same ways in
        assert paths["/messenger/v1/me"]["get"]["security"] == [{"visitorToken": []}]
        assert paths["/api/v1/inbound/mime"]["post"]["security"] == [{"inboundToken": []}]
        assert "security" not in paths["/api/v1/auth/login"]["post"]
        assert "security" not in document  # nothing by default: each operation says

    @SQLITE_ONLY
    async def test_a_text_whose_limit_is_a_setting_states_the_servers(
        self, settings: Settings
    ) -> None:
        changed = settings.model_copy(update={"max_text_length": 1234, "max_message_length": 99})
        document = create_app(changed, run_loops=False).openapi()
        schemas = document["components"]["schemas"]
        note = schemas["NoteCreate"]["properties"]["text"]
        assert note["maxLength"] == 1234
        assert schemas["ReplyCreate"]["properties"]["text"]["maxLength"] == 1234
        assert schemas["MessageCreate"]["properties"]["text"]["maxLength"] == 99
        assert "x-frontdesk-limit-setting" not in json.dumps(document)

    def test_every_listed_operation_exists(self) -> None:
        app = create_app(Settings(_env_file=None), run_loops=False)
        operations = {
            (method.upper(), path)
            for path, item in app.openapi()["paths"].items()
            for method in item
        }
        assert set(ERRORS_OF_OPERATIONS) <= operations


@SQLITE_ONLY
class TestOversizedBodies:
    """A client that writes its whole body before it reads the answer, as most do, reads the 413
    and its message rather than meeting a reset halfway through its upload."""

    @pytest.mark.parametrize("announced", [True, False], ids=["content-length", "chunked"])
    async def test_the_413_reaches_a_client_still_sending(
        self, settings: Settings, announced: bool
    ) -> None:
        body = b'{"email": "' + b"a" * (6 * 1024 * 1024) + b'"}'
        async with running(settings, max_request_bytes=64 * 1024) as base:
            host, port = urlsplit(base).netloc.split(":")
            reader, writer = await asyncio.open_connection(host, int(port))
            head = b"POST /api/v1/auth/login HTTP/1.1\r\nHost: desk.test\r\n"
            head += b"Content-Type: application/json\r\n"
            if announced:
                writer.write(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
            else:
                chunks = b"".join(
                    b"%x\r\n%s\r\n" % (len(part), part)
                    for part in (body[i : i + 65536] for i in range(0, len(body), 65536))
                )
                writer.write(head + b"Transfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n")
            await writer.drain()
            async with asyncio.timeout(10):
                answer = await reader.read()
            writer.close()
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b"body_too_large" in answer


class TestSecretsAreNotCached:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        # A webhook on loopback: nothing is delivered (no loops run), only its secret shown.
        return settings.model_copy(update={"webhooks_allow_private": True})

    async def test_answers_carrying_a_secret_say_no_store(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        token = await admin.client.post("/api/v1/me/tokens", json={"name": "script"})
        webhook = await admin.client.post(
            "/api/v1/webhooks",
            json={"name": "CRM", "url": "http://127.0.0.1:9/hook", "events": ["ticket.created"]},
        )
        setup = await admin.client.post("/api/v1/me/two-factor/setup")
        for response in (token, webhook, setup):
            assert response.status_code in (200, 201), response.text
            assert response.headers["cache-control"] == "no-store", response.request.url
        # Every answer of the API: what it says is someone's, and may hold a secret.
        for path in ("/api/v1/me", "/api/v1/me/tokens", "/api/v1/nothing"):
            assert (await admin.client.get(path)).headers["cache-control"] == "no-store"
        # A route's own choice stands; the desk's pages are not the API.
        assert (await admin.client.get("/")).headers.get("cache-control") != "no-store"


class TestChallenges:
    async def test_a_401_says_how_to_authenticate(self, http: httpx.AsyncClient) -> None:
        anonymous = await http.get("/api/v1/me")
        error_of(anonymous, 401, "not_authenticated")
        assert anonymous.headers["www-authenticate"] == 'Bearer realm="frontdesk"'
        refused = await http.get("/api/v1/me", headers={"Authorization": "Bearer fd_nope"})
        error_of(refused, 401, "bad_token")
        assert refused.headers["www-authenticate"] == (
            'Bearer realm="frontdesk", error="invalid_token"'
        )
        visitor = await http.get("/messenger/v1/me", headers={"Authorization": "Bearer v_nope"})
        error_of(visitor, 401)
        assert 'error="invalid_token"' in visitor.headers["www-authenticate"]
        wrong = await http.post(
            "/api/v1/auth/login", json={"email": "nobody@example.org", "password": "wrong"}
        )
        error_of(wrong, 401, "bad_credentials")
        assert wrong.headers["www-authenticate"] == 'Bearer realm="frontdesk"'
