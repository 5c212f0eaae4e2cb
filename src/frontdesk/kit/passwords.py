"""Argon2id password hashing with the library's current recommended parameters."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verifying against this when the account does not exist keeps timing the same either way. Made
# once with the parameters above rather than at each start: hashing it at import cost every
# `frontdesk` process (each server, each command) ~0.45 s of CPU before it could serve. Its salt
# being public matters not: no account has this hash. Should the library's parameters change,
# it is made again at import, so that its verification still costs what a real one does.
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$9OmmLpvFXhiPqUTqti5o2Q$"
    "TCrsOhcRkAu8uehxnwvs3vxGGeyYzgpSukXvnZxkHqQ"
)
if _hasher.check_needs_rehash(_DUMMY_HASH):
    _DUMMY_HASH = _hasher.hash("frontdesk-no-such-account")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
