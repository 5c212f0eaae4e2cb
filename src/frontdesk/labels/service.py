"""Labels: a desk-wide vocabulary; names are unique regardless of case, in every alphabet."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.db.unique import flush_unique
from frontdesk.errors import Conflict, Invalid, NotFound
from frontdesk.labels.models import Label

COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def name_key(name: str) -> str:
    """One key for "Été", "été", "ÉTÉ" and an É written as E + accent. Computed here rather than
    with the database's lower(), which on SQLite folds only ASCII letters."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    # A digest keeps the key short: folding can make a name several times longer.
    return hashlib.sha256(folded.encode()).hexdigest()


def _ensure_color(color: str) -> str:
    if not COLOR.match(color):
        raise Invalid("color", "Use a hex colour like #2563eb.")
    return color.lower()


async def list_labels(session: AsyncSession) -> Sequence[Label]:
    return (await session.scalars(select(Label).order_by(Label.name))).all()


async def get_label(session: AsyncSession, *, label_id: int) -> Label:
    label = await session.get(Label, label_id)
    if label is None:
        raise NotFound("No such label.")
    return label


def _name_taken(name: str, existing: str | None = None) -> Conflict:
    if existing is None or existing == name:
        message = f"A label named {name!r} already exists: use it, or choose another name."
    else:
        message = (
            f"{name!r} is taken: there is already a label {existing!r}, and label names ignore "
            "case. Use it, or choose another name."
        )
    return Conflict(message, code="label_exists")


async def _ensure_free_name(session: AsyncSession, *, name: str, except_id: int | None) -> None:
    query = select(Label.name).where(Label.name_key == name_key(name))
    if except_id is not None:
        query = query.where(Label.id != except_id)
    existing = await session.scalar(query)
    if existing is not None:
        raise _name_taken(name, existing)


async def create_label(session: AsyncSession, *, name: str, color: str = "#64748b") -> Label:
    name = name.strip()
    await _ensure_free_name(session, name=name, except_id=None)
    label = Label(name=name, name_key=name_key(name), color=_ensure_color(color))
    session.add(label)
    await flush_unique(session, taken=_name_taken(name))
    return label


async def update_label(
    session: AsyncSession, *, label: Label, name: str | None = None, color: str | None = None
) -> Label:
    if color is not None:
        label.color = _ensure_color(color)
    if name is not None:
        name = name.strip()
        await _ensure_free_name(session, name=name, except_id=label.id)
        label.name, label.name_key = name, name_key(name)
        await flush_unique(session, taken=_name_taken(name))
    return label


async def delete_label(session: AsyncSession, *, label: Label) -> None:
    await session.delete(label)


async def resolve_labels(session: AsyncSession, *, names: Sequence[str]) -> list[Label]:
    """Labels by name; unknown names are created, so a chat can be tagged on the fly."""
    wanted = {name.strip(): None for name in names if name.strip()}
    if not wanted:
        return []
    keys = {name: name_key(name) for name in wanted}
    existing = (await session.scalars(select(Label).where(Label.name_key.in_(keys.values())))).all()
    by_key = {label.name_key: label for label in existing}
    labels = []
    for name, key in keys.items():
        label = by_key.get(key)
        if label is None:
            label = await create_label(session, name=name)
            by_key[key] = label
        if label not in labels:
            labels.append(label)
    return labels


async def labels_by_ids(session: AsyncSession, *, label_ids: Sequence[int]) -> list[Label]:
    if not label_ids:
        return []
    found = (await session.scalars(select(Label).where(Label.id.in_(label_ids)))).all()
    missing = set(label_ids) - {label.id for label in found}
    if missing:
        raise Invalid("label_ids", f"No such label: {', '.join(map(str, sorted(missing)))}.")
    return sorted(found, key=lambda label: label.name)
