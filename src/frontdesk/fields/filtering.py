"""The ticket list filtered by a custom field's value, `field=key:value`, in GET /api/v1/tickets
and in a saved view's filters (docs/desk.md, "Filters and views"; docs/api.md):

| kind | `value` |
|---|---|
| list | one of its options, any case (`plan:Pro`) |
| checkbox | `true` (ticked) or `false` (not) |
| text | the whole text, any case (`company:acme ltd`) |
| number | `5`, `>5`, `>=5`, `<5`, `<=5`, `1..10` (both ends kept), `1..`, `..10` |
| date | `2026-12-01`, with the same `>`, `<`, `..` as a number |
| any | nothing (`plan:`): tickets where the field is not set |

Numbers compare as numbers (the `number` column); dates as the `YYYY-MM-DD` their values are
stored in (values.py writes every date so, zero-padded: that text orders exactly as the dates do,
and the value given is read as a date first, so `2026-2-1` or `2026-02-30` is refused). A text is
compared with both sides lower-cased (`lower()`: every letter on PostgreSQL, the ASCII ones on
SQLite).

The match is an EXISTS (NOT EXISTS for "not set" and a checkbox unticked) on
`ticket_field_values`, which the plan probes by its primary key (`ticket_id`, `field_id`) for
each ticket in the list's order: one lookup per ticket the page reads past, whatever the number
of values set."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Literal

from sqlalchemy import ColumnElement, exists, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from frontdesk.errors import Invalid
from frontdesk.fields.models import CustomField, FieldKind, FieldObject, TicketFieldValue
from frontdesk.fields.values import DATE, MAX_NUMBER, NUMBER
from frontdesk.labels.service import name_key

Bound = str | float


@dataclass(frozen=True, slots=True)
class FieldMatch:
    """Tickets whose field `field_id` has a value (`present`) or none, and when it has one, that
    value equal to `text` (a list's option), to `folded` once lower-cased (a text), or between
    `low` and `high` in `column` (each end kept unless `*_open`). A field gone since a view named
    it has `field_id` 0: no ticket."""

    spec: str
    field_id: int
    present: bool = True
    text: str | None = None
    folded: str | None = None
    column: Literal["text", "number"] = "text"
    low: Bound | None = None
    high: Bound | None = None
    low_open: bool = False
    high_open: bool = False


class _Refused(ValueError):
    """A value the field's kind does not read: its message says how to write one."""


def _number(written: str, field: CustomField) -> float:
    example = f"{field.key}:>5 or {field.key}:1..10"
    if not NUMBER.fullmatch(written):
        raise _Refused(f"“{field.label}” is a number: {written!r} is not one (write {example}).")
    try:
        number = Decimal(written)
    except InvalidOperation:  # pragma: no cover - NUMBER lets through only what Decimal reads
        raise _Refused(f"{written!r} is not a number.") from None
    if abs(number) >= MAX_NUMBER:
        raise _Refused(f"“{field.label}”: {written!r} is larger than any value it may hold.")
    return float(number)


def _date(written: str, field: CustomField) -> str:
    example = f"{field.key}:>2026-12-01 or {field.key}:2026-12-01..2026-12-31"
    try:
        if not DATE.fullmatch(written):
            raise ValueError
        return date.fromisoformat(written).isoformat()
    except ValueError:
        raise _Refused(
            f"“{field.label}” is a date: {written!r} is not a day written YYYY-MM-DD "
            f"(write {example})."
        ) from None


def _compared(field: CustomField, spec: str, value: str) -> FieldMatch:
    """A number's or a date's comparison or range."""
    read = _number if field.kind is FieldKind.number else _date
    column: Literal["text", "number"] = "number" if field.kind is FieldKind.number else "text"
    if ".." in value:
        first, _, last = value.partition("..")
        low = read(first.strip(), field) if first.strip() else None
        high = read(last.strip(), field) if last.strip() else None
        if low is None and high is None:
            raise _Refused(f"Give at least one end of the range, like {field.key}:1..10.")
        if low is not None and high is not None and low > high:  # type: ignore[operator]
            raise _Refused(f"The range {value!r} starts after it ends: write the smaller first.")
        return FieldMatch(spec, field.id, column=column, low=low, high=high)
    for operator in (">=", "<=", ">", "<"):
        if value.startswith(operator):
            bound = read(value[len(operator) :].strip(), field)
            strict = len(operator) == 1
            if operator[0] == ">":
                return FieldMatch(spec, field.id, column=column, low=bound, low_open=strict)
            return FieldMatch(spec, field.id, column=column, high=bound, high_open=strict)
    bound = read(value, field)
    return FieldMatch(spec, field.id, column=column, low=bound, high=bound)


def _match(field: CustomField, key: str, value: str) -> FieldMatch:
    spec = f"{key}:{value}"
    if not value:
        return FieldMatch(spec, field.id, present=False)
    if field.kind is FieldKind.checkbox:
        if value in ("true", "false"):
            return FieldMatch(spec, field.id, present=value == "true")
        raise _Refused(f"“{field.label}” is a checkbox: write {key}:true or {key}:false.")
    if field.kind is FieldKind.list:
        option = {name_key(each): each for each in field.options}.get(name_key(value))
        if option is None:
            listed = ", ".join(f"“{each}”" for each in field.options)
            raise _Refused(f"“{value}” is not an option of “{field.label}” ({listed}).")
        return FieldMatch(f"{key}:{option}", field.id, text=option)
    if field.kind is FieldKind.text:
        return FieldMatch(spec, field.id, folded=value.lower())
    return _compared(field, spec, value)


async def match_of(session: AsyncSession, *, spec: str, strict: bool, name: str) -> FieldMatch:
    """`key:value` checked against the field. `strict` (what a client sends now): a wrong one is
    a 422 naming `name`; otherwise (a view saved earlier) a field deleted, archived or an option
    removed since matches no ticket, as a deleted label does."""
    key, colon, value = spec.partition(":")
    key, value = key.strip(), value.strip()
    field = await session.scalar(
        select(CustomField).where(
            CustomField.object == FieldObject.ticket,
            CustomField.key == key,
            CustomField.archived.is_(False),
        )
    )
    if colon and field is not None:
        try:
            return _match(field, key, value)
        except _Refused as refused:
            problem = str(refused)
    else:
        problem = f"{spec!r} names no ticket field: write key:value, like plan:Pro."
    if strict:
        raise Invalid(name, problem)
    return FieldMatch(spec, 0)


def condition(
    match: FieldMatch, ticket_id: ColumnElement[int] | QueryableAttribute[int]
) -> ColumnElement[bool]:
    if not match.field_id:
        return false()
    held = exists().where(
        TicketFieldValue.ticket_id == ticket_id, TicketFieldValue.field_id == match.field_id
    )
    if not match.present:
        return ~held
    if match.text is not None:
        return held.where(TicketFieldValue.text == match.text)
    if match.folded is not None:
        return held.where(func.lower(TicketFieldValue.text) == match.folded)
    column = TicketFieldValue.number if match.column == "number" else TicketFieldValue.text
    if match.low is not None:
        held = held.where(column > match.low if match.low_open else column >= match.low)
    if match.high is not None:
        held = held.where(column < match.high if match.high_open else column <= match.high)
    return held
