"""Custom fields in rules and macros: a rule's condition on a ticket's or its customer's field
("Plan is Pro", "Seats is at least 10", "VIP is ticked"), and the action that sets ticket
fields. Both are checked when the rule or macro is saved by what a value written through the API
is checked by (values.py `checked_values`), and stored as the API shows values (a list's option
in its own case, a number as a number), so the editor shows what was saved.

The operators a kind offers (`OPS`):

- text: is / is not (case ignored), contains / does not contain, is set / is not set;
- list: is / is not one of its options, is set / is not set;
- number and date: is / is not, more than, at least, less than, at most (a date: after, on or
  after, before, on or before), is set / is not set;
- checkbox: is ticked or not (`is` true / false): an unticked box is no value, so "set" says
  nothing more.

A record without a value: "is" and the comparisons do not hold, "is not" and "does not contain"
do (as a ticket without a label "has not" it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.errors import Invalid
from frontdesk.fields.models import CustomField, FieldKind, FieldObject
from frontdesk.fields.service import NOUNS
from frontdesk.fields.values import (
    Stored,
    checked,
    checked_values,
    named_fields,
    shown,
    unset,
)

COMPARING = ("gt", "gte", "lt", "lte")
EQUALITY = ("is", "is_not")
PRESENCE = ("set", "not_set")
OPS: dict[FieldKind, tuple[str, ...]] = {
    FieldKind.text: (*EQUALITY, "contains", "not_contains", *PRESENCE),
    FieldKind.list: (*EQUALITY, *PRESENCE),
    FieldKind.number: (*EQUALITY, *COMPARING, *PRESENCE),
    FieldKind.date: (*EQUALITY, *COMPARING, *PRESENCE),
    FieldKind.checkbox: EQUALITY,
}


def _moved(error: Invalid, at: str) -> Invalid:
    """The refusal of a value, named where the rule or macro holds it."""
    for each in error.fields or []:
        each["field"] = at
    return error


async def field_named(
    session: AsyncSession, *, object: FieldObject, key: str, at: str
) -> CustomField:
    """The field a rule or macro names, not archived, read FOR SHARE until the save commits (an
    admin's delete or archive then waits, and finds it named: fields/usage.py)."""
    found = await named_fields(session, object=object, keys=[key])
    if not found:
        raise Invalid(
            at, f"No {NOUNS[object][0]} field has the key {key[:40]!r}.", field_code="unavailable"
        )
    field = found[0]
    if field.archived:
        raise Invalid(
            at,
            f"“{field.label}” is archived: an admin must restore it first.",
            field_code="unavailable",
        )
    return field


def checked_condition(field: CustomField, *, op: str, value: Any, at: str) -> Any:
    """The value to compare with, as stored in the rule (None for "is set"); a refusal names
    `at` (`conditions.N`)."""
    if op not in OPS[field.kind]:
        offered = ", ".join(OPS[field.kind])
        raise Invalid(
            f"{at}.op",
            f"“{field.label}” is a {field.kind.value} field: its operators are {offered}.",
        )
    if op in PRESENCE:
        return None
    if field.kind is FieldKind.checkbox:
        if not isinstance(value, bool):
            raise Invalid(
                f"{at}.value", f"“{field.label}” is a checkbox: compare with true or false."
            )
        return value
    try:
        stored = checked(field, value)
    except Invalid as refused:
        raise _moved(refused, f"{at}.value") from None
    if stored is None:
        raise Invalid(
            f"{at}.value",
            f"“{field.label}”: give a value to compare with, or use set / not_set.",
            field_code="required",
        )
    return shown(field, *stored)


def holds(field: CustomField, *, op: str, value: Any, held: Stored | None) -> bool:
    """Whether a record's stored value (None: unset) meets the condition, its value as
    `checked_condition` left it."""
    if op == "set":
        return held is not None
    if op == "not_set":
        return held is None
    if field.kind is FieldKind.checkbox:
        return (held is not None) == (value is (op == "is"))
    try:
        wanted = checked(field, value)
    except Invalid:
        # Saved when the field took it; an option since renamed matches nothing.
        return False
    if wanted is None:
        return False
    if op in ("contains", "not_contains"):
        found = held is not None and (wanted[0] or "").casefold() in (held[0] or "").casefold()
        return found == (op == "contains")
    if held is None:
        return op == "is_not"
    if op in EQUALITY:
        same = (
            (held[0] or "").casefold() == (wanted[0] or "").casefold()
            if field.kind is FieldKind.text
            else held == wanted
        )
        return same == (op == "is")
    # A number compares as a number; a date's YYYY-MM-DD as text, which sorts as dates do.
    mine, theirs = (held[1], wanted[1]) if field.kind is FieldKind.number else (held[0], wanted[0])
    if mine is None or theirs is None:
        return False
    match op:
        case "gt":
            return mine > theirs  # type: ignore[operator]
        case "gte":
            return mine >= theirs  # type: ignore[operator]
        case "lt":
            return mine < theirs  # type: ignore[operator]
        case _:
            return mine <= theirs  # type: ignore[operator]


async def checked_settings(
    session: AsyncSession, *, given: Mapping[str, Any], at: str
) -> dict[str, Any]:
    """A "set fields" action's values, checked as a ticket's PATCH checks them, as the API
    shows them (null: unset); a refusal names `at.fields.<key>`."""
    try:
        fields, wanted = await checked_values(session, object=FieldObject.ticket, given=given)
    except Invalid as refused:
        for each in refused.fields or []:
            each["field"] = f"{at}.{each['field']}"
        raise
    by_key = {field.key: field for field in fields}
    result: dict[str, Any] = {}
    for key in given:
        field = by_key[key]
        stored = wanted[field.id]
        result[key] = shown(field, *stored) if stored is not None else unset(field)
    return result
