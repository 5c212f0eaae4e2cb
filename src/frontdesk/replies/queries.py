"""Which saved replies a user sees: their own personal ones, and the team ones of every inbox
they see (members; owners and admins see every inbox). Nobody sees another's personal ones."""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from frontdesk.inboxes.queries import visible_inbox_ids
from frontdesk.replies.models import SavedReply
from frontdesk.users.models import User


def visible_replies(user: User) -> Select[SavedReply]:
    return select(SavedReply).where(
        or_(SavedReply.owner_id == user.id, SavedReply.inbox_id.in_(visible_inbox_ids(user)))
    )
