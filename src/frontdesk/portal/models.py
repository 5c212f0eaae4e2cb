"""The customer portal's rows ("My requests", docs/portal.md): the sign-in links mailed to
customers and the sessions their browsers hold. Both kept by the SHA-256 digest of their token
only (kit/ids.py), so a leaked table signs nobody in; both gone with their customer (the
cascade), and deleted as soon as an erasure of that customer starts (portal/service.py
`forget_customers`)."""

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
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
