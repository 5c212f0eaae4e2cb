"""Customers and their contacts; an email address belongs to at most one customer."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import (
    IDS_NEVER_REUSED,
    Base,
    JSONType,
    Timestamped,
    enum_column,
    index_where_set,
)


class ContactKind(enum.StrEnum):
    email = "email"
    phone = "phone"


class Customer(Timestamped, Base):
    __tablename__ = "customers"
    # The customers merged into one, which an erasure of it erases too.
    __table_args__ = (
        index_where_set("ix_customers_merged_into", "merged_into_id"),
        # An organisation's customers (its page, its count, its delete's SET NULL).
        index_where_set("ix_customers_organisation", "organisation_id"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="", index=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")
    # Set when merged away; the row stays so old links resolve to the survivor.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    # Lets the agent who created a customer by hand see it before it has any ticket.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Whether we know this customer's addresses are theirs: known to agents or the API, mail came
    # from them, their website signed their identity, or an agent replied to them. A customer made
    # from an address a website visitor typed is not, and such claims never join one that is.
    verified: Mapped[bool] = mapped_column(default=False)
    # The company they belong to (organisations/), joined by their address's domain or set by
    # an agent; `organisation_by_hand` when an agent chose it (or chose none): domains then
    # leave it alone.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    organisation_by_hand: Mapped[bool] = mapped_column(default=False, server_default=false())


class CustomerContact(Base):
    __tablename__ = "customer_contacts"
    __table_args__ = (UniqueConstraint("kind", "value"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ContactKind] = mapped_column(enum_column(ContactKind))
    # Emails are stored lower-cased and phones without spaces, so uniqueness means something.
    value: Mapped[str] = mapped_column(String(320))
