"""The headline figures of a report email: those the Reports page shows at its top, taken from
the page's own tables (reports/service.py `table`, the same computation, never another), for a
period and the period before it. Runs in the reading process (db/reading.py): a function of a
module, given plain values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.reports import service as reports

Kind = Literal["count", "duration", "share"]


@dataclass(frozen=True, slots=True)
class Figure:
    name: str
    kind: Kind
    value: float | None  # None: nothing to measure (a median of no values, a share of none)
    # Whether a larger value is better (conversations are neither: None).
    higher_is_better: bool | None


# name, kind, larger is better; in the order of the Reports page.
HEADLINES: tuple[tuple[str, Kind, bool | None], ...] = (
    ("conversations", "count", None),
    ("first_response", "duration", False),
    ("response", "duration", False),
    ("resolution", "duration", False),
    ("resolved", "count", True),
    ("chat_wait", "duration", False),
    ("missed_chats", "count", False),
    ("sla_breaches", "count", False),
    ("csat", "share", True),
)


async def headline(session: AsyncSession, report: reports.ReportFilter) -> list[Figure]:
    """The headline figures of one period, read from the Reports page's tables."""
    tables: dict[str, list[dict[str, Any]]] = {
        name: await reports.table(session, name, report)
        for name in ("volume", "times", "sla", "csat")
    }
    times = {row["figure"]: row for row in tables["times"]}
    ratings = [(day["good"], day["good"] + day["okay"] + day["bad"]) for day in tables["csat"]]
    rated = sum(total for _, total in ratings)
    values: dict[str, float | None] = {
        "conversations": sum(row["conversations"] for row in tables["volume"]),
        "first_response": times["first_response"]["median_seconds"],
        "response": times["response"]["median_seconds"],
        "resolution": times["resolution"]["median_seconds"],
        "resolved": times["resolution"]["count"],
        "chat_wait": times["chat_wait"]["median_seconds"],
        "missed_chats": times["missed_chat_wait"]["count"],
        "sla_breaches": sum(row["breaches"] for row in tables["sla"]),
        "csat": sum(good for good, _ in ratings) / rated if rated else None,
    }
    return [Figure(name, kind, values[name], better) for name, kind, better in HEADLINES]


async def compared(
    session: AsyncSession, current: reports.ReportFilter, previous: reports.ReportFilter
) -> tuple[list[Figure], list[Figure]]:
    """The period's figures and the period before's, in one read (one committed state)."""
    return await headline(session, current), await headline(session, previous)
