"""Organisations (companies) that customers belong to, and the email domains that bring
customers into them (docs/desk.md, "Organisations")."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import IDS_NEVER_REUSED, Base, Timestamped, index_where_set

MAX_NAME = 200
MAX_NOTES = 2_000
MAX_DOMAINS = 50


class Organisation(Timestamped, Base):
    __tablename__ = "organisations"
    # Ids leave the database (URLs, audit entries) and organisations are deleted: never reused.
    __table_args__ = (IDS_NEVER_REUSED,)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME), index=True)
    # The name folded (labels/service.name_key): two organisations never differ only by case.
    name_key: Mapped[str] = mapped_column(String(64), unique=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    # "Members see each other's requests in the help center" (docs/portal.md, migration 0090).
    shared_requests: Mapped[bool] = mapped_column(default=False, server_default=false())


class OrganisationDomain(Base):
    """An email domain of an organisation: a new customer with an address at it joins it. A
    domain belongs to one organisation at most (its key)."""

    __tablename__ = "organisation_domains"
    __table_args__ = (
        Index("ix_organisation_domains_organisation_id", "organisation_id"),
        # The domains whose existing customers are still being joined (service.join_pending).
        index_where_set("ix_organisation_domains_pending", "backfill_until"),
    )

    # Stored as customers' addresses store it (lower case, an IDN in Unicode), so that the
    # domain of an address is compared as it is.
    domain: Mapped[str] = mapped_column(String(253), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    # While the customers who had an address at the domain before it was added are joined:
    # the email contacts up to `backfill_until` (the highest contact id when it was added),
    # done up to `backfill_after`. Both null once done.
    backfill_after: Mapped[int | None]
    backfill_until: Mapped[int | None]
