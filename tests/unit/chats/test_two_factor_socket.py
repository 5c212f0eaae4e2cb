"""The desk's socket refuses a user who must still set up two-factor authentication, like every
other call but the set-up itself."""

from __future__ import annotations

from tests.conftest import Desk
from tests.realtime import connect, desk_socket, session_cookie


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
