"""Our --disable-features replaces Playwright's own (Chromium reads the last one given), so it
must keep every feature Playwright turns off: a Playwright upgrade that adds one fails here."""

from __future__ import annotations

import re
from pathlib import Path

import playwright

from tests.e2e.conftest import CHROMIUM_FLAGS, PLAYWRIGHT_DISABLED_FEATURES

DRIVER_BUNDLE = Path(playwright.__file__).parent / "driver/package/lib/coreBundle.js"


def _playwrights_disabled_features() -> set[str]:
    source = DRIVER_BUNDLE.read_text(encoding="utf-8")
    found = re.search(r"disabledFeatures = \[(.*?)\]\.filter", source, re.DOTALL)
    assert found, f"Playwright's list of disabled features is no longer in {DRIVER_BUNDLE}"
    return set(re.findall(r'^\s*"([^"]+)",?\s*$', found.group(1), re.MULTILINE))


def test_our_disabled_features_keep_playwrights() -> None:
    theirs = _playwrights_disabled_features()
    assert theirs, "no feature found in Playwright's list: the pattern above needs updating"
    assert theirs == set(PLAYWRIGHT_DISABLED_FEATURES)
    given = [flag for flag in CHROMIUM_FLAGS if flag.startswith("--disable-features=")]
    assert len(given) == 1
    assert theirs <= set(given[0].removeprefix("--disable-features=").split(","))
