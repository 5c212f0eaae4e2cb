"""What names a custom field besides the records holding its values, which is why it may not be
deleted or archived, nor lose a list's option: a rule (a condition on it, or an action that sets
it; switched off or not: it is meant to run again) and a macro (sets it, whoever's). Gone from
under them, a rule's "is not" would hold for every ticket and its action, like the macro,
refuse every run: the policy labels follow (labels/usage.py, docs/routing.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.errors import Conflict, Invalid
from frontdesk.fields import renames as renames_service
from frontdesk.fields import service
from frontdesk.fields.models import CustomField, FieldObject
from frontdesk.macros import service as macros_service
from frontdesk.rules import service as rules_service
from frontdesk.users.models import User


async def _users(session: AsyncSession, *, field: CustomField, option: str | None) -> list[str]:
    rules = await rules_service.rules_naming_field(
        session, object=field.object, key=field.key, option=option
    )
    users = [
        f"the rule “{rule.name}”" + ("" if rule.enabled else " (switched off)") for rule in rules
    ]
    if field.object is FieldObject.ticket:
        macros = await macros_service.macros_setting_field(session, key=field.key, option=option)
        users += [await macros_service.described(session, macro) for macro in macros]
    return users


def _places(users: Sequence[str]) -> str:
    places = ["Settings → Rules"] * any(u.startswith("the rule") for u in users)
    places += ["Macros"] * any("macro" in u for u in users)
    return ", ".join(places)


async def ensure_unnamed(
    session: AsyncSession, *, field: CustomField, doing: str = "deleting"
) -> None:
    """409 `field_in_use` naming the rules and macros that name the field. The field is locked
    first (service.py `lock_field`): a rule or macro being saved reads it FOR SHARE, so one
    saved meanwhile is seen here."""
    await service.lock_field(session, field)
    users = await _users(session, field=field, option=None)
    if users:
        them = "it" if len(users) == 1 else "them"
        raise Conflict(
            f"The field “{field.label}” is used by {', '.join(users)}: change {them} before "
            f"{doing} it ({_places(users)}).",
            code="field_in_use",
        )


async def ensure_options_unnamed(
    session: AsyncSession, *, field: CustomField, kept: Sequence[str]
) -> None:
    """409 `option_in_use` for a list's option removed while a rule compares with it or a rule
    or macro sets it."""
    await service.lock_field(session, field)
    for option in field.options:
        if option in kept:
            continue
        users = await _users(session, field=field, option=option)
        if users:
            them = "it" if len(users) == 1 else "them"
            raise Conflict(
                f"The option “{option}” of “{field.label}” is used by {', '.join(users)}: "
                f"change {them} first ({_places(users)}), or keep the option.",
                code="option_in_use",
            )


async def update_field(
    session: AsyncSession,
    *,
    field: CustomField,
    label: str | None = None,
    options: Sequence[str] | None = None,
    archived: bool | None = None,
    renames: Mapping[str, str] | None = None,
    by: User,
) -> CustomField:
    """service.py `update_field`, refused while a rule or macro names what it would take away:
    the field, by archiving it, or an option (here, not there: the rules and macros services
    read fields through service.py). `renames` (renames.py) rewrites what names the options;
    `by`, the admin, is who the views' desks are told changed them."""
    if renames:
        if options is not None:
            raise Invalid(
                "renames",
                "Rename options on their own, then change the list (add, order, remove).",
            )
        await renames_service.rename_options(session, field=field, renames=renames, by=by)
    if archived and not field.archived:
        await ensure_unnamed(session, field=field, doing="archiving")
    if options is not None:
        await ensure_options_unnamed(session, field=field, kept=[o.strip() for o in options])
    return await service.update_field(
        session, field=field, label=label, options=options, archived=archived
    )


async def delete_field(session: AsyncSession, *, field: CustomField) -> None:
    """service.py `delete_field`, refused while a rule or macro names the field."""
    await ensure_unnamed(session, field=field)
    await service.delete_field(session, field=field)
