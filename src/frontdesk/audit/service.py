"""Recording and reading the audit log.

Any part records an event with one call, inside the transaction of the change it describes:

    audit.record(session, action="twofactor.enabled", target=user, changes={"method": "totp"})

It commits with the change, or rolls back with it. Who and from where come from the request
(audit/context.py); settings rows are recorded without any call (audit/changes.py)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.audit.audited import BY_MODEL
from frontdesk.audit.context import Actor, current_actor
from frontdesk.audit.models import AuditEvent
from frontdesk.audit.values import plain
from frontdesk.db.reading import read
from frontdesk.errors import Forbidden, Invalid
from frontdesk.kit.clock import utcnow
from frontdesk.kit.spreadsheet import safe_cell
from frontdesk.users.models import Role, User

ACTION = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
MAX_LABEL = 320
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
EXPORT_LIMIT = 100_000
CSV_PIECE = 64 * 1024
# Tables whose rows are about a customer: named by number only, so that the log holds no
# personal data (an erasure leaves the audit log untouched).
PERSONAL = frozenset({"customers", "customer_contacts", "visitors"})


@dataclass(frozen=True)
class Target:
    type: str
    id: int | None = None
    label: str | None = None


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def row_id_of(row: object) -> int | None:
    """A row's single integer key, also while a flush is writing it (its identity is set
    only after)."""
    key = inspect(row).mapper.primary_key_from_instance(row)
    return key[0] if len(key) == 1 and isinstance(key[0], int) else None


def target_of(thing: object) -> Target:
    """A Target as given, or one for an ORM row: audited models are labelled as the list says,
    a customer's rows only as "customer #id", any other row as "<type> #id"."""
    if isinstance(thing, Target):
        return thing
    model = type(thing)
    audited = BY_MODEL.get(model)
    row_id = row_id_of(thing)
    if audited is not None:
        return Target(audited.kind, row_id, audited.label(thing))
    table = getattr(model, "__tablename__", "")
    if table in PERSONAL:
        return Target("customer", row_id, f"customer #{row_id}")
    kind = _snake(model.__name__)
    return Target(kind, row_id, f"{kind} #{row_id}" if row_id is not None else kind)


def event_row(
    *,
    action: str,
    target: Target | None,
    changes: Mapping[str, Any] | None,
    actor: Actor,
) -> dict[str, Any]:
    """The columns of one entry (the flush listener inserts these directly)."""
    if not ACTION.match(action):
        raise ValueError(f"audit action must be dotted lower-case words, not {action!r}")
    return {
        "at": utcnow(),
        "actor_id": actor.user_id,
        "actor_label": actor.label[:MAX_LABEL],
        "actor_kind": actor.kind,
        "ip": actor.ip,
        "user_agent": actor.user_agent,
        "action": action,
        "target_type": target.type if target else None,
        "target_id": target.id if target else None,
        "target_label": (target.label or "")[:MAX_LABEL] or None if target else None,
        "changes": {str(key): plain(value) for key, value in (changes or {}).items()},
        "request_id": actor.request_id,
    }


def record(
    session: AsyncSession,
    *,
    action: str,
    target: object | None = None,
    changes: Mapping[str, Any] | None = None,
    actor: Actor | None = None,
) -> AuditEvent:
    """Adds one entry to the session's transaction. `target`: an ORM row or a `Target`;
    `changes`: {field: [before, after]} (or a single value, such as "changed" for a secret);
    `actor`: who did it when it is not the request's agent (or the system outside requests)."""
    row = event_row(
        action=action,
        target=None if target is None else target_of(target),
        changes=changes,
        actor=actor or current_actor(),
    )
    event = AuditEvent(**row)
    session.add(event)
    return event


# --- reading ------------------------------------------------------------------------------------


def ensure_reader(user: User) -> None:
    if user.role != Role.owner:
        raise Forbidden("Only an owner can read the audit log.", code="owner_only")


@dataclass(frozen=True)
class Filters:
    actor_id: int | None = None
    action: str | None = None
    target_type: str | None = None
    target_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def _filtered(filters: Filters) -> Select[AuditEvent]:
    if filters.since and filters.until and filters.since > filters.until:
        raise Invalid("from", "The start of the period must be before its end.")
    query = select(AuditEvent)
    if filters.actor_id is not None:
        query = query.where(AuditEvent.actor_id == filters.actor_id)
    if filters.action:
        prefix = filters.action.strip().rstrip(".")
        # "user" finds user.created and user.role_changed; "user.created" only itself.
        under = AuditEvent.action.startswith(prefix + ".", autoescape=True)
        query = query.where((AuditEvent.action == prefix) | under)
    if filters.target_type:
        query = query.where(AuditEvent.target_type == filters.target_type)
    if filters.target_id is not None:
        query = query.where(AuditEvent.target_id == filters.target_id)
    if filters.since is not None:
        query = query.where(AuditEvent.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEvent.at < filters.until)
    return query


async def list_events(
    session: AsyncSession,
    *,
    reader: User,
    filters: Filters,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> tuple[Sequence[AuditEvent], str | None]:
    """Newest first, a page at a time: `cursor` is what the previous page returned (the last
    id it showed), so entries written meanwhile never shift a page."""
    ensure_reader(reader)
    query = _filtered(filters)
    if cursor is not None:
        if not cursor.isascii() or not cursor.isdigit() or len(cursor) > 18:
            raise Invalid("cursor", "Not a cursor this list returned: start from the first page.")
        query = query.where(AuditEvent.id < int(cursor))
    rows = (await session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit + 1))).all()
    page = rows[:limit]
    return page, str(page[-1].id) if len(rows) > limit else None


CSV_COLUMNS = (
    "id",
    "at",
    "actor_kind",
    "actor_id",
    "actor_label",
    "ip",
    "user_agent",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "changes",
    "request_id",
)


def csv_lines(events: Iterable[AuditEvent]) -> Iterable[str]:
    """The CSV text in pieces of about CSV_PIECE characters, the header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for event in events:
        values = {column: getattr(event, column) for column in CSV_COLUMNS if column != "changes"}
        values["at"] = event.at.isoformat()
        values["actor_kind"] = event.actor_kind.value
        values["changes"] = json.dumps(event.changes, ensure_ascii=False, sort_keys=True)
        writer.writerow([safe_cell(values[column]) for column in CSV_COLUMNS])
        if buffer.tell() >= CSV_PIECE:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue()


async def export_csv(session: AsyncSession, *, reader: User, filters: Filters) -> list[str]:
    """The filtered entries as CSV, newest first, at most EXPORT_LIMIT. Read in the reading
    process (db/reading.py): a hundred thousand entries would hold the desk's process for
    seconds."""
    ensure_reader(reader)
    return await read(session, _csv_of, filters)


async def _csv_of(session: AsyncSession, filters: Filters) -> list[str]:
    query = _filtered(filters).order_by(AuditEvent.id.desc()).limit(EXPORT_LIMIT)
    return list(csv_lines((await session.scalars(query)).all()))
