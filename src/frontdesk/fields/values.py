"""Custom fields' values on tickets and customers: checked by kind, set, read, merged.

- **Shape.** A record's `fields` are `{key: value}` for every field not archived: text, a list's
  option and a date (`YYYY-MM-DD`) as strings, a number as a number, a checkbox as true or
  false; null when unset.
- **Empty is unset.** `null`, `""` and an unticked checkbox remove the value (no row), so
  "tickets with a Plan" and "tickets whose box is ticked" are the rows there are.
- **Partial.** A write names only the fields it changes; every value is checked before any is
  written, so a refusal (422 naming the field and what is wrong) writes nothing.
- **Merge.** The record kept keeps its values; the one merged in fills only the fields it has
  and the kept one has not (`fill_gaps`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.errors import Invalid
from frontdesk.fields.models import (
    VALUE_TABLES,
    CustomerFieldValue,
    CustomField,
    FieldKind,
    FieldObject,
    TicketFieldValue,
)
from frontdesk.fields.service import NOUNS, list_fields
from frontdesk.labels.service import name_key

MAX_TEXT = 500
# A double keeps 15 significant digits exactly: beyond them (or this size) a value would come
# back other than it was written.
MAX_NUMBER = Decimal(10**15)
MAX_DIGITS = 15
# ASCII digits only: `\d` takes other scripts' digits too, which `float` would read.
NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# What `str.splitlines` breaks at: a "single line" has none of them.
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
# An unknown key is echoed in a refusal this long at most.
SHOWN_KEY = 40
OWNERS: dict[FieldObject, Any] = {
    FieldObject.ticket: TicketFieldValue.ticket_id,
    FieldObject.customer: CustomerFieldValue.customer_id,
}

Stored = tuple[str | None, float | None]


@dataclass(frozen=True, slots=True)
class Changed:
    field: CustomField
    before: Any
    after: Any


def unset(field: CustomField) -> Any:
    return False if field.kind is FieldKind.checkbox else None


def shown(field: CustomField, text: str | None, number: float | None) -> Any:
    """A stored value as the API shows it."""
    if field.kind is FieldKind.checkbox:
        return bool(number)
    if field.kind is FieldKind.number:
        if number is None:
            return None
        return int(number) if number.is_integer() else number
    return text


def _refused(field: CustomField, message: str, *, code: str = "invalid") -> Invalid:
    return Invalid(f"fields.{field.key}", f"“{field.label}”: {message}", field_code=code)


def checked(field: CustomField, value: Any) -> Stored | None:
    """What to store for `value`, or None to unset it; a value of the wrong kind is a 422 that
    names the field and says what it takes."""
    if value is None:
        return None
    kind = field.kind
    if kind is FieldKind.checkbox:
        if not isinstance(value, bool):
            raise _refused(field, "a checkbox takes true or false.")
        return (None, 1.0) if value else None
    if kind is FieldKind.number:
        return _number(field, value)
    if not isinstance(value, str):
        wanted = {
            FieldKind.text: "a text",
            FieldKind.date: "a date written YYYY-MM-DD",
            FieldKind.list: "one of its options, as text",
        }[kind]
        raise _refused(field, f"give {wanted}.")
    value = value.strip()
    if not value:
        return None
    if kind is FieldKind.text:
        if not LINE_BREAKS.isdisjoint(value):
            raise _refused(field, "a single line, without line breaks.")
        if len(value) > MAX_TEXT:
            raise Invalid(
                f"fields.{field.key}",
                f"“{field.label}”: at most {MAX_TEXT} characters.",
                field_code="too_long",
                limit=MAX_TEXT,
            )
        return (value, None)
    if kind is FieldKind.date:
        try:
            if not DATE.fullmatch(value):
                raise ValueError
            return (date.fromisoformat(value).isoformat(), None)
        except ValueError:
            raise _refused(field, f"{value!r} is not a date written YYYY-MM-DD.") from None
    # A list: one of its options, whatever the case it was typed in.
    by_key = {name_key(option): option for option in field.options}
    option = by_key.get(name_key(value))
    if option is None:
        listed = ", ".join(f"“{each}”" for each in field.options)
        raise _refused(field, f"“{value}” is not one of its options ({listed}).")
    return (option, None)


def _number(field: CustomField, value: Any) -> Stored | None:
    if isinstance(value, bool):
        raise _refused(field, "give a number, not true or false.")
    too_large = _refused(field, "give a number under 1,000,000,000,000,000 either way.")
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
        if not NUMBER.fullmatch(value):
            raise _refused(field, f"{value[:20]!r} is not a number (write 12 or 12.5).")
        written = value
    elif isinstance(value, int):
        # Before any conversion: a JSON integer may have hundreds of digits (`float` overflows).
        if abs(value) >= MAX_NUMBER:
            raise too_large
        written = str(value)
    elif isinstance(value, float):
        written = repr(value)
    else:
        raise _refused(field, "give a number.")
    number = Decimal(written)
    if not number.is_finite() or abs(number) >= MAX_NUMBER:
        raise too_large
    if len(number.normalize().as_tuple().digits) > MAX_DIGITS:
        raise _refused(field, f"at most {MAX_DIGITS} significant digits.")
    return (None, float(number))


async def values_of(
    session: AsyncSession, *, object: FieldObject, ids: Sequence[int]
) -> dict[int, dict[str, Any]]:
    """Each record's `fields`: every field not archived, null (false) when unset."""
    fields = await list_fields(session, object=object, archived=False)
    result: dict[int, dict[str, Any]] = {
        record_id: {field.key: unset(field) for field in fields} for record_id in ids
    }
    if not fields or not ids:
        return result
    table, owner = VALUE_TABLES[object], OWNERS[object]
    by_id = {field.id: field for field in fields}
    rows = await session.execute(
        select(owner, table.field_id, table.text, table.number).where(
            owner.in_(sorted(set(ids))), table.field_id.in_(by_id)
        )
    )
    for record_id, field_id, text, number in rows:
        field = by_id[field_id]
        result[record_id][field.key] = shown(field, text, number)
    return result


async def held_values(
    session: AsyncSession, *, object: FieldObject, ids: Sequence[int]
) -> dict[int, dict[str, Any]]:
    """Every value the records hold, archived fields' too, by label: what a person reads of
    them (a customer's data export, privacy/archive.py)."""
    result: dict[int, dict[str, Any]] = {record_id: {} for record_id in ids}
    table, owner = VALUE_TABLES[object], OWNERS[object]
    every = sorted(set(ids))
    # In parts: a customer may have more tickets than a statement takes parameters.
    for start in range(0, len(every), 1000):
        rows = await session.execute(
            select(owner, CustomField, table.text, table.number)
            .join(CustomField, CustomField.id == table.field_id)
            .where(owner.in_(every[start : start + 1000]))
            .order_by(CustomField.position, CustomField.id)
        )
        for record_id, field, text, number in rows:
            result[record_id][field.label] = shown(field, text, number)
    return result


async def checked_values(
    session: AsyncSession, *, object: FieldObject, given: Mapping[str, Any]
) -> tuple[Sequence[CustomField], dict[int, Stored | None]]:
    """The fields named (read FOR SHARE, `_named_fields`) and what each value given stores
    (None: unset), every one checked: an unknown key, an archived field or a value its kind
    does not take is a 422 naming `fields.<key>`. What a write, a macro or a rule being saved
    checks alike."""
    fields = await _named_fields(session, object=object, keys=list(given))
    by_key = {field.key: field for field in fields}
    wanted: dict[int, Stored | None] = {}
    for key, value in given.items():
        field = by_key.get(key)
        if field is None:
            listed = await list_fields(session, object=object, archived=False)
            known = ", ".join(each.key for each in listed) or "none yet"
            shown_key = key if len(key) <= SHOWN_KEY else f"{key[:SHOWN_KEY]}…"
            raise Invalid(
                f"fields.{shown_key}",
                f"No {NOUNS[object][0]} field has the key {shown_key!r} (the keys: {known}).",
                field_code="unavailable",
            )
        if field.archived:
            raise _refused(
                field, "the field is archived: an admin must restore it first.", code="unavailable"
            )
        wanted[field.id] = checked(field, value)
    return fields, wanted


async def set_values(
    session: AsyncSession, *, object: FieldObject, record_id: int, given: Mapping[str, Any]
) -> list[Changed]:
    """Sets the values named (null or empty: unset), after checking all of them; returns what
    changed, in the fields' order. The caller holds the record (a ticket's row lock)."""
    if not given:
        return []
    fields, wanted = await checked_values(session, object=object, given=given)
    table, owner = VALUE_TABLES[object], OWNERS[object]
    existing: dict[int, Stored] = {
        field_id: (text, number)
        for field_id, text, number in await session.execute(
            select(table.field_id, table.text, table.number).where(
                owner == record_id, table.field_id.in_(wanted)
            )
        )
    }
    changed: list[Changed] = []
    for field in fields:
        if field.id not in wanted:
            continue
        before, after = existing.get(field.id), wanted[field.id]
        if before == after:
            continue
        match = (owner == record_id, table.field_id == field.id)
        if after is None:
            await session.execute(delete(table).where(*match))
        elif before is None:
            await session.execute(
                insert(table).values(
                    {
                        owner.key: record_id,
                        "field_id": field.id,
                        "text": after[0],
                        "number": after[1],
                    }
                )
            )
        else:
            await session.execute(
                update(table).where(*match).values(text=after[0], number=after[1])
            )
        changed.append(
            Changed(
                field,
                shown(field, *before) if before else unset(field),
                shown(field, *after) if after else unset(field),
            )
        )
    return changed


async def _named_fields(
    session: AsyncSession, *, object: FieldObject, keys: Sequence[str]
) -> Sequence[CustomField]:
    """The fields named, read FOR SHARE until the write commits. An admin's delete, archive or
    option removal locks the field FOR UPDATE (service.py): it waits for this write (a delete
    then takes the values just set), or this write waits for it and reads what it left (no
    field any more: a 422, never a foreign key's 500). A key share would not hold off a delete."""
    query = (
        select(CustomField)
        .where(CustomField.object == object, CustomField.key.in_(keys))
        .order_by(CustomField.position, CustomField.id)
        .with_for_update(read=True)
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(query)).all()


async def named_fields(
    session: AsyncSession, *, object: FieldObject, keys: Sequence[str]
) -> Sequence[CustomField]:
    """The fields named, archived ones too, read FOR SHARE as a write reads them."""
    return await _named_fields(session, object=object, keys=keys)


async def fill_gaps(
    session: AsyncSession, *, object: FieldObject, source_id: int, target_id: int
) -> list[dict[str, Any]]:
    """Copies to `target_id` the values of `source_id` for the fields it has none of (archived
    ones too: they are kept, so they follow); returns what it filled, as `remove_filled` takes
    it back (`field_id`, `text`, `number`)."""
    table, owner = VALUE_TABLES[object], OWNERS[object]
    held = set(await session.scalars(select(table.field_id).where(owner == target_id)))
    rows = (
        await session.execute(
            select(table.field_id, table.text, table.number)
            .where(owner == source_id)
            .order_by(table.field_id)
        )
    ).all()
    filled = [row for row in rows if row.field_id not in held]
    if filled:
        await session.execute(
            insert(table),
            [
                {
                    owner.key: target_id,
                    "field_id": row.field_id,
                    "text": row.text,
                    "number": row.number,
                }
                for row in filled
            ],
        )
    return [{"field_id": row.field_id, "text": row.text, "number": row.number} for row in filled]


async def remove_filled(
    session: AsyncSession,
    *,
    object: FieldObject,
    record_id: int,
    filled: Sequence[Mapping[str, Any]],
) -> bool:
    """Takes back what `fill_gaps` filled (a merge undone): each value the record still holds as
    it was filled; one an agent changed since is theirs and stays. True when one went."""
    table, owner = VALUE_TABLES[object], OWNERS[object]
    removed = False
    for each in filled:
        text, number = each.get("text"), each.get("number")
        result = await session.execute(
            delete(table).where(
                owner == record_id,
                table.field_id == int(each["field_id"]),
                table.text.is_(None) if text is None else table.text == text,
                table.number.is_(None) if number is None else table.number == number,
            )
        )
        removed = removed or bool(getattr(result, "rowcount", 0))
    return removed


def described(change: Changed) -> str:
    """How the timeline says it: `set Plan to Pro`, `cleared Plan`."""
    field, after = change.field, change.after
    if field.kind is FieldKind.checkbox:
        return f"{'ticked' if after else 'unticked'} {field.label}"
    if after is None:
        return f"cleared {field.label}"
    return f"set {field.label} to {after}"


async def stored_of(
    session: AsyncSession, *, object: FieldObject, ids: Sequence[int]
) -> dict[int, dict[int, Stored]]:
    """Each record's values as stored, by field id: what rules' conditions compare
    (fields/automation.py). Records without a value are left out."""
    table, owner = VALUE_TABLES[object], OWNERS[object]
    found: dict[int, dict[int, Stored]] = {}
    every = sorted(set(ids))
    for start in range(0, len(every), 1000):
        rows = await session.execute(
            select(owner, table.field_id, table.text, table.number).where(
                owner.in_(every[start : start + 1000])
            )
        )
        for record_id, field_id, text, number in rows:
            found.setdefault(record_id, {})[field_id] = (text, number)
    return found
