"""Labels: a desk-wide vocabulary; names are unique regardless of case."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.errors import Conflict, Invalid, NotFound
from frontdesk.labels.models import Label

COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


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


async def _ensure_free_name(session: AsyncSession, *, name: str, except_id: int | None) -> None:
    query = select(Label.id).where(func.lower(Label.name) == name.lower())
    if except_id is not None:
        query = query.where(Label.id != except_id)
    if await session.scalar(query) is not None:
        raise Conflict(f"A label named {name!r} already exists.", code="label_exists")


async def create_label(session: AsyncSession, *, name: str, color: str = "#64748b") -> Label:
    name = name.strip()
    await _ensure_free_name(session, name=name, except_id=None)
    label = Label(name=name, color=_ensure_color(color))
    session.add(label)
    await session.flush()
    return label


async def update_label(
    session: AsyncSession, *, label: Label, name: str | None = None, color: str | None = None
) -> Label:
    if name is not None:
        await _ensure_free_name(session, name=name.strip(), except_id=label.id)
        label.name = name.strip()
    if color is not None:
        label.color = _ensure_color(color)
    return label


async def delete_label(session: AsyncSession, *, label: Label) -> None:
    await session.delete(label)


async def resolve_labels(session: AsyncSession, *, names: Sequence[str]) -> list[Label]:
    """Labels by name; unknown names are created, so a chat can be tagged on the fly."""
    wanted = {name.strip(): None for name in names if name.strip()}
    if not wanted:
        return []
    existing = (
        await session.scalars(
            select(Label).where(func.lower(Label.name).in_([name.lower() for name in wanted]))
        )
    ).all()
    by_lower = {label.name.lower(): label for label in existing}
    labels = []
    for name in wanted:
        label = by_lower.get(name.lower())
        if label is None:
            label = await create_label(session, name=name)
            by_lower[name.lower()] = label
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
