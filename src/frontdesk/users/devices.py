"""Browsers an account signed in from before, so failed logins elsewhere cannot lock them out.

After a successful login the browser keeps a cookie that vouches, under the server's secret, for
the accounts that signed in from it. A failed login from such a browser counts against that
browser alone; failures from anywhere else count against the account, as before. Someone who
guesses at the owner's password from elsewhere thus locks out only their own attempts, while the
owner's own browser still signs in. The cookie proves nothing by itself: the password (and the
second factor) is still asked for. It vouches under the password it was earned with: a new
password (changed, or set by an admin) forgets every browser trusted before, so someone who once
knew the old one keeps no guesses of their own."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from frontdesk.kit.ids import same, sign
from frontdesk.users.models import User

DEVICE_COOKIE = "frontdesk_device"
LIFETIME = timedelta(days=365)
# A browser shared by a few agents vouches for each of them; the oldest goes first.
MAX_ACCOUNTS = 5

_ID = re.compile(r"[A-Za-z0-9_-]{22}")
_MAC = re.compile(r"[0-9a-f]{20}")


def recognised(cookie: str | None, *, secret: bytes, user: User) -> str | None:
    """The browser's id when its cookie vouches for `user` with their current password, else
    None."""
    device, macs = _parse(cookie)
    if device is None or user.password_hash is None:
        return None
    expected = _mac(secret, device, user)
    return device if any(same(mac, expected) for mac in macs) else None


def remembered(cookie: str | None, *, secret: bytes, user: User) -> str:
    """The cookie's value once `user` signed in from this browser."""
    device, macs = _parse(cookie)
    if device is None:
        device, macs = secrets.token_urlsafe(16), []
    mac = _mac(secret, device, user)
    kept = [mac, *(other for other in macs if other != mac)][:MAX_ACCOUNTS]
    return ".".join([device, *kept])


def _parse(cookie: str | None) -> tuple[str | None, list[str]]:
    parts = (cookie or "").split(".")
    if not _ID.fullmatch(parts[0]):
        return None, []
    return parts[0], [mac for mac in parts[1 : MAX_ACCOUNTS + 1] if _MAC.fullmatch(mac)]


def _mac(secret: bytes, device: str, user: User) -> str:
    # The password's hash (salted, never shown) changes with the password.
    return sign(secret, f"login-device:{device}:{user.email}:{user.password_hash}")
