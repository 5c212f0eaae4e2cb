"""Which inboxes a user may see: every inbox for owners and admins, their own for agents."""

from __future__ import annotations

from sqlalchemy import Select, select

from frontdesk.inboxes.models import Inbox, InboxMember
from frontdesk.users.models import User


def visible_inbox_ids(user: User) -> Select[int]:
    if user.is_admin:
        return select(Inbox.id)
    return select(InboxMember.inbox_id).where(InboxMember.user_id == user.id)


def visible_inboxes(user: User) -> Select[Inbox]:
    return select(Inbox).where(Inbox.id.in_(visible_inbox_ids(user)))
