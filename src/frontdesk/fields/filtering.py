"""The ticket list filtered by a custom field's value: `field=plan:Pro` (a list's option) or
`field=urgent_callback:true` / `:false` (a checkbox ticked or not), in GET /api/v1/tickets and in
a saved view's filters. Only lists and checkboxes: their values are few and named, as the other
filters' are; a text, a number or a date would need ranges and words, which the list has not.

The match is an EXISTS (NOT EXISTS for a checkbox unticked) on `ticket_field_values`, which the
plan probes by its primary key (`ticket_id`, `field_id`) for each ticket in the list's order:
one lookup per ticket the page reads past, whatever the number of values set."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists, false, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from frontdesk.errors import Invalid
from frontdesk.fields.models import CustomField, FieldKind, FieldObject, TicketFieldValue
from frontdesk.labels.service import name_key

FILTERABLE = (FieldKind.list, FieldKind.checkbox)


@dataclass(frozen=True, slots=True)
class FieldMatch:
    """Tickets whose field `field_id` holds `text` (a list's option), or has a value at all
    (`text` None, `present`: a ticked checkbox), or has none (`present` False). A field gone
    since a view named it has `field_id` 0: no ticket."""

    spec: str
    field_id: int
    text: str | None = None
    present: bool = True


async def match_of(session: AsyncSession, *, spec: str, strict: bool, name: str) -> FieldMatch:
    """`key:value` checked against the field. `strict` (what a client sends now): a wrong one is
    a 422 naming `name`; otherwise (a view saved earlier) a field deleted, archived or an option
    removed since matches no ticket, as a deleted label does."""
    key, colon, value = spec.partition(":")
    field = await session.scalar(
        select(CustomField).where(
            CustomField.object == FieldObject.ticket,
            CustomField.key == key.strip(),
            CustomField.archived.is_(False),
        )
    )
    value = value.strip()
    problem = None
    match = None
    if not colon or field is None:
        problem = f"{spec!r} names no ticket field: write key:value, like plan:Pro."
    elif field.kind not in FILTERABLE:
        problem = f"Only list and checkbox fields filter the list, not “{field.label}”."
    elif field.kind is FieldKind.checkbox:
        if value in ("true", "false"):
            match = FieldMatch(spec, field.id, present=value == "true")
        else:
            problem = f"“{field.label}” is a checkbox: write {key}:true or {key}:false."
    else:
        option = {name_key(each): each for each in field.options}.get(name_key(value))
        if option is not None:
            match = FieldMatch(f"{key}:{option}", field.id, text=option)
        else:
            listed = ", ".join(f"“{each}”" for each in field.options)
            problem = f"“{value}” is not an option of “{field.label}” ({listed})."
    if match is not None:
        return match
    if strict:
        raise Invalid(name, problem or "No such field.")
    return FieldMatch(spec, 0)


def condition(
    match: FieldMatch, ticket_id: ColumnElement[int] | QueryableAttribute[int]
) -> ColumnElement[bool]:
    if not match.field_id:
        return false()
    held = exists().where(
        TicketFieldValue.ticket_id == ticket_id, TicketFieldValue.field_id == match.field_id
    )
    if match.text is not None:
        return held.where(TicketFieldValue.text == match.text)
    return held if match.present else ~held
