"""A side conversation's reply address, `side+<id>.<hmac>@<mail domain>`: like a ticket's
(mail/addresses.py), unguessable and checked without a database lookup, signed for another
purpose so that neither kind of token can be made from the other."""

from __future__ import annotations

import re

from frontdesk.kit.ids import same, sign
from frontdesk.kit.text import normalize_domain
from frontdesk.mail.addresses import TOKEN_LENGTH

_SIDE = re.compile(r"^side\+(?P<id>\d+)\.(?P<mac>[0-9a-f]+)@(?P<domain>.+)$", re.IGNORECASE)


def side_reply_address(secret: bytes, *, side_id: int, mail_domain: str) -> str:
    return f"side+{side_id}.{sign(secret, f'side:{side_id}', TOKEN_LENGTH)}@{mail_domain}"


def side_from_address(secret: bytes, address: str, *, mail_domain: str) -> int | None:
    match = _SIDE.match(address.strip().strip("<>"))
    if not match or normalize_domain(match["domain"]) != normalize_domain(mail_domain):
        return None
    side_id = int(match["id"])
    expected = sign(secret, f"side:{side_id}", TOKEN_LENGTH)
    return side_id if same(match["mac"].lower(), expected) else None
