"""Which macros a user sees: their own personal ones, and the team ones of every inbox they see
(the rule saved replies follow). Nobody sees another's personal macros."""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from frontdesk.inboxes.queries import visible_inbox_ids
from frontdesk.macros.models import Macro
from frontdesk.users.models import User


def visible_macros(user: User) -> Select[Macro]:
    return select(Macro).where(
        or_(Macro.owner_id == user.id, Macro.inbox_id.in_(visible_inbox_ids(user)))
    )
