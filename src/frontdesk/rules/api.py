"""Automation rules (admins): list, create, edit, reorder, delete, dry run, last runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, status
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.deps import AuthenticateFirst, CurrentAdmin, SessionDep
from frontdesk.kit.schemas import Id
from frontdesk.rules import service
from frontdesk.rules.models import Rule
from frontdesk.rules.schemas import (
    DryRunRead,
    RuleCatchUpRead,
    RuleCreate,
    RuleDefinition,
    RuleOrder,
    RuleRead,
    RuleRunRead,
    RuleTicket,
    RuleUpdate,
)
from frontdesk.rules.timed import CatchUp, catch_ups

router = APIRouter(prefix="/rules", tags=["rules"], route_class=AuthenticateFirst)


async def load_rule(rule_id: Id, _admin: CurrentAdmin, session: SessionDep) -> Rule:
    return await service.get_rule(session, rule_id=rule_id)


LoadedRule = Annotated[Rule, Depends(load_rule)]


async def _reads(session: AsyncSession, rules: Sequence[Rule]) -> list[RuleRead]:
    progress = await catch_ups(session, rules)
    return [_read(rule, progress.get(rule.id)) for rule in rules]


async def _read_one(session: AsyncSession, rule: Rule) -> RuleRead:
    [read] = await _reads(session, [rule])
    return read


def _read(rule: Rule, catch_up: CatchUp | None) -> RuleRead:
    definition = service.definition_of(rule)
    return RuleRead(
        id=rule.id,
        name=rule.name,
        enabled=rule.enabled,
        position=rule.position,
        when=definition.when,
        match=definition.match,
        conditions=list(definition.conditions),
        actions=list(definition.actions),
        created_by_id=rule.created_by_id,
        updated_by_id=rule.updated_by_id,
        created_at=rule.created_at,
        updated_at=rule.updated_at,
        catch_up=RuleCatchUpRead(state=catch_up.state, share=catch_up.share) if catch_up else None,
    )


@router.get("", response_model=list[RuleRead])
async def list_rules(_admin: CurrentAdmin, session: SessionDep) -> list[RuleRead]:
    """Every rule, in the order they run."""
    return await _reads(session, await service.list_rules(session))


@router.post("", response_model=RuleRead, status_code=status.HTTP_201_CREATED)
async def create_rule(body: RuleCreate, admin: CurrentAdmin, session: SessionDep) -> RuleRead:
    """A new rule runs after the existing ones."""
    rule = await service.create_rule(
        session, user=admin, name=body.name, definition=body.definition(), enabled=body.enabled
    )
    return await _read_one(session, rule)


@router.post("/dry-run", response_model=DryRunRead)
async def dry_run(body: RuleDefinition, _admin: CurrentAdmin, session: SessionDep) -> DryRunRead:
    """The existing tickets a rule would touch now, before it is saved; nothing is changed."""
    result = await service.dry_run(session, definition=body.definition())
    return DryRunRead(
        tickets=[RuleTicket.model_validate(ticket) for ticket in result.tickets],
        more=result.more,
        checked=result.checked,
        timed=result.timed,
    )


@router.put("/order", response_model=list[RuleRead])
async def reorder_rules(
    body: RuleOrder, _admin: CurrentAdmin, session: SessionDep
) -> list[RuleRead]:
    """Every rule's id once, in the order they are to run."""
    return await _reads(session, await service.reorder_rules(session, rule_ids=body.rule_ids))


@router.get("/{rule_id}", response_model=RuleRead)
async def get_rule(rule: LoadedRule, session: SessionDep) -> RuleRead:
    return await _read_one(session, rule)


@router.patch("/{rule_id}", response_model=RuleRead)
async def update_rule(
    body: RuleUpdate, rule: LoadedRule, admin: CurrentAdmin, session: SessionDep
) -> RuleRead:
    await service.update_rule(
        session,
        user=admin,
        rule=rule,
        name=body.name,
        enabled=body.enabled,
        definition=body.definition.definition() if body.definition else None,
    )
    return await _read_one(session, rule)


@router.delete("/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_rule(rule: LoadedRule, session: SessionDep) -> None:
    await service.delete_rule(session, rule=rule)


@router.get("/{rule_id}/runs", response_model=list[RuleRunRead])
async def last_runs(rule: LoadedRule, session: SessionDep) -> list[RuleRunRead]:
    """The rule's latest 20 runs, newest first."""
    return [
        RuleRunRead(
            id=run.id,
            ticket=RuleTicket.model_validate(ticket),
            outcome=run.outcome,  # type: ignore[arg-type]
            applied=run.applied,
            error=run.error,
            ran_at=run.ran_at,
        )
        for run, ticket in await service.last_runs(session, rule=rule)
    ]
