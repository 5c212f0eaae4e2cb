"""CSV cells a spreadsheet opens as written: one rule for every CSV file the desk offers (the
reports' tables, the audit log, a ticket list)."""

from __future__ import annotations

from typing import Any

# What a spreadsheet takes for the start of a formula (a tab or return is stripped before it).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The cell's text; one a spreadsheet would run as a formula (a subject, a user agent, a
    label could start like one) written as text, behind a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text
