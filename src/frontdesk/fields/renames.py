"""A list field's option renamed ("Pro" → "Professional") with everything that names it.

Decision (docs/desk.md, "Custom fields"): options stay plain text, the same text in the values,
in rules' and macros' settings and in saved views' `key:option` filters, and a rename rewrites
each of them in the admin's transaction. Stable option ids would have meant a migration of every
value, rule, macro and view and a new shape for the API's `fields` (`"plan": "Pro"`), which
scripts read; a rename is rare, and every place an option is written is known (the same places
usage.py looks at before an option is removed). What is history stays as it was written: a
ticket's timeline line ("set Plan to Pro"), the audit log, webhook deliveries already made.

The field is locked FOR UPDATE first (service.py `lock_field`): a value being set, a rule or a
macro being saved read it FOR SHARE, so they wait for the rename and then see the new option (or
are refused the old one); the rules, macros and views are read without a lock of their own (a
save that locked one of them and then waited for the field would deadlock with this), and a
rule's or macro's save that names the option waits for the field. A saved view's filter is
checked without that lock: one saved with the
old option at the very moment of the rename lists no ticket and says its field is `missing`, as
after an option removed, until it is edited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.errors import Invalid
from frontdesk.fields import service
from frontdesk.fields.models import VALUE_TABLES, CustomField, FieldKind, FieldObject
from frontdesk.labels.service import name_key
from frontdesk.macros.models import Macro
from frontdesk.rules.models import Rule
from frontdesk.saved_views import events as view_events
from frontdesk.saved_views.models import SavedView
from frontdesk.users.models import User

FIELD_KEYS = {FieldObject.ticket: "ticket_field", FieldObject.customer: "customer_field"}


def _renamed_options(field: CustomField, renames: Mapping[str, str]) -> dict[str, str]:
    """old → new, as the options are written, checked: each old one an option, the new list
    still of distinct options."""
    if field.kind is not FieldKind.list:
        raise Invalid("renames", f"Only a list field's options are renamed, not “{field.label}”'s.")
    by_key = {name_key(option): option for option in field.options}
    renamed: dict[str, str] = {}
    for old, new in renames.items():
        option = by_key.get(name_key(old))
        if option is None:
            listed = ", ".join(f"“{each}”" for each in field.options)
            raise Invalid("renames", f"“{old}” is not an option of “{field.label}” ({listed}).")
        new = new.strip()
        if new != option:
            renamed[option] = new
    # The list as it will be, checked as a new list is (empty, too long, twice in any case).
    service.checked_options(field.kind, [renamed.get(option, option) for option in field.options])
    return renamed


def _conditions(rule: Rule, object: FieldObject, key: str, renamed: Mapping[str, str]) -> list[Any]:
    return [
        {**condition, "value": renamed[condition["value"]]}
        if condition.get("field") == FIELD_KEYS[object]
        and condition.get("key") == key
        and isinstance(condition.get("value"), str)
        and condition["value"] in renamed
        else condition
        for condition in rule.conditions
    ]


def _actions(actions: list[dict[str, Any]], key: str, renamed: Mapping[str, str]) -> list[Any]:
    return [
        {**action, "fields": {**action["fields"], key: renamed[action["fields"][key]]}}
        if action.get("type") == "set_fields"
        and isinstance(action.get("fields", {}).get(key), str)
        and action["fields"][key] in renamed
        else action
        for action in actions
    ]


async def rename_options(
    session: AsyncSession, *, field: CustomField, renames: Mapping[str, str], by: User
) -> None:
    await service.lock_field(session, field)
    renamed = _renamed_options(field, renames)
    if not renamed:
        return
    field.options = [renamed.get(option, option) for option in field.options]
    table = VALUE_TABLES[field.object]
    for old, new in renamed.items():
        await session.execute(
            update(table)
            .where(table.field_id == field.id, table.text == old)
            .values(text=new)
            .execution_options(synchronize_session=False)
        )
    for rule in (await session.scalars(select(Rule))).all():
        conditions = _conditions(rule, field.object, field.key, renamed)
        if conditions != rule.conditions:
            rule.conditions = conditions
        if field.object is FieldObject.ticket:
            actions = _actions(rule.actions, field.key, renamed)
            if actions != rule.actions:
                rule.actions = actions
    if field.object is not FieldObject.ticket:
        return
    for macro in (await session.scalars(select(Macro))).all():
        actions = _actions(macro.actions, field.key, renamed)
        if actions != macro.actions:
            macro.actions = actions
    specs = {f"{field.key}:{old}": f"{field.key}:{new}" for old, new in renamed.items()}
    for view in (await session.scalars(select(SavedView))).all():
        spec = view.filters.get("field")
        if spec in specs:
            view.filters = {**view.filters, "field": specs[spec]}
            view_events.record_changed(session, view, change="updated", by=by)
