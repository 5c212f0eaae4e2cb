"""The `frontdesk` command, run in-process against a SQLite file under tmp_path."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner, Result

from frontdesk.app import create_app
from frontdesk.cli import app as cli
from frontdesk.config import load_settings
from tests.unit.support import use_cheap_passwords

runner = CliRunner()


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    use_cheap_passwords(monkeypatch)
    for name in list(os.environ):
        if name.startswith("FRONTDESK_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("FRONTDESK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("FRONTDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    return tmp_path


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


async def get_me(token: str) -> httpx.Response:
    app = create_app(load_settings(), run_loops=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000"
        ) as client,
    ):
        return await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


class TestCommands:
    def test_migrate_creates_the_database_and_can_run_again(self, environment: Path) -> None:
        assert ok("migrate").strip() == "database is up to date"
        assert (environment / "cli.db").exists()
        assert (environment / "var" / "secret_key").exists()
        assert ok("migrate").strip() == "database is up to date"

    def test_create_user_then_a_token_that_works_against_the_api(self) -> None:
        ok("migrate")
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

    def test_refusals_exit_1_with_one_clear_line(self) -> None:
        ok("migrate")
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
