"""The customer portal's rows ("My requests", docs/portal.md): the sign-in links mailed to
customers and the sessions their browsers hold, both kept by the SHA-256 digest of their token
only (kit/ids.py), so a leaked table signs nobody in; and when each customer opened a request
here (the hourly limit). All gone with their customer (the cascade); links and sessions deleted
as soon as an erasure of that customer starts (portal/service.py `forget_customers`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Base
from frontdesk.kit.clock import utcnow


class PortalLink(Base):
    """A sign-in link: usable once (`used_at`), until `expires_at`."""

    __tablename__ = "portal_links"
    # A customer's links of the last minutes: what the per-address limit counts (and the
    # cascade of a customer's delete finds).
    __table_args__ = (Index("ix_portal_links_customer_created", "customer_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    # The address it was mailed to (normalised): the session it opens remembers it.
    email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class PortalSession(Base):
    """A signed-in browser: its cookie's digest, until `expires_at` or "Sign out"."""

    __tablename__ = "portal_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    # The address the customer proved by the link: a request opened here is answered there.
    # None: opened before migration 0089.
    email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class PortalRequest(Base):
    """A request a customer opened from the portal ("New request"): what the per-customer hourly
    limit counts. Only who and when: the ticket is the record of what they wrote."""

    __tablename__ = "portal_requests"
    __table_args__ = (Index("ix_portal_requests_customer_created", "customer_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
