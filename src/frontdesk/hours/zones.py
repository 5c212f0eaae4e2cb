"""Which time zone names business hours refuse, though the tz database knows them, and what to
choose instead (docs/routing.md, "Setting them").

Hours are a team's wall clock, and two kinds of names in the tz database look like one and are
not: the old abbreviations ("EST" is UTC-05:00 all year: no daylight saving, so an office in New
York would open an hour late all summer) and the fixed offsets "Etc/GMT±N", whose sign is
inverted (POSIX: "Etc/GMT+5" is five hours *behind* UTC). Other names without a region ("GMT",
"Japan") are aliases kept for compatibility. Only a Region/City name, or UTC, is accepted.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

# The city to suggest for each old abbreviation: the clocks people mean by it.
CITIES = {
    "EST": "America/New_York",
    "EST5EDT": "America/New_York",
    "CST6CDT": "America/Chicago",
    "MST": "America/Denver (America/Phoenix in Arizona)",
    "MST7MDT": "America/Denver",
    "PST8PDT": "America/Los_Angeles",
    "HST": "Pacific/Honolulu",
    "CET": "Europe/Paris",
    "MET": "Europe/Paris",
    "EET": "Europe/Athens",
    "WET": "Europe/Lisbon",
}
# A city on each whole-hour offset, for "Etc/GMT±N".
CITY_AT_OFFSET = {
    -11: "Pacific/Pago_Pago",
    -10: "Pacific/Honolulu",
    -9: "America/Anchorage",
    -8: "America/Los_Angeles",
    -7: "America/Denver",
    -6: "America/Chicago",
    -5: "America/New_York",
    -4: "America/Halifax",
    -3: "America/Sao_Paulo",
    -2: "America/Noronha",
    -1: "Atlantic/Azores",
    1: "Europe/Paris",
    2: "Europe/Athens",
    3: "Europe/Istanbul",
    4: "Asia/Dubai",
    5: "Asia/Karachi",
    6: "Asia/Dhaka",
    7: "Asia/Bangkok",
    8: "Asia/Singapore",
    9: "Asia/Tokyo",
    10: "Australia/Sydney",
    11: "Pacific/Noumea",
    12: "Pacific/Auckland",
    13: "Pacific/Tongatapu",
    14: "Pacific/Kiritimati",
}
ANY_CITY = "America/New_York or Europe/Paris"


def refusal(name: str, zone: ZoneInfo) -> str | None:
    """Why `name` (a zone the tz database knows) is no business-hours zone, or None."""
    if name == "UTC" or ("/" in name and not name.startswith("Etc/")):
        return None
    winter = _offset(zone, datetime(2026, 1, 15, tzinfo=UTC))
    summer = _offset(zone, datetime(2026, 7, 15, tzinfo=UTC))
    if winter == summer == timedelta(0):
        return (
            f"{name!r} is another name for UTC: choose UTC, or Europe/London for the clocks of "
            "the United Kingdom, which move forward an hour in summer."
        )
    fixed = f"UTC{_hours(winter)} all year, with no daylight saving" if winter == summer else ""
    if name.startswith("Etc/GMT"):
        hours = int(winter.total_seconds() // 3600)
        city = CITY_AT_OFFSET.get(hours, ANY_CITY)
        return (
            f"{name!r} means {fixed} (the sign of Etc/GMT zones is inverted): choose the city "
            f"whose clocks the team keeps, such as {city}."
        )
    if name in CITIES:
        kept = f" ({fixed})" if fixed else ""
        return (
            f"{name!r} is an old abbreviation{kept}: choose the city whose clocks the team "
            f"keeps, such as {CITIES[name]}."
        )
    return (
        f"{name!r} is an old alias kept for compatibility: choose a Region/City name, such as "
        f"{ANY_CITY}."
    )


def _offset(zone: ZoneInfo, at: datetime) -> timedelta:
    return at.astimezone(zone).utcoffset() or timedelta(0)


def _hours(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
