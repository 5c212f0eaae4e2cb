"""The `frontdesk` command: run, migrate, create-user, create-token, reset-two-factor, demo,
backup, restore, customers import."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.config import InvalidSettingError, Settings, load_settings
from frontdesk.db.context import SETTINGS_KEY
from frontdesk.db.migrate import upgrade
from frontdesk.db.session import create_engine, create_sessionmaker, unit_of_work
from frontdesk.errors import FrontdeskError
from frontdesk.users.models import Role, TokenAccess

app = typer.Typer(no_args_is_help=True, add_completion=False, help="frontdesk help desk")
T = TypeVar("T")
DEV_SMTP_LISTEN = "127.0.0.1:2525"


def settings_or_exit() -> Settings:
    # Whatever a command creates (the database, its log, the data directory, uploads, backups)
    # holds every conversation: for the account that runs the desk only, not everyone on the
    # machine. Files that exist keep their modes.
    os.umask(0o077)
    try:
        settings = load_settings()
        _ = settings.secret
    except InvalidSettingError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    return settings


def unreachable(exc: BaseException) -> str | None:
    """One line when the database could not be reached, or refused us (no such database, a
    wrong password), else None: a command then says so instead of a page of traceback."""
    import asyncpg

    refusals = (
        OSError,
        asyncpg.InvalidCatalogNameError,
        asyncpg.InvalidAuthorizationSpecificationError,
        asyncpg.InvalidPasswordError,
        asyncpg.CannotConnectNowError,
    )
    cause: BaseException | None = exc
    for _ in range(6):
        if cause is None:
            return None
        if isinstance(cause, refusals):
            return str(cause) or type(cause).__name__
        cause = cause.__cause__ or cause.__context__
    return None


def database_or_exit(settings: Settings, work: Callable[[], T]) -> T:
    try:
        return work()
    except Exception as exc:
        reason = unreachable(exc)
        if reason is None:
            raise
        typer.echo(
            f"error: cannot use the database {_shown(settings.database_url)}: {reason}", err=True
        )
        raise typer.Exit(1) from None


def _shown(url: str) -> str:
    """A database's or Redis's URL without its password, to be printed."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def in_transaction(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = create_engine(settings.database_url, pool_size=2)
        sessionmaker = create_sessionmaker(engine, info={SETTINGS_KEY: settings})
        try:
            async with unit_of_work(sessionmaker) as session:
                return await work(session)
        finally:
            await engine.dispose()

    try:
        return database_or_exit(settings, lambda: asyncio.run(run()))
    except FrontdeskError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None


def migrate_database(settings: Settings) -> None:
    database_or_exit(settings, lambda: upgrade(settings.database_url))


def redis_or_exit(settings: Settings) -> None:
    """A deployment's processes share their events through Redis: one that cannot reach it at
    start says so in one line (a restart loop of tracebacks says little)."""
    if settings.redis_url is None:
        return
    import redis.asyncio as aioredis
    from redis.exceptions import RedisError

    async def ping() -> None:
        client = aioredis.from_url(settings.redis_url or "", socket_connect_timeout=5)
        try:
            await client.ping()
        finally:
            await client.aclose()

    try:
        asyncio.run(ping())
    except (RedisError, OSError) as exc:
        typer.echo(
            f"error: cannot reach Redis at {_shown(settings.redis_url or '')}: {exc}", err=True
        )
        raise typer.Exit(1) from None


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    settings = settings_or_exit()
    migrate_database(settings)
    typer.echo("database is up to date")


@app.command("create-user")
def create_user(
    email: Annotated[str, typer.Option(help="Login email")],
    name: Annotated[str, typer.Option(help="Display name")],
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, help="At least 10 characters")
    ],
    role: Annotated[
        Role, typer.Option(help="owner, admin, agent or collaborator (a light agent)")
    ] = Role.agent,
) -> None:
    """Create a user (an agent by default)."""
    from pydantic import EmailStr, TypeAdapter, ValidationError

    from frontdesk.users import service as users_service

    settings = settings_or_exit()
    # The API's own checks (users/schemas.py): an address that is one, a name that is not blank.
    try:
        TypeAdapter(EmailStr).validate_python(email)
    except ValidationError as exc:
        typer.echo(f"error: --email: {exc.errors()[0]['msg']}", err=True)
        raise typer.Exit(1) from None
    if not name.strip():
        typer.echo("error: --name: give the name colleagues will see", err=True)
        raise typer.Exit(1)

    async def work(session: AsyncSession) -> str:
        user = await users_service.create_user(
            session, email=email, name=name, password=password, role=role
        )
        return f"created {user.role.value} {user.email} (id {user.id})"

    typer.echo(in_transaction(settings, work))


@app.command("create-token")
def create_token(
    email: Annotated[str, typer.Option(help="The user the token acts as")],
    name: Annotated[str, typer.Option(help="What the token is for")] = "CLI token",
    access: Annotated[
        TokenAccess,
        typer.Option(help="read: GET and HEAD only; write: whatever the user may do"),
    ] = TokenAccess.write,
    expires_in_days: Annotated[
        int | None,
        typer.Option(help="Days until it stops working (1 to 365, e.g. 30, 90, 365); omit: never"),
    ] = None,
) -> None:
    """Create a personal API token and print it once."""
    from frontdesk.users import service as users_service

    settings = settings_or_exit()

    async def work(session: AsyncSession) -> str:
        user = await users_service.get_user_by_email(session, email=email)
        if user is None:
            raise FrontdeskError(f"no user with the email {email}")
        _api_token, token = await users_service.create_api_token(
            session,
            user=user,
            name=name,
            by_token=False,
            access=access,
            expires_in_days=expires_in_days,
        )
        return token

    typer.echo(in_transaction(settings, work))


@app.command("reset-two-factor")
def reset_two_factor(
    email: Annotated[str, typer.Option(help="The user who lost their phone")],
) -> None:
    """Turn off a user's two-factor authentication and end their sessions (docs/security.md)."""
    from frontdesk.users import service as users_service
    from frontdesk.users import two_factor

    settings = settings_or_exit()

    async def work(session: AsyncSession) -> str:
        user = await users_service.get_user_by_email(session, email=email)
        if user is None:
            raise FrontdeskError(f"no user with the email {email}")
        await two_factor.reset_from_server(session, user=user)
        return f"two-factor authentication of {user.email} is off; they were logged out"

    typer.echo(in_transaction(settings, work))


customers_app = typer.Typer(no_args_is_help=True, help="Customers: import a list")
app.add_typer(customers_app, name="customers")


@customers_app.command("import")
def import_customers(
    file: Annotated[Path, typer.Argument(help="A CSV file: an email column, a name, a phone")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what importing would do; write nothing")
    ] = False,
) -> None:
    """Import customers from a CSV file, as Customers → Import… does (docs/desk.md)."""
    from frontdesk.customers import importing

    settings = settings_or_exit()
    try:
        parsed = importing.parse(file.read_bytes())
    except OSError as exc:
        typer.echo(f"error: cannot read {file}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from None
    except importing.ImportRefused as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None

    async def work() -> importing.Report:
        engine = create_engine(settings.database_url, pool_size=2)
        sessionmaker = create_sessionmaker(engine, info={SETTINGS_KEY: settings})
        try:
            return await importing.import_customers(
                lambda: unit_of_work(sessionmaker), parsed, by=None, dry_run=dry_run
            )
        finally:
            await engine.dispose()

    report = database_or_exit(settings, lambda: asyncio.run(work()))
    typer.echo("\n".join(importing.summary(report)))


def seed(settings: Settings) -> bool:
    from frontdesk.demo import seed_demo

    return in_transaction(settings, seed_demo)


@app.command()
def demo() -> None:
    """Add the demo inbox, users, labels and tickets (does nothing if they exist)."""
    settings = settings_or_exit()
    migrate_database(settings)
    typer.echo("demo data created" if seed(settings) else "demo data already present")


def print_welcome(settings: Settings, *, demo: bool) -> None:
    from frontdesk.demo import DEMO_PASSWORD, DEMO_USERS

    lines = [
        "",
        "  frontdesk is running",
        f"    desk      {settings.public_url}/",
        f"    demo page {settings.public_url}/demo",
        f"    API docs  {settings.public_url}/api/docs",
    ]
    if demo:
        lines.append(f"  demo logins (password: {DEMO_PASSWORD})")
        lines += [f"    {user.email:<22} {_role_words(user.role)}" for user in DEMO_USERS]
    typer.echo("\n".join(lines) + "\n")


def _role_words(role: Role) -> str:
    return "light agent" if role is Role.collaborator else role.value


@app.command()
def run(
    demo: Annotated[bool, typer.Option("--demo", help="Seed the demo data first")] = False,
) -> None:
    """Migrate the database, then serve the desk, the API and the messenger."""
    import uvicorn

    from frontdesk.app import create_app
    from frontdesk.kit.collector import tune_for_server
    from frontdesk.server import server_config

    settings = settings_or_exit()
    if settings.smtp_listen is None and "FRONTDESK_SMTP_LISTEN" not in os.environ:
        # The one-process install takes replies too; FRONTDESK_SMTP_LISTEN= (empty) turns it off.
        settings = load_settings(smtp_listen=DEV_SMTP_LISTEN)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    migrate_database(settings)
    redis_or_exit(settings)
    if demo:
        seed(settings)
    print_welcome(settings, demo=demo)
    server_app = create_app(settings)
    tune_for_server()
    uvicorn.Server(server_config(server_app, settings)).run()


@app.command()
def backup(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="The archive (default: frontdesk-backup-<UTC time>.tar.gz)"
        ),
    ] = None,
) -> None:
    """Write the database and the data directory's files to one .tar.gz, while the desk runs."""
    from datetime import UTC, datetime

    from frontdesk.ops.backup import create_backup, default_name
    from frontdesk.ops.databases import OperationError

    settings = settings_or_exit()
    target = output or Path(default_name(datetime.now(UTC)))
    try:
        manifest = create_backup(settings, target)
    except OperationError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    files = len(manifest.members) - 1
    typer.echo(
        f"backup written to {target} ({manifest.database} at migration "
        f"{manifest.revision}, {files} data files)"
    )
    if settings.file_store == "s3":
        typer.echo("note: files in the S3 bucket are not in the archive: back up the bucket itself")


@app.command()
def restore(
    archive: Annotated[Path, typer.Argument(help="An archive written by `frontdesk backup`")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database and files that are in use")
    ] = False,
) -> None:
    """Restore a backup into the configured database and data directory (desk stopped)."""
    from frontdesk.ops.databases import OperationError
    from frontdesk.ops.restore import restore_backup

    settings = settings_or_exit()
    try:
        restored = restore_backup(settings, archive, force=force)
    except OperationError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    manifest = restored.manifest
    typer.echo(f"restored the backup of {manifest.created_at} ({restored.files} data files)")
    if restored.revision != manifest.revision:
        typer.echo(f"migrated the database from {manifest.revision} to {restored.revision}")


def main() -> None:
    app()
