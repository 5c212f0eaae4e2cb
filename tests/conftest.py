"""Test fixtures: a migrated database per test (SQLite, and PostgreSQL for the integration
matrix), the app on top of it, and HTTP clients that log in like the desk does."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import UnionType
from typing import Any, Literal, Union, cast, get_args, get_origin, get_type_hints, is_typeddict

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import event

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.db.migrate import upgrade
from frontdesk.realtime.catalogue import CATALOGUE
from frontdesk.realtime.envelope import Addressed

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_ADMIN_URL = os.environ.get(
    "FRONTDESK_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("FRONTDESK_TEST_REDIS", "redis://127.0.0.1:6379/0")
PASSWORD = "correct horse battery"
START_PG = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
START_REDIS = "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no"


# argon2's production cost (~0.3 s a hash) is the point in production and only a delay here;
# the algorithm and the code paths stay the same, with the cheapest parameters it accepts.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing() -> Iterator[None]:
    from frontdesk.kit import passwords

    patch = pytest.MonkeyPatch()
    patch.setattr(passwords, "_hasher", CHEAP_HASHER)
    patch.setattr(passwords, "_DUMMY_HASH", CHEAP_HASHER.hash("frontdesk-no-such-account"))
    yield
    patch.undo()


@functools.cache
def password_hash() -> str:
    return CHEAP_HASHER.hash(PASSWORD)


def service_missing(what: str, how: str, error: BaseException) -> None:
    """Under CI a missing service fails the run; on a laptop the test skips and says why."""
    message = f"{what} is not reachable ({error}); start it with: {how}"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


# --- databases ---------------------------------------------------------------------------------


# Where a test's SQLite file goes: memory-backed storage when the system has it. SQLite syncs
# the file to the disk at each checkpoint and when the last connection closes, which a test that
# ends with the file has no use for: on a busy disk that cost milliseconds a test.
MEMORY_DISK = Path("/dev/shm")  # noqa: S108 (each test gets a private mkdtemp folder in it)


@contextlib.contextmanager
def sqlite_copy(template: Path | None, tmp_path: Path) -> Iterator[Path]:
    """A test's SQLite file: a copy of `template` (none: no file yet), in /dev/shm when the
    system has one with room, else in tmp_path. Removed afterwards from /dev/shm (memory)."""
    # A container's /dev/shm can be as small as 64 MB: a test that fills its database there
    # would fail for want of room, so a small one is not used.
    if not os.access(MEMORY_DISK, os.W_OK) or shutil.disk_usage(MEMORY_DISK).free < 2**30:
        path = tmp_path / "frontdesk.db"
        if template is not None:
            shutil.copyfile(template, path)
        yield path
        return
    folder = Path(tempfile.mkdtemp(prefix="frontdesk-test-", dir=MEMORY_DISK))
    try:
        path = folder / "frontdesk.db"
        if template is not None:
            shutil.copyfile(template, path)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Migrations run once; each test gets a copy of the migrated file (`sqlite_copy`)."""
    with sqlite_copy(None, tmp_path_factory.mktemp("template")) as path:
        upgrade(f"sqlite+aiosqlite:///{path}")
        yield path


async def _pg_execute(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """One migrated PostgreSQL database per test worker; each test starts from it emptied."""
    name = f"fd_test_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_pg_execute(f'CREATE DATABASE "{name}"'))
    except (TimeoutError, OSError) as exc:
        service_missing("PostgreSQL", START_PG, exc)
    # A commit need not wait for its WAL to reach the disk: that only matters if PostgreSQL
    # itself crashes, which no test does; every commit is still atomic and visible at once.
    # Only this throwaway database is concerned, and every connection to it (the app's, the
    # `frontdesk run` processes') inherits the setting.
    asyncio.run(_pg_execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    upgrade(f"{url}/{name}")
    yield f"{url}/{name}"
    asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# The tables the migrations create and the sequences their columns own (what TRUNCATE ... RESTART
# IDENTITY restarts), read from the catalogue once per database and schema version.
_TABLES = """
SELECT quote_ident(tablename) AS name FROM pg_tables
WHERE schemaname = 'public' AND tablename <> 'alembic_version'
"""
_OWNED_SEQUENCES = """
SELECT quote_literal(quote_ident(s.relname)) AS name, q.seqstart AS start
FROM pg_class s
JOIN pg_sequence q ON q.seqrelid = s.oid
JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.deptype IN ('a', 'i')
JOIN pg_class t ON t.oid = d.refobjid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE s.relkind = 'S' AND n.nspname = 'public' AND t.relname <> 'alembic_version'
"""
_VERSION = "SELECT string_agg(version_num, ',' ORDER BY version_num) FROM alembic_version"


@dataclass(frozen=True)
class _Emptying:
    tables: list[str]
    statements: str


# (database URL, schema version) -> what empties it. The migrations make the same tables and
# sequences for the same version, so a test that goes down and up again (test_migrations,
# test_spreads) finds the same lists; one that leaves another version has them read again.
_EMPTYING: dict[tuple[str, str], _Emptying] = {}


async def _emptying(connection: Any, url: str) -> _Emptying:
    import asyncpg

    try:
        version: str | None = await connection.fetchval(_VERSION)
    except asyncpg.UndefinedTableError:
        version = None  # migrated down to nothing: read, never kept
    known = _EMPTYING.get((url, version)) if version is not None else None
    if known is not None:
        return known
    tables = [row["name"] for row in await connection.fetch(_TABLES)]
    sequences = [(row["name"], row["start"]) for row in await connection.fetch(_OWNED_SEQUENCES)]
    restarts = ", ".join(f"setval({name}, {start}, false)" for name, start in sequences)
    statements = [
        *(f"DELETE FROM {table};" for table in tables),  # noqa: S608 (catalogue names)
        *([f"SELECT {restarts};"] if restarts else []),
        "INSERT INTO counters (name, value) VALUES ('tickets', 0);",
    ]
    found = _Emptying(tables, "".join(statements))
    if version is not None:
        _EMPTYING[(url, version)] = found
    return found


async def _empty(url: str) -> None:
    """Back to the state the migrations leave: no rows but the ticket counter's, every table's
    ids starting again at 1.

    DELETE, not TRUNCATE: TRUNCATE gives each of the ~60 tables a new file and waits for the
    disk, 0.3 s a test on a quiet machine and seconds on a busy one, where deleting the few rows
    a test wrote takes a few ms. Foreign keys are not checked meanwhile
    (session_replication_role), since every table ends empty. The sequences are set back with
    setval(start, is_called false), which leaves the next value where ALTER SEQUENCE ...
    RESTART would: that statement, DDL on each of the ~50 sequences, took ~45 ms a test,
    setval 5. The catalogue's lists (~4 ms to read) are kept per schema version."""
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        emptying = await _emptying(connection, url)
        try:
            async with connection.transaction():
                await connection.execute("SET LOCAL session_replication_role = replica")
                await connection.execute(emptying.statements)
        except asyncpg.InsufficientPrivilegeError:
            # Not a superuser (FRONTDESK_TEST_POSTGRES): the slower TRUNCATE needs no such right.
            tables = ", ".join(emptying.tables)
            await connection.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
            await connection.execute("INSERT INTO counters (name, value) VALUES ('tickets', 0)")
    finally:
        await connection.close()


@pytest.fixture
def pg_url(pg_database: str) -> str:
    # Emptying (~45 ms) instead of a database per test (~0.2 s, and seconds to drop) keeps the
    # PostgreSQL half quick.
    asyncio.run(_empty(pg_database))
    return pg_database


def reachable_redis() -> str:
    """REDIS_URL once Redis answers (skips, or fails under CI, when it does not)."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        service_missing("Redis", START_REDIS, exc)
    return REDIS_URL


@pytest.fixture
def redis_url() -> str:
    return reachable_redis()


# The stores a test that reaches the database runs on (the `database_url` it, `app` or `desk`
# gets). Both by default; a module (`pytestmark`) or a test names its own, the closest naming
# winning, by the rule of docs/architecture.md ("Which store a test runs on"): both where the
# store can change the outcome (locks and races, SQL written per dialect, constraints and types,
# migrations), SQLite alone where only Python decides over statements other tests send to
# PostgreSQL (bench/store_shapes.py checks that they do).
SQLITE_ONLY = pytest.mark.stores("sqlite")
# For a test of SQLite itself (the steps or the plan of its statements): PostgreSQL has no such
# thing to show.
SQLITE_ITSELF = pytest.mark.stores("sqlite", itself=True)
BOTH_STORES = pytest.mark.stores("sqlite", "postgresql")
# For a test that only PostgreSQL can show (its locks, its connections).
POSTGRESQL_ONLY = pytest.mark.stores("postgresql")
_STORE_PARAMS = {
    "sqlite": pytest.param("sqlite"),
    "postgresql": pytest.param("postgresql", marks=pytest.mark.integration),
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database_url" not in metafunc.fixturenames:
        return
    # A module that defines its own `database_url` (a SQLite copy of its own, say) keeps it.
    closest = metafunc._arg2fixturedefs["database_url"][-1]
    if closest.func.__code__.co_filename != __file__:
        return
    for parametrized in metafunc.definition.iter_markers("parametrize"):
        names = parametrized.args[0]
        if "database_url" in (names.split(",") if isinstance(names, str) else names):
            return  # the test parametrizes the store itself
    named = metafunc.definition.get_closest_marker("stores")
    stores: tuple[str, ...] = ("sqlite", "postgresql")
    if named is not None:
        stores = named.args
        widened = os.environ.get("FRONTDESK_TEST_STORES") == "all"
        if widened and stores == ("sqlite",) and not named.kwargs.get("itself"):
            stores = ("sqlite", "postgresql")  # bench/store_shapes.py: what SQLite alone leaves out
    metafunc.parametrize("database_url", [_STORE_PARAMS[store] for store in stores], indirect=True)


@pytest.fixture
def database_url(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[str]:
    if request.param == "sqlite":
        with sqlite_copy(sqlite_template, tmp_path) as path:
            yield f"sqlite+aiosqlite:///{path}"
        return
    url: str = request.getfixturevalue("pg_url")
    yield url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        database_url=database_url,
        public_url="http://desk.test",
        secret_key="test-secret-key-" + "x" * 32,
        mail_domain="desk.test",
        _env_file=None,
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings, run_loops=False)
    async with application.router.lifespan_context(application):
        yield application


# --- what an action publishes, and the statements it runs ---------------------------------------


def _mismatch(value: Any, expected: Any, where: str) -> str | None:
    """Why a JSON value is not of a catalogue type (None: it is), to the last nested key."""
    if isinstance(expected, type) and is_typeddict(expected):
        if not isinstance(value, dict):
            return f"{where} is not an object"
        hints = get_type_hints(expected)
        missing = set(cast(Any, expected).__required_keys__) - set(value)
        extra = set(value) - set(hints)
        if missing or extra:
            return f"{where}: missing {sorted(missing)}, undeclared {sorted(extra)}"
        problems = (_mismatch(item, hints[key], f"{where}.{key}") for key, item in value.items())
        return next((problem for problem in problems if problem), None)
    origin, args = get_origin(expected), get_args(expected)
    if origin is Literal:
        return None if value in args else f"{where} = {value!r}, not one of {args}"
    if origin is list:
        if not isinstance(value, list):
            return f"{where} is not a list"
        problems = (_mismatch(item, args[0], f"{where}[]") for item in value)
        return next((problem for problem in problems if problem), None)
    if origin in (Union, UnionType):
        fits = any(_mismatch(value, arg, where) is None for arg in args)
        return None if fits else f"{where} = {value!r}, not {expected}"
    if expected is type(None):
        return None if value is None else f"{where} = {value!r}, not null"
    # bool is an int in Python, never in JSON.
    fits = isinstance(value, expected) and (expected is bool or not isinstance(value, bool))
    return None if fits else f"{where} = {value!r}, not {expected.__name__}"


class Published:
    """Every event published to the app's broker (which happens after the commit, or never),
    each held to the realtime catalogue: a known name, topics of its audience, and `data` of its
    payload type (the visitor's own type on a visitor's topic)."""

    def __init__(self) -> None:
        self.messages: list[Addressed] = []
        self.problems: list[str] = []

    def add(self, message: Addressed) -> None:
        self.messages.append(message)
        envelope = message.envelope
        spec = CATALOGUE.get(envelope.type)
        if spec is None:
            self.problems.append(f"{envelope.type} is not in the catalogue")
            return
        kinds = {topic.split(":", 1)[0] for topic in message.topics}
        if not kinds <= spec.audience:
            self.problems.append(f"{envelope.type} went to {message.topics}")
        payload = spec.visitor_data if kinds == {"visitor"} else spec.data
        if payload is None:
            self.problems.append(f"{envelope.type} reached a visitor")
            return
        problem = _mismatch(envelope.data, payload, "data")
        if problem:
            self.problems.append(f"{envelope.type}: {problem}")

    def clear(self) -> None:
        self.messages.clear()

    def summary(self) -> list[tuple[str, list[str], set[str]]]:
        """(name, topics, keys of data) of each event, in the order they were published."""
        return [(m.envelope.type, m.topics, set(m.envelope.data)) for m in self.messages]


@pytest.fixture
def published(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> Iterator[Published]:
    broker = app.state.broker
    forward = broker.publish
    log = Published()

    async def publish(message: Addressed) -> None:
        log.add(message)
        await forward(message)

    monkeypatch.setattr(broker, "publish", publish)
    yield log
    assert not log.problems, log.problems


class Statements:
    """The SQL statements the app's engine sends to the database."""

    def __init__(self) -> None:
        self.sql: list[str] = []

    @contextlib.contextmanager
    def count(self) -> Iterator[list[str]]:
        """The statements run inside the block."""
        start = len(self.sql)
        ran: list[str] = []
        yield ran
        ran.extend(self.sql[start:])


@pytest.fixture
def statements(app: FastAPI) -> Iterator[Statements]:
    engine = app.state.engine.sync_engine
    log = Statements()

    def seen(*args: Any) -> None:
        # (connection, cursor, statement, parameters, context, executemany)
        log.sql.append(args[2])

    event.listen(engine, "before_cursor_execute", seen)
    yield log
    event.remove(engine, "before_cursor_execute", seen)


# --- HTTP clients ------------------------------------------------------------------------------


@dataclass
class Agent:
    """A logged-in desk user: an HTTP client carrying the session cookie and CSRF header."""

    client: httpx.AsyncClient
    user: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return int(self.user["id"])


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://desk.test"
    ) as client:
        yield client


class Desk:
    """Creates users and inboxes straight through the services, and logs people in over HTTP."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._clients: list[httpx.AsyncClient] = []

    async def user(
        self, *, role: str = "agent", name: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        from frontdesk.db.session import unit_of_work
        from frontdesk.users import service as users_service
        from frontdesk.users.models import Role

        email = extra.pop("email", None) or f"{uuid.uuid4().hex[:8]}@staff.test"
        async with unit_of_work(self.app.state.sessionmaker) as session:
            user = await users_service.create_user(
                session,
                email=email,
                name=name or email.split("@")[0],
                password=None,
                role=Role(role),
                **extra,
            )
            # Hashed once per run: argon2 is slow on purpose, and tests create many users.
            user.password_hash = password_hash()
            return {"id": user.id, "email": user.email, "name": user.name, "role": role}

    async def inbox(
        self, *, members: Sequence[Agent | dict[str, Any]] = (), **fields: Any
    ) -> dict[str, Any]:
        from frontdesk.db.session import unit_of_work
        from frontdesk.inboxes import service as inboxes_service
        from frontdesk.users import service as users_service

        identity = {
            k: fields.pop(k) for k in ("identity_secret", "require_identity") if k in fields
        }
        async with unit_of_work(self.app.state.sessionmaker) as session:
            inbox = await inboxes_service.create_inbox(
                session, name=fields.pop("name", "Support"), **fields
            )
            if identity:
                await inboxes_service.update_inbox(session, inbox=inbox, **identity)
            for member in members:
                user_id = member.id if isinstance(member, Agent) else member["id"]
                user = await users_service.get_user(session, user_id=user_id)
                await inboxes_service.add_member(session, inbox=inbox, user=user)
            return {"id": inbox.id, "public_key": inbox.public_key, "name": inbox.name}

    async def login(self, user: dict[str, Any]) -> Agent:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://desk.test"
        )
        self._clients.append(client)
        response = await client.post(
            "/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
        return Agent(client=client, user=response.json())

    async def agent(
        self, *, role: str = "agent", inboxes: Sequence[dict[str, Any]] = (), **extra: Any
    ) -> Agent:
        user = await self.user(role=role, **extra)
        for inbox in inboxes:
            await self.add_member(inbox, user)
        return await self.login(user)

    async def add_member(self, inbox: dict[str, Any], user: dict[str, Any] | Agent) -> None:
        from frontdesk.db.session import unit_of_work
        from frontdesk.inboxes import service as inboxes_service
        from frontdesk.users import service as users_service

        user_id = user.id if isinstance(user, Agent) else user["id"]
        async with unit_of_work(self.app.state.sessionmaker) as session:
            inbox_row = await inboxes_service.get_inbox_by_id(session, inbox_id=inbox["id"])
            user_row = await users_service.get_user(session, user_id=user_id)
            await inboxes_service.add_member(session, inbox=inbox_row, user=user_row)

    async def close(self) -> None:
        for client in self._clients:
            await client.aclose()


@pytest.fixture
async def desk(app: FastAPI) -> AsyncIterator[Desk]:
    helper = Desk(app)
    yield helper
    await helper.close()


# --- the messenger side ------------------------------------------------------------------------


@dataclass
class Visitor:
    """A messenger: its own HTTP client carrying the visitor token."""

    client: httpx.AsyncClient
    id: int
    token: str

    async def start_chat(self, text: str = "Hello, I need help", **fields: Any) -> dict[str, Any]:
        body = {"name": "Marie Curie", "email": "marie@example.org", "text": text} | fields
        response = await self.client.post("/messenger/v1/chats", json=body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def identify(self, email: str, *, secret: str | None = None) -> dict[str, Any]:
        """identify() as the website calls it: signed when given the inbox's identity secret."""
        from frontdesk.chats.service import identity_hash

        body = {"email": email} | ({"user_hash": identity_hash(secret, email)} if secret else {})
        response = await self.client.post("/messenger/v1/identify", json=body)
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture
async def visitors(app: FastAPI) -> AsyncIterator[Any]:
    clients: list[httpx.AsyncClient] = []

    async def make(inbox: dict[str, Any]) -> Visitor:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://desk.test"
        )
        clients.append(client)
        response = await client.post("/messenger/v1/visitors", json={"inbox": inbox["public_key"]})
        assert response.status_code == 201, response.text
        token = response.json()["token"]
        client.headers["Authorization"] = f"Bearer {token}"
        return Visitor(client=client, id=response.json()["visitor_id"], token=token)

    yield make
    for client in clients:
        await client.aclose()
