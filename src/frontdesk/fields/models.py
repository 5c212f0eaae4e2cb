"""Custom fields: what admins define for tickets and customers, and the values set on them.

A value is a row of its own (not a key of a JSON column), one table per kind of record, so that
"does this ticket's Plan hold Pro" is one primary-key lookup (fields/filtering.py) and a deleted
ticket or customer takes its values with it (the foreign keys' cascades)."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import IDS_NEVER_REUSED, Base, JSONType, Timestamped, enum_column


class FieldObject(enum.StrEnum):
    """The records a field is defined for."""

    ticket = "ticket"
    customer = "customer"


class FieldKind(enum.StrEnum):
    text = "text"
    number = "number"
    checkbox = "checkbox"
    date = "date"
    list = "list"


class CustomField(Timestamped, Base):
    __tablename__ = "custom_fields"
    __table_args__ = (
        # The key is what the API names a value by; the label key makes "Plan" and "PLAN" one
        # field (labels/service.py `name_key`). Both per object: a ticket's and a customer's
        # field may share a name.
        UniqueConstraint("object", "key"),
        UniqueConstraint("object", "label_key"),
        # Audit entries and saved filters name fields by id.
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    object: Mapped[FieldObject] = mapped_column(enum_column(FieldObject))
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(60))
    label_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[FieldKind] = mapped_column(enum_column(FieldKind))
    # A list's choices, in the order the desk offers them; [] for the other kinds.
    options: Mapped[list[str]] = mapped_column(JSONType, default=list)
    position: Mapped[int] = mapped_column(default=0)
    # Archived: kept with its values, but neither shown nor settable.
    archived: Mapped[bool] = mapped_column(default=False)


class TicketFieldValue(Base):
    __tablename__ = "ticket_field_values"
    __table_args__ = (
        Index("ix_ticket_field_values_text", "field_id", "text"),
        Index("ix_ticket_field_values_number", "field_id", "number"),
    )

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    field_id: Mapped[int] = mapped_column(
        ForeignKey("custom_fields.id", ondelete="CASCADE"), primary_key=True
    )
    # Text, a list's option and a date (YYYY-MM-DD, which sorts as dates do) are text; a number
    # and a ticked checkbox (1) are numbers.
    text: Mapped[str | None] = mapped_column(String(500))
    number: Mapped[float | None] = mapped_column(Float)


class CustomerFieldValue(Base):
    __tablename__ = "customer_field_values"
    __table_args__ = (
        Index("ix_customer_field_values_text", "field_id", "text"),
        Index("ix_customer_field_values_number", "field_id", "number"),
    )

    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    field_id: Mapped[int] = mapped_column(
        ForeignKey("custom_fields.id", ondelete="CASCADE"), primary_key=True
    )
    text: Mapped[str | None] = mapped_column(String(500))
    number: Mapped[float | None] = mapped_column(Float)


ValueRow = TicketFieldValue | CustomerFieldValue
VALUE_TABLES: dict[FieldObject, Any] = {
    FieldObject.ticket: TicketFieldValue,
    FieldObject.customer: CustomerFieldValue,
}
