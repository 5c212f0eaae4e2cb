"""The reports' figures (docs/reports.md defines each). They read metric moments, ratings, the
availability log and the SLA breaches recorded, never text. Owners and admins see everyone's
figures; an agent sees only their own (the agent filter is forced to them)."""

from __future__ import annotations

import enum
import math
import statistics
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Float,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.types import NullType

from frontdesk.chats.models import AvailabilityChange, chat_labels
from frontdesk.db.planning import Unindexed, plan_for_values
from frontdesk.db.sqlite import inline_sqlite
from frontdesk.errors import Invalid
from frontdesk.kit.zones import is_place
from frontdesk.metrics.answered import BELONGING, AnsweredMoment
from frontdesk.metrics.models import (
    BUSINESS_KINDS,
    DAY,
    HOUR,
    QUARTER_SECONDS,
    Channel,
    MetricCount,
    MetricMoment,
    MomentKind,
    quarter_of,
)
from frontdesk.metrics.replied import EVERY_CHANNEL, EVERY_INBOX, RepliedTicket
from frontdesk.ratings.models import Rating, RatingAgent, RatingScore
from frontdesk.reports import driven, rollups, spreads
from frontdesk.sla.models import AlertKind, SlaAlert, Target
from frontdesk.tickets.models import Ticket, ticket_labels
from frontdesk.tickets.queries import visible_tickets
from frontdesk.users import light_agents
from frontdesk.users.models import Role, User

MAX_DAYS = 400
DRILL_LIMIT = 500


class ReportHours(enum.StrEnum):
    """How the response and resolution times count (docs/reports.md, "Business hours")."""

    calendar = "calendar"  # every second, as the clock on the wall
    business = "business"  # only the open hours of the moment's inbox (`business_seconds`)


@dataclass(frozen=True, slots=True)
class ReportFilter:
    since: date
    until: date  # inclusive
    time_zone: str = "UTC"
    inbox_id: int | None = None
    channel: Channel | None = None
    agent_id: int | None = None
    label_id: int | None = None
    hours: ReportHours = ReportHours.calendar

    def in_business_hours(self, kind: MomentKind) -> bool:
        """Whether this figure's times are read in business hours: the first response,
        response and resolution times when asked; a chat's wait never (chats happen in
        business hours only)."""
        return self.hours == ReportHours.business and kind in BUSINESS_KINDS

    def seconds_of(self, kind: MomentKind) -> Any:
        """The column a figure of this kind ranks."""
        m = MetricMoment
        return m.business_seconds if self.in_business_hours(kind) else m.seconds

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def bounds(self) -> tuple[datetime, datetime]:
        """The first instant of `since` and the first after `until`, in the viewer's zone."""
        start = datetime.combine(self.since, time(), self.zone).astimezone(UTC)
        end = datetime.combine(self.until + timedelta(days=1), time(), self.zone).astimezone(UTC)
        return start, end


_OnTickets = TypeVar("_OnTickets", bound=Select[*tuple[Any, ...]])


def on_tickets(query: _OnTickets, report: ReportFilter, *, agent: Any) -> _OnTickets:
    """`query`, which reads `Ticket`, under the report's inbox, channel (the ticket's type),
    agent (`agent`: the column the table takes the agent from) and label (the ticket's labels
    now) filters: the tables read from tickets rather than moments (time tracked, open work)."""
    if report.inbox_id is not None:
        query = query.where(Ticket.inbox_id == report.inbox_id)
    if report.channel is not None:
        query = query.where(Ticket.type == report.channel.value)
    if report.agent_id is not None:
        query = query.where(agent == report.agent_id)
    if report.label_id is not None:
        query = query.where(
            Ticket.id.in_(
                select(ticket_labels.c.ticket_id).where(ticket_labels.c.label_id == report.label_id)
            )
        )
    return query


def checked(user: User, report: ReportFilter) -> ReportFilter:
    """The filter as this user may run it: an agent's figures are always their own; a light
    agent has none (docs/reports.md)."""
    light_agents.ensure_full_agent(user, message=light_agents.NO_REPORTS)
    if not is_place(report.time_zone):
        raise Invalid("time_zone", f"Unknown time zone: {report.time_zone}.")
    if report.until < report.since:
        raise Invalid("until", "The end of the range is before its start.")
    if (report.until - report.since).days >= MAX_DAYS:
        raise Invalid("until", f"A report covers at most {MAX_DAYS} days.")
    # A day's first and last instants, in UTC and in the time zone (the hours' tables read the
    # quarter-hour around each), must exist: the first and last days of the calendar do not.
    if report.since <= date.min + timedelta(days=1):
        raise Invalid("since", "The range must lie within the years 1 to 9999.")
    if report.until >= date.max - timedelta(days=1):
        raise Invalid("until", "The range must lie within the years 1 to 9999.")
    if not user.is_admin:
        report = replace(report, agent_id=user.id)
    return report


def viewer_zone(user: User, requested: str | None) -> str:
    """The zone days and hours are counted in: asked for, else the viewer's preference, else UTC."""
    return requested or str(user.preferences.get("time_zone") or "") or "UTC"


# The agent a moment is about: these kinds carry the acting agent; the others (created, a
# customer's message, an unanswered chat) belong to the conversation, which is the agent's when
# they took part in it.
_ACTED = {
    MomentKind.first_response,
    MomentKind.response,
    MomentKind.solved,
    MomentKind.reopened,
    MomentKind.chat_joined,
    MomentKind.chat_transferred,
    MomentKind.chat_ended,
}


def _moments(
    kind: MomentKind,
    report: ReportFilter,
    *columns: Any,
    quarters: tuple[int, int] | None = None,
) -> Select[Any]:
    """The moments of one kind in the report's range (or `quarters`, a piece of it: one bound
    pair only, which the index range then is), filtered as the report says."""
    low, high = quarters if quarters is not None else _quarters(report)
    m = MetricMoment
    fixed = report.label_id is not None
    labelled = fixed and kind in _MANY
    query = select(*columns).where(
        _column(m.kind, labelled) == _value(kind, m.kind.type, fixed),
        m.quarter >= _value(low, Integer(), fixed),
        m.quarter < _value(high, Integer(), fixed),
    )
    if report.inbox_id is not None:
        query = query.where(
            _column(m.inbox_id, labelled) == _value(report.inbox_id, Integer(), fixed)
        )
    if report.channel is not None:
        query = query.where(m.channel == _value(report.channel, m.channel.type, fixed))
    if report.label_id is not None:
        query = query.where(_labelled(m, report.label_id))
    if report.agent_id is not None:
        if kind in _ACTED:
            query = query.where(
                _column(m.user_id, labelled) == _value(report.agent_id, Integer(), fixed)
            )
        elif kind in BELONGING:
            # The agent's own rows of this kind and range (metric_answered), probed by id.
            query = query.where(
                m.id.in_(
                    _answered(report, kind, AnsweredMoment.moment_id).where(
                        AnsweredMoment.quarter >= low, AnsweredMoment.quarter < high
                    )
                )
            )
        else:
            # A customer's message is nobody's answer, and no report counts them by agent.
            raise ValueError(f"the agent filter does not apply to {kind} moments")
    return query


def _answered(report: ReportFilter, kind: MomentKind, *columns: Any) -> Select[Any]:
    """The agent's rows of metric_answered of one kind, with the inbox and channel filters (the
    quarter range is the caller's)."""
    a = AnsweredMoment
    query = select(*columns).where(a.user_id == report.agent_id, a.kind == kind.value)
    if report.inbox_id is not None:
        query = query.where(a.inbox_id == report.inbox_id)
    if report.channel is not None:
        query = query.where(a.channel == report.channel.value)
    return query


def _label_tickets(label_id: int) -> Select[Any]:
    return select(ticket_labels.c.ticket_id).where(
        ticket_labels.c.label_id == _value(label_id, Integer(), True)
    )


def _value(value: Any, type_: Any, fixed: bool) -> Any:
    """The value, written into the statement's text when `fixed` (the label filter's
    statements). asyncpg prepares each statement and PostgreSQL plans a prepared statement
    without its parameters after five runs: for a kind and a range of quarters it knows nothing
    of, that generic plan read the kind's index and tested each moment against the label's
    array (`= ANY`, a linear search: 4.3 s for a year of closes), where the plan for the values
    reads the label's conversations (45 ms)."""
    if not fixed:
        return value
    return bindparam(None, value, type_=type_, literal_execute=True)


# Kinds with a moment or more in nearly every conversation (a year: ~200,000 each on the
# bench). Under a label, their moments are read from the label's conversations (`_labelled`);
# on SQLite, reading every moment of those conversations (~35,000 for the bench's label) costs
# more than reading a year of a rarer kind (chat joins, transfers, closes: ~70,000 or fewer)
# and probing each: 110-124 ms of CPU against 30-40 for the two chat kinds of agents.
_MANY = {
    MomentKind.created,
    MomentKind.customer_message,
    MomentKind.first_response,
    MomentKind.response,
}


def _column(column: Any, labelled: bool) -> Any:
    """Under the label filter, for the kinds in `_MANY`, a column SQLite must not pick an
    index for (see `_labelled`)."""
    return Unindexed(column) if labelled else column


def _labelled(m: type[MetricMoment], label_id: int) -> Any:
    """The moment's conversation has the label now, on its ticket or its chat.

    Read from the label's conversations into their moments, by the moments' ticket and chat
    indexes (reports/driven.py): SQLite runs the OR as a union of the two indexes (MULTI-INDEX
    OR, each probed once per labelled conversation) once `_moments` hides kind, inbox and agent
    from its other indexes; PostgreSQL as a BitmapOr of the two indexes. Both used to read every
    moment of the range and probe the label's sets (a year: ~200,000 moments a kind).

    SQLite then reads each of the conversation's moments (its kind hidden); repeating the kind
    in the ticket's half did not help: SQLite took it, with the range of quarters, to the index
    led by kind again."""
    return or_(
        driven.Among(m.ticket_id, _label_tickets(label_id)),
        driven.Among(
            m.chat_id,
            select(chat_labels.c.chat_id).where(
                chat_labels.c.label_id == _value(label_id, Integer(), True)
            ),
        ),
    )


def _counted(report: ReportFilter, *kinds: MomentKind) -> rollups.Counted | None:
    """The moments to count from the roll-ups, or None where they cannot say: a label (labels
    are the conversation's now, not the moment's), or the agent filter on a kind whose agent is
    whoever answered the conversation (known only later: metric_answered, see `_begun`)."""
    if report.label_id is not None or (
        report.agent_id is not None and not _ACTED.issuperset(kinds)
    ):
        return None
    channel = report.channel.value if report.channel is not None else None
    return rollups.Counted(kinds, report.inbox_id, channel, report.agent_id)


def _local(quarter: int, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(quarter * QUARTER_SECONDS, UTC).astimezone(zone)


@dataclass(frozen=True, slots=True)
class Spread:
    count: int
    median: float | None
    p90: float | None


def spread(values: Sequence[float]) -> Spread:
    """Median (the middle value, or the mean of the two middle ones) and 90th percentile (the
    nearest rank: the smallest value with at least 90% of values at or below it)."""
    if not values:
        return Spread(0, None, None)
    ordered = sorted(values)
    rank = math.ceil(0.9 * len(ordered))
    return Spread(len(ordered), statistics.median(ordered), ordered[rank - 1])


def _middle_ranks(count: Any) -> tuple[Any, Any, Any]:
    """The 1-based ranks `spread` reads in a sorted list of `count` values: the two middle ones
    (the same one for an odd count) and the 90th percentile's nearest rank, ceil(0.9 * count),
    in integers."""
    return (count + 1) // 2, count // 2 + 1, (9 * count + 9) // 10


async def _spreads(
    session: AsyncSession,
    query: Select[Any],
    seconds: Any,
    group: Any = None,
    *,
    labelled: bool = False,
    in_order: Any = None,
) -> dict[Any, Spread]:
    """`spread` of the query's seconds (per `group` when given), read in SQL: a count, then the
    values at the middle ranks and at the 90th percentile's rank with ORDER BY seconds OFFSET,
    which the indexes led by (kind, seconds) and (kind, user_id, seconds) answer by walking
    the index in order instead of sorting. A year of first responses is ~200,000 values: sorting
    them (in Python or in SQL) took seconds; walking an index to a rank takes milliseconds.
    Same answer as `spread` over the list: ties have equal values, so whichever tied row gets a
    rank does not matter. Used where the histograms of seconds (reports/spreads.py) cannot say."""
    query = query.where(seconds.is_not(None))
    key = group if group is not None else literal(0)
    if labelled:
        # Under a label each statement reads the label's conversations (or probes a range):
        # walking to three ranks would do it three times over, so the values are read once and
        # ranked here, fetched whole (`_values_by_key`). Business seconds too: no index holds
        # them in order of seconds, and no histogram counts them.
        found = await _values_by_key(session, query.with_only_columns(key, seconds))
        return {k: spread(vs) for k, vs in found.items() if vs}
    counts = await session.execute(
        query.with_only_columns(key, func.count()).group_by(group)
        if group is not None
        else query.with_only_columns(key, func.count())
    )
    # Every walk of every group in one statement: a rank each (the two middle ones and the
    # 90th percentile's), as many as the groups are agents, not two statements per agent.
    ranks: dict[Any, tuple[int, int, int, int]] = {}
    walks: list[Select[Any]] = []
    for k, n in counts.all():
        if not n:
            continue
        ranks[k] = (int(n), *_middle_ranks(int(n)))
        narrowed = query.where(group == k) if group is not None else query
        if in_order is not None:
            narrowed = narrowed.where(in_order)
        for rank in ranks[k][1:]:
            walk = narrowed.with_only_columns(seconds).order_by(seconds).offset(rank - 1).limit(1)
            sub = walk.subquery()
            walks.append(select(literal(len(walks)).label("i"), sub.c[0]))
    if not walks:
        return {}
    read = {int(i): float(v) for i, v in await session.execute(union_all(*walks))}
    out: dict[Any, Spread] = {}
    for place, (k, (n, low, high, _p90)) in enumerate(ranks.items()):
        first, second, ninetieth = (read[3 * place + j] for j in range(3))
        # For an odd count both middle ranks are the same value.
        out[k] = Spread(n, first if low == high else (first + second) / 2, ninetieth)
    return out


async def _values_by_key(
    session: AsyncSession, query: Select[*tuple[Any, ...]]
) -> dict[Any, list[float]]:
    """The values of `query` (a key and a value a row; None left out), per key, fetched whole.
    Row by row through SQLAlchemy and the async adapter a value costs about 1.5 µs, three times
    the statement for a year of business seconds (~460,000 values, docs/performance.md,
    "Business hours"). PostgreSQL gathers each key's values into one array, which asyncpg
    decodes in C; SQLite's rows are read on the sqlite3 connection itself (db/sqlite.py), the
    statement's values written into its text (ids, kinds, quarters: never text a person
    wrote). Both exact: the floats as stored (SQLite's text of a float keeps 15 digits)."""
    out: dict[Any, list[float]] = defaultdict(list)
    if session.get_bind().dialect.name == "postgresql":
        sub = query.subquery()
        key, value = sub.c
        gathered = select(key, type_coerce(func.array_agg(value), NullType())).group_by(key)
        for k, values in (await session.execute(gathered)).all():
            out[k].extend([v for v in values if v is not None])  # float8: floats already
        return out
    connection = await inline_sqlite(session)
    if connection is None:
        rows: Any = (await session.execute(query)).all()
    else:
        dialect = session.get_bind().dialect
        sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        rows = connection.execute(sql).fetchall()
    for k, v in rows:
        if v is not None:
            out[k].append(v)  # REAL: floats already
    return out


async def _spread(
    session: AsyncSession,
    query: Select[Any],
    seconds: Any,
    *,
    labelled: bool = False,
    in_order: Any = None,
) -> Spread:
    found = await _spreads(session, query, seconds, labelled=labelled, in_order=in_order)
    return found.get(0, Spread(0, None, None))


def _resolved(report: ReportFilter) -> Select[Any]:
    """Closings in the range that were the ticket's last: a reopened ticket counts once, with the
    time to the close that stuck. Triggers keep that mark (`last_close`, migration 0035) on the
    close no later close of the same ticket followed, so this is an index range, not a probe
    for a later close per close."""
    return _moments(MomentKind.solved, report, MetricMoment.seconds).where(
        MetricMoment.last_close == true()
    )


def _quarters(report: ReportFilter) -> tuple[int, int]:
    start, end = report.bounds()
    return quarter_of(start), math.ceil(end.timestamp() / QUARTER_SECONDS)


def _offset(quarter: int, zone: ZoneInfo) -> int:
    offset = _local(quarter, zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def segments(report: ReportFilter) -> list[tuple[int, int, int]]:
    """The range cut where the zone's offset changes (daylight saving time): (first quarter,
    end quarter, offset in seconds) each, so that SQL can group by local day or hour with one
    constant offset per piece: exact for every zone, and a year has at most a few pieces."""
    first, end = _quarters(report)
    zone = report.zone
    pieces: list[tuple[int, int, int]] = []
    begin, offset, q = first, _offset(first, zone), first
    while q < end:
        step = min(q + 96, end)  # a day of quarters
        if step < end and _offset(step, zone) != offset:
            low, high = q, step  # offset(low) == offset, offset(high) != offset
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if _offset(middle, zone) == offset else (low, middle)
            pieces.append((begin, high, offset))
            begin, offset, q = high, _offset(high, zone), high
            continue
        q = step
    pieces.append((begin, end, offset))
    return pieces


def _local_seconds(offset: int, quarter: Any = MetricMoment.quarter) -> Any:
    return func.cast(quarter, BigInteger) * QUARTER_SECONDS + offset


def _local_seconds_in(pieces: list[tuple[int, int, int]], quarter: Any) -> Any:
    """Local seconds of a quarter anywhere in the range, each piece of `segments` with its
    offset: one statement for the whole range (with the label filter, each statement reads the
    label's conversations again; one per piece read them three times a year in Paris)."""
    *before, (_first, _end, last) = pieces
    if not before:
        return _local_seconds(last, quarter)
    offset = case(*((quarter < end, offset) for _f, end, offset in before), else_=last)
    return func.cast(quarter, BigInteger) * QUARTER_SECONDS + offset


def _begun(report: ReportFilter, first: int, end: int) -> tuple[Any, Select[Any]]:
    """Where to count the conversations begun when the roll-ups cannot say, as (the table,
    whose quarter, channel and inbox_id the caller groups by; the filtered query): for an
    agent without a label, the agent's own created rows of metric_answered (an index range:
    a year is the ~14,000 conversations the bench's agent answered in, not 200,000 moments);
    else the moments. Quarters [first, end)."""
    if report.agent_id is not None and report.label_id is None:
        a = AnsweredMoment
        query = _answered(report, MomentKind.created, a.quarter)
        return a, query.where(a.quarter >= first, a.quarter < end)
    return MetricMoment, _moments(
        MomentKind.created, report, MetricMoment.quarter, quarters=(first, end)
    )


EPOCH = date(1970, 1, 1)


async def volume(session: AsyncSession, report: ReportFilter) -> list[dict[str, Any]]:
    """Conversations begun per local day, channel and inbox."""
    counts: dict[tuple[date, str, int], int] = defaultdict(int)
    counted = _counted(report, MomentKind.created)
    cut = rollups.local_cuts(segments(report), DAY) if counted is not None else None
    if counted is not None and cut is not None:
        cuts, starts = cut
        found = await rollups.interval_counts(
            session, counted, cuts, coarse=DAY, keys=(MetricCount.channel, MetricCount.inbox_id)
        )
        for (channel, inbox_id), ns in found.items():
            for start, n in zip(starts, ns, strict=True):
                if n:
                    counts[
                        EPOCH + timedelta(days=start // DAY), Channel(channel).value, inbox_id
                    ] += n
        return _volume_rows(counts)
    t, begun = _begun(report, *_quarters(report))
    day = (_local_seconds_in(segments(report), t.quarter) // 86_400).label("day")
    rows = await session.execute(
        begun.with_only_columns(day, t.channel, t.inbox_id, func.count()).group_by(
            day, t.channel, t.inbox_id
        )
    )
    for number, channel, inbox_id, count in rows:
        counts[EPOCH + timedelta(days=int(number)), Channel(channel).value, inbox_id] += count
    return _volume_rows(counts)


def _volume_rows(counts: dict[tuple[date, str, int], int]) -> list[dict[str, Any]]:
    return [
        {"day": day.isoformat(), "channel": channel, "inbox_id": inbox_id, "conversations": n}
        for (day, channel, inbox_id), n in sorted(counts.items())
    ]


async def busiest_hours(session: AsyncSession, report: ReportFilter) -> list[dict[str, Any]]:
    """Conversations begun per local weekday (0 Monday) and hour: every cell, zeros included."""
    cells: dict[tuple[int, int], int] = defaultdict(int)
    counted = _counted(report, MomentKind.created)
    cut = rollups.local_cuts(segments(report), HOUR) if counted is not None else None
    if counted is not None and cut is not None:
        cuts, starts = cut
        found = await rollups.interval_counts(session, counted, cuts, coarse=HOUR)
        for ns in found.values():
            for start, n in zip(starts, ns, strict=True):
                # 1970-01-01 was a Thursday: day number + 3, modulo 7, is 0 on Mondays.
                cells[(start // DAY + 3) % 7, start % DAY // HOUR] += n
        return _hour_cells(cells)
    t, begun = _begun(report, *_quarters(report))
    local = _local_seconds_in(segments(report), t.quarter)
    # 1970-01-01 was a Thursday: day number + 3, modulo 7, is 0 on Mondays.
    weekday = ((local // 86_400 + 3) % 7).label("weekday")
    hour = ((local // 3_600) % 24).label("hour")
    rows = await session.execute(
        begun.with_only_columns(weekday, hour, func.count()).group_by(weekday, hour)
    )
    for d, h, count in rows:
        cells[int(d), int(h)] += count
    return _hour_cells(cells)


def _hour_cells(cells: dict[tuple[int, int], int]) -> list[dict[str, Any]]:
    return [
        {"weekday": d, "hour": h, "conversations": cells[d, h]} for d in range(7) for h in range(24)
    ]


def _spread_row(figure: str, s: Spread) -> dict[str, Any]:
    return {"figure": figure, "count": s.count, "median_seconds": s.median, "p90_seconds": s.p90}


_TIMES = {
    "first_response": MomentKind.first_response,
    "response": MomentKind.response,
    "resolution": MomentKind.solved,
    "chat_wait": MomentKind.chat_joined,
    "missed_chat_wait": MomentKind.chat_unanswered,
}


def _timed(report: ReportFilter, kind: MomentKind) -> Select[Any]:
    """The moments whose seconds a times figure ranks: for the resolution, the closes that
    stuck."""
    if kind == MomentKind.solved:
        return _resolved(report)
    return _moments(kind, report, MetricMoment.seconds)


def _spread_view(report: ReportFilter, kind: MomentKind) -> spreads.View | None:
    """The histogram rows that hold this figure's values under the report's filters, or None
    where they cannot say: a label (labels are the conversation's now), the agent filter with
    another filter (the histograms are per agent or per inbox and channel, not both), or the
    agent filter on a kind whose agent is whoever answered the conversation; or business hours
    (the histograms are of the seconds on the clock: `business_seconds` are read and ranked)."""
    if report.label_id is not None or report.in_business_hours(kind):
        return None
    if report.agent_id is None:
        channel = report.channel.value if report.channel is not None else None
        return spreads.View(inbox_id=report.inbox_id, channel=channel)
    if report.inbox_id is not None or report.channel is not None or kind not in _ACTED:
        return None
    return spreads.View(agents=True, user_id=report.agent_id)


def _ranked_spread(found: spreads.Ranked | None) -> Spread:
    if found is None or not found.count:
        return Spread(0, None, None)
    low, high, _p90 = _middle_ranks(found.count)
    median = found.values[0] if low == high else (found.values[0] + found.values[1]) / 2
    return Spread(found.count, median, found.values[2])


def _three_ranks(_kind: MomentKind, count: int) -> tuple[int, int, int]:
    return _middle_ranks(count)


async def _labelled_times(
    session: AsyncSession, report: ReportFilter, label_id: int
) -> dict[MomentKind, list[float]]:
    """The values of every times figure under a label (and no agent filter), in one statement:
    each labelled conversation's moments are read once for all five kinds (`_labelled`), where
    a statement per kind walked the label's conversations five times. A label's share of a
    year is a few tens of thousands of values, which `spread` sorts in milliseconds."""
    m = MetricMoment
    low, high = _quarters(report)
    kinds = list(_TIMES.values())
    query = select(m.kind, m.seconds, m.business_seconds).where(
        # Hidden from both stores' indexes: the ticket's index is then probed once per
        # conversation for every kind, not once per conversation and kind.
        Unindexed(m.kind, everywhere=True).in_([_value(kind, m.kind.type, True) for kind in kinds]),
        m.quarter >= _value(low, Integer(), True),
        m.quarter < _value(high, Integer(), True),
        m.seconds.is_not(None),
        # The resolution: the closes that stuck.
        or_(m.kind != _value(MomentKind.solved, m.kind.type, True), m.last_close == true()),
        _labelled(m, label_id),
    )
    if report.inbox_id is not None:
        query = query.where(Unindexed(m.inbox_id) == _value(report.inbox_id, Integer(), True))
    if report.channel is not None:
        query = query.where(m.channel == _value(report.channel, m.channel.type, True))
    # Plain strings and floats on the driver's connection: the ORM's and the enum's per-row
    # work were as costly as the statement itself on SQLite.
    business = [kind for kind in kinds if report.in_business_hours(kind)]
    value = (
        case((m.kind.in_(business), m.business_seconds), else_=m.seconds) if business else m.seconds
    )
    found = await _values_by_key(
        session,
        query.with_only_columns(type_coerce(m.kind, String()), type_coerce(value, Float())),
    )
    return {MomentKind(kind): values for kind, values in found.items()}


async def times(session: AsyncSession, report: ReportFilter) -> list[dict[str, Any]]:
    """First response, response, resolution and chat wait times; missed chats and their wait.
    Counted and ranked from the histograms of seconds (reports/spreads.py) where the filters
    allow, else from the moments."""
    m = MetricMoment
    views = {kind: _spread_view(report, kind) for kind in _TIMES.values()}
    found: dict[spreads.Key, spreads.Ranked] = {}
    for view in {v for v in views.values() if v is not None}:
        kinds = [kind for kind, v in views.items() if v == view]
        found |= await spreads.ranked(
            session,
            kinds,
            view,
            _quarters(report),
            _three_ranks,
        )
    read = (
        await _labelled_times(session, report, report.label_id)
        if report.label_id is not None and report.agent_id is None
        else None
    )
    rows = []
    for name, kind in _TIMES.items():
        rolled = views[kind]
        if rolled is not None:
            figure = _ranked_spread(found.get((kind, rolled.user_id or 0)))
        elif read is not None:
            figure = spread(read.get(kind, []))
        elif report.in_business_hours(kind):
            # No index holds the business seconds in order: read once and ranked, as under a
            # label (docs/performance.md, "Business hours").
            figure = await _spread(session, _timed(report, kind), m.business_seconds, labelled=True)
        else:
            figure = await _spread(
                session,
                _timed(report, kind),
                m.seconds,
                labelled=report.label_id is not None,
                # One agent's values come in order from the index led by (kind, user_id,
                # seconds); saying `last_close` there picks every agent's (4.3 ms a walk against
                # 0.5 on the bench's year, an agent and an inbox).
                in_order=spreads.in_order(kind) if report.agent_id is None else None,
            )
        rows.append(_spread_row(name, figure))
    return rows


async def _counts_by_user(
    session: AsyncSession, query: Select[Any], *, distinct: Any = None
) -> dict[int, int]:
    m = MetricMoment
    counted = func.count(func.distinct(distinct)) if distinct is not None else func.count()
    rows = await session.execute(query.with_only_columns(m.user_id, counted).group_by(m.user_id))
    return {user_id: n for user_id, n in rows if user_id is not None}


async def _chats_by_user(session: AsyncSession, report: ReportFilter) -> dict[int, int]:
    """Chats each agent joined or took over in the range (roll-ups, but for a label)."""
    kinds = (MomentKind.chat_joined, MomentKind.chat_transferred)
    counted = _counted(report, *kinds)
    if counted is None:
        totals: dict[int, int] = defaultdict(int)
        for kind in kinds:
            query = _moments(kind, report, MetricMoment.user_id)
            for user_id, n in (await _counts_by_user(session, query)).items():
                totals[user_id] += n
        return dict(totals)
    found = await rollups.interval_counts(
        session, counted, _quarters(report), coarse=DAY, keys=(MetricCount.user_id,)
    )
    return {int(key[0]): ns[0] for key, ns in found.items() if key[0] and ns[0]}


async def _replied_by_user(session: AsyncSession, report: ReportFilter) -> dict[int, int]:
    """Tickets each agent responded to in the range (distinct tickets).

    From `metric_replied` (migration 0039), one row per agent and ticket with their first and
    last response, in the report's inbox and channel slice: a row counts when its first or last
    response is in the range, or when the range lies between the two and one of the agent's
    responses to that ticket falls in it (probed for those rows only). A count of rows, where
    counting distinct tickets over a year of responses cost 160 ms of CPU on SQLite and up to
    half a second on PostgreSQL. A label reads the moments: a response is labelled through
    its chat as well as its ticket."""
    m = MetricMoment
    if report.label_id is not None:
        return await _counts_by_user(
            session,
            _moments(MomentKind.response, report, m.user_id).where(m.ticket_id.is_not(None)),
            distinct=m.ticket_id,
        )
    low, high = _quarters(report)
    r = RepliedTicket
    inside = (
        select(m.id)
        .where(
            m.ticket_id == r.ticket_id,
            m.kind == MomentKind.response,
            m.user_id == r.user_id,
            m.quarter >= low,
            m.quarter < high,
        )
        .limit(1)
    )
    if report.inbox_id is not None:
        inside = inside.where(m.inbox_id == report.inbox_id)
    if report.channel is not None:
        inside = inside.where(m.channel == report.channel)
    if report.agent_id is not None:
        staff = [report.agent_id]
    else:
        staff = list(await session.scalars(select(User.id).order_by(User.id)))
    found: dict[int, int] = {}
    for at in range(0, len(staff), _REPLIED_CHUNK):
        counts = [
            select(literal(user_id), _replied_count(report, user_id, low, high, inside))
            for user_id in staff[at : at + _REPLIED_CHUNK]
        ]
        for user_id, n in await session.execute(union_all(*counts)):
            if n:
                found[int(user_id)] = int(n)
    return found


# Agents per statement: SQLite allows 500 terms in a compound SELECT.
_REPLIED_CHUNK = 200


def _replied_count(
    report: ReportFilter, user_id: int, low: int, high: int, inside: Select[Any]
) -> Any:
    """One agent's rows of the slice that count: two index ranges on (slice, agent,
    last_quarter), each read in order (no sort, no hash of a year of rows), the rows with a
    response at an end of the range, and the few around it probed for one inside. (A single
    OR made PostgreSQL cost the probe for every row and compile the statement: 190 ms.)"""
    r = RepliedTicket
    agent = (
        r.inbox_id == (report.inbox_id if report.inbox_id is not None else EVERY_INBOX),
        r.channel == (report.channel.value if report.channel is not None else EVERY_CHANNEL),
        r.user_id == user_id,
    )
    ends = select(func.count()).where(
        *agent,
        r.last_quarter >= low,
        r.first_quarter < high,
        or_(r.first_quarter >= low, r.last_quarter < high),
    )
    around = select(func.count()).where(
        *agent, r.last_quarter >= high, r.first_quarter < low, inside.exists()
    )
    return ends.scalar_subquery() + around.scalar_subquery()


def _first_ranks(kind: MomentKind, count: int) -> tuple[int, ...]:
    return _middle_ranks(count) if kind == MomentKind.first_response else ()


async def _closed_and_first_by_user(
    session: AsyncSession, report: ReportFilter
) -> tuple[dict[int, int], dict[int, Spread]]:
    """Resolutions per agent, and the spread of each agent's first responses: from the
    histograms of seconds per agent in three statements (every agent at once) unless a label,
    inbox or channel filter asks for the moments. In business hours the first responses' values
    are read and ranked (no histogram holds them), the closes still counted by the
    histograms."""
    m = MetricMoment
    business = report.in_business_hours(MomentKind.first_response)
    first: dict[Any, Spread]
    if report.label_id is None and report.inbox_id is None and report.channel is None:
        view = spreads.View(agents=True, user_id=report.agent_id)
        kinds = [MomentKind.solved] if business else [MomentKind.first_response, MomentKind.solved]
        found = await spreads.ranked(
            session,
            kinds,
            view,
            _quarters(report),
            _first_ranks,
        )
        closed = {uid: r.closes for (kind, uid), r in found.items() if kind == MomentKind.solved}
        if not business:
            first = {
                uid: _ranked_spread(r)
                for (kind, uid), r in found.items()
                if kind == MomentKind.first_response and r.count
            }
            return closed, first
    else:
        closed = await _counts_by_user(session, _resolved(report).with_only_columns(m.user_id))
    first = await _spreads(
        session,
        _timed(report, MomentKind.first_response).with_only_columns(m.user_id),
        report.seconds_of(MomentKind.first_response),
        m.user_id,
        labelled=report.label_id is not None or business,
    )
    # First responses whose agent was deleted (`SET NULL`) belong to no agent's row.
    return closed, {uid: s for uid, s in first.items() if uid is not None}


async def agents(session: AsyncSession, report: ReportFilter) -> list[dict[str, Any]]:
    """One row per agent with any figure in the range."""
    chats = await _chats_by_user(session, report)
    replied = await _replied_by_user(session, report)
    closed, first = await _closed_and_first_by_user(session, report)
    csat = await _csat_by_agent(session, report)
    online = await time_online(session, report)
    breaches = await _breaches_by_agent(session, report)
    ids = set(chats) | set(replied) | set(closed) | set(first) | set(csat)
    ids |= set(breaches)
    ids |= {uid for uid, secs in online.items() if secs > 0}
    if report.agent_id is not None:
        ids &= {report.agent_id}
    # Light agents answer nobody (docs/desk.md, "Light agents"): not a row, whatever they did
    # before they became one.
    ids -= set(
        await session.scalars(
            select(User.id).where(User.id.in_(ids), User.role == Role.collaborator)
        )
    )
    rows = await session.execute(select(User.id, User.name).where(User.id.in_(ids)))
    names: dict[int, str] = {row.id: row.name for row in rows}
    out = []
    for user_id in sorted(ids, key=lambda uid: (names.get(uid, ""), uid)):
        s = first.get(user_id, Spread(0, None, None))
        good, rated = csat.get(user_id, (0, 0))
        out.append(
            {
                "agent_id": user_id,
                "agent": names.get(user_id, ""),
                "chats": chats.get(user_id, 0),
                "tickets_replied": replied.get(user_id, 0),
                "tickets_closed": closed.get(user_id, 0),
                "first_response_median_seconds": s.median,
                "first_response_p90_seconds": s.p90,
                "ratings": rated,
                "csat": good / rated if rated else None,
                "online_seconds": online.get(user_id, 0.0),
                "sla_breaches": breaches.get(user_id, 0),
            }
        )
    return out


def _ratings(report: ReportFilter, *columns: Any, ticket: bool = True) -> Select[Any]:
    """The ratings given in the range, filtered. `ticket=False`: without the join to the
    rated ticket unless the channel filter needs it (every rating has its ticket)."""
    start, end = report.bounds()
    query = select(*columns).where(Rating.created_at >= start, Rating.created_at < end)
    if ticket or report.channel is not None:
        query = query.join(Ticket, Ticket.id == Rating.ticket_id)
    if report.inbox_id is not None:
        query = query.where(Rating.inbox_id == report.inbox_id)
    if report.channel is not None:
        query = query.where(Ticket.type == report.channel.value)
    if report.label_id is not None:
        query = query.where(
            exists().where(
                ticket_labels.c.ticket_id == Rating.ticket_id,
                ticket_labels.c.label_id == report.label_id,
            )
        )
    if report.agent_id is not None:
        about = aliased(RatingAgent)
        query = query.where(
            exists().where(about.rating_id == Rating.id, about.user_id == report.agent_id)
        )
    return query


async def _csat_by_agent(session: AsyncSession, report: ReportFilter) -> dict[int, tuple[int, int]]:
    good = func.sum(func.cast(Rating.score == RatingScore.good, type_=Integer()))
    # Without the rated tickets (the channel filter aside): joining them made PostgreSQL read
    # every ticket of the desk in parallel to match a year's ratings (~140 ms of 155).
    rows = await session.execute(
        _ratings(report, RatingAgent.user_id, good, func.count(), ticket=False)
        .select_from(Rating)
        .join(RatingAgent, RatingAgent.rating_id == Rating.id)
        .group_by(RatingAgent.user_id)
    )
    return {user_id: (int(g or 0), int(n)) for user_id, g, n in rows}


async def csat(session: AsyncSession, report: ReportFilter) -> list[dict[str, Any]]:
    """Ratings per local day: good, okay, bad, and the share of good."""
    per_day: dict[date, dict[str, int]] = defaultdict(lambda: {"good": 0, "okay": 0, "bad": 0})
    for created_at, score in await session.execute(
        _ratings(report, Rating.created_at, Rating.score)
    ):
        per_day[created_at.astimezone(report.zone).date()][RatingScore(score).value] += 1
    out = []
    for day, scores in sorted(per_day.items()):
        total = sum(scores.values())
        out.append({"day": day.isoformat(), **scores, "csat": scores["good"] / total})
    return out


async def comments(session: AsyncSession, report: ReportFilter) -> list[dict[str, Any]]:
    """The ratings with a comment, newest first (at most DRILL_LIMIT)."""
    rows = await session.execute(
        _ratings(report, Rating.created_at, Rating.score, Rating.comment, Ticket.id, Ticket.number)
        .where(Rating.comment != "")
        .order_by(Rating.created_at.desc(), Rating.id.desc())
        .limit(DRILL_LIMIT)
    )
    return [
        {
            "at": created_at.isoformat(),
            "score": RatingScore(score).value,
            "comment": comment,
            "ticket_id": ticket_id,
            "ticket_number": number,
        }
        for created_at, score, comment, ticket_id, number in rows
    ]


async def time_online(session: AsyncSession, report: ReportFilter) -> dict[int, float]:
    """Seconds each agent was available for chats within the range, from the availability log:
    online from a change to `available` until the next change to unavailable (or the range's
    end, or now)."""
    start, end = report.bounds()
    end = min(end, datetime.now(UTC))
    a = AvailabilityChange
    before = (
        select(a.user_id, func.max(a.at).label("at")).where(a.at < start).group_by(a.user_id)
    ).subquery()
    # Each change's instant in whole microseconds since the epoch, computed by the database: a
    # year's log is ~15,000 rows, and making each a datetime in Python was most of the report's
    # time here. The intervals are the same integers, so the sums are the same floats as with
    # datetimes ((b - a).total_seconds() is (b - a) in microseconds / 10**6).
    query = select(a.user_id, a.available, _micros(session, a.at)).where(
        or_(
            and_(a.at >= start, a.at < end),
            exists().where(before.c.user_id == a.user_id, before.c.at == a.at),
        )
    )
    if report.agent_id is not None:
        query = query.where(a.user_id == report.agent_id)
    low, high = _micros_of(start), _micros_of(end)
    changes: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    for user_id, available, at in await session.execute(query.order_by(a.user_id, a.at, a.id)):
        changes[user_id].append((max(int(at), low), bool(available)))
    totals: dict[int, float] = {}
    for user_id, steps in changes.items():
        total, since = 0.0, None
        for at, available in steps:
            if available and since is None:
                since = at
            elif not available and since is not None:
                total += (at - since) / 10**6
                since = None
        if since is not None and high > since:
            total += (high - since) / 10**6
        totals[user_id] = total
    return totals


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros_of(instant: datetime) -> int:
    return (instant - _EPOCH) // timedelta(microseconds=1)


def _micros(session: AsyncSession, column: Any) -> Any:
    """A UTC datetime column in whole microseconds since the epoch. SQLite stores it as text,
    'YYYY-MM-DD HH:MM:SS.ffffff' (the fraction written by SQLAlchemy, always six digits, or
    none); PostgreSQL's epoch of a timestamptz is an exact numeric."""
    if session.get_bind().dialect.name == "postgresql":
        return func.cast(func.extract("epoch", column) * 1_000_000, BigInteger)
    # The whole seconds without the fraction: SQLite's date functions round to milliseconds
    # (…59.999999 would be the next second).
    whole = func.cast(func.strftime("%s", func.substr(column, 1, 19)), BigInteger)
    return whole * 1_000_000 + func.cast(func.substr(column, 21, 6), BigInteger)


# SLA breaches: rows of sla_alerts, counted by the due time that passed (sla/service.py).


def _breaches(report: ReportFilter, *columns: Any) -> Select[Any]:
    """Breaches due in the range (the index led by kind and due time answers it). The agent is
    the ticket's assignee when the breach was recorded; channel and label are the ticket's now,
    as for ratings."""
    start, end = report.bounds()
    a = SlaAlert
    query = select(*columns).where(a.kind == AlertKind.breach, a.due_at >= start, a.due_at < end)
    if report.inbox_id is not None:
        query = query.where(a.inbox_id == report.inbox_id)
    if report.channel is not None:
        query = query.where(
            exists().where(Ticket.id == a.ticket_id, Ticket.type == report.channel.value)
        )
    if report.label_id is not None:
        query = query.where(
            exists().where(
                ticket_labels.c.ticket_id == a.ticket_id,
                ticket_labels.c.label_id == report.label_id,
            )
        )
    if report.agent_id is not None:
        query = query.where(a.user_id == report.agent_id)
    return query


async def sla(session: AsyncSession, report: ReportFilter) -> list[dict[str, Any]]:
    """Breaches per target, every target listed (zeros included)."""
    rows = await session.execute(
        _breaches(report, SlaAlert.target, func.count()).group_by(SlaAlert.target)
    )
    found = {Target(target): int(n) for target, n in rows}
    return [{"target": target.value, "breaches": found.get(target, 0)} for target in Target]


Table = Callable[[AsyncSession, ReportFilter], Awaitable[list[dict[str, Any]]]]
TABLES: dict[str, Table] = {
    "volume": volume,
    "busiest_hours": busiest_hours,
    "times": times,
    "agents": agents,
    "csat": csat,
    "comments": comments,
    "sla": sla,
}


async def table(session: AsyncSession, name: str, report: ReportFilter) -> list[dict[str, Any]]:
    """One of TABLES, its statements planned for their values: the same report over a month and
    over a year needs different plans. The API runs it in the reading process (db/reading.py)."""
    await plan_for_values(session)
    return await TABLES[name](session, report)


async def _breaches_by_agent(session: AsyncSession, report: ReportFilter) -> dict[int, int]:
    rows = await session.execute(
        _breaches(report, SlaAlert.user_id, func.count())
        .where(SlaAlert.user_id.is_not(None))
        .group_by(SlaAlert.user_id)
    )
    return {int(user_id): int(n) for user_id, n in rows}


# Drill-down: the tickets behind a figure.

FIGURES: dict[str, MomentKind] = {
    "conversations": MomentKind.created,
    "first_response": MomentKind.first_response,
    "response": MomentKind.response,
    "resolution": MomentKind.solved,
    "reopened": MomentKind.reopened,
    "chat_wait": MomentKind.chat_joined,
    "missed_chats": MomentKind.chat_unanswered,
    "transfers": MomentKind.chat_transferred,
}
# The tickets with a breach in the range: of any target, or of one.
SLA_FIGURES: dict[str, Target | None] = {
    "sla_breaches": None,
    **{f"sla_{target.value}": target for target in Target},
}
ALL_FIGURES = [*FIGURES, *SLA_FIGURES]


async def figure_ticket_ids(
    session: AsyncSession,
    report: ReportFilter,
    *,
    figure: str,
    day: date | None = None,
    weekday: int | None = None,
    hour: int | None = None,
) -> list[int]:
    """The tickets behind a figure (a chat still going has no ticket yet and is left out), newest
    first, at most DRILL_LIMIT, whoever may see them (`figure_tickets` keeps those the viewer
    may). `day`, or `weekday` and `hour`, narrow it to one cell. The API runs it in the reading
    process (db/reading.py): a year's figure is up to a moment per conversation."""
    if figure not in FIGURES and figure not in SLA_FIGURES:
        raise Invalid("figure", f"Unknown figure: {figure}. One of: {', '.join(ALL_FIGURES)}.")
    await plan_for_values(session)
    if day is not None:
        report = replace(report, since=day, until=day)
    if figure in SLA_FIGURES:
        return await _breach_ticket_ids(session, report, SLA_FIGURES[figure], weekday, hour)
    m = MetricMoment
    moments = (
        _resolved(report).with_only_columns(m.ticket_id)
        if figure == "resolution"
        else _moments(FIGURES[figure], report, m.ticket_id)
    ).where(m.ticket_id.is_not(None))
    # The cell's local weekday and hour worked out by the database, as busiest_hours does: a
    # year's moments never come to Python, only the newest tickets.
    local = _local_seconds_in(segments(report), m.quarter)
    if weekday is not None:
        moments = moments.where((local // 86_400 + 3) % 7 == weekday)
    if hour is not None:
        moments = moments.where((local // 3_600) % 24 == hour)
    found = await session.scalars(
        moments.distinct().order_by(m.ticket_id.desc()).limit(DRILL_LIMIT)
    )
    return list(found.all())


async def _breach_ticket_ids(
    session: AsyncSession,
    report: ReportFilter,
    target: Target | None,
    weekday: int | None,
    hour: int | None,
) -> list[int]:
    """The tickets of the breaches due in the range (a few per ticket at most), narrowed to the
    local weekday and hour of their due time."""
    query = _breaches(report, SlaAlert.ticket_id, SlaAlert.due_at)
    if target is not None:
        query = query.where(SlaAlert.target == target)
    zone = report.zone
    ids = {
        ticket_id
        for ticket_id, due in await session.execute(query)
        if (weekday is None or due.astimezone(zone).weekday() == weekday)
        and (hour is None or due.astimezone(zone).hour == hour)
    }
    return sorted(ids, reverse=True)[:DRILL_LIMIT]


async def figure_tickets(session: AsyncSession, *, user: User, ids: Sequence[int]) -> list[Ticket]:
    """Of the tickets `figure_ticket_ids` found, those the user may see, newest first."""
    if not ids:
        return []
    found = await session.scalars(
        visible_tickets(user).where(Ticket.id.in_(ids)).order_by(Ticket.id.desc())
    )
    return list(found.all())
