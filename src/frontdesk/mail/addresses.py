"""Per-ticket reply addresses, `reply+<ticket id>.<hmac>@<mail domain>`: unguessable, unforgeable,
and checkable without a database lookup."""

from __future__ import annotations

import re
import secrets

from frontdesk.kit.ids import same, sign
from frontdesk.kit.text import normalize_domain

TOKEN_LENGTH = 20
_REPLY = re.compile(r"^reply\+(?P<ticket>\d+)\.(?P<mac>[0-9a-f]+)@(?P<domain>.+)$", re.IGNORECASE)


def default_sender(mail_domain: str) -> str:
    """The address an inbox without one of its own sends from."""
    return f"support@{mail_domain}"


def reply_token(secret: bytes, ticket_id: int) -> str:
    return f"{ticket_id}.{sign(secret, f'reply:{ticket_id}', TOKEN_LENGTH)}"


def reply_address(secret: bytes, *, ticket_id: int, mail_domain: str) -> str:
    return f"reply+{reply_token(secret, ticket_id)}@{mail_domain}"


def ticket_from_reply_address(secret: bytes, address: str, *, mail_domain: str) -> int | None:
    match = _REPLY.match(address.strip().strip("<>"))
    if not match or normalize_domain(match["domain"]) != normalize_domain(mail_domain):
        return None
    ticket_id = int(match["ticket"])
    expected = sign(secret, f"reply:{ticket_id}", TOKEN_LENGTH)
    return ticket_id if same(match["mac"].lower(), expected) else None


def new_message_id(*, mail_domain: str, hint: str) -> str:
    return f"<{hint}.{secrets.token_hex(8)}@{mail_domain}>"
