"""The tests hash passwords at argon2's cheapest cost (tests/conftest.py, CHEAP_HASHER): this
proves that the code as it runs outside the tests, in a process of its own, hashes at the
recommended cost (RFC 9106's low-memory profile), and takes a cheap hash for one to redo."""

from __future__ import annotations

import json
import subprocess
import sys

from argon2 import extract_parameters, profiles

from tests.conftest import CHEAP_HASHER

PRODUCTION = """
import json
from frontdesk.kit import passwords
print(json.dumps({"hash": passwords.hash_password("correct horse"),
                  "cheap_needs_rehash": passwords.needs_rehash(%r)}))
"""


def test_outside_the_tests_passwords_are_hashed_at_the_recommended_cost() -> None:
    cheap = CHEAP_HASHER.hash("correct horse")
    run = subprocess.run(
        [sys.executable, "-c", PRODUCTION % cheap], capture_output=True, text=True, check=True
    )
    answer = json.loads(run.stdout)
    assert extract_parameters(answer["hash"]) == profiles.RFC_9106_LOW_MEMORY
    assert extract_parameters(cheap) != profiles.RFC_9106_LOW_MEMORY
    assert answer["cheap_needs_rehash"] is True
