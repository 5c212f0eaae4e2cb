"""Single sign-on through the real HTTP boundary, against a real OpenID Connect provider on
loopback (tests/sso/oidc_provider.py): the redirect, the provider's answer, the callback, and who
ends up signed in to the desk, or why nobody does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import BOTH_STORES, PASSWORD, SQLITE_ONLY, Desk
from tests.sso.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider, Person

pytestmark = SQLITE_ONLY


@pytest.fixture
def provider() -> Iterator[OidcProvider]:
    with OidcProvider() as running:
        yield running


async def configure(
    desk: Desk, provider: OidcProvider, **fields: Any
) -> tuple[dict[str, Any], httpx.AsyncClient]:
    """An owner saves the provider; returns the owner and their signed-in client."""
    owner = await desk.agent(role="owner")
    body = {
        "enabled": True,
        "issuer": provider.issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "button_label": "Test IdP",
    } | fields
    response = await owner.client.put("/api/v1/sso/settings", json=body)
    assert response.status_code == 200, response.text
    return owner.user, owner.client


async def sign_in_through(http: httpx.AsyncClient, *, state: str | None = None) -> httpx.Response:
    """Clicks the button: start, the provider's authorization endpoint, back to the callback.
    Returns the callback's answer."""
    start = await http.get("/api/v1/auth/sso/start")
    assert start.status_code == 303, start.text
    location = start.headers["location"]
    if location.startswith("/login"):
        return start
    async with httpx.AsyncClient() as browser:
        at_provider = await browser.get(location)
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["location"])
    assert back.path == "/api/v1/auth/sso/callback"
    query = parse_qs(back.query)
    if state is not None:
        query["state"] = [state]
    return await http.get(back.path, params={k: v[0] for k, v in query.items()})


def refusal(response: httpx.Response) -> str | None:
    """The reason the login page is told, or None when the callback let the person in."""
    assert response.status_code == 303
    target = urlsplit(response.headers["location"])
    if target.path == "/":
        return None
    assert target.path == "/login"
    return parse_qs(target.query)["sso_error"][0]


async def me(http: httpx.AsyncClient) -> dict[str, Any] | None:
    response = await http.get("/api/v1/me")
    return response.json() if response.status_code == 200 else None


class TestSettings:
    @BOTH_STORES
    async def test_owner_saves_settings_and_the_secret_is_never_returned(
        self, desk: Desk, provider: OidcProvider, http: httpx.AsyncClient
    ) -> None:
        _owner, client = await configure(desk, provider, allowed_domains=["Example.COM", ""])
        read = (await client.get("/api/v1/sso/settings")).json()
        assert read["client_secret_set"] is True
        assert CLIENT_SECRET not in str(read)
        assert read["allowed_domains"] == ["example.com"]
        assert read["redirect_uri"] == "http://desk.test/api/v1/auth/sso/callback"
        # Saving again without a secret keeps it.
        body = {"enabled": True, "issuer": provider.issuer, "client_id": CLIENT_ID}
        again = await client.put("/api/v1/sso/settings", json=body)
        assert again.json()["client_secret_set"] is True
        options = (await http.get("/api/v1/auth/sso")).json()
        assert options == {"enabled": True, "label": "single sign-on", "sso_only": False}

    async def test_admins_and_agents_cannot_see_or_change_them(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        agent = await desk.agent()
        assert (await admin.client.get("/api/v1/sso/settings")).status_code == 403
        put = await admin.client.put("/api/v1/sso/settings", json={"enabled": False})
        assert put.status_code == 403
        assert put.json()["error"]["code"] == "owner_only"
        assert (await agent.client.get("/api/v1/sso/settings")).status_code == 403

    async def test_owner_role_for_new_users_and_plain_http_issuer_are_refused(
        self, desk: Desk, provider: OidcProvider
    ) -> None:
        owner = await desk.agent(role="owner")
        owner_role = await owner.client.put("/api/v1/sso/settings", json={"default_role": "owner"})
        assert owner_role.status_code == 422
        plain = await owner.client.put(
            "/api/v1/sso/settings",
            json={"enabled": True, "issuer": "http://idp.example.com", "client_id": "x"},
        )
        assert plain.status_code == 422
        assert plain.json()["error"]["fields"][0]["field"] == "issuer"

    async def test_test_reports_the_provider_or_a_clear_error(
        self, desk: Desk, provider: OidcProvider
    ) -> None:
        owner = await desk.agent(role="owner")
        good = await owner.client.post(
            "/api/v1/sso/settings/test", json={"issuer": provider.issuer}
        )
        assert good.status_code == 200
        assert good.json()["ok"] is True
        assert good.json()["token_endpoint"] == f"{provider.issuer}/token"
        wrong = await owner.client.post(
            "/api/v1/sso/settings/test", json={"issuer": provider.issuer + "/nowhere"}
        )
        assert wrong.json()["ok"] is False
        assert "HTTP 404" in wrong.json()["message"]
        with OidcProvider() as stopped:
            gone = stopped.issuer
        down = await owner.client.post("/api/v1/sso/settings/test", json={"issuer": gone})
        assert down.json()["ok"] is False
        assert "Could not reach" in down.json()["message"]


class TestSignIn:
    @BOTH_STORES
    async def test_existing_user_signs_in_with_the_same_cookies_as_a_password(
        self, desk: Desk, provider: OidcProvider, http: httpx.AsyncClient
    ) -> None:
        await configure(desk, provider)
        user = await desk.user()
        provider.person = Person(email=user["email"].upper())
        response = await sign_in_through(http)
        assert refusal(response) is None
        cookies = response.headers.get_list("set-cookie")
        session = next(c for c in cookies if c.startswith("frontdesk_session="))
        assert "HttpOnly" in session
        assert "SameSite=lax" in session
        assert any(c.startswith("frontdesk_csrf=") for c in cookies)
        signed_in = await me(http)
        assert signed_in is not None
        assert signed_in["id"] == user["id"]
        # The session is a desk session like any: a write with its CSRF token works.
        http.headers["X-CSRF-Token"] = signed_in["csrf_token"]
        patch = await http.patch("/api/v1/me", json={"name": "Renamed"})
        assert patch.status_code == 200
        # Client secret sent the way the provider's discovery prefers.
        assert provider.token_requests == [("client_secret_basic", 200)]

    async def test_unknown_email_with_jit_creates_a_user_with_the_default_role(
        self, desk: Desk, provider: OidcProvider, http: httpx.AsyncClient
    ) -> None:
        _owner, client = await configure(
            desk, provider, create_users=True, default_role="admin", allowed_domains=["new.test"]
        )
        provider.person = Person(email="Newcomer@New.test", name="New Comer")
        assert refusal(await sign_in_through(http)) is None
        signed_in = await me(http)
        assert signed_in is not None
        assert (signed_in["email"], signed_in["name"], signed_in["role"]) == (
            "newcomer@new.test",
            "New Comer",
            "admin",
        )
        users = (await client.get("/api/v1/users")).json()
        assert [u["email"] for u in users].count("newcomer@new.test") == 1

    async def test_unknown_email_without_jit_is_refused(
        self, desk: Desk, provider: OidcProvider, http: httpx.AsyncClient
    ) -> None:
        _owner, client = await configure(desk, provider, create_users=False)
        provider.person = Person(email="stranger@new.test")
        assert refusal(await sign_in_through(http)) == "no_account"
        assert await me(http) is None
        users = (await client.get("/api/v1/users")).json()
        assert "stranger@new.test" not in [u["email"] for u in users]

    async def test_domain_not_allowed_is_refused(
        self, desk: Desk, provider: OidcProvider, http: httpx.AsyncClient
    ) -> None:
        await configure(desk, provider, create_users=True, allowed_domains=["staff.test"])
        provider.person = Person(email="someone@elsewhere.test")
        assert refusal(await sign_in_through(http)) == "domain_not_allowed"
        assert await me(http) is None

    async def test_deactivated_user_is_refused(
        self, desk: Desk, provider: OidcProvider, http: httpx.AsyncClient
    ) -> None:
        _owner, client = await configure(desk, provider, create_users=True)
        user = await desk.user()
        patch = await client.patch(f"/api/v1/users/{user['id']}", json={"is_active": False})
        assert patch.status_code == 200
        provider.person = Person(email=user["email"])
        assert refusal(await sign_in_through(http)) == "deactivated"
        assert await me(http) is None

    async def test_unverified_email_is_refused(
        self, desk: Desk, provider: OidcProvider, http: httpx.AsyncClient
    ) -> None:
        await configure(desk, provider)
        user = await desk.user()
        provider.person = Person(email=user["email"], email_verified=False)
        assert refusal(await sign_in_through(http)) == "email_not_verified"
        assert await me(http) is None

    async def test_provider_saying_no_is_refused(
        self, desk: Desk, provider: OidcProvider, http: httpx.AsyncClient
    ) -> None:
        await configure(desk, provider)
        provider.person = None
        assert refusal(await sign_in_through(http)) == "provider_refused"

    async def test_not_enabled_sends_back_to_the_login_page(
        self, desk: Desk, provider: OidcProvider, http: httpx.AsyncClient
    ) -> None:
        await configure(desk, provider, enabled=False)
        assert refusal(await sign_in_through(http)) == "not_enabled"
        assert (await http.get("/api/v1/auth/sso")).json()["enabled"] is False

    async def test_unreachable_provider_is_a_clear_refusal_not_a_500(
        self, desk: Desk, http: httpx.AsyncClient
    ) -> None:
        with OidcProvider() as stopped:
            await configure(desk, stopped)
        assert refusal(await sign_in_through(http)) == "provider_error"


class TestForgery:
    async def test_wrong_state_is_refused(
        self, desk: Desk, provider: OidcProvider, http: httpx.AsyncClient
    ) -> None:
        await configure(desk, provider)
        user = await desk.user()
        provider.person = Person(email=user["email"])
        assert refusal(await sign_in_through(http, state="forged")) == "bad_state"
        assert await me(http) is None

    async def test_callback_from_another_browser_is_refused(
        self, desk: Desk, provider: OidcProvider, http: httpx.AsyncClient, app: Any
    ) -> None:
        """A victim sent the attacker's callback link: no attempt cookie, no sign-in."""
        await configure(desk, provider)
        user = await desk.user()
        provider.person = Person(email=user["email"])
        start = await http.get("/api/v1/auth/sso/start")
        async with httpx.AsyncClient() as browser:
            back = urlsplit((await browser.get(start.headers["location"])).headers["location"])
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://desk.test"
        ) as victim:
            response = await victim.get(f"{back.path}?{back.query}")
            assert refusal(response) == "bad_state"
            assert await me(victim) is None

    @pytest.mark.parametrize(
        "misbehaviour",
        [
            {"nonce_override": "another-nonce"},
            {"audience_override": "another-client"},
            {"expired": True},
            {"foreign_key": True},
        ],
        ids=["wrong-nonce", "wrong-audience", "expired", "bad-signature"],
    )
    async def test_id_token_that_does_not_check_out_is_refused(
        self,
        desk: Desk,
        provider: OidcProvider,
        http: httpx.AsyncClient,
        misbehaviour: dict[str, Any],
    ) -> None:
        await configure(desk, provider)
        user = await desk.user()
        provider.person = Person(email=user["email"])
        for knob, value in misbehaviour.items():
            setattr(provider, knob, value)
        assert refusal(await sign_in_through(http)) == "invalid_token"
        assert await me(http) is None


class TestLinking:
    @BOTH_STORES
    async def test_subject_decides_after_the_first_sign_in(
        self, desk: Desk, provider: OidcProvider, app: Any
    ) -> None:
        _owner, _client = await configure(desk, provider)
        alice = await desk.user(name="Alice")
        bob = await desk.user(name="Bob")
        person = Person(email=alice["email"])
        provider.person = person

        async def sign_in() -> tuple[str | None, dict[str, Any] | None]:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://desk.test"
            ) as browser:
                reason = refusal(await sign_in_through(browser))
                return reason, await me(browser)

        reason, first = await sign_in()
        assert reason is None
        assert first is not None
        assert first["id"] == alice["id"]
        # The provider's account now says Bob's address: it still signs in as Alice.
        person.email = bob["email"]
        reason, second = await sign_in()
        assert reason is None
        assert second is not None
        assert second["id"] == alice["id"]
        # Another provider account with Alice's address cannot take her desk account over.
        provider.person = Person(email=alice["email"])
        reason, third = await sign_in()
        assert (reason, third) == ("linked_to_another", None)


class TestSsoOnly:
    async def test_password_login_refused_for_agents_and_admins_not_owners(
        self, desk: Desk, provider: OidcProvider, http: httpx.AsyncClient
    ) -> None:
        owner, _client = await configure(desk, provider, sso_only=True)
        options = (await http.get("/api/v1/auth/sso")).json()
        assert options == {"enabled": True, "label": "Test IdP", "sso_only": True}
        for role in ("agent", "admin"):
            user = await desk.user(role=role)
            response = await http.post(
                "/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}
            )
            assert response.status_code == 403
            assert response.json()["error"]["code"] == "sso_only"
            assert "Test IdP" in response.json()["error"]["message"]
        allowed = await http.post(
            "/api/v1/auth/login", json={"email": owner["email"], "password": PASSWORD}
        )
        assert allowed.status_code == 200
        # A wrong password is still just a wrong password: nothing said about the account.
        agent = await desk.user()
        wrong = await http.post(
            "/api/v1/auth/login", json={"email": agent["email"], "password": "not the password"}
        )
        assert wrong.status_code == 401

    async def test_sso_only_needs_sso_on(self, desk: Desk, provider: OidcProvider) -> None:
        owner = await desk.agent(role="owner")
        response = await owner.client.put(
            "/api/v1/sso/settings",
            json={"enabled": False, "sso_only": True, "issuer": provider.issuer},
        )
        assert response.status_code == 422


class TestAudited:
    async def test_sign_ins_refusals_and_settings_are_in_the_audit_log(
        self, desk: Desk, provider: OidcProvider, http: httpx.AsyncClient
    ) -> None:
        _owner, client = await configure(desk, provider, create_users=True, sso_only=True)
        provider.person = Person(email="newcomer@new.test", name="New Comer")
        assert refusal(await sign_in_through(http)) is None
        http.cookies.clear()
        provider.person = Person(email="unverified@new.test", email_verified=False)
        assert refusal(await sign_in_through(http)) is not None
        agent = await desk.user()
        refused = await http.post(
            "/api/v1/auth/login", json={"email": agent["email"], "password": PASSWORD}
        )
        assert refused.status_code == 403

        events = (await client.get("/api/v1/audit-events", params={"limit": 200})).json()["items"]
        by_action: dict[str, list[dict[str, Any]]] = {}
        for event in events:
            by_action.setdefault(event["action"], []).append(event)
        [saved] = by_action["sso.created"]
        assert saved["changes"]["client_secret"] == "changed"
        assert CLIENT_SECRET not in str(events)
        [linked] = by_action["sso.linked"]
        assert linked["target_label"] == "newcomer@new.test"
        logins = [e for e in by_action["auth.login"] if e["target_label"] == "newcomer@new.test"]
        assert [e["changes"]["method"] for e in logins] == ["sso"]
        assert [e["changes"]["reason"] for e in by_action["auth.sso_refused"]] == [
            "email_not_verified"
        ]
        [off] = [e for e in by_action["auth.login_failed"] if e["target_label"] == agent["email"]]
        assert off["changes"]["reason"] == "sso_only"
