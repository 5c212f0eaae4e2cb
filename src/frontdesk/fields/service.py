"""Custom fields' definitions: admins add, rename, reorder, archive and delete them.

- **Key.** Made once from the label ("Contract end" → `contract_end`) unless the admin gives
  one, and never changed by a rename: scripts and saved filters name the field by it. A key made
  from a label that another field's key already has gets `_2`, `_3`…
- **Label.** Unique per object regardless of case and Unicode form, folded as label names are
  (labels/service.py `name_key`); the unique key decides between two admins creating the same
  field at once (db/unique.py).
- **Kind.** Fixed at creation: the values already set were checked against it.
- **Options** (a list's): added, reordered and removed while no record holds the option;
  renamed with every value, rule, macro and view naming them (renames.py).
- **Delete** removes every value with the field (the cascade); the desk asks first, saying how
  many records hold one (`in_use`). Archiving keeps them, hidden.
- **Named by rules and macros**, a field is neither deleted nor archived, nor a list's option
  they name removed (usage.py, called by the API after `lock_field`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.db.unique import flush_unique
from frontdesk.errors import Conflict, Invalid, NotFound
from frontdesk.fields.models import VALUE_TABLES, CustomField, FieldKind, FieldObject
from frontdesk.labels.service import name_key

# Enough for what a desk tracks about a ticket or a customer; past it a form is no longer read.
MAX_FIELDS = 50
MAX_OPTIONS = 100
MAX_OPTION_LENGTH = 100
MAX_LABEL_LENGTH = 60
MAX_KEY_LENGTH = 40
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
NOUNS = {FieldObject.ticket: ("ticket", "tickets"), FieldObject.customer: ("customer", "customers")}


def key_from(label: str) -> str:
    """`Contract end` → `contract_end`; accents dropped, other letters too (a label in another
    alphabet gives `field`, then `field_2`…)."""
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")
    if slug and not slug[0].isalpha():
        slug = f"field_{slug}"
    return slug[:MAX_KEY_LENGTH].rstrip("_") or "field"


def _label(label: str) -> str:
    label = label.strip()
    if not label:
        raise Invalid("label", "Give the field a label.", field_code="required")
    if len(label) > MAX_LABEL_LENGTH:
        raise Invalid(
            "label",
            f"A label has at most {MAX_LABEL_LENGTH} characters.",
            field_code="too_long",
            limit=MAX_LABEL_LENGTH,
        )
    return label


def checked_options(kind: FieldKind, options: Sequence[str] | None) -> list[str]:
    if kind is not FieldKind.list:
        if options:
            raise Invalid("options", f"Only a list field has options, not a {kind.value} field.")
        return []
    cleaned = [option.strip() for option in options or ()]
    if not cleaned:
        raise Invalid("options", "Give a list field at least one option.", field_code="required")
    if len(cleaned) > MAX_OPTIONS:
        raise Invalid(
            "options",
            f"A list has at most {MAX_OPTIONS} options.",
            field_code="too_long",
            limit=MAX_OPTIONS,
        )
    seen: dict[str, str] = {}
    for option in cleaned:
        if not option:
            raise Invalid("options", "An option cannot be empty.", field_code="required")
        if len(option) > MAX_OPTION_LENGTH:
            raise Invalid(
                "options",
                f"“{option[:20]}…” is too long: an option has at most {MAX_OPTION_LENGTH} "
                "characters.",
                field_code="too_long",
                limit=MAX_OPTION_LENGTH,
            )
        folded = name_key(option)
        if folded in seen:
            raise Invalid("options", f"“{option}” is in the list twice (case is ignored).")
        seen[folded] = option
    return cleaned


def _label_taken(object: FieldObject, label: str) -> Conflict:
    return Conflict(
        f"A {NOUNS[object][0]} field labelled “{label}” already exists (labels ignore case): use "
        "it, or choose another label.",
        code="field_exists",
    )


async def list_fields(
    session: AsyncSession, *, object: FieldObject | None = None, archived: bool = True
) -> Sequence[CustomField]:
    query = select(CustomField).order_by(CustomField.object, CustomField.position, CustomField.id)
    if object is not None:
        query = query.where(CustomField.object == object)
    if not archived:
        query = query.where(CustomField.archived.is_(False))
    return (await session.scalars(query)).all()


async def get_field(session: AsyncSession, *, field_id: int) -> CustomField:
    field = await session.get(CustomField, field_id)
    if field is None:
        raise NotFound("No such field.")
    return field


async def in_use(session: AsyncSession, *, field: CustomField) -> int:
    """How many tickets or customers hold a value of the field (what a delete removes)."""
    table = VALUE_TABLES[field.object]
    return int(await session.scalar(select(func.count()).where(table.field_id == field.id)) or 0)


async def _ensure_free_label(
    session: AsyncSession, *, object: FieldObject, label: str, except_id: int | None
) -> None:
    query = select(CustomField.id).where(
        CustomField.object == object, CustomField.label_key == name_key(label)
    )
    if except_id is not None:
        query = query.where(CustomField.id != except_id)
    if await session.scalar(query) is not None:
        raise _label_taken(object, label)


async def create_field(
    session: AsyncSession,
    *,
    object: FieldObject,
    label: str,
    kind: FieldKind,
    options: Sequence[str] | None = None,
    key: str | None = None,
) -> CustomField:
    label = _label(label)
    cleaned = checked_options(kind, options)
    await _ensure_free_label(session, object=object, label=label, except_id=None)
    existing = (
        await session.execute(
            select(CustomField.key, CustomField.position).where(CustomField.object == object)
        )
    ).all()
    if len(existing) >= MAX_FIELDS:
        raise Conflict(
            f"There are already {MAX_FIELDS} {NOUNS[object][0]} fields, archived ones included: "
            "delete one you no longer use first.",
            code="too_many_fields",
        )
    taken = {row.key for row in existing}
    if key is not None:
        if not KEY.match(key):
            raise Invalid(
                "key",
                "A key is a lower-case letter, then lower-case letters, digits or _ (at most "
                f"{MAX_KEY_LENGTH}), like contract_end.",
            )
        if key in taken:
            raise Conflict(
                f"Another {NOUNS[object][0]} field has the key {key!r}: choose another.",
                code="field_key_taken",
            )
    else:
        base = key = key_from(label)
        suffix = 1
        while key in taken:
            suffix += 1
            tail = f"_{suffix}"
            key = base[: MAX_KEY_LENGTH - len(tail)] + tail
    field = CustomField(
        object=object,
        key=key,
        label=label,
        label_key=name_key(label),
        kind=kind,
        options=cleaned,
        position=max((row.position for row in existing), default=-1) + 1,
    )
    session.add(field)
    # Two admins adding the same field at once: the second meets the unique keys here.
    await flush_unique(session, taken=_label_taken(object, label))
    return field


async def lock_field(session: AsyncSession, field: CustomField) -> None:
    """Locks the field FOR UPDATE (fresh from the row): a value being set holds it FOR SHARE
    (values.py `_named_fields`), so a change waits for that write and then sees its values."""
    locked = await session.scalar(
        select(CustomField)
        .where(CustomField.id == field.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked is None:
        raise NotFound("No such field.")


async def update_field(
    session: AsyncSession,
    *,
    field: CustomField,
    label: str | None = None,
    options: Sequence[str] | None = None,
    archived: bool | None = None,
) -> CustomField:
    await lock_field(session, field)
    if options is not None:
        cleaned = checked_options(field.kind, options)
        await _ensure_options_unused(session, field=field, kept=cleaned)
        field.options = cleaned
    if archived is not None:
        field.archived = archived
    if label is not None:
        label = _label(label)
        await _ensure_free_label(session, object=field.object, label=label, except_id=field.id)
        field.label, field.label_key = label, name_key(label)
        await flush_unique(session, taken=_label_taken(field.object, label))
    return field


async def _ensure_options_unused(
    session: AsyncSession, *, field: CustomField, kept: Sequence[str]
) -> None:
    removed = [option for option in field.options if option not in kept]
    if not removed:
        return
    table = VALUE_TABLES[field.object]
    rows = (
        await session.execute(
            select(table.text, func.count())
            .where(table.field_id == field.id, table.text.in_(removed))
            .group_by(table.text)
        )
    ).all()
    if rows:
        singular, plural = NOUNS[field.object]
        held = ", ".join(
            f"“{option}” ({count} {singular if count == 1 else plural})" for option, count in rows
        )
        raise Conflict(
            f"These options of “{field.label}” are still set: {held}. Change those "
            f"{plural} first, or keep the options.",
            code="option_in_use",
        )


async def reorder_fields(
    session: AsyncSession, *, object: FieldObject, field_ids: Sequence[int]
) -> Sequence[CustomField]:
    fields = await list_fields(session, object=object)
    if sorted(field_ids) != sorted(field.id for field in fields):
        raise Invalid(
            "field_ids",
            f"List every {NOUNS[object][0]} field once, in the new order (archived ones too).",
        )
    by_id = {field.id: field for field in fields}
    for position, field_id in enumerate(field_ids):
        by_id[field_id].position = position
    return [by_id[field_id] for field_id in field_ids]


async def delete_field(session: AsyncSession, *, field: CustomField) -> None:
    await lock_field(session, field)
    # Its values go by the cascade.
    await session.delete(field)
    await session.flush()
