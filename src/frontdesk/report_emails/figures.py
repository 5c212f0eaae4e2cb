"""The figures of a report email: the headline figures the Reports page shows at its top, for a
period and the period before it, and the page's agents table for the period, all taken from the
page's own tables (reports/service.py `table`, the same computation, never another). Runs in
the reading process (db/reading.py): a function of a module, given plain values."""

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


# The agents' rows an email lists at most; the others are on the page (the email says how many).
MAX_AGENTS = 20


@dataclass(frozen=True, slots=True)
class AgentLine:
    """One row of the Reports page's agents table (reports/service.py `agents`), as it is."""

    agent_id: int
    name: str
    chats: int
    tickets_replied: int
    tickets_closed: int
    first_response: float | None  # median seconds; None: no first response of theirs
    ratings: int
    csat: float | None  # share of good ratings; None: no ratings
    online_seconds: float
    sla_breaches: int


@dataclass(frozen=True, slots=True)
class Agents:
    """The first rows of the agents table, in the page's order, and how many more
    the page has."""

    lines: list[AgentLine]
    more: int


async def agents(
    session: AsyncSession, report: reports.ReportFilter, *, limit: int = MAX_AGENTS
) -> Agents:
    """The page's agents table for the report, its first `limit` rows in the page's order. The
    report is the one the user may run (reports/service.py `checked`): an agent's is their own
    row only, as on the page."""
    rows = await reports.table(session, "agents", report)
    lines = [
        AgentLine(
            agent_id=row["agent_id"],
            name=row["agent"],
            chats=row["chats"],
            tickets_replied=row["tickets_replied"],
            tickets_closed=row["tickets_closed"],
            first_response=row["first_response_median_seconds"],
            ratings=row["ratings"],
            csat=row["csat"],
            online_seconds=row["online_seconds"],
            sla_breaches=row["sla_breaches"],
        )
        for row in rows[:limit]
    ]
    return Agents(lines=lines, more=len(rows) - len(lines))


@dataclass(frozen=True, slots=True)
class Read:
    current: list[Figure]
    previous: list[Figure]
    agents: Agents


async def compared(
    session: AsyncSession,
    current: reports.ReportFilter,
    previous: reports.ReportFilter,
    *,
    agents_limit: int = MAX_AGENTS,
) -> Read:
    """The period's figures and the period before's, and the period's agents, in one read (one
    committed state)."""
    return Read(
        current=await headline(session, current),
        previous=await headline(session, previous),
        agents=await agents(session, current, limit=agents_limit),
    )
