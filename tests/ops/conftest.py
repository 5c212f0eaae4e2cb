"""Operations tests: probes and metrics over HTTP, backups round-tripped through the CLI."""

from __future__ import annotations

import pytest

from tests.unit.support import use_cheap_passwords


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)
