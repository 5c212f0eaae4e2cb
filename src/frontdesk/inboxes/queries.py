"""Which inboxes a user may see: every inbox for owners and admins, their own for agents."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, exists, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from frontdesk.inboxes.models import Inbox, InboxMember
from frontdesk.users.models import Role, User


def visible_inbox_ids(user: User) -> Select[int]:
    if user.is_admin:
        return select(Inbox.id)
    return select(InboxMember.inbox_id).where(InboxMember.user_id == user.id)


def visible_inboxes(user: User) -> Select[Inbox]:
    return select(Inbox).where(Inbox.id.in_(visible_inbox_ids(user)))


def sees_inbox(
    user_id: InstrumentedAttribute[int], inbox_id: InstrumentedAttribute[int]
) -> ColumnElement[bool]:
    """Whether the user sees the inbox now (a member of it, or an owner or admin), as a test on
    columns of the outer query: rows of many users checked in one statement."""
    # Correlated by hand: nested in another EXISTS, SQLAlchemy would otherwise add the outer
    # query's tables to this one's FROM.
    return or_(
        exists()
        .where(InboxMember.user_id == user_id, InboxMember.inbox_id == inbox_id)
        .correlate_except(InboxMember),
        exists()
        .where(User.id == user_id, User.role.in_((Role.owner, Role.admin)))
        .correlate_except(User),
    )
