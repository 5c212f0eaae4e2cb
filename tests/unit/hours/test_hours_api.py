"""Business hours through the REST API: reading, setting, refusing, and who may do which."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from frontdesk.hours.models import BusinessHours
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.unit.support import count_rows, error_of, fields_of, use_cheap_passwords

pytestmark = SQLITE_ONLY

Freeze = Callable[[datetime], None]

PARIS_OFFICE: dict[str, Any] = {
    "enabled": True,
    "time_zone": "Europe/Paris",
    "weekly": [
        {"day": day, "opens": "09:00", "closes": "17:00"}
        for day in ("mon", "tue", "wed", "thu", "fri")
    ],
    "holidays": [{"date": "2026-12-25", "name": "Christmas", "yearly": True}],
    "away_message": "  We answer on weekdays.  ",
}


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def test_an_inbox_nobody_configured_is_always_open(desk: Desk, frozen: Freeze) -> None:
    frozen(datetime(2026, 12, 6, 3, tzinfo=UTC))  # a Sunday night
    inbox = await desk.inbox()
    agent = await desk.agent(inboxes=[inbox])
    hours = (await agent.client.get(f"/api/v1/inboxes/{inbox['id']}/hours")).json()
    assert hours == {
        "inbox_id": inbox["id"],
        "enabled": False,
        "time_zone": "UTC",
        "weekly": [],
        "holidays": [],
        "away_message": "",
        "open_now": True,
        "next_opening_at": "2026-12-06T03:00:00Z",
        "next_closing_at": None,
    }


async def test_an_admin_sets_the_hours_and_every_member_reads_them(
    desk: Desk, frozen: Freeze
) -> None:
    frozen(datetime(2026, 12, 4, 17, 30, tzinfo=UTC))  # Friday 18:30 in Paris
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin")
    response = await admin.client.put(f"/api/v1/inboxes/{inbox['id']}/hours", json=PARIS_OFFICE)
    assert response.status_code == 200, response.text
    hours = response.json()
    assert hours["away_message"] == "We answer on weekdays."
    assert hours["open_now"] is False
    assert hours["next_opening_at"] == "2026-12-07T08:00:00Z"  # Monday 09:00 CET
    assert hours["next_closing_at"] == "2026-12-04T17:30:00Z"
    member = await desk.agent(inboxes=[inbox])
    assert (await member.client.get(f"/api/v1/inboxes/{inbox['id']}/hours")).json() == hours


@BOTH_STORES
async def test_saving_twice_keeps_one_row_and_the_last_hours(desk: Desk) -> None:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin")
    url = f"/api/v1/inboxes/{inbox['id']}/hours"
    assert (await admin.client.put(url, json=PARIS_OFFICE)).status_code == 200
    later = PARIS_OFFICE | {"enabled": False, "time_zone": "America/New_York"}
    assert (await admin.client.put(url, json=later)).status_code == 200
    assert await count_rows(desk.app, BusinessHours) == 1
    hours = (await admin.client.get(url)).json()
    assert (hours["enabled"], hours["time_zone"]) == (False, "America/New_York")
    assert hours["weekly"] == PARIS_OFFICE["weekly"]  # kept while off
    assert hours["open_now"] is True


async def test_intervals_are_stored_in_week_order(desk: Desk) -> None:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin")
    body = PARIS_OFFICE | {
        "weekly": [
            {"day": "sun", "opens": "22:00", "closes": "02:00"},
            {"day": "mon", "opens": "14:00", "closes": "18:00"},
            {"day": "mon", "opens": "09:00", "closes": "12:00"},
        ]
    }
    hours = (await admin.client.put(f"/api/v1/inboxes/{inbox['id']}/hours", json=body)).json()
    assert [(i["day"], i["opens"]) for i in hours["weekly"]] == [
        ("mon", "09:00"),
        ("mon", "14:00"),
        ("sun", "22:00"),
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"time_zone": "posix/Europe/Paris"}, "time_zone"),
        # The server's own zone: the hours would move with the machine.
        ({"time_zone": "localtime"}, "time_zone"),
        ({"time_zone": ""}, "time_zone"),
        # Known to the tz database, and traps (below).
        ({"time_zone": "EST"}, "time_zone"),
        ({"time_zone": "Etc/GMT+5"}, "time_zone"),
        ({"time_zone": "GMT"}, "time_zone"),
        ({"time_zone": "Japan"}, "time_zone"),
        # On, with no hours: closed for good.
        ({"weekly": []}, "weekly"),
        ({"weekly": [{"day": "mon", "opens": "9:00", "closes": "17:00"}]}, "weekly.0.opens"),
        ({"weekly": [{"day": "mon", "opens": "09:00", "closes": "25:00"}]}, "weekly.0.closes"),
        ({"weekly": [{"day": "mon", "opens": "24:00", "closes": "02:00"}]}, "weekly.0.opens"),
        ({"weekly": [{"day": "mon", "opens": "09:00", "closes": "09:00"}]}, "weekly.0.closes"),
        ({"weekly": [{"day": "funday", "opens": "09:00", "closes": "17:00"}]}, "weekly.0.day"),
        (
            {
                "weekly": [
                    {"day": "mon", "opens": "09:00", "closes": "13:00"},
                    {"day": "mon", "opens": "12:00", "closes": "14:00"},
                ]
            },
            "weekly.1",
        ),
        (
            # Sunday night runs into Monday morning.
            {
                "weekly": [
                    {"day": "mon", "opens": "01:00", "closes": "05:00"},
                    {"day": "sun", "opens": "22:00", "closes": "02:00"},
                ]
            },
            "weekly.1",
        ),
        ({"holidays": [{"date": "2026-02-30"}]}, "holidays.0.date"),
        ({"holidays": [{"date": "2028-02-29", "yearly": True}]}, "holidays.0.yearly"),
        ({"holidays": [{"date": "2026-12-25"}, {"date": "2026-12-25"}]}, "holidays.1.date"),
        ({"away_message": "x" * 1001}, "away_message"),
        ({"enabled": "yes"}, "enabled"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_bad_hours_are_422_naming_the_field_and_change_nothing(
    desk: Desk, change: dict[str, Any], field: str
) -> None:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin")
    url = f"/api/v1/inboxes/{inbox['id']}/hours"
    error = error_of(await admin.client.put(url, json=PARIS_OFFICE | change), 422, "invalid")
    assert field in fields_of(error), error
    assert await count_rows(desk.app, BusinessHours) == 0


@pytest.mark.parametrize(
    ("zone", "says"),
    [
        ("EST", ["UTC-05:00 all year, with no daylight saving", "America/New_York"]),
        ("MST", ["no daylight saving", "America/Denver", "America/Phoenix"]),
        ("EST5EDT", ["old abbreviation", "America/New_York"]),
        ("Etc/GMT+5", ["UTC-05:00 all year", "inverted", "America/New_York"]),
        ("Etc/GMT-1", ["UTC+01:00 all year", "inverted", "Europe/Paris"]),
        ("Etc/UTC", ["another name for UTC", "choose UTC"]),
        ("GMT", ["another name for UTC", "Europe/London"]),
    ],
)
async def test_legacy_zones_are_refused_with_the_city_to_choose(
    desk: Desk, zone: str, says: list[str]
) -> None:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin")
    url = f"/api/v1/inboxes/{inbox['id']}/hours"
    error = error_of(await admin.client.put(url, json=PARIS_OFFICE | {"time_zone": zone}), 422)
    (field,) = error["fields"]
    assert field["field"] == "time_zone"
    for words in says:
        assert words in field["message"], field["message"]


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "America/Argentina/Buenos_Aires"])
async def test_city_zones_and_utc_are_taken(desk: Desk, zone: str) -> None:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin")
    url = f"/api/v1/inboxes/{inbox['id']}/hours"
    response = await admin.client.put(url, json=PARIS_OFFICE | {"time_zone": zone})
    assert response.status_code == 200, response.text


async def test_hours_on_need_an_interval_and_off_need_none(desk: Desk) -> None:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin")
    url = f"/api/v1/inboxes/{inbox['id']}/hours"
    error = error_of(await admin.client.put(url, json=PARIS_OFFICE | {"weekly": []}), 422)
    assert error["fields"] == [
        {
            "field": "weekly",
            "code": "required",
            "message": "Add the hours the inbox is open, or turn business hours off to stay "
            "open around the clock.",
        }
    ]
    off = PARIS_OFFICE | {"enabled": False, "weekly": []}
    hours = (await admin.client.put(url, json=off)).json()
    assert (hours["enabled"], hours["weekly"], hours["open_now"]) == (False, [], True)


async def test_only_admins_set_hours_and_others_inboxes_are_404(desk: Desk) -> None:
    inbox = await desk.inbox()
    member = await desk.agent(inboxes=[inbox])
    stranger = await desk.agent()
    url = f"/api/v1/inboxes/{inbox['id']}/hours"
    error_of(await member.client.put(url, json=PARIS_OFFICE), 403)
    error_of(await stranger.client.get(url), 404, "not_found")
    admin = await desk.agent(role="admin")
    error_of(await admin.client.put("/api/v1/inboxes/999999/hours", json=PARIS_OFFICE), 404)
    assert await count_rows(desk.app, BusinessHours) == 0


@BOTH_STORES
async def test_two_admins_saving_at_once_leave_one_row(desk: Desk) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(role="admin")
    bob = await desk.agent(role="admin")
    url = f"/api/v1/inboxes/{inbox['id']}/hours"
    new_york = PARIS_OFFICE | {"time_zone": "America/New_York"}
    first, second = await asyncio.gather(
        ada.client.put(url, json=PARIS_OFFICE), bob.client.put(url, json=new_york)
    )
    assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
    assert await count_rows(desk.app, BusinessHours) == 1
    saved = (await ada.client.get(url)).json()["time_zone"]
    assert saved in ("Europe/Paris", "America/New_York")


async def test_the_insert_that_loses_the_race_updates_the_winners_row(desk: Desk) -> None:
    """What happens under PostgreSQL when both saves find no row: the second insert hits the
    primary key, and that save carries on with the row the first one wrote."""
    from frontdesk.db.session import unit_of_work
    from frontdesk.hours import service

    inbox = await desk.inbox()
    async with unit_of_work(desk.app.state.sessionmaker) as session:
        await service.set_hours(
            session,
            inbox_id=inbox["id"],
            enabled=False,
            time_zone="Europe/Paris",
            weekly=[],
            holidays=[],
            away_message="first",
        )
    async with unit_of_work(desk.app.state.sessionmaker) as session:
        # As if it had found none: its values lose too, the winner's row is read.
        row = await service._first_row(session, inbox["id"], {"away_message": "lost"})
        assert (row.away_message, row.time_zone) == ("first", "Europe/Paris")
        row.away_message = "second"
    assert await count_rows(desk.app, BusinessHours) == 1
    async with unit_of_work(desk.app.state.sessionmaker) as session:
        assert (await service.get_hours(session, inbox_id=inbox["id"])).away_message == "second"
