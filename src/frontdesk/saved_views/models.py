"""Saved views: a named set of the ticket list's filters with a sort, either one agent's own
(personal) or every agent's (shared)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import IDS_NEVER_REUSED, Base, JSONType, Timestamped

# `owner_key` of a shared view: a name is unique per owner, and a NULL owner would make every
# shared view's name unique on its own in SQL.
SHARED = 0


class SavedView(Timestamped, Base):
    __tablename__ = "saved_views"
    __table_args__ = (
        UniqueConstraint("owner_key", "name_key", name="uq_saved_views_owner_key_name_key"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # The name as labels key theirs (labels/service.py `name_key`: NFKC, folded, hashed):
    # "Urgent", "URGENT" and an "É" typed as E + accent are one name for one owner; hashed, as
    # folding can make a name longer than the column ("ß" folds to "ss").
    name_key: Mapped[str] = mapped_column(String(64))
    # The list's filters as saved_views/schemas.py `ViewFilters` describes them; read back
    # through the same model.
    filters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    sort: Mapped[str] = mapped_column(String(16), default="-updated_at")
    # NULL: shared. A personal view goes with its owner.
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    owner_key: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def shared(self) -> bool:
        return self.owner_id is None
