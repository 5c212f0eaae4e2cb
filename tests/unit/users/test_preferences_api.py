"""An agent's language and time zone for the desk (PATCH /api/v1/me preferences)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from frontdesk.users.models import User
from frontdesk.users.service import DESK_LANGUAGES
from tests.conftest import SQLITE_ONLY, Desk
from tests.unit.support import error_of, fields_of, use_cheap_passwords

pytestmark = SQLITE_ONLY

DESK_I18N = Path(__file__).resolve().parents[3] / "web" / "desk" / "src" / "i18n" / "index.ts"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def test_a_new_agent_follows_the_browser(desk: Desk) -> None:
    agent = await desk.agent()
    me = (await agent.client.get("/api/v1/me")).json()
    assert me["preferences"]["language"] == ""
    assert me["preferences"]["time_zone"] == ""


async def test_language_and_time_zone_are_saved_and_cleared(desk: Desk) -> None:
    agent = await desk.agent()
    response = await agent.client.patch(
        "/api/v1/me", json={"preferences": {"language": "fr", "time_zone": "Asia/Tokyo"}}
    )
    assert response.status_code == 200, response.text
    assert response.json()["preferences"] == {
        "sound": True,
        "desktop_notifications": True,
        "language": "fr",
        "time_zone": "Asia/Tokyo",
        "undo_send_seconds": 0,
    }
    # One preference at a time leaves the others as they were.
    await agent.client.patch("/api/v1/me", json={"preferences": {"sound": False}})
    me = (await agent.client.get("/api/v1/me")).json()
    assert me["preferences"]["language"] == "fr"
    assert me["preferences"]["time_zone"] == "Asia/Tokyo"
    # "" goes back to following the browser.
    await agent.client.patch("/api/v1/me", json={"preferences": {"language": "", "time_zone": ""}})
    me = (await agent.client.get("/api/v1/me")).json()
    assert (me["preferences"]["language"], me["preferences"]["time_zone"]) == ("", "")
    assert me["preferences"]["sound"] is False


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/Argentina/Buenos_Aires"])
async def test_any_iana_zone_is_accepted(desk: Desk, zone: str) -> None:
    agent = await desk.agent()
    response = await agent.client.patch("/api/v1/me", json={"preferences": {"time_zone": zone}})
    assert response.status_code == 200, response.text
    assert response.json()["preferences"]["time_zone"] == zone


@pytest.mark.parametrize(
    ("preferences", "field", "says"),
    [
        ({"language": "de"}, "preferences.language", '"en", "fr"'),
        ({"language": "fr-FR"}, "preferences.language", "follow the browser"),
        ({"language": "FR"}, "preferences.language", '"FR" is not one of them'),
        ({"time_zone": "Mars/Olympus"}, "preferences.time_zone", "Europe/Paris"),
        ({"time_zone": "asia/tokyo"}, "preferences.time_zone", "case matters"),
        ({"time_zone": "../../etc/passwd"}, "preferences.time_zone", "not a time zone"),
        ({"time_zone": "/usr/share/zoneinfo/UTC"}, "preferences.time_zone", "not a time zone"),
        ({"time_zone": "Factory"}, "preferences.time_zone", "not a time zone"),
        ({"time_zone": "localtime"}, "preferences.time_zone", "not a time zone"),
        ({"time_zone": "A" * 65}, "preferences.time_zone", ""),
        ({"language": 1}, "preferences.language", ""),
        ({"time_zone": None}, "preferences.time_zone", ""),
        ({"theme": "dark"}, "preferences.theme", ""),
    ],
)
async def test_a_bad_choice_is_422_naming_the_preference_and_changes_nothing(
    desk: Desk, preferences: dict[str, object], field: str, says: str
) -> None:
    agent = await desk.agent()
    await agent.client.patch("/api/v1/me", json={"preferences": {"time_zone": "Europe/Paris"}})
    before = (await agent.client.get("/api/v1/me")).json()
    response = await agent.client.patch(
        "/api/v1/me", json={"name": "Changed", "preferences": preferences}
    )
    error = error_of(response, 422, "invalid")
    assert field in fields_of(error), error
    assert says in error["message"], error
    assert (await agent.client.get("/api/v1/me")).json() == before


async def test_an_account_saved_before_these_preferences_reads_as_following_the_browser(
    desk: Desk,
) -> None:
    agent = await desk.agent()
    async with desk.app.state.sessionmaker() as session:
        user = await session.get(User, agent.id)
        assert user is not None
        user.preferences = {"sound": False, "desktop_notifications": True}
        await session.commit()
    me = (await agent.client.get("/api/v1/me")).json()
    assert me["preferences"] == {
        "sound": False,
        "desktop_notifications": True,
        "language": "",
        "time_zone": "",
        "undo_send_seconds": 0,
    }


def test_the_server_knows_the_desks_languages() -> None:
    # The desk's list of languages is where the words are; the server's check must follow it.
    match = re.search(r"export const LOCALES = \[([^\]]*)\]", DESK_I18N.read_text())
    assert match, "LOCALES not found in the desk's i18n/index.ts"
    assert tuple(re.findall(r'"(\w+)"', match.group(1))) == DESK_LANGUAGES
