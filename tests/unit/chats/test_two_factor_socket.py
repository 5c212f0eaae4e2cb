"""The desk's socket refuses a user who must still set up two-factor authentication, like every
other call but the set-up itself; and an open socket follows what its user may see and do now."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import SQLITE_ONLY, Desk
from tests.realtime import connect, desk_socket, session_cookie
from tests.unit.support import new_ticket

pytestmark = SQLITE_ONLY


async def test_a_user_who_must_set_up_two_factor_gets_no_socket(live: str, desk: Desk) -> None:
    owner = await desk.agent(role="owner")
    agent = await desk.agent()
    sock = await desk_socket(live, agent)
    await sock.close()

    await owner.client.put("/api/v1/security", json={"two_factor_roles": ["agent"]})
    refused = await connect(
        f"ws://{live}/api/v1/ws", Cookie=session_cookie(agent.client), Origin="http://desk.test"
    )
    assert await refused.wait_closed() == 4401
    # The owner's role is not required: their socket opens.
    await (await desk_socket(live, owner)).close()


async def test_an_open_socket_closes_when_the_rule_comes_to_require_it(
    live: str, desk: Desk
) -> None:
    """The rule applies at once: a desk already open in a role that must now use two-factor
    authentication hears nothing more, as its requests are refused."""
    owner = await desk.agent(role="owner")
    agent = await desk.agent()
    agent_ws, owner_ws = await desk_socket(live, agent), await desk_socket(live, owner)

    required = await owner.client.put("/api/v1/security", json={"two_factor_roles": ["agent"]})
    assert required.status_code == 200, required.text

    assert await agent_ws.wait_closed() == 4401
    # The owner's role is not required: their socket stays.
    assert owner_ws.closed_code is None
    await owner_ws.close()


def created(subject: str) -> Callable[[dict[str, Any]], bool]:
    return lambda frame: (
        frame.get("type") == "ticket.created" and frame["data"]["ticket"]["subject"] == subject
    )


async def test_a_demoted_admin_stops_hearing_inboxes_they_are_not_in(live: str, desk: Desk) -> None:
    owner = await desk.agent(role="owner")
    theirs, other = await desk.inbox(), await desk.inbox()
    eve = await desk.agent(role="admin", inboxes=[theirs])
    eve_ws = await desk_socket(live, eve)
    await new_ticket(owner.client, other, subject="Before: seen by an admin")
    await eve_ws.wait_for(created("Before: seen by an admin"))

    demoted = await owner.client.patch(f"/api/v1/users/{eve.id}", json={"role": "agent"})
    assert demoted.status_code == 200, demoted.text
    await eve_ws.event("inbox.membership_changed")
    await new_ticket(owner.client, other, subject="After: not for an agent outside it")
    await new_ticket(owner.client, theirs, subject="After: in her own inbox")

    await eve_ws.wait_for(created("After: in her own inbox"))
    subjects = [frame["data"]["ticket"]["subject"] for frame in eve_ws.of_type("ticket.created")]
    assert "After: not for an agent outside it" not in subjects
    await eve_ws.close()
