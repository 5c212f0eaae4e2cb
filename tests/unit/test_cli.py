"""The `frontdesk` command, run in-process against a SQLite file under tmp_path."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner, Result

from frontdesk.app import create_app
from frontdesk.cli import app as cli
from frontdesk.config import load_settings
from tests.unit.support import use_cheap_passwords

runner = CliRunner()


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    # The commands set the process's umask (cli.settings_or_exit): given back after each test.
    mask = os.umask(0o022)
    os.umask(mask)
    use_cheap_passwords(monkeypatch)
    for name in list(os.environ):
        if name.startswith("FRONTDESK_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("FRONTDESK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("FRONTDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    yield tmp_path
    os.umask(mask)


@pytest.fixture
def migrated(environment: Path, sqlite_template: Path) -> None:
    """The database already migrated: a copy of the session's migrated template. Migrating a
    new file is `migrate`'s test and `demo`'s; here it only cost each test two seconds."""
    shutil.copyfile(sqlite_template, environment / "cli.db")


def run(*args: str) -> Result:
    return runner.invoke(cli, list(args))


def ok(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result.stdout


def create_user(email: str, role: str = "agent") -> Result:
    return run(
        "create-user",
        "--email",
        email,
        "--name",
        "Ada",
        "--password",
        "long enough pass",
        "--role",
        role,
    )


async def call(method: str, path: str, **kwargs: Any) -> httpx.Response:
    """`method` `path` answered by an app on the environment's settings, as `frontdesk run`'s."""
    app = create_app(load_settings(), run_loops=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000"
        ) as client,
    ):
        return await client.request(method, path, **kwargs)


async def get_page(path: str) -> httpx.Response:
    response = await call("GET", path)
    assert response.status_code == 200, response.text
    return response


async def get_me(token: str, method: str = "GET") -> httpx.Response:
    return await call(
        method,
        "/api/v1/me",
        headers={"Authorization": f"Bearer {token}"},
        json={"name": "Renamed"} if method == "PATCH" else None,
    )


async def turn_on_two_factor(email: str) -> None:
    from frontdesk.db.session import create_engine, create_sessionmaker, unit_of_work
    from frontdesk.kit.clock import utcnow
    from frontdesk.users import service as users_service
    from frontdesk.users import totp, two_factor

    settings = load_settings()
    engine = create_engine(settings.database_url, pool_size=1)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            user = await users_service.get_user_by_email(session, email=email)
            assert user is not None
            setup = await two_factor.start_enrolment(
                session, user=user, secret_key=settings.secret, by_token=False
            )
            await two_factor.confirm_enrolment(
                session,
                user=user,
                secret_key=settings.secret,
                code=totp.code_at(setup.secret, utcnow()),
                password="long enough pass",  # create_user's
                by_token=False,
                ip="127.0.0.1",
                policy=users_service.LoginPolicy(5, 20, timedelta(minutes=15), timedelta(days=1)),
            )
    finally:
        await engine.dispose()


async def has_two_factor(email: str) -> bool:
    from frontdesk.db.session import create_engine, create_sessionmaker, unit_of_work
    from frontdesk.users import service as users_service

    engine = create_engine(load_settings().database_url, pool_size=1)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            user = await users_service.get_user_by_email(session, email=email)
            assert user is not None
            return user.two_factor_enabled
    finally:
        await engine.dispose()


class TestCommands:
    def test_migrate_creates_the_database_and_can_run_again(self, environment: Path) -> None:
        assert ok("migrate").strip() == "database is up to date"
        assert (environment / "cli.db").exists()
        assert (environment / "var" / "secret_key").exists()
        # Every conversation is in there: for the desk's own account only.
        assert (environment / "cli.db").stat().st_mode & 0o777 == 0o600
        assert (environment / "var").stat().st_mode & 0o777 == 0o700
        assert ok("migrate").strip() == "database is up to date"

    @pytest.mark.usefixtures("migrated")
    def test_create_user_then_a_token_that_works_against_the_api(self) -> None:
        result = create_user("Ada@Example.org", role="admin")
        assert result.exit_code == 0, result.stderr
        assert result.stdout.startswith("created admin ada@example.org (id ")
        token = ok("create-token", "--email", "ada@example.org", "--name", "reports").strip()
        assert token.startswith("fd_")
        assert "\n" not in token
        response = asyncio.run(get_me(token))
        assert response.status_code == 200, response.text
        assert response.json()["email"] == "ada@example.org"
        assert response.json()["role"] == "admin"

    @pytest.mark.usefixtures("migrated")
    def test_create_a_read_only_token_that_expires(self) -> None:
        assert create_user("ada@example.org").exit_code == 0
        token = ok(
            "create-token", "--email", "ada@example.org", "--access", "read",
            "--expires-in-days", "30",
        ).strip()  # fmt: skip
        assert asyncio.run(get_me(token)).status_code == 200
        refused = asyncio.run(get_me(token, "PATCH"))
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "token_read_only"
        too_long = run("create-token", "--email", "ada@example.org", "--expires-in-days", "400")
        assert too_long.exit_code == 1
        assert "1 to 365 days" in too_long.stderr

    @pytest.mark.usefixtures("migrated")
    def test_reset_two_factor_lets_a_locked_out_owner_back_in(self) -> None:
        assert create_user("owner@example.org", role="owner").exit_code == 0
        refused = run("reset-two-factor", "--email", "owner@example.org")
        assert refused.exit_code == 1
        assert "does not use two-factor authentication" in refused.stderr
        asyncio.run(turn_on_two_factor("owner@example.org"))
        assert "is off" in ok("reset-two-factor", "--email", "owner@example.org")
        assert asyncio.run(has_two_factor("owner@example.org")) is False
        assert run("reset-two-factor", "--email", "nobody@example.org").exit_code == 1

    @pytest.mark.usefixtures("migrated")
    def test_refusals_exit_1_with_one_clear_line(self) -> None:
        assert create_user("ada@example.org").exit_code == 0
        for result, message in [
            (create_user("ADA@example.org"), "already exists"),
            (
                run(
                    "create-user", "--email", "b@example.org", "--name", "B", "--password", "short"
                ),
                "at least 10 characters",
            ),
            (run("create-token", "--email", "nobody@example.org"), "no user with the email"),
            (create_user("notanemail"), "--email: value is not a valid email address"),
            (
                run(
                    "create-user", "--email", "d@example.org", "--name", " ", "--password", "x" * 12
                ),
                "--name: give the name",
            ),
        ]:
            assert result.exit_code == 1, (result.stdout, result.stderr)
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1
            assert lines[0].startswith("error: ")
            assert message in lines[0]
        result = create_user("c@example.org", role="boss")
        assert result.exit_code == 2
        assert "boss" in result.stderr

    def test_demo_is_idempotent(self) -> None:
        assert ok("demo").strip() == "demo data created"
        assert ok("demo").strip() == "demo data already present"
        token = ok("create-token", "--email", "owner@example.com").strip()
        response = asyncio.run(get_me(token))
        assert response.json()["role"] == "owner"
        # The help center has articles to find, published, under their categories.
        found = asyncio.run(get_page("/help/search?q=refund")).text
        assert "Getting a refund" in found
        home = asyncio.run(get_page("/help")).text
        assert all(name in home for name in ("Orders and billing", "Your account"))
        assert "Resetting your password" in home
        # Its customers joined their company by their address's domain.
        companies = asyncio.run(
            call("GET", "/api/v1/organisations", headers={"Authorization": f"Bearer {token}"})
        ).json()["items"]
        assert [(c["name"], c["domains"], c["customer_count"]) for c in companies] == [
            ("Example Labs", ["example.org"], 4)
        ]
        # Customers can open a request from the help center: it goes to the demo's inbox.
        auth = {"Authorization": f"Bearer {token}"}
        help_center = asyncio.run(call("GET", "/api/v1/knowledge/settings", headers=auth)).json()
        inboxes = asyncio.run(call("GET", "/api/v1/inboxes", headers=auth)).json()
        assert help_center["customer_portal"] is True
        assert help_center["portal_inbox_id"] == inboxes[0]["id"]
        # A light agent to sign in as, a member of the inbox like the agents.
        users = asyncio.run(call("GET", "/api/v1/users", headers=auth)).json()
        linus = next(user for user in users if user["email"] == "linus@example.com")
        assert linus["role"] == "collaborator"
        # Custom ticket statuses, once however often the demo runs, and two tickets with one.
        statuses = asyncio.run(call("GET", "/api/v1/ticket-statuses", headers=auth)).json()
        assert [(s["name"], s["state"]) for s in statuses] == [
            ("In progress", "open"),
            ("Waiting on vendor", "hold"),
        ]
        tickets = asyncio.run(call("GET", "/api/v1/tickets", headers=auth)).json()["items"]
        assert sorted(
            (t["subject"], t["state"], t["status"]["name"]) for t in tickets if t["status"]
        ) == [
            ("Checkout button does nothing on Safari", "hold", "Waiting on vendor"),
            ("Refund for order #1042", "open", "In progress"),
        ]


class TestInvalidSettings:
    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("FRONTDESK_PORT", "abc"),
            ("FRONTDESK_PUBLIC_URL", "ftp://x"),
            ("FRONTDESK_SECRET_KEY", "short"),
            ("FRONTDESK_DATABASE_URL", "mysql://db/x"),
        ],
    )
    def test_exit_2_with_one_line_naming_the_setting(
        self, monkeypatch: pytest.MonkeyPatch, environment: Path, name: str, value: str
    ) -> None:
        monkeypatch.setenv(name, value)
        for command in (["migrate"], ["demo"], ["create-token", "--email", "a@example.org"]):
            result = run(*command)
            assert result.exit_code == 2, (command, result.stdout, result.stderr)
            assert result.stdout == ""
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1, result.stderr
            assert lines[0].startswith(f"invalid setting {name}: ")
            assert "Traceback" not in result.output
        assert not (environment / "cli.db").exists()


def test_a_database_out_of_reach_is_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, unused_tcp_port: int
) -> None:
    monkeypatch.setenv(
        "FRONTDESK_DATABASE_URL", f"postgresql://postgres:secret@127.0.0.1:{unused_tcp_port}/x"
    )
    for command in (["migrate"], ["create-token", "--email", "a@example.org"]):
        result = run(*command)
        assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
        assert result.stderr.startswith(
            f"error: cannot use the database postgresql+asyncpg://postgres:***@127.0.0.1:"
            f"{unused_tcp_port}/x: "
        )
        assert result.stderr.count("\n") == 1
        assert "secret" not in result.stderr


@pytest.mark.usefixtures("migrated")  # `run` migrates before it looks for Redis
def test_redis_out_of_reach_stops_run_in_one_line(
    monkeypatch: pytest.MonkeyPatch, unused_tcp_port: int
) -> None:
    monkeypatch.setenv("FRONTDESK_REDIS_URL", f"redis://127.0.0.1:{unused_tcp_port}/0")
    monkeypatch.setenv("FRONTDESK_SMTP_LISTEN", "")
    result = run("run")
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    assert result.stderr.startswith(
        f"error: cannot reach Redis at redis://127.0.0.1:{unused_tcp_port}/0: "
    )
