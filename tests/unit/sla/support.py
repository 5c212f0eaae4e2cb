from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from frontdesk.sla.timers import check_slas
from tests.conftest import Agent
from tests.mail.support import post_mime, reply_mail


async def ok(response: httpx.Response) -> Any:
    assert response.is_success, response.text
    return response.json()


async def customer_writes(agent: Agent, to: str, subject: str = "Order") -> int:
    """A new email from a customer: a ticket the customer opened, so a first response is due."""
    gateway = httpx.AsyncClient(transport=agent.client._transport, base_url="http://desk.test")
    async with gateway:
        received = await ok(
            await post_mime(
                gateway, reply_mail(to=to, text="Where is it?", subject=subject), to=[to]
            )
        )
    return int(received["ticket_id"])


async def policy(admin: Agent, **fields: Any) -> dict[str, Any]:
    body = {"name": "Standard"} | fields
    return dict(await ok(await admin.client.post("/api/v1/sla-policies", json=body)))


async def ticket(agent: Agent, ticket_id: int) -> dict[str, Any]:
    return dict(await ok(await agent.client.get(f"/api/v1/tickets/{ticket_id}")))


async def timer_round(app: FastAPI) -> int:
    return await check_slas(app.state.sessionmaker, app.state.settings)


def counting(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[Any]:
    """The calls of `module.name` from now on, by their keyword arguments."""
    calls: list[Any] = []
    original: Callable[..., Any] = getattr(module, name)

    async def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return await original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls
