"""Settings changes recorded without a call: after each flush, every row of a model in
`audited.AUDITED` that the flush created, changed or deleted becomes an entry, written in the
same transaction. Only changes made through the ORM are seen; a service that changes an audited
row with a bulk UPDATE or DELETE statement records it itself (`service.record`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session, UOWTransaction

from frontdesk.audit.audited import BY_MODEL, Audited
from frontdesk.audit.context import current_actor
from frontdesk.audit.models import AuditEvent
from frontdesk.audit.service import Target, event_row, row_id_of
from frontdesk.audit.values import REDACTED, change, plain
from frontdesk.inboxes.models import Inbox


def _value_changes(audited: Audited, row: Any) -> dict[str, Any]:
    state = inspect(row)
    changes: dict[str, Any] = {}
    for name in audited.fields:
        # Not loading anything: a deferred secret that was not touched stays unread.
        added, _unchanged, deleted = state.attrs[name].history
        if not added:
            continue
        before = deleted[0] if deleted else None
        after = added[0]
        if plain(before) == plain(after):
            continue
        changes[name] = REDACTED if name in audited.secrets else change(before, after)
    return changes


def _snapshot(audited: Audited, row: Any, *, created: bool) -> dict[str, Any]:
    """A created row's fields as [None, value], a deleted row's as [value, None]."""
    state = inspect(row)
    changes: dict[str, Any] = {}
    for name in audited.fields:
        if name in state.unloaded:
            continue
        value = state.attrs[name].loaded_value
        if value is None or value in ("", [], {}):
            continue
        if name in audited.secrets:
            changes[name] = REDACTED
        else:
            changes[name] = change(None, value) if created else change(value, None)
    return changes


def _target(session: Session, audited: Audited, row: Any) -> Target:
    if audited.of_inbox:
        inbox_id = row.inbox_id
        inbox = session.identity_map.get(inspect(Inbox).identity_key_from_primary_key((inbox_id,)))
        label = inbox.name if isinstance(inbox, Inbox) else f"inbox #{inbox_id}"
        return Target("inbox", inbox_id, label)
    return Target(audited.kind, row_id_of(row), audited.label(row))


def _entries(session: Session) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    actor = current_actor()

    def add(audited: Audited, row: Any, verb: str, changes: dict[str, Any]) -> None:
        action = f"{audited.kind}.{verb}"
        if verb == "updated" and audited.updated is not None:
            action = audited.updated(changes)
        target = _target(session, audited, row)
        rows.append(event_row(action=action, target=target, changes=changes, actor=actor))

    for row in session.new:
        audited = BY_MODEL.get(type(row))
        if audited is not None:
            add(audited, row, "created", _snapshot(audited, row, created=True))
    for row in session.dirty:
        audited = BY_MODEL.get(type(row))
        if audited is not None and session.is_modified(row, include_collections=False):
            changes = _value_changes(audited, row)
            if changes:
                add(audited, row, "updated", changes)
    for row in session.deleted:
        audited = BY_MODEL.get(type(row))
        if audited is not None:
            add(audited, row, "deleted", _snapshot(audited, row, created=False))
    return rows


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    # The rows' history is still there (it is cleared after this event), and new rows have
    # their ids: the entries go in with a plain INSERT on the flush's own connection.
    rows = _entries(session)
    if rows:
        session.connection().execute(insert(AuditEvent), rows)


def install() -> None:
    """Listens on every session of the process (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


install()
