"""SLA policies: every agent reads them (the desk names the policy on a ticket), admins manage
them."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from frontdesk.deps import AuthenticateFirst, CurrentAdmin, CurrentAgent, SessionDep
from frontdesk.kit.schemas import Id
from frontdesk.sla import policies, service
from frontdesk.sla.schemas import SlaPolicyRead, SlaPolicyWrite

router = APIRouter(prefix="/sla-policies", tags=["sla"], route_class=AuthenticateFirst)


def _fields(body: SlaPolicyWrite) -> policies.PolicyFields:
    return policies.PolicyFields(**body.model_dump())


@router.get("", response_model=list[SlaPolicyRead])
async def list_policies(user: CurrentAgent, session: SessionDep) -> list[SlaPolicyRead]:
    """In the order they are tried: the first that matches a ticket applies."""
    return [SlaPolicyRead.model_validate(p) for p in await service.list_policies(session)]


@router.post("", response_model=SlaPolicyRead, status_code=status.HTTP_201_CREATED)
async def create_policy(
    body: SlaPolicyWrite, admin: CurrentAdmin, session: SessionDep
) -> SlaPolicyRead:
    policy = await policies.create_policy(session, fields=_fields(body))
    return SlaPolicyRead.model_validate(policy)


@router.put("/{policy_id}", response_model=SlaPolicyRead)
async def update_policy(
    policy_id: Id, body: SlaPolicyWrite, admin: CurrentAdmin, session: SessionDep
) -> SlaPolicyRead:
    policy = await service.get_policy(session, policy_id=policy_id)
    policy = await policies.update_policy(session, policy=policy, fields=_fields(body))
    return SlaPolicyRead.model_validate(policy)


@router.delete("/{policy_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_policy(policy_id: Id, admin: CurrentAdmin, session: SessionDep) -> Response:
    policy = await service.get_policy(session, policy_id=policy_id)
    await policies.delete_policy(session, policy=policy)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
