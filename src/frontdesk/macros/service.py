"""Macros: create, edit, delete, list, and apply to one ticket or many.

Who may do what (as for saved replies): a personal macro is its owner's alone; a team macro
belongs to an inbox, and everyone who sees the inbox sees, applies, edits and deletes it. A team
macro applies only to its inbox's tickets; a personal one to any ticket its owner sees.

What a macro refers to (labels, an assignee, a saved reply) is checked when it is saved and
again each time it is applied, since any of them may have gone since.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.actions import service as actions_service
from frontdesk.actions.kinds import (
    STORED,
    Action,
    Assign,
    Label,
    Note,
    Reply,
    SetFields,
    SetInbox,
    SetStatus,
)
from frontdesk.errors import Invalid, NotFound
from frontdesk.fields import automation as field_automation
from frontdesk.inboxes import service as inboxes_service
from frontdesk.labels import service as labels_service
from frontdesk.macros.models import Macro
from frontdesk.macros.queries import visible_macros
from frontdesk.replies import service as replies_service
from frontdesk.replies.variables import refusal
from frontdesk.statuses import service as statuses_service
from frontdesk.users import service as users_service
from frontdesk.users.models import User

MAX_NAME = 100


def actions_of(macro: Macro) -> list[Action]:
    return STORED.validate_python(macro.actions)


def _ensure_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise Invalid("name", "Give the macro a name.", field_code="required")
    if len(name) > MAX_NAME:
        raise Invalid(
            "name", f"Use at most {MAX_NAME} characters.", field_code="too_long", limit=MAX_NAME
        )
    return name


async def _ensure_targets(
    session: AsyncSession, *, user: User, actions: Sequence[Action], inbox_id: int | None
) -> None:
    """The labels exist; the assignee may take the team's tickets (after a move to another
    inbox, that inbox's); the saved reply is one the macro's users see (a team macro: a team
    reply of the same inbox); an inbox to move to is one the author sees."""
    tickets_inbox = inbox_id
    for action in actions:
        match action:
            case Label():
                await labels_service.labels_by_ids(session, label_ids=[*action.add, *action.remove])
            case Assign(assignee=int() as assignee_id):
                try:
                    assignee = await users_service.get_user(session, user_id=assignee_id)
                except NotFound:
                    raise Invalid("actions", "No such user to assign.") from None
                if assignee.is_light_agent:
                    raise Invalid("actions", f"{assignee.name} is a light agent: never assigned.")
                if tickets_inbox is not None and not await inboxes_service.is_member(
                    session, user=assignee, inbox_id=tickets_inbox
                ):
                    raise Invalid("actions", f"{assignee.name} is not a member of this inbox.")
            case Reply(saved_reply_id=int() as reply_id):
                try:
                    reply = await replies_service.get_reply(session, user=user, reply_id=reply_id)
                except NotFound:
                    raise Invalid("actions", "No such saved reply.") from None
                if inbox_id is not None and reply.inbox_id != inbox_id:
                    raise Invalid(
                        "actions",
                        "A team macro sends only a team reply of its own inbox: others would "
                        "not see the reply.",
                    )
            case Reply(text=str() as text) | Note(text=text):
                # Nobody reads a macro's reply or note over before it goes: a typo would reach
                # the customer, or the timeline, as written.
                refused = refusal(text)
                if refused:
                    raise Invalid("actions", refused)
            case SetInbox(inbox_id=target_id):
                try:
                    await inboxes_service.get_inbox(session, user=user, inbox_id=target_id)
                except NotFound:
                    raise Invalid("actions", "No such inbox to move tickets to.") from None
                tickets_inbox = target_id
            case SetStatus(status_id=status_id):
                await statuses_service.status_to_set(session, status_id=status_id, field="actions")
            case _:
                pass


async def _checked_fields(session: AsyncSession, *, actions: Sequence[Action]) -> list[Action]:
    """The actions, a "set fields" one checked as a ticket's PATCH checks its values (a 422
    naming `actions.N.fields.<key>`) and holding them as the API writes them."""
    checked: list[Action] = []
    for n, action in enumerate(actions):
        if isinstance(action, SetFields):
            fields = await field_automation.checked_settings(
                session, given=action.fields, at=f"actions.{n}"
            )
            action = action.model_copy(update={"fields": fields})
        checked.append(action)
    return checked


async def list_macros(
    session: AsyncSession, *, user: User, inbox_id: int | None = None
) -> Sequence[Macro]:
    """The macros `user` sees; with `inbox_id`, their personal ones and that inbox's."""
    query = visible_macros(user)
    if inbox_id is not None:
        await inboxes_service.get_inbox(session, user=user, inbox_id=inbox_id)
        query = query.where((Macro.owner_id == user.id) | (Macro.inbox_id == inbox_id))
    return (await session.scalars(query.order_by(Macro.name, Macro.id))).all()


async def get_macro(session: AsyncSession, *, user: User, macro_id: int) -> Macro:
    macro = await session.scalar(visible_macros(user).where(Macro.id == macro_id))
    if macro is None:
        raise NotFound("No such macro.")
    return macro


async def create_macro(
    session: AsyncSession,
    *,
    user: User,
    name: str,
    actions: Sequence[Action],
    inbox_id: int | None = None,
) -> Macro:
    name = _ensure_name(name)
    if inbox_id is not None:
        await inboxes_service.get_inbox(session, user=user, inbox_id=inbox_id)
    await _ensure_targets(session, user=user, actions=actions, inbox_id=inbox_id)
    actions = await _checked_fields(session, actions=actions)
    macro = Macro(
        name=name,
        actions=STORED.dump_python(list(actions), mode="json"),
        owner_id=None if inbox_id is not None else user.id,
        inbox_id=inbox_id,
        created_by_id=user.id,
        updated_by_id=user.id,
    )
    session.add(macro)
    await session.flush()
    return macro


async def update_macro(
    session: AsyncSession,
    *,
    user: User,
    macro: Macro,
    name: str | None = None,
    actions: Sequence[Action] | None = None,
) -> Macro:
    if name is not None:
        macro.name = _ensure_name(name)
    if actions is not None:
        await _ensure_targets(session, user=user, actions=actions, inbox_id=macro.inbox_id)
        actions = await _checked_fields(session, actions=actions)
        macro.actions = STORED.dump_python(list(actions), mode="json")
    macro.updated_by_id = user.id
    await session.flush()
    await session.refresh(macro, ["updated_at"])
    return macro


async def delete_macro(session: AsyncSession, *, macro: Macro) -> None:
    await session.delete(macro)
    await session.flush()


async def macros_sending_reply(session: AsyncSession, *, reply_id: int) -> Sequence[Macro]:
    """Every macro that sends the saved reply, whoever's (a personal macro may send a team
    reply of an inbox its owner sees)."""
    return [
        macro
        for macro in await _all_macros(session)
        if any(
            isinstance(action, Reply) and action.saved_reply_id == reply_id
            for action in actions_of(macro)
        )
    ]


async def macros_naming_label(session: AsyncSession, *, label_id: int) -> Sequence[Macro]:
    """Every macro that adds or removes the label, whoever's: deleted under it, the macro would
    refuse every ticket."""
    return [
        macro
        for macro in await _all_macros(session)
        if any(
            isinstance(action, Label) and label_id in (*action.add, *action.remove)
            for action in actions_of(macro)
        )
    ]


async def macros_setting_status(session: AsyncSession, *, status_id: int) -> Sequence[Macro]:
    """Every macro that sets the custom status, whoever's: archived or deleted under it, the
    macro would refuse every ticket."""
    return [
        macro
        for macro in await _all_macros(session)
        if any(
            isinstance(action, SetStatus) and action.status_id == status_id
            for action in actions_of(macro)
        )
    ]


async def macros_setting_field(
    session: AsyncSession, *, key: str, option: str | None = None
) -> Sequence[Macro]:
    """Every macro that sets the ticket field, whoever's (with `option`: sets it to that):
    deleted or archived under it, the macro would refuse every ticket."""
    return [
        macro
        for macro in await _all_macros(session)
        if any(
            isinstance(action, SetFields)
            and key in action.fields
            and (option is None or action.fields[key] == option)
            for action in actions_of(macro)
        )
    ]


async def described(session: AsyncSession, macro: Macro) -> str:
    """The macro as a refusal names it to whoever must change it: a team one, or someone's."""
    if macro.owner_id is None:
        return f"the team macro “{macro.name}”"
    owner = await users_service.get_user(session, user_id=macro.owner_id)
    return f"{owner.name}'s macro “{macro.name}”"


async def _all_macros(session: AsyncSession) -> Sequence[Macro]:
    # A label or a saved reply is deleted now and then; reading the macros then is cheaper
    # than a JSON index kept for it on both stores.
    return (await session.scalars(select(Macro).order_by(Macro.name, Macro.id))).all()


def _source(macro: Macro) -> actions_service.Source:
    return actions_service.Source(kind="macro", id=macro.id, name=macro.name)


async def apply_macro(
    session: AsyncSession,
    *,
    user: User,
    macro: Macro,
    ticket_id: int,
    seen_entry_id: int | None = None,
    draft: bool = False,
) -> actions_service.Outcome:
    """On one ticket: all of the macro or nothing, a refusal raised as an error. Its reply is
    checked against `seen_entry_id` and not sent twice (actions/service.py); with `draft`, it
    is not sent but returned for the agent's composer, with the state or snooze that waits for
    it."""
    return await actions_service.apply_to_ticket(
        session,
        actor=user,
        ticket_id=ticket_id,
        actions=actions_of(macro),
        source=_source(macro),
        inbox_id=macro.inbox_id,
        seen_entry_id=seen_entry_id,
        draft=draft,
    )


async def apply_macro_to_many(
    session: AsyncSession,
    *,
    user: User,
    macro: Macro,
    ticket_ids: Sequence[int],
    seen_entry_ids: Mapping[int, int] | None = None,
    seen_at: Mapping[int, datetime] | None = None,
) -> list[actions_service.Outcome]:
    return await actions_service.apply_to_many(
        session,
        actor=user,
        ticket_ids=ticket_ids,
        actions=actions_of(macro),
        source=_source(macro),
        inbox_id=macro.inbox_id,
        seen_entry_ids=seen_entry_ids,
        seen_at=seen_at,
    )
