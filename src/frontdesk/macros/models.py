"""Macros: a name and an ordered list of actions an agent applies to tickets in one click,
either their own (personal) or an inbox's (team), like saved replies."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import IDS_NEVER_REUSED, Base, JSONType, Timestamped


class Macro(Timestamped, Base):
    __tablename__ = "macros"
    __table_args__ = (
        # Personal (an owner, no inbox) or team (an inbox, no owner), never both or neither.
        CheckConstraint("(owner_id IS NULL) <> (inbox_id IS NULL)", name="one_scope"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # The actions as `actions/kinds.py` describes them; read back through the same models.
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    inbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("inboxes.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def scope(self) -> str:
        return "team" if self.inbox_id is not None else "personal"
