"""What event rules cost the change that sets them off: the statements of a bulk action do not
grow with the number of rules that match nothing, nor their part with the number of tickets; and
what one rule of a round changes is what the next ones judge."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import SQLITE_ONLY, Agent, Desk
from tests.unit.rules.support import create_rule, label_names, make_label, ticket, timeline
from tests.unit.support import new_ticket, statements, use_cheap_passwords

pytestmark = SQLITE_ONLY


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def _nothing_matches(admin: Agent, n: int) -> None:
    # Like the rules of the audit: they answer every change of the bulk, and their first
    # condition reads the first message, their second the calendar.
    await create_rule(
        admin,
        f"Never {n}",
        when={"type": "state_changed"} if n % 2 else {"type": "label_added"},
        conditions=[
            {"field": "hours", "op": "in"},
            {"field": "text", "op": "contains", "value": f"nomatch{n}"},
        ],
        actions=[{"type": "note", "text": "never written"}],
    )


async def _bulk_statements(
    desk: Desk, agent: Agent, inbox: dict[str, Any], label: dict[str, Any], tickets: int
) -> int:
    """Statements of one bulk request (set the state, add a label) on new tickets."""
    ids = [(await new_ticket(agent.client, inbox))["id"] for _ in range(tickets)]
    with statements(desk.app) as sent:
        response = await agent.client.post(
            "/api/v1/tickets/bulk",
            json={
                "ticket_ids": ids,
                "actions": [
                    {"type": "set_state", "state": "hold"},
                    {"type": "label", "add": [label["id"]]},
                ],
            },
        )
    assert response.status_code == 200, response.text
    assert response.json()["done"] == tickets
    for ticket_id in ids:
        assert "never written" not in timeline(await ticket(agent, ticket_id))
    return len(sent)


class TestCost:
    async def test_rules_that_match_nothing_add_no_statements_per_rule_or_ticket(
        self, desk: Desk
    ) -> None:
        inbox = await desk.inbox(name="Support")
        ada = await desk.agent(inboxes=[inbox], name="Ada")
        admin = await desk.agent(role="admin", inboxes=[inbox])
        label = await make_label(admin, "Later")
        bare = {n: await _bulk_statements(desk, ada, inbox, label, n) for n in (2, 6)}

        await _nothing_matches(admin, 1)
        one = await _bulk_statements(desk, ada, inbox, label, 6)
        for n in range(2, 31):
            await _nothing_matches(admin, n)
        thirty = {n: await _bulk_statements(desk, ada, inbox, label, n) for n in (2, 6)}

        # Thirty rules cost what one does: each fact is read once for the round.
        assert thirty[6] == one, (one, thirty[6])
        # And the rules' part is the same for six tickets as for two: read for all at once.
        assert thirty[6] - bare[6] == thirty[2] - bare[2], (bare, thirty)
        assert thirty[6] - bare[6] <= 4, (bare, thirty)


class TestOrder:
    async def test_each_rule_judges_the_ticket_as_the_rules_before_left_it(
        self, desk: Desk
    ) -> None:
        inbox = await desk.inbox(name="Support")
        ada = await desk.agent(inboxes=[inbox], name="Ada")
        admin = await desk.agent(role="admin", inboxes=[inbox])
        vip = await make_label(admin, "VIP")
        seen = await make_label(admin, "Seen")
        on_hold = {"type": "state_changed", "state": "hold"}
        has_vip = [{"field": "label", "op": "has", "value": vip["id"]}]
        # In this order: the first finds no VIP yet, the second adds it, the third finds it.
        await create_rule(
            admin,
            "Before",
            when=on_hold,
            conditions=has_vip,
            actions=[{"type": "note", "text": "before saw VIP"}],
        )
        await create_rule(
            admin, "Adds VIP", when=on_hold, actions=[{"type": "label", "add": [vip["id"]]}]
        )
        await create_rule(
            admin,
            "After",
            when=on_hold,
            conditions=has_vip,
            actions=[{"type": "label", "add": [seen["id"]]}],
        )
        tickets = [await new_ticket(ada.client, inbox) for _ in range(3)]
        response = await ada.client.post(
            "/api/v1/tickets/bulk",
            json={
                "ticket_ids": [each["id"] for each in tickets],
                "actions": [{"type": "set_state", "state": "hold"}],
            },
        )
        assert response.status_code == 200, response.text
        for each in tickets:
            detail = await ticket(ada, each["id"])
            assert label_names(detail) == ["Seen", "VIP"]
            assert "before saw VIP" not in [entry["text"] for entry in detail["entries"]]
