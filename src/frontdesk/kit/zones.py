"""Which time zone names a person may choose: the IANA places ("Europe/Paris", "UTC"), never the
tz database's other keys. "localtime" is the server's own zone (it would change with the
machine), "posixrules" and "Factory" are no place, and path-like keys ("posix/Europe/Paris")
are the same zones under names no desk should show."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

NOT_PLACES = frozenset({"Factory", "localtime", "posixrules"})


@cache
def _places() -> frozenset[str]:
    return frozenset(
        name
        for name in available_timezones()
        if name not in NOT_PLACES and not name.startswith(("posix/", "right/"))
    )


def is_place(name: str) -> bool:
    return name in _places()
