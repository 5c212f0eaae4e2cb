"""The realtime catalogue is the contract: the front ends' generated types, docs/realtime.md and
the domains' enums must all say what it says."""

from __future__ import annotations

import enum
import re
from pathlib import Path
from typing import get_args

import pytest

from frontdesk.chats.models import AuthorKind, ChatState, EndReason, InvitationKind
from frontdesk.ratings.models import RatingChannel, RatingScore
from frontdesk.realtime import catalogue
from frontdesk.realtime.catalogue import CATALOGUE, keys_of
from frontdesk.realtime.typescript import TARGETS, Audience, render
from frontdesk.tickets.models import Direction, EntryKind, TicketState, TicketType
from frontdesk.users.events import AccessEndedReason

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("audience", list(Audience))
def test_the_front_ends_event_types_are_generated_from_the_catalogue(audience: Audience) -> None:
    committed = (ROOT / TARGETS[audience]).read_text()
    assert committed == render(audience), "run `.venv/bin/python -m frontdesk.realtime.typescript`"


def _cells(line: str) -> list[str]:
    # A pipe inside a cell is written `\|`.
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def _documented_tables() -> list[list[list[str]]]:
    """The tables of the "Events" section, as rows of cells, without their header."""
    text = (ROOT / "docs" / "realtime.md").read_text()
    section = text.split("\n## Events\n", 1)[1].split("\n## ", 1)[0]
    tables: list[list[list[str]]] = []
    rows: list[list[str]] = []
    for line in [*section.splitlines(), ""]:
        if line.startswith("|"):
            rows.append(_cells(line))
        elif rows:
            tables.append(rows[2:])
            rows = []
    return tables


def test_docs_realtime_describe_every_event_the_server_delivers_and_no_other() -> None:
    stored_table, ephemeral_table = _documented_tables()
    documented: dict[str, bool] = {}
    for stored, table in ((True, stored_table), (False, ephemeral_table)):
        for type_cell, data_cell, _audience in table:
            names = re.findall(r"`([a-z_]+\.[a-z_]+)`", type_cell)
            assert names, type_cell
            words = {
                w
                for quoted in re.findall(r"`([^`]*)`", data_cell)
                for w in re.findall(r"\w+", quoted)
            }
            for name in names:
                documented[name] = stored
                spec = CATALOGUE.get(name)
                assert spec is not None, f"{name} is documented but not in the catalogue"
                missing = keys_of(spec.data) - words
                assert not missing, f"{name}: data keys {sorted(missing)} are not documented"
    delivered = {name: spec.stored for name, spec in CATALOGUE.items() if spec.delivered}
    assert documented == delivered


@pytest.mark.parametrize(
    ("literal", "domain"),
    [
        (catalogue.AuthorKindName, AuthorKind),
        (catalogue.ChatStateName, ChatState),
        (catalogue.InvitationKindName, InvitationKind),
        (catalogue.EndReasonName, EndReason),
        (catalogue.AccessEndedReasonName, AccessEndedReason),
        (catalogue.TicketSummary.__annotations__["type"], TicketType),
        (catalogue.TicketSummary.__annotations__["state"], TicketState),
        (catalogue.EntryRef.__annotations__["kind"], EntryKind),
        (catalogue.EntryRef.__annotations__["direction"], Direction),
        (catalogue.RatingSummary.__annotations__["score"], RatingScore),
        (catalogue.RatingSummary.__annotations__["channel"], RatingChannel),
    ],
)
def test_payload_values_name_every_value_of_the_domain(
    literal: object, domain: type[enum.StrEnum]
) -> None:
    assert set(get_args(literal)) == {member.value for member in domain}


def test_a_visitor_payload_is_the_agents_payload_without_the_agent_only_keys() -> None:
    for spec in CATALOGUE.values():
        if spec.visitor_data is not None:
            assert keys_of(spec.visitor_data) <= keys_of(spec.data), spec.name
            assert "visitor" in spec.audience, spec.name
        else:
            assert "visitor" not in spec.audience, spec.name
