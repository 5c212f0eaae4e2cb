"""TOTP against RFC 6238's published test vectors, and the seed's sealing at rest."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from frontdesk.kit import secretbox
from frontdesk.users import totp

# RFC 6238 appendix B: the SHA-1 seed is the ASCII string "12345678901234567890", 8 digits.
RFC_SEED = b"12345678901234567890"
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


@pytest.mark.parametrize(("unix_time", "expected"), RFC_VECTORS)
def test_rfc_6238_sha1_vectors(unix_time: int, expected: str) -> None:
    at = datetime.fromtimestamp(unix_time, UTC)
    assert totp.hotp(RFC_SEED, totp.time_step(at), digits=8) == expected


@pytest.mark.parametrize(("unix_time", "expected"), RFC_VECTORS)
def test_six_digit_codes_are_the_vectors_last_six(unix_time: int, expected: str) -> None:
    secret = base64.b32encode(RFC_SEED).decode()
    assert totp.code_at(secret, datetime.fromtimestamp(unix_time, UTC)) == expected[-6:]


def test_one_step_of_drift_either_side_and_no_more() -> None:
    secret = base64.b32encode(RFC_SEED).decode()
    now = datetime.fromtimestamp(1111111111, UTC)
    step = totp.time_step(now)
    for offset, accepted in ((-2, False), (-1, True), (0, True), (1, True), (2, False)):
        code = totp.hotp(RFC_SEED, step + offset)
        found = totp.matching_step(secret, code, at=now, after=None)
        assert (found == step + offset) is accepted, offset


def test_a_code_no_later_than_the_last_step_taken_is_refused() -> None:
    secret = base64.b32encode(RFC_SEED).decode()
    now = datetime.fromtimestamp(1111111111, UTC)
    code = totp.code_at(secret, now)
    step = totp.matching_step(secret, code, at=now, after=None)
    assert step is not None
    assert totp.matching_step(secret, code, at=now, after=step) is None
    assert totp.matching_step(secret, "12 34 56", at=now, after=None) in (None, step)
    assert totp.matching_step(secret, "abcdef", at=now, after=None) is None


def test_a_new_secret_is_160_bits_of_base32_and_goes_in_an_otpauth_uri() -> None:
    secret = totp.new_secret()
    assert len(totp.secret_bytes(secret)) == 20
    uri = totp.provisioning_uri(secret, account="ada@staff.test", issuer="frontdesk")
    assert uri.startswith("otpauth://totp/frontdesk:ada@staff.test?")
    assert f"secret={secret}" in uri
    assert "issuer=frontdesk" in uri
    assert "period=30" in uri
    assert "digits=6" in uri


def test_sealed_secrets_open_only_with_the_same_key_and_purpose() -> None:
    key = b"k" * 48
    sealed = secretbox.seal(key, "totp-secret", "JBSWY3DPEHPK3PXP")
    assert "JBSWY3DPEHPK3PXP" not in sealed
    assert secretbox.seal(key, "totp-secret", "JBSWY3DPEHPK3PXP") != sealed  # a fresh nonce
    assert secretbox.unseal(key, "totp-secret", sealed) == "JBSWY3DPEHPK3PXP"
    with pytest.raises(secretbox.Unreadable):
        secretbox.unseal(b"other" * 10, "totp-secret", sealed)
    with pytest.raises(secretbox.Unreadable):
        secretbox.unseal(key, "another-purpose", sealed)
