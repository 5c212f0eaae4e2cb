"""A chat offered to one agent at a time in real Chromium (docs/routing.md): the agent it is
offered to sees it red with Accept, Decline and a countdown; the other sees nothing to join until
it is declined, then it reaches their desk live and Accept joins it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import Browser, expect

from tests.conftest import Desk
from tests.e2e.desk import DESK_TESTS, assert_accessible, bar_item, open_desk, set_online, shoot

pytestmark = DESK_TESTS


async def test_an_offered_chat_is_declined_by_one_agent_and_accepted_by_the_next(
    app: FastAPI, browser: Browser, live: str, desk: Desk, visitors: Any, screenshots: Path
) -> None:
    inbox = await desk.inbox(name="Support")
    admin = await desk.agent(role="admin")
    saved = await admin.client.put(
        f"/api/v1/inboxes/{inbox['id']}/assignment",
        json={
            "mode": "round_robin",
            "ticket_limit": 10,
            "offer_chats": True,
            "offer_timeout_seconds": 120,
        },
    )
    assert saved.status_code == 200, saved.text
    agents = []
    for name in ("Ada Lovelace", "Bob Noyce"):  # round robin starts with the first account
        user = await desk.user(name=name)
        await desk.add_member(inbox, user)
        await set_online(app, user)
        agents.append(user)
    ada = await open_desk(browser, live, agents[0])
    bob = await open_desk(browser, live, agents[1])

    await (await visitors(inbox)).start_chat("My parcel is late", name="Marie Curie")
    offered = bar_item(ada, "Marie Curie")
    await expect(offered.get_by_role("img")).to_have_attribute(
        "aria-label", "Offered to you alone: accept or decline"
    )
    await offered.click()
    offer = ada.get_by_test_id("chat-offer")
    await expect(offer.get_by_role("button", name="Accept")).to_be_visible()
    await expect(offer).to_contain_text(re.compile(r"Offered to you\s*1[01]\d seconds left"))
    await shoot(ada, screenshots, "chat-offer")
    await assert_accessible(ada, "chat: offered to you")

    # Bob has nothing to join; the queue tells him who has it.
    await bob.goto(f"{live}/chats")
    await expect(bob.get_by_role("link", name="Marie Curie")).to_be_visible()
    await expect(bob.get_by_text("offered to Ada Lovelace")).to_be_visible()
    await expect(bar_item(bob, "Marie Curie")).to_have_count(0)

    await offer.get_by_role("button", name="Decline").click()
    await expect(ada.get_by_test_id("chat-offered-elsewhere")).to_contain_text(
        "Offered to Bob Noyce right now"
    )
    await expect(bar_item(ada, "Marie Curie")).to_have_count(0)
    await bar_item(bob, "Marie Curie").click()
    await bob.get_by_test_id("chat-offer").get_by_role("button", name="Accept").click()
    await expect(bob.get_by_role("textbox", name="Message to Marie Curie")).to_be_editable()
    await expect(bar_item(bob, "Marie Curie")).to_have_attribute("data-color", "green")
    await ada.context.close()
    await bob.context.close()
