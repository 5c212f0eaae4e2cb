"""Settings: the secret key, validation with one clear line, the one-process defaults."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from frontdesk.config import SECRET_KEY_FILE, InvalidSettingError, Settings, load_settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only what a test sets counts: no FRONTDESK_* from the shell, no .env from the cwd."""
    for name in list(os.environ):
        if name.startswith("FRONTDESK_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def make(tmp_path: Path, **overrides: object) -> Settings:
    return load_settings(data_dir=tmp_path / "var", **overrides)


class TestSecretKey:
    def test_generated_once_into_the_data_dir_and_reused(self, tmp_path: Path) -> None:
        first = make(tmp_path).secret
        path = tmp_path / "var" / SECRET_KEY_FILE
        assert path.exists()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert len(first) >= 32
        assert make(tmp_path).secret == first
        assert path.read_text().strip().encode() == first
        assert load_settings(data_dir=tmp_path / "other").secret != first

    def test_a_configured_key_is_used_and_nothing_is_written(self, tmp_path: Path) -> None:
        key = "k" * 40
        assert make(tmp_path, secret_key=key).secret == key.encode()
        assert not (tmp_path / "var" / SECRET_KEY_FILE).exists()

    def test_a_short_key_is_refused_naming_the_setting(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("FRONTDESK_SECRET_KEY", "too-short")
        with pytest.raises(InvalidSettingError) as raised:
            load_settings(data_dir=tmp_path)
        message = str(raised.value)
        assert message.startswith("invalid setting FRONTDESK_SECRET_KEY:")
        assert "32" in message
        assert "\n" not in message
        with pytest.raises(ValidationError):
            Settings(secret_key="x" * 31, _env_file=None)


class TestValidation:
    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("FRONTDESK_PORT", "abc"),
            ("FRONTDESK_PORT", "70000"),
            ("FRONTDESK_PUBLIC_URL", "ftp://x"),
            ("FRONTDESK_DATABASE_URL", "mysql://db/frontdesk"),
            ("FRONTDESK_REDIS_URL", "http://cache"),
            ("FRONTDESK_SMTP_URL", "mail.example.org"),
            ("FRONTDESK_SMTP_URL", "smtp://"),
            ("FRONTDESK_SMTP_URL", "smtp://relay.example.org:port"),
            ("FRONTDESK_SMTP_LISTEN", "2525"),
            ("FRONTDESK_SNOOZE_POLL_INTERVAL", "0"),
            ("FRONTDESK_MAX_TEXT_LENGTH", "-5"),
            ("FRONTDESK_TRUSTED_PROXIES", "*"),
            ("FRONTDESK_TRUSTED_PROXIES", "10.0.0.1,proxy.internal"),
            ("FRONTDESK_HEADER_TIMEOUT", "0"),
        ],
    )
    def test_a_bad_value_is_one_line_naming_the_setting(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str
    ) -> None:
        monkeypatch.setenv(name, value)
        with pytest.raises(InvalidSettingError) as raised:
            load_settings(data_dir=tmp_path)
        assert str(raised.value).startswith(f"invalid setting {name}: ")
        assert "\n" not in str(raised.value)

    def test_a_misspelt_setting_stops_the_start_naming_the_right_one(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
    ) -> None:
        monkeypatch.setenv("FRONTDESK_REDIS_ULR", "redis://127.0.0.1:6379/0")
        with pytest.raises(InvalidSettingError) as raised:
            load_settings(data_dir=tmp_path)
        assert str(raised.value) == (
            "unknown setting FRONTDESK_REDIS_ULR: did you mean FRONTDESK_REDIS_URL?"
        )
        # A name like no setting's (a script's own) is only logged.
        monkeypatch.delenv("FRONTDESK_REDIS_ULR")
        monkeypatch.setenv("FRONTDESK_SOMETHING_ELSE", "1")
        with caplog.at_level("WARNING", logger="frontdesk.config"):
            load_settings(data_dir=tmp_path)
        assert "FRONTDESK_SOMETHING_ELSE is not a setting of frontdesk" in caplog.text

    def test_trusted_proxies_are_addresses_and_networks_separated_by_commas(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert load_settings(data_dir=tmp_path).trusted_proxies == []
        monkeypatch.setenv("FRONTDESK_TRUSTED_PROXIES", " 10.0.0.5, 10.1.2.3/16,::1 ")
        assert load_settings(data_dir=tmp_path).trusted_proxies == [
            "10.0.0.5",
            "10.1.0.0/16",
            "::1",
        ]

    def test_env_file_in_the_working_directory_is_read(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        (tmp_path / ".env").write_text("FRONTDESK_PORT=9123\n")
        assert load_settings().port == 9123


class TestDefaults:
    def test_one_process_defaults_derive_from_the_data_dir_and_address(
        self, tmp_path: Path
    ) -> None:
        settings = make(tmp_path, host="0.0.0.0", port=8080)  # noqa: S104
        assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'var' / 'frontdesk.db'}"
        assert settings.is_sqlite
        assert settings.public_url == "http://0.0.0.0:8080"
        assert settings.redis_url is None
        assert settings.smtp_url is None
        assert not settings.secure_cookies

    def test_urls_are_normalised(self, tmp_path: Path) -> None:
        settings = make(
            tmp_path,
            database_url="postgres://fd@db/frontdesk",
            public_url="https://desk.example.com/",
        )
        assert settings.database_url == "postgresql+asyncpg://fd@db/frontdesk"
        assert not settings.is_sqlite
        assert settings.public_url == "https://desk.example.com"
        assert settings.mail_domain == "desk.example.com"
        assert settings.secure_cookies
        assert make(tmp_path, database_url="sqlite:///x.db").database_url == (
            "sqlite+aiosqlite:///x.db"
        )
