"""Settings: `FRONTDESK_*` environment variables or a `.env` file; defaults give the one-process
install (SQLite under ./var, in-process broker, mail kept in the outbox)."""

from __future__ import annotations

import difflib
import ipaddress
import logging
import os
import secrets
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

logger = logging.getLogger(__name__)

SECRET_KEY_FILE = "secret_key"  # noqa: S105  (a file name, not a secret)
MIN_SECRET_LENGTH = 32


class InvalidSettingError(Exception):
    """Start-up stops with one line naming the setting, never a traceback."""


PositiveSeconds = Annotated[float, Field(gt=0)]


PREFIX = "FRONTDESK_"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_file=".env", extra="ignore", validate_default=True
    )

    data_dir: Path = Path("var")
    database_url: str = ""
    # PostgreSQL connections a process keeps open, and as many again in a burst: with N
    # processes, 2 x N x this must stay under the server's max_connections (docs/deploy.md).
    database_pool_size: int = Field(default=20, ge=1, le=500)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_url: str = ""
    secret_key: str = ""
    redis_url: str | None = None
    # Processes of one desk share it; separate desks on one Redis need separate channels.
    redis_channel: str = "frontdesk:events"
    smtp_url: str | None = None
    smtp_listen: str | None = None
    mail_domain: str = ""
    inbound_token: str | None = None
    # Bearer token a Prometheus scraper sends to /metrics; unset, /metrics answers 404.
    metrics_token: str | None = None
    # Only these peers may say who the client is (X-Forwarded-For, X-Forwarded-Proto): anyone
    # else could pick a new address per request and escape login throttling and rate limits.
    trusted_proxies: Annotated[list[str], NoDecode] = []
    header_timeout: PositiveSeconds = 10

    session_lifetime_days: PositiveSeconds = 14
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_ip: int = Field(default=20, ge=1)
    login_throttle_window: PositiveSeconds = 900
    max_text_length: int = Field(default=50_000, ge=1)
    max_message_length: int = Field(default=5_000, ge=1)
    max_request_bytes: int = Field(default=1024 * 1024, ge=64 * 1024)
    # All the files of one agent's email reply together (and so each of them).
    max_attachment_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    # Where files live (files/store.py): the data directory, or an S3-compatible bucket that
    # several processes or machines share (docs/deploy.md).
    file_store: Literal["local", "s3"] = "local"
    s3_endpoint_url: str = ""
    s3_region: str = "us-east-1"
    s3_bucket: str = ""
    s3_access_key_id: str = ""
    s3_secret_access_key: SecretStr = SecretStr("")
    s3_path_style: bool = True
    s3_prefix: str = ""
    # An agent's upload that no reply has sent within this many hours is deleted, bytes and all.
    unsent_upload_hours: PositiveSeconds = 24
    # Received mail that reached no ticket (refused, unreadable, an ignored auto-reply) is kept
    # this many days for an admin to look into, then deleted by the retention pass.
    refused_mail_days: PositiveSeconds = 30
    # Spam tickets are deleted this many days after they were marked spam (docs/desk.md,
    # "Spam"); 0 keeps them until someone deletes them.
    spam_retention_days: int = Field(default=30, ge=0)
    # Files sent in a chat (docs/chat.md "Files and images"): each one, and one message's together.
    max_chat_file_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_chat_message_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    max_chat_message_files: int = Field(default=10, ge=1, le=50)
    snooze_poll_interval: PositiveSeconds = 15
    # An online agent with no desk open stops being offered chats after `agent_grace` (short, so
    # nobody waits for a ghost; longer than a reload or a network blip); reopening a desk within
    # `agent_idle_timeout` of going offline so brings them back online (docs/chat.md).
    agent_grace: PositiveSeconds = 60
    agent_idle_timeout: PositiveSeconds = 600
    visitor_grace: PositiveSeconds = 60
    timer_interval: PositiveSeconds = 5
    heartbeat_interval: PositiveSeconds = 25
    visitor_rate_per_minute: int = Field(default=60, ge=1)
    ip_rate_per_minute: int = Field(default=300, ge=1)
    unconfirmed_email_rate_per_hour: int = Field(default=20, ge=1)
    # The API's requests per credential and minute (docs/api.md "Rate limits"): an API token's,
    # and a desk session's (the desk's own work, counted apart and far above what it needs).
    api_rate_per_minute: int = Field(default=1200, ge=1)
    desk_rate_per_minute: int = Field(default=6000, ge=1)
    outbox_poll_interval: PositiveSeconds = 2
    # Web Push (docs/notifications.md): how often queued pushes are looked for, and the contact
    # push services see in our VAPID token (default: mailto:postmaster@<mail domain>).
    push_poll_interval: PositiveSeconds = 2
    push_subject: str = ""
    # Webhooks (docs/webhooks.md): how often due deliveries are looked for; whether they may go
    # to loopback, private and link-local addresses (an on-premise receiver, tests); how long a
    # receiver must fail without a success, and in how many attempts at least, before its
    # subscription is switched off.
    webhooks_poll_interval: PositiveSeconds = 2
    webhooks_allow_private: bool = False
    webhooks_disable_after: int = Field(default=20, ge=1)
    webhooks_disable_after_hours: int = Field(default=72, ge=1)
    # Push endpoints must be https (every browser's push service is); tests on loopback say True.
    push_allow_http: bool = False
    # Push endpoints may be on loopback or a private network (every real push service is on the
    # public internet: only tests with a push service on loopback say True).
    push_allow_private: bool = False
    # How often mailboxes fetched over IMAP are looked at when the server offers no IDLE (and the
    # longest a mailbox waits in IDLE before it is looked at anyway).
    imap_poll_interval: PositiveSeconds = 30
    # IMAP without TLS is refused except on loopback, unless this says the network is trusted.
    imap_allow_plain: bool = False
    log_level: Literal["critical", "error", "warning", "info", "debug"] = "info"

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if value and not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            if value.startswith(("postgres://", "postgresql://")):
                return "postgresql+asyncpg://" + value.split("://", 1)[1]
            if value.startswith("sqlite://"):
                return "sqlite+aiosqlite://" + value.split("://", 1)[1]
            raise ValueError("must be a sqlite:// or postgresql:// URL")
        return value

    @field_validator("public_url")
    @classmethod
    def _absolute_url(cls, value: str) -> str:
        if value and urlsplit(value).scheme not in ("http", "https"):
            raise ValueError("must be an absolute http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value and urlsplit(value).scheme not in ("redis", "rediss", "unix"):
            raise ValueError("must be a redis:// or rediss:// URL")
        return value or None

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        try:
            # Read for its check: a port that is not a number from 0 to 65535 raises.
            parts.port  # noqa: B018
        except ValueError:
            raise ValueError("has a port that is not a number from 1 to 65535") from None
        if parts.scheme not in ("smtp", "smtps", "smtp+starttls") or not parts.hostname:
            raise ValueError("must be smtp://, smtp+starttls:// or smtps://user:pass@host:port")
        return value

    @field_validator("smtp_listen")
    @classmethod
    def _listen_address(cls, value: str | None) -> str | None:
        if not value:
            return None
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError("must be host:port, for example 127.0.0.1:2525")
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxy_addresses(cls, value: object) -> object:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list):
            return value
        try:
            return [_address_or_network(str(item).strip()) for item in items if str(item).strip()]
        except ValueError:
            raise ValueError(
                "must be IP addresses or networks separated by commas, e.g. 10.0.0.5,10.1.0.0/16"
            ) from None

    @field_validator("s3_endpoint_url")
    @classmethod
    def _endpoint_url(cls, value: str) -> str:
        if value and (
            urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc
        ):
            raise ValueError(
                "must be an http:// or https:// URL, e.g. https://s3.eu-west-1.amazonaws.com"
            )
        return value.rstrip("/")

    @field_validator("secret_key")
    @classmethod
    def _strong_secret(cls, value: str) -> str:
        if value and len(value) < MIN_SECRET_LENGTH:
            raise ValueError(f"must be at least {MIN_SECRET_LENGTH} characters")
        return value

    @model_validator(mode="after")
    def _s3_complete(self) -> Settings:
        if self.file_store == "s3":
            missing = [
                name
                for name in ("s3_endpoint_url", "s3_bucket", "s3_access_key_id")
                if not getattr(self, name)
            ]
            if not self.s3_secret_access_key.get_secret_value():
                missing.append("s3_secret_access_key")
            if missing:
                names = ", ".join(f"FRONTDESK_{name.upper()}" for name in missing)
                raise ValueError(f"FRONTDESK_FILE_STORE=s3 needs {names}")
        return self

    @model_validator(mode="after")
    def _derive_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.data_dir / 'frontdesk.db'}"
        if not self.public_url:
            self.public_url = f"http://{self.host}:{self.port}"
        if not self.mail_domain:
            self.mail_domain = urlsplit(self.public_url).hostname or "localhost"
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    @cached_property
    def secret(self) -> bytes:
        """The signing key: the setting, else one generated once and kept under data_dir."""
        if self.secret_key:
            return self.secret_key.encode()
        path = self.data_dir / SECRET_KEY_FILE
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            # O_EXCL so two processes starting together agree on one key.
            try:
                with path.open("x", encoding="ascii") as handle:
                    handle.write(secrets.token_urlsafe(48))
                path.chmod(0o600)
            except FileExistsError:
                pass
        return path.read_text(encoding="ascii").strip().encode()


def _address_or_network(item: str) -> str:
    if "/" in item:
        return str(ipaddress.ip_network(item, strict=False))
    return str(ipaddress.ip_address(item))


def load_settings(**overrides: object) -> Settings:
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        message = error["msg"].removeprefix("Value error, ")
        if not error["loc"]:
            # A rule over several settings names them itself.
            raise InvalidSettingError(f"invalid settings: {message}") from None
        name = str(error["loc"][0])
        raise InvalidSettingError(f"invalid setting FRONTDESK_{name.upper()}: {message}") from None
    _check_unknown_names(os.environ)
    return settings


def _check_unknown_names(environment: Mapping[str, str]) -> None:
    """A misspelt setting would be ignored, and the default used in its place: one process of a
    deployment on the in-process broker instead of Redis loses every live event of the others.
    A name close to a setting's stops the start; any other unknown `FRONTDESK_` name (a test's,
    a script's) is only logged."""
    known = [name.upper() for name in Settings.model_fields]
    for variable in sorted(environment):
        name = variable.removeprefix(PREFIX)
        if name == variable or name in known:
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
        if close:
            raise InvalidSettingError(
                f"unknown setting {variable}: did you mean {PREFIX}{close[0]}?"
            )
        logger.warning("%s is not a setting of frontdesk: ignored", variable)
