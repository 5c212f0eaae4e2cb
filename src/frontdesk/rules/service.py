"""Automation rules: admins list, create, edit, reorder, enable and delete them, and see what a
rule would touch before saving it (a dry run). Running them: rules/engine.py (on events) and
rules/timed.py (on time).

What a rule names (an inbox, labels, an assignee, a saved reply) is checked when it is saved;
each run checks again, since any of them may have gone since, and a refusal is written on the
ticket's timeline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.actions.kinds import (
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
from frontdesk.fields.models import FieldObject
from frontdesk.inboxes import service as inboxes_service
from frontdesk.kit.clock import utcnow
from frontdesk.labels import service as labels_service
from frontdesk.replies import service as replies_service
from frontdesk.replies.variables import refusal
from frontdesk.rules import conditions as rule_conditions
from frontdesk.rules import timed
from frontdesk.rules.kinds import (
    STORED_ACTIONS,
    STORED_CONDITIONS,
    STORED_WHEN,
    AssigneeIs,
    Definition,
    FieldValue,
    HasLabel,
    InboxIs,
    InStatus,
    OnCreated,
    OnLabelAdded,
    OnStateChanged,
    StatusIs,
    Timed,
)
from frontdesk.rules.models import Rule, RuleRun
from frontdesk.statuses import service as statuses_service
from frontdesk.tickets.models import Ticket, TicketState
from frontdesk.users import service as users_service
from frontdesk.users.models import User

MAX_NAME = 100
MAX_RULES = 200
# A dry run of an event rule reads this many of the most recently updated tickets.
DRY_RUN_SCAN = 500
DRY_RUN_LIMIT = 50
LAST_RUNS = 20


def definition_of(rule: Rule) -> Definition:
    return Definition(
        when=STORED_WHEN.validate_python(rule.when),
        match="any" if rule.match == "any" else "all",
        conditions=STORED_CONDITIONS.validate_python(rule.conditions),
        actions=STORED_ACTIONS.validate_python(rule.actions),
    )


def _ensure_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise Invalid("name", "Give the rule a name.", field_code="required")
    if len(name) > MAX_NAME:
        raise Invalid(
            "name", f"Use at most {MAX_NAME} characters.", field_code="too_long", limit=MAX_NAME
        )
    return name


async def _ensure_targets(session: AsyncSession, *, definition: Definition) -> None:
    """What the rule names exists: labels, inboxes, assignees, a team saved reply; its texts'
    variables are ones a rule fills."""
    label_ids = [c.value for c in definition.conditions if isinstance(c, HasLabel)]
    if isinstance(definition.when, OnLabelAdded) and definition.when.label_id is not None:
        label_ids.append(definition.when.label_id)
    for action in definition.actions:
        if isinstance(action, Label):
            label_ids += [*action.add, *action.remove]
    await labels_service.labels_by_ids(session, label_ids=label_ids)
    for n, condition in enumerate(definition.conditions):
        if isinstance(condition, InboxIs):
            try:
                await inboxes_service.get_inbox_by_id(session, inbox_id=condition.value)
            except NotFound:
                raise Invalid("conditions", "No such inbox.") from None
        if isinstance(condition, AssigneeIs) and condition.value is not None:
            await _ensure_user(session, user_id=condition.value, at=f"conditions.{n}.value")
        if isinstance(condition, StatusIs) and isinstance(condition.value, int):
            await statuses_service.status_to_set(
                session, status_id=condition.value, field=f"conditions.{n}.value"
            )
    if isinstance(definition.when, InStatus):
        await statuses_service.status_to_set(
            session, status_id=definition.when.status_id, field="when.status_id"
        )
    for action in definition.actions:
        if isinstance(action, Assign) and isinstance(action.assignee, int):
            try:
                assignee = await users_service.get_user(session, user_id=action.assignee)
            except NotFound:
                raise Invalid("actions", "No such user to assign.") from None
            if assignee.is_light_agent:
                raise Invalid("actions", f"{assignee.name} is a light agent: never assigned.")
        if isinstance(action, Reply):
            await _ensure_reply(session, action=action)
        if isinstance(action, Note):
            _ensure_variables(action.text)
        if isinstance(action, SetInbox):
            try:
                await inboxes_service.get_inbox_by_id(session, inbox_id=action.inbox_id)
            except NotFound:
                raise Invalid("actions", "No such inbox to move tickets to.") from None
        if isinstance(action, SetStatus):
            await statuses_service.status_to_set(
                session, status_id=action.status_id, field="actions"
            )


async def _ensure_user(session: AsyncSession, *, user_id: int, at: str) -> None:
    """A user an "assignee is" condition names exists. Deactivated, or a light agent, they are
    still compared with: the condition reads the ticket's assignee, it gives nobody work (the
    tickets a deactivated agent keeps are the closed ones: tickets/departures.py)."""
    if await session.get(User, user_id) is None:
        raise Invalid(at, f"Assignee: no user has the id {user_id}.")


def _object_of(condition: FieldValue) -> FieldObject:
    return FieldObject.ticket if condition.field == "ticket_field" else FieldObject.customer


async def _checked_fields(session: AsyncSession, *, definition: Definition) -> Definition:
    """The definition with its field conditions and "set fields" actions checked (the field
    exists, is not archived, takes the value and the operator: a 422 naming the condition or
    action) and their values as the API writes them (a list's option in its own case)."""
    conditions = []
    for n, condition in enumerate(definition.conditions):
        if isinstance(condition, FieldValue):
            field = await field_automation.field_named(
                session, object=_object_of(condition), key=condition.key, at=f"conditions.{n}.key"
            )
            value = field_automation.checked_condition(
                field, op=condition.op, value=condition.value, at=f"conditions.{n}"
            )
            condition = condition.model_copy(update={"value": value})
        conditions.append(condition)
    actions: list[Action] = []
    for n, action in enumerate(definition.actions):
        if isinstance(action, SetFields):
            fields = await field_automation.checked_settings(
                session, given=action.fields, at=f"actions.{n}"
            )
            action = action.model_copy(update={"fields": fields})
        actions.append(action)
    return definition.model_copy(update={"conditions": conditions, "actions": actions})


# Filled from the agent who sends a reply; a rule's reply is signed by the inbox alone.
AGENT_VARIABLES = ("agent.first_name", "agent.name")


async def _ensure_reply(session: AsyncSession, *, action: Reply) -> None:
    """A team saved reply (a personal one is its owner's alone), and a text with only variables
    the system can fill: a customer must never get "{{agent.name}}" or a typo as written."""
    text = action.text or ""
    if action.saved_reply_id is not None:
        try:
            saved = await replies_service.get_team_reply(session, reply_id=action.saved_reply_id)
        except NotFound:
            raise Invalid(
                "actions",
                "No such team saved reply: a rule can send only a team reply, not a personal one.",
            ) from None
        text = saved.text
    _ensure_variables(text)


def _ensure_variables(text: str) -> None:
    """Every `{{…}}` a variable, and an agent's only with a fallback: a rule has no agent."""
    refused = refusal(text, unavailable=AGENT_VARIABLES)
    if refused:
        raise Invalid("actions", refused)


def sends_reply(rule: Rule, reply_id: int) -> bool:
    return any(
        isinstance(action, Reply) and action.saved_reply_id == reply_id
        for action in STORED_ACTIONS.validate_python(rule.actions)
    )


async def rules_sending_reply(session: AsyncSession, *, reply_id: int) -> Sequence[Rule]:
    """The rules, on or off, whose reply is this saved reply: a rule switched off is still
    meant to run again."""
    return [rule for rule in await list_rules(session) if sends_reply(rule, reply_id)]


async def rules_naming_label(session: AsyncSession, *, label_id: int) -> Sequence[Rule]:
    """The rules, on or off, that name the label: when it is added, has or has not it, add or
    remove it. Deleted under them, a rule would refuse each run, or worse, `has not` would hold
    for every ticket."""
    found = []
    for rule in await list_rules(session):
        definition = definition_of(rule)
        named = {c.value for c in definition.conditions if isinstance(c, HasLabel)}
        if isinstance(definition.when, OnLabelAdded) and definition.when.label_id is not None:
            named.add(definition.when.label_id)
        for action in definition.actions:
            if isinstance(action, Label):
                named |= {*action.add, *action.remove}
        if label_id in named:
            found.append(rule)
    return found


async def rules_setting_status(session: AsyncSession, *, status_id: int) -> Sequence[Rule]:
    """The rules, on or off, that set the custom status: archived or deleted under them, each
    run would be refused."""
    return [
        rule
        for rule in await list_rules(session)
        if any(
            isinstance(action, SetStatus) and action.status_id == status_id
            for action in definition_of(rule).actions
        )
    ]


def tests_status(rule: Rule, status_id: int) -> bool:
    """Whether a condition of the rule compares the ticket's status with this one."""
    return any(
        isinstance(condition, StatusIs) and condition.value == status_id
        for condition in STORED_CONDITIONS.validate_python(rule.conditions)
    )


def waits_on_status(rule: Rule, status_id: int) -> bool:
    """Whether the rule's `when` is "In this status for… N hours"."""
    when = STORED_WHEN.validate_python(rule.when)
    return isinstance(when, InStatus) and when.status_id == status_id


async def rules_waiting_on_status(session: AsyncSession, *, status_id: int) -> Sequence[Rule]:
    """The rules, on or off, that run when a ticket has had the custom status N hours:
    archived or deleted under them, they would never run again."""
    return [rule for rule in await list_rules(session) if waits_on_status(rule, status_id)]


async def rules_testing_status(session: AsyncSession, *, status_id: int) -> Sequence[Rule]:
    """The rules, on or off, with a condition on the custom status: archived or deleted under
    them, "is" would never hold again and "is not" hold for every ticket."""
    return [rule for rule in await list_rules(session) if tests_status(rule, status_id)]


async def rules_naming_field(
    session: AsyncSession, *, object: FieldObject, key: str, option: str | None = None
) -> Sequence[Rule]:
    """The rules, on or off, with a condition on the field or an action that sets it; with
    `option`, only those that compare with it or set it. Deleted or archived under them, "is
    not" would hold for every ticket, and the action refuse every run."""
    found = []
    for rule in await list_rules(session):
        definition = definition_of(rule)
        values = [
            c.value
            for c in definition.conditions
            if isinstance(c, FieldValue) and _object_of(c) is object and c.key == key
        ]
        if object is FieldObject.ticket:
            values += [
                action.fields[key]
                for action in definition.actions
                if isinstance(action, SetFields) and key in action.fields
            ]
        if values and (option is None or option in values):
            found.append(rule)
    return found


def _store(rule: Rule, definition: Definition) -> None:
    rule.when = STORED_WHEN.dump_python(definition.when, mode="json")
    rule.match = definition.match
    rule.conditions = STORED_CONDITIONS.dump_python(list(definition.conditions), mode="json")
    rule.actions = STORED_ACTIONS.dump_python(list(definition.actions), mode="json")


async def list_rules(session: AsyncSession) -> Sequence[Rule]:
    return (await session.scalars(select(Rule).order_by(Rule.position, Rule.id))).all()


async def get_rule(session: AsyncSession, *, rule_id: int) -> Rule:
    rule = await session.get(Rule, rule_id)
    if rule is None:
        raise NotFound("No such rule.")
    return rule


async def create_rule(
    session: AsyncSession, *, user: User, name: str, definition: Definition, enabled: bool = True
) -> Rule:
    name = _ensure_name(name)
    await _ensure_targets(session, definition=definition)
    definition = await _checked_fields(session, definition=definition)
    count = await session.scalar(select(func.count()).select_from(Rule)) or 0
    if count >= MAX_RULES:
        raise Invalid("name", f"At most {MAX_RULES} rules.", field_code="too_long", limit=MAX_RULES)
    last = await session.scalar(select(func.max(Rule.position)))
    rule = Rule(
        name=name,
        enabled=enabled,
        position=(last or 0) + 1,
        created_by_id=user.id,
        updated_by_id=user.id,
    )
    _store(rule, definition)
    session.add(rule)
    await session.flush()
    return rule


async def update_rule(
    session: AsyncSession,
    *,
    user: User,
    rule: Rule,
    name: str | None = None,
    definition: Definition | None = None,
    enabled: bool | None = None,
) -> Rule:
    if name is not None:
        rule.name = _ensure_name(name)
    # Judged afresh only for what changes its episodes: a new definition, or being switched
    # back on. Saving the form with a new name alone (the desk sends the definition as it was)
    # must not start a long catch-up again.
    afresh = bool(enabled and not rule.enabled)
    if definition is not None:
        await _ensure_targets(session, definition=definition)
        definition = await _checked_fields(session, definition=definition)
        afresh = afresh or definition != definition_of(rule)
        _store(rule, definition)
    if enabled is not None:
        rule.enabled = enabled
    if afresh:
        timed.judge_afresh(rule)
    rule.updated_by_id = user.id
    rule.updated_at = utcnow()
    await session.flush()
    return rule


async def reorder_rules(session: AsyncSession, *, rule_ids: Sequence[int]) -> Sequence[Rule]:
    """The rules in this order: every rule once."""
    rules = {rule.id: rule for rule in await list_rules(session)}
    if sorted(rule_ids) != sorted(rules) or len(set(rule_ids)) != len(rule_ids):
        raise Invalid("rule_ids", "Name every rule once, in the order wanted.")
    for position, rule_id in enumerate(rule_ids, start=1):
        rules[rule_id].position = position
    await session.flush()
    return await list_rules(session)


async def delete_rule(session: AsyncSession, *, rule: Rule) -> None:
    await session.delete(rule)
    await session.flush()


async def last_runs(session: AsyncSession, *, rule: Rule) -> Sequence[tuple[RuleRun, Ticket]]:
    """The rule's latest runs (a time-based rule's skipped episodes left out), newest first."""
    rows = await session.execute(
        select(RuleRun, Ticket)
        .join(Ticket, Ticket.id == RuleRun.ticket_id)
        .where(RuleRun.rule_id == rule.id, RuleRun.outcome != "skipped")
        .order_by(RuleRun.ran_at.desc(), RuleRun.id.desc())
        .limit(LAST_RUNS)
    )
    return [(run, ticket) for run, ticket in rows]


@dataclass(frozen=True)
class DryRun:
    tickets: Sequence[Ticket]
    checked: int
    # Time-based: the tickets due now (it would fire on them at the next round); on events:
    # the tickets that match the conditions now (it would run if their event happened).
    timed: bool
    more: bool


async def dry_run(session: AsyncSession, *, definition: Definition) -> DryRun:
    """The existing tickets a rule would touch, without changing anything."""
    await _ensure_targets(session, definition=definition)
    definition = await _checked_fields(session, definition=definition)
    when = definition.when
    if isinstance(when, Timed):
        due = await timed.due_now(session, when=when, limit=DRY_RUN_SCAN)
        ids = [ticket_id for ticket_id, _ in due]
        found = await session.scalars(select(Ticket).where(Ticket.id.in_(ids)))
        tickets = sorted(found, key=lambda ticket: ticket.id)
    else:
        query = select(Ticket).where(Ticket.merged_into_id.is_(None))
        if isinstance(when, OnStateChanged) and when.state is not None:
            query = query.where(Ticket.state == TicketState(when.state))
        tickets = list(
            await session.scalars(
                query.order_by(Ticket.updated_at.desc(), Ticket.id.desc()).limit(DRY_RUN_SCAN)
            )
        )
    messages = await rule_conditions.first_messages(
        session, ticket_ids=[ticket.id for ticket in tickets]
    )
    facts = await rule_conditions.facts_of(
        session, tickets=tickets, messages=messages, now=utcnow()
    )
    label_id = when.label_id if isinstance(when, OnLabelAdded) else None
    if isinstance(when, OnCreated) and when.by is not None:
        by_customer = await rule_conditions.opened_by_customer(
            session, ticket_ids=[ticket.id for ticket in tickets]
        )
        wanted = when.by == "customer"
        candidates = [ticket for ticket in tickets if (ticket.id in by_customer) == wanted]
    else:
        candidates = tickets
    matching = [
        ticket
        for ticket in candidates
        if rule_conditions.meets(definition.conditions, definition.match, facts[ticket.id])
        and (label_id is None or label_id in facts[ticket.id].label_ids)
    ]
    return DryRun(
        tickets=matching[:DRY_RUN_LIMIT],
        checked=len(tickets),
        timed=isinstance(when, Timed),
        more=len(matching) > DRY_RUN_LIMIT,
    )


def actions_named(actions: Sequence[Action]) -> list[str]:
    return [action.type for action in actions]
