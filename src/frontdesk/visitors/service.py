"""Live visitors (docs/messenger.md, "Live visitors"; docs/desk.md, "Visitors"): who is on an
inbox's site right now, as its messenger reports them, for the inbox's agents; and an agent's
invitation to chat, which the messenger shows as its proactive bubble.

The rules:

- Only an inbox whose admins turned it on (`messenger_settings.live_visitors`, off by default)
  records anything; with it off a report is answered and forgotten.
- A visit is kept in the registry (registry.py) while its tabs report, never in the database: it
  is not history, and nothing of it is left once it expires.
- Agents see the visits of the inboxes they see (members; owners and admins every inbox); light
  agents read them as an agent of their inboxes does, and invite nobody (they take no chats).
- An invitation is written by an active full agent who is a member of the inbox (the one who will
  answer), in an inbox that is online; it reaches the visitor's next report, and a chat started
  from it opens with its line, from its writer, as a proactive message's does.
- The desks hear `visitors.changed` when the list changes, at most once per inbox every
  `THROTTLE` seconds (per process): a busy site costs its agents one read per 5 s at most, and
  only while their Visitors page is open.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.chats import service as chats_service
from frontdesk.chats.models import Chat, ChatParticipant, ChatState, Visitor
from frontdesk.db.session import unit_of_work
from frontdesk.errors import Conflict, Forbidden, FrontdeskError, Invalid, NotFound
from frontdesk.inboxes import service as inboxes_service
from frontdesk.inboxes.models import Inbox
from frontdesk.inboxes.queries import visible_inboxes
from frontdesk.realtime.catalogue import LiveEvent, VisitorsChanged
from frontdesk.realtime.envelope import inbox_topic
from frontdesk.realtime.publisher import record
from frontdesk.users.light_agents import ensure_full_agent
from frontdesk.users.models import User
from frontdesk.visitors.registry import TTL, Invitation, Registry, Visit

VISITS_KEY = "live_visits"
# Seconds between two `visitors.changed` of one inbox from one process.
THROTTLE = 5.0
MAX_URL = 2000
MAX_TITLE = 500
MAX_INVITATION = 1000
_ID = re.compile(r"^[A-Za-z0-9_-]{8,40}$")


class VisitsUnavailable(FrontdeskError):
    """Redis, where the visits are, did not answer: the list waits for it (reports meanwhile are
    dropped, which costs a visitor nothing)."""

    status_code = 503
    code = "visitors_unavailable"
    retry_after = 5

    def __init__(self) -> None:
        super().__init__("The list of visitors cannot be read right now; try again shortly.")


@dataclass
class LiveVisits:
    """The registry and this process's throttle of the desks' events, one per app."""

    registry: Registry
    told_at: dict[int, float] = field(default_factory=dict)
    untold: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class LiveChat:
    id: int
    state: ChatState
    agents: list[str]


@dataclass(frozen=True)
class LiveVisitor:
    visit: Visit
    inbox: Inbox
    name: str
    email: str | None
    chat: LiveChat | None


@dataclass(frozen=True)
class Offered:
    """What the messenger shows: the invitation's id, line and writer's name."""

    id: str
    text: str
    sender_name: str


def _live(session: AsyncSession) -> LiveVisits:
    found: LiveVisits = session.info[VISITS_KEY]
    return found


def visit_id(value: str, *, field_name: str = "visit") -> str:
    if not _ID.match(value):
        raise Invalid(field_name, "An id of 8 to 40 letters, digits, - or _.")
    return value


def _tell(session: AsyncSession, live: LiveVisits, inbox_id: int) -> None:
    """Now, unless this inbox's desks heard one less than THROTTLE ago: then at the next
    round (`tell_changes`)."""
    now = time.monotonic()
    if now - live.told_at.get(inbox_id, -THROTTLE) < THROTTLE:
        live.untold.add(inbox_id)
        return
    live.told_at[inbox_id] = now
    live.untold.discard(inbox_id)
    record(
        session,
        type=LiveEvent.visitors_changed,
        topics=[inbox_topic(inbox_id)],
        # The event only says "read again": a list in it would go to every desk of the inbox,
        # the Visitors page open or not.
        data=VisitorsChanged(inbox_id=inbox_id),
    )


async def report_visit(
    session: AsyncSession,
    *,
    inbox: Inbox,
    visit: str,
    tab: str,
    url: str,
    title: str,
    referrer: str,
    page: bool,
    token: str | None,
) -> Offered | None:
    """A page shown (`page`) or a heartbeat of a visible tab. Answers the invitation waiting for
    this visit, once. Nothing is recorded when the inbox does not show its visitors."""
    if not inboxes_service.shows_live_visitors(inbox):
        return None
    visit, tab = visit_id(visit), visit_id(tab, field_name="tab")
    live = _live(session)
    visitor = await chats_service.resolve_visitor(session, token=token) if token else None
    visitor_id = visitor.id if visitor is not None and visitor.inbox_id == inbox.id else None
    now = time.time()
    news: list[bool] = []

    def apply(found: Visit | None) -> Visit:
        if found is None:
            found = Visit(
                visit_id=visit, inbox_id=inbox.id, started_at=now, referrer=referrer[:MAX_URL]
            )
            news.append(True)
        if page:
            found.pages += 1
            if (found.page_url, found.page_title) != (url, title):
                news.append(True)
            found.page_url, found.page_title = url[:MAX_URL], title[:MAX_TITLE]
        if visitor_id is not None and found.visitor_id != visitor_id:
            found.visitor_id = visitor_id
            news.append(True)
        found.tabs[tab] = now + TTL
        return found

    try:
        await live.registry.change(inbox.id, visit, apply)
        pending = await live.registry.take_pending(inbox.id, visit)
    except OSError:
        return None  # Redis away: this report is lost, the next one counts
    if news:
        _tell(session, live, inbox.id)
    if pending is None:
        return None
    return Offered(id=pending.id, text=pending.text, sender_name=pending.sender_name)


async def leave(session: AsyncSession, *, inbox: Inbox, visit: str, tab: str) -> None:
    """The tab's page went (pagehide): the visit goes a few seconds later unless another of its
    pages reports (a navigation); the round that forgets it tells the desks."""
    if inboxes_service.shows_live_visitors(inbox):
        with contextlib.suppress(OSError):  # Redis away: the visit expires on its own
            await _live(session).registry.leave(
                inbox.id, visit_id(visit), visit_id(tab, field_name="tab")
            )


async def tell_changes(sessionmaker: async_sessionmaker[AsyncSession], _settings: object) -> int:
    """The round (every THROTTLE seconds): forgets expired visits and tells the desks of the
    inboxes that changed since they last heard. Nothing changed, it opens no session."""
    live: LiveVisits = sessionmaker.kw["info"][VISITS_KEY]
    try:
        changed = await live.registry.sweep() | live.untold
    except OSError:
        changed = set(live.untold)  # Redis away: the sweep waits for the next round
    if not changed:
        return 0
    async with unit_of_work(sessionmaker) as session:
        for inbox_id in sorted(changed):
            live.told_at.pop(inbox_id, None)
            _tell(session, live, inbox_id)
    return len(changed)


async def _chats_of(session: AsyncSession, visitor_ids: set[int]) -> dict[int, LiveChat]:
    if not visitor_ids:
        return {}
    chats = (
        await session.scalars(
            select(Chat)
            .where(Chat.visitor_id.in_(visitor_ids), Chat.state != ChatState.ended)
            .order_by(Chat.id)
        )
    ).all()
    agents: dict[int, list[str]] = {}
    if chats:
        rows = await session.execute(
            select(ChatParticipant.chat_id, User.name)
            .join(User, User.id == ChatParticipant.user_id)
            .where(
                ChatParticipant.chat_id.in_([chat.id for chat in chats]),
                ChatParticipant.left_at.is_(None),
            )
            .order_by(ChatParticipant.joined_at)
        )
        for chat_id, name in rows:
            agents.setdefault(chat_id, []).append(name)
    return {
        chat.visitor_id: LiveChat(chat.id, chat.state, agents.get(chat.id, [])) for chat in chats
    }


async def list_visitors(session: AsyncSession, *, user: User) -> list[LiveVisitor]:
    """The visits on the sites of the inboxes the user sees whose inbox shows its visitors, the
    longest on the site first."""
    inboxes = {
        inbox.id: inbox
        for inbox in (await session.scalars(visible_inboxes(user))).all()
        if inboxes_service.shows_live_visitors(inbox)
    }
    try:
        visits = await _live(session).registry.visits(sorted(inboxes))
    except OSError:
        raise VisitsUnavailable from None
    visitor_ids = {visit.visitor_id for visit in visits if visit.visitor_id is not None}
    visitors = (
        {
            found.id: found
            for found in (
                await session.scalars(select(Visitor).where(Visitor.id.in_(visitor_ids)))
            ).all()
        }
        if visitor_ids
        else {}
    )
    chats = await _chats_of(session, visitor_ids)
    listed = []
    for visit in sorted(visits, key=lambda visit: (visit.started_at, visit.visit_id)):
        visitor = visitors.get(visit.visitor_id) if visit.visitor_id is not None else None
        listed.append(
            LiveVisitor(
                visit=visit,
                inbox=inboxes[visit.inbox_id],
                name=(visitor.name if visitor is not None else "") or "",
                email=visitor.email if visitor is not None else None,
                chat=chats.get(visit.visitor_id) if visit.visitor_id is not None else None,
            )
        )
    return listed


def at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


async def invite(
    session: AsyncSession, *, user: User, inbox_id: int, visit: str, text: str
) -> Invitation:
    """The agent's line, for the visit's next report. Refused: a light agent (403), an inbox the
    agent does not see or a visit that is gone (404), an agent who is not a member (403: the chat
    would not be theirs to answer), an inbox nobody can chat with now (409)."""
    ensure_full_agent(user)
    inbox = await session.scalar(visible_inboxes(user).where(Inbox.id == inbox_id))
    if inbox is None or not inboxes_service.shows_live_visitors(inbox):
        raise NotFound("No such visitor: they may have left the site.", code="visitor_gone")
    live = _live(session)
    try:
        found = await live.registry.visit(inbox.id, visit_id(visit))
    except OSError:
        raise VisitsUnavailable from None
    if found is None:
        raise NotFound("No such visitor: they may have left the site.", code="visitor_gone")
    members = {member.id for member in await inboxes_service.list_members(session, inbox=inbox)}
    if user.id not in members:
        raise Forbidden(
            "Only members of the inbox invite its visitors: they answer the chat it starts.",
            code="not_a_member",
        )
    line = text.strip()
    if not line:
        raise Invalid("text", "Write the line the visitor will read.", field_code="required")
    if len(line) > MAX_INVITATION:
        raise Invalid("text", "The invitation is 1,000 characters at most.", limit=MAX_INVITATION)
    opening = await chats_service.opening_now(session, inbox=inbox)
    if not opening.can_chat:
        raise Conflict(
            "Nobody can chat in this inbox now (closed, or no agent free): go online first.",
            code="inbox_not_online",
        )
    invitation = Invitation(
        id=secrets.token_urlsafe(12),
        inbox_id=inbox.id,
        visit_id=found.visit_id,
        sender_id=user.id,
        sender_name=user.name,
        text=line,
    )
    try:
        await live.registry.invite(invitation)
    except OSError:
        raise VisitsUnavailable from None

    def mark(current: Visit | None) -> Visit:
        visit_now = current or found
        visit_now.invited_by = user.name
        return visit_now

    with contextlib.suppress(OSError):  # sent; only the row's "Invited by" is lost
        await live.registry.change(inbox.id, found.visit_id, mark)
    _tell(session, live, inbox.id)
    return invitation


async def take_invitation(
    session: AsyncSession, *, inbox: Inbox, invitation_id: str
) -> tuple[User, str] | None:
    """The line a chat started from this invitation opens with, and its writer; once. None when
    it expired, was used, or its writer can no longer answer (left the inbox, deactivated).
    Called by chats/lifecycle.py `start_chat` once the chat's row is written, so that a start it
    refuses does not use the invitation up."""
    try:
        found = await _live(session).registry.take_invitation(inbox.id, invitation_id)
    except OSError:
        return None  # the chat starts without the line, as with one expired
    if found is None:
        return None
    sender = await session.get(User, found.sender_id)
    members = {member.id for member in await inboxes_service.list_members(session, inbox=inbox)}
    if sender is None or not sender.is_active or sender.is_light_agent or sender.id not in members:
        return None
    return sender, found.text
