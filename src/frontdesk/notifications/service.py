"""Notifications: who is told of what (never the one who did it, never someone who may not see
the ticket or chat), the bell's list and read marks, followers, mentions, and push
subscriptions. Delivery by push is `notifications/push.py`; by email, a row of the mail outbox
written here in the same transaction."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats.models import Chat
from frontdesk.db.context import settings_of
from frontdesk.db.unique import insert_once
from frontdesk.errors import Invalid, NotFound
from frontdesk.inboxes import service as inboxes_service
from frontdesk.inboxes.models import InboxMember
from frontdesk.inboxes.queries import sees_inbox
from frontdesk.kit.clock import utcnow
from frontdesk.mail.addresses import new_message_id
from frontdesk.mail.models import OutboxMessage, OutboxState
from frontdesk.notifications import preferences
from frontdesk.notifications.events import record_created, record_read
from frontdesk.notifications.models import (
    Channel,
    Notification,
    NotificationKind,
    PushDelivery,
    PushSubscription,
    TicketFollower,
    VapidKey,
)
from frontdesk.notifications.texts import describe, link_path
from frontdesk.notifications.webpush import Vapid, new_private_key_pem
from frontdesk.realtime.catalogue import NotificationParams
from frontdesk.tickets.models import Ticket
from frontdesk.users.absence import away_now
from frontdesk.users.models import User
from frontdesk.webhooks import guard

MAX_PAGE = 100
MAX_MENTIONS = 20
EXCERPT = 200
# `@` + an agent's email local part (what comes before the @ of their address), not preceded by
# a word character so that an email address in a note is not a mention.
MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9][A-Za-z0-9._+-]{0,63})")


def excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1] + "…"


@dataclass(frozen=True)
class About:
    """What a notification points at: a ticket or a chat, and the inbox that decides who may
    see it."""

    inbox_id: int
    ticket_id: int | None = None
    chat_id: int | None = None


async def unread_count(session: AsyncSession, *, user_id: int) -> int:
    return (await unread_counts(session, user_ids=[user_id])).get(user_id, 0)


async def notify(
    session: AsyncSession,
    *,
    kind: NotificationKind,
    user_ids: Iterable[int],
    actor: User | None,
    about: About,
    params: NotificationParams,
    seeing: Sequence[User] | None = None,
) -> list[Notification]:
    """Tells each person once, where their preferences say; in the caller's transaction.
    `seeing`: the people of `user_ids` who see it, when the caller asked already."""
    wanted = set(user_ids) - ({actor.id} if actor is not None else set())
    reach = await _reach(
        session, await preferences.channels_for(session, user_ids=wanted, kind=kind)
    )
    if seeing is not None:
        users = [user for user in seeing if user.id in reach.channels]
    else:
        # Only those it can reach are looked up: a chat waiting tells every online agent of its
        # inbox, by push alone unless they chose otherwise, and most have no browser subscribed.
        users = await inboxes_service.who_sees(
            session, user_ids=reach.channels.keys(), inbox_id=about.inbox_id
        )
    if actor is not None:
        params = NotificationParams(**params, actor_name=actor.name)
    return await _deliver(
        session,
        [
            (user, reach.channels[user.id], _notification(user, kind, about, actor, params))
            for user in users
        ],
        reach,
        actor=actor,
    )


def _notification(
    user: User,
    kind: NotificationKind,
    about: About,
    actor: User | None,
    params: NotificationParams,
) -> Notification:
    return Notification(
        user_id=user.id,
        kind=kind,
        ticket_id=about.ticket_id,
        chat_id=about.chat_id,
        actor_id=actor.id if actor else None,
        params=dict(params),
        created_at=utcnow(),
    )


@dataclass(frozen=True)
class _Reach:
    """Each person's channels that reach them (people with none left out), and their browsers
    subscribed to push."""

    channels: dict[int, frozenset[Channel]]
    subscriptions: dict[int, list[int]]


async def _reach(session: AsyncSession, chosen: dict[int, frozenset[Channel]]) -> _Reach:
    """Push counts only for someone with a browser subscribed; a person left with no channel is
    not told at all, so no notification is written that nobody would ever see."""
    subscriptions = await _push_subscriptions(
        session,
        user_ids={user_id for user_id, channels in chosen.items() if Channel.push in channels},
    )
    reached = {
        user_id: channels if user_id in subscriptions else channels - {Channel.push}
        for user_id, channels in chosen.items()
    }
    return _Reach({u: channels for u, channels in reached.items() if channels}, subscriptions)


AWAY_MUTED = frozenset({Channel.push, Channel.email})


def _while_away(chosen: frozenset[Channel]) -> frozenset[Channel]:
    """Push and email muted, and what they would have carried kept in the bell, even by one
    who turned the bell off for this kind: away, it is the one place they find it back."""
    if not chosen & AWAY_MUTED:
        return chosen
    return (chosen - AWAY_MUTED) | {Channel.in_app}


async def _deliver(
    session: AsyncSession,
    told: list[tuple[User, frozenset[Channel], Notification]],
    reach: _Reach,
    *,
    actor: User | None,
) -> list[Notification]:
    """Each person's notification on the channels that reach them (`_reach`), in one statement
    per step for everyone told, not per person: a chat waiting in an inbox tells all its online
    agents inside the visitor's request, and a batch of mail tells each assignee."""
    now = utcnow()
    # Out of office: the bell keeps what happened, but no push or email follows them while
    # away (docs/notifications.md, "Out of office").
    told = [
        (user, _while_away(chosen) if away_now(user, now) else chosen, notification)
        for user, chosen, notification in told
    ]
    if not told:
        return []
    for _user, chosen, notification in told:
        notification.in_app = Channel.in_app in chosen
    made = [notification for _user, _chosen, notification in told]
    session.add_all(made)
    await session.flush()
    unread = await unread_counts(session, user_ids={n.user_id for n in made if n.in_app})
    for user, chosen, notification in told:
        if notification.in_app:
            record_created(session, notification, actor=actor, unread=unread.get(user.id, 0))
        if Channel.push in chosen:
            session.add_all(
                PushDelivery(subscription_id=subscription_id, notification_id=notification.id)
                for subscription_id in reach.subscriptions.get(user.id, ())
            )
        if Channel.email in chosen:
            _queue_email(session, user=user, notification=notification)
    await session.flush()
    return made


async def unread_counts(session: AsyncSession, *, user_ids: Collection[int]) -> dict[int, int]:
    if not user_ids:
        return {}
    rows = await session.execute(
        select(Notification.user_id, func.count())
        .where(
            Notification.user_id.in_(list(user_ids)),
            Notification.in_app,
            Notification.read_at.is_(None),
            seen_now(),
        )
        .group_by(Notification.user_id)
    )
    return {user_id: int(count) for user_id, count in rows.all()}


async def _push_subscriptions(
    session: AsyncSession, *, user_ids: Collection[int]
) -> dict[int, list[int]]:
    if not user_ids:
        return {}
    rows = await session.execute(
        select(PushSubscription.user_id, PushSubscription.id)
        .where(PushSubscription.user_id.in_(list(user_ids)))
        .order_by(PushSubscription.id)
    )
    found: dict[int, list[int]] = {}
    for user_id, subscription_id in rows.all():
        found.setdefault(user_id, []).append(subscription_id)
    return found


def _queue_email(session: AsyncSession, *, user: User, notification: Notification) -> None:
    settings = settings_of(session)
    title, body = describe(notification)
    link = settings.public_url.rstrip("/") + link_path(notification)
    choices = f"{settings.public_url.rstrip('/')}/preferences"
    text = (
        f"{body}\n\n{link}\n\n-- \nYou get this email because of your notification "
        f"preferences: {choices}"
    )
    session.add(
        OutboxMessage(
            ticket_id=None,
            entry_id=None,
            message_id=new_message_id(mail_domain=settings.mail_domain, hint="notify"),
            sender=f"frontdesk <notifications@{settings.mail_domain}>",
            recipients=[user.email],
            subject=title,
            # Mail programs offer "unsubscribe" with it (RFC 2369): it opens the preferences,
            # which ask for a login. No List-Unsubscribe-Post: one click (RFC 8058) promises a
            # POST that works with no further step, which this URL does not.
            headers={"Auto-Submitted": "auto-generated", "List-Unsubscribe": f"<{choices}>"},
            text=text,
            html=None,
            state=OutboxState.queued,
            data={"kind": "notification", "notification_id": notification.id},
        )
    )


# --- who may still hear of it -------------------------------------------------------------------


def seen_now() -> ColumnElement[bool]:
    """A notification's ticket or chat is in an inbox its recipient sees now. Tested whenever a
    notification is read (the bell, its count) or is about to go out (a push, an email), not
    only when it was written: whatever took the ticket out of their sight (removed from the
    inbox, the ticket moved to another, demoted from admin), and whatever will, the words of a
    ticket they can no longer open stop reaching them. The rows stay: seeing it again (added
    back to the inbox) shows them again."""
    return and_(
        or_(
            Notification.ticket_id.is_(None),
            exists()
            .where(
                Ticket.id == Notification.ticket_id,
                sees_inbox(Notification.user_id, Ticket.inbox_id),
            )
            .correlate_except(Ticket),
        ),
        or_(
            Notification.chat_id.is_(None),
            exists()
            .where(Chat.id == Notification.chat_id, sees_inbox(Notification.user_id, Chat.inbox_id))
            .correlate_except(Chat),
        ),
    )


async def still_told(session: AsyncSession, *, notification_ids: Collection[int]) -> set[int]:
    """Those of these notifications that may still go out: their recipient is active and sees
    their ticket or chat now (`seen_now`)."""
    if not notification_ids:
        return set()
    active = exists().where(User.id == Notification.user_id, User.is_active).correlate_except(User)
    return set(
        await session.scalars(
            select(Notification.id).where(
                Notification.id.in_(sorted(notification_ids)), active, seen_now()
            )
        )
    )


async def unsendable_mail(session: AsyncSession, *, rows: Sequence[OutboxMessage]) -> set[int]:
    """The outbox rows (ids) among these that are notification emails no longer to be sent: their
    notification is gone, or its recipient was deactivated or may no longer see what it is
    about. The mail loop calls this as it claims them (mail/timers.py)."""
    about = {
        row.id: row.data.get("notification_id")
        for row in rows
        if row.data.get("kind") == "notification"
    }
    told = await still_told(
        session, notification_ids={n for n in about.values() if isinstance(n, int)}
    )
    return {row_id for row_id, notification_id in about.items() if notification_id not in told}


async def forget_browsers(session: AsyncSession, *, user_id: int) -> None:
    """A deactivated person's push subscriptions (and so their queued pushes) go: their browsers
    are no longer ours to reach, and reactivating them is no reason to reach those again."""
    await session.execute(delete(PushSubscription).where(PushSubscription.user_id == user_id))


# --- the bell ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotificationPage:
    items: Sequence[Notification]
    unread: int
    next_before: int | None
    actors: dict[int, User] = field(default_factory=dict)


async def list_notifications(
    session: AsyncSession,
    *,
    user: User,
    before: int | None = None,
    limit: int = 20,
    unread_only: bool = False,
) -> NotificationPage:
    """Newest first; `before` (an id) pages back."""
    limit = max(1, min(limit, MAX_PAGE))
    query = select(Notification).where(
        Notification.user_id == user.id, Notification.in_app, seen_now()
    )
    if before is not None:
        query = query.where(Notification.id < before)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    rows = (await session.scalars(query.order_by(Notification.id.desc()).limit(limit + 1))).all()
    items = rows[:limit]
    actor_ids = {row.actor_id for row in items if row.actor_id is not None}
    actors = (
        {u.id: u for u in await session.scalars(select(User).where(User.id.in_(actor_ids)))}
        if actor_ids
        else {}
    )
    return NotificationPage(
        items=items,
        unread=await unread_count(session, user_id=user.id),
        next_before=items[-1].id if len(rows) > limit else None,
        actors=actors,
    )


async def mark_read(
    session: AsyncSession, *, user: User, ids: Sequence[int] | None, now: datetime | None = None
) -> int:
    """Marks the person's notifications read: the ones named, or (None) all of them. Ids of
    someone else's notifications are ignored rather than refused: they reveal nothing. Returns
    how many are left unread."""
    if ids is not None and not ids:
        return await unread_count(session, user_id=user.id)
    query = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if ids is not None:
        query = query.where(Notification.id.in_(list(ids)))
    await session.execute(
        query.values(read_at=now or utcnow()).execution_options(synchronize_session=False)
    )
    unread = await unread_count(session, user_id=user.id)
    record_read(session, user_id=user.id, ids=list(ids or ()), unread=unread)
    return unread


# --- followers ---------------------------------------------------------------------------------


async def followers(session: AsyncSession, *, ticket_id: int) -> list[int]:
    return list(
        await session.scalars(
            select(TicketFollower.user_id)
            .where(TicketFollower.ticket_id == ticket_id)
            .order_by(TicketFollower.user_id)
        )
    )


async def follower_users(session: AsyncSession, *, ticket_id: int) -> Sequence[User]:
    return (
        await session.scalars(
            select(User)
            .join(TicketFollower, TicketFollower.user_id == User.id)
            .where(TicketFollower.ticket_id == ticket_id)
            .order_by(User.name, User.id)
        )
    ).all()


async def follow(session: AsyncSession, *, ticket_id: int, user_id: int) -> None:
    """Idempotent, also when two requests race: the primary key keeps one row."""
    if await session.get(TicketFollower, (ticket_id, user_id)) is not None:
        return
    await insert_once(session, TicketFollower(ticket_id=ticket_id, user_id=user_id))


async def unfollow(session: AsyncSession, *, ticket_id: int, user_id: int) -> None:
    await session.execute(
        delete(TicketFollower).where(
            TicketFollower.ticket_id == ticket_id, TicketFollower.user_id == user_id
        )
    )


# --- what tickets and chats call ---------------------------------------------------------------


def _ticket_params(number: int, subject: str, excerpt: str | None = None) -> NotificationParams:
    params = NotificationParams(number=number, subject=subject)
    if excerpt is not None:
        params["excerpt"] = excerpt
    return params


async def ticket_assigned(
    session: AsyncSession,
    *,
    ticket_id: int,
    inbox_id: int,
    number: int,
    subject: str,
    assignee_id: int,
    actor: User | None,
) -> None:
    await notify(
        session,
        kind=NotificationKind.assigned,
        user_ids=[assignee_id],
        actor=actor,
        about=About(inbox_id=inbox_id, ticket_id=ticket_id),
        params=_ticket_params(number, subject),
    )


async def unassigned_by_move(
    session: AsyncSession,
    *,
    user_id: int,
    from_inbox_id: int,
    number: int,
    actor: User | None,
) -> None:
    """The assignee a move to another inbox unassigned (tickets/transfers.py), told as an
    `assigned` notification marked `unassigned`, under their choices for assignments. They are
    not a member of the new inbox, so they no longer see the ticket: the notification points at
    no ticket and keeps none of its words (no subject, no customer), only the number they knew
    it by and who moved it. Pointing at no ticket, it is not hidden by `seen_now` as what they
    may no longer see; it reaches them if they saw the ticket before the move (the old inbox)."""
    params = NotificationParams(number=number, unassigned=True)
    await notify(
        session,
        kind=NotificationKind.assigned,
        user_ids=[user_id],
        actor=actor,
        about=About(inbox_id=from_inbox_id),
        params=params,
    )


@dataclass(frozen=True)
class CustomerReply:
    """A customer's email that reached an existing ticket, as the inbound path knows it."""

    ticket_id: int
    inbox_id: int
    number: int
    subject: str
    assignee_id: int | None
    text: str


async def customers_replied(session: AsyncSession, *, replies: Sequence[CustomerReply]) -> None:
    """Tells each reply's ticket's assignee and followers. Called once for a batch of inbound
    mail: followers, people, what they may see and their choices are read once for all."""
    if not replies:
        return
    ticket_ids = sorted({reply.ticket_id for reply in replies})
    following: dict[int, set[int]] = {ticket_id: set() for ticket_id in ticket_ids}
    rows = await session.execute(
        select(TicketFollower.ticket_id, TicketFollower.user_id).where(
            TicketFollower.ticket_id.in_(ticket_ids)
        )
    )
    for ticket_id, user_id in rows:
        following[ticket_id].add(user_id)
    told = {
        reply.ticket_id: following[reply.ticket_id]
        | ({reply.assignee_id} if reply.assignee_id is not None else set())
        for reply in replies
    }
    everyone = set().union(*told.values())
    if not everyone:
        return
    users = {
        user.id: user
        for user in await session.scalars(
            select(User).where(User.id.in_(sorted(everyone)), User.is_active)
        )
    }
    reach = await _reach(
        session,
        await preferences.channels_for(
            session, user_ids=list(users), kind=NotificationKind.customer_replied
        ),
    )
    # Whose inboxes matter only for the people it can reach.
    inboxes = await inboxes_service.seen_inbox_ids(
        session, users=[users[user_id] for user_id in reach.channels]
    )
    wanted: list[tuple[User, frozenset[Channel], Notification]] = []
    for reply in replies:
        for user_id in sorted(told[reply.ticket_id]):
            person = users.get(user_id)
            seen = inboxes.get(user_id)
            channels = reach.channels.get(user_id)
            if person is None or not channels or (seen is not None and reply.inbox_id not in seen):
                continue
            notification = _notification(
                person,
                NotificationKind.customer_replied,
                About(inbox_id=reply.inbox_id, ticket_id=reply.ticket_id),
                None,
                _ticket_params(reply.number, reply.subject, excerpt(reply.text)),
            )
            wanted.append((person, channels, notification))
    await _deliver(session, wanted, reach, actor=None)


def _escaped(name: str) -> str:
    return name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class Mentions:
    told: list[User]
    # Named but not told: they may not see the ticket (or no active agent has that name).
    refused: list[str]


async def resolve_mentions(session: AsyncSession, *, text: str, inbox_id: int) -> Mentions:
    """`@name` where name is an agent's email local part, case-insensitive. Two agents with the
    same local part are both mentioned."""
    names: list[str] = []
    for match in MENTION.finditer(text):
        name = match.group(1).rstrip(".").lower()
        if name and name not in names:
            names.append(name)
    names = names[:MAX_MENTIONS]
    if not names:
        return Mentions([], [])
    candidates = (
        await session.scalars(
            select(User).where(
                User.is_active,
                or_(*(User.email.ilike(f"{_escaped(name)}@%", escape="\\") for name in names)),
            )
        )
    ).all()
    by_name: dict[str, list[User]] = {}
    for user in candidates:
        by_name.setdefault(user.email.rsplit("@", 1)[0].lower(), []).append(user)
    visible = {
        user.id
        for user in await inboxes_service.who_sees(
            session, user_ids=[u.id for u in candidates], inbox_id=inbox_id
        )
    }
    told: list[User] = []
    refused: list[str] = []
    for name in names:
        users = by_name.get(name, [])
        if not users:
            continue  # not an agent: an @ in ordinary text
        seen = [user for user in users if user.id in visible]
        if seen:
            told.extend(seen)
        else:
            refused.append(name)
    return Mentions(told, refused)


async def mentioned(
    session: AsyncSession,
    *,
    mentions: Mentions,
    ticket_id: int,
    inbox_id: int,
    number: int,
    subject: str,
    author: User | None,
    text: str,
    entry_id: int,
) -> None:
    """The agents named in a note follow the ticket and are told (the author is neither). A
    note without author is an automation rule's."""
    for user in mentions.told:
        if author is None or user.id != author.id:
            await follow(session, ticket_id=ticket_id, user_id=user.id)
    params = _ticket_params(number, subject, excerpt=excerpt(text))
    params["entry_id"] = entry_id
    await notify(
        session,
        kind=NotificationKind.mentioned,
        user_ids=[user.id for user in mentions.told],
        actor=author,
        about=About(inbox_id=inbox_id, ticket_id=ticket_id),
        params=params,
    )


async def chat_invited(
    session: AsyncSession,
    *,
    chat_id: int,
    inbox_id: int,
    visitor_name: str,
    invitee_id: int,
    inviter: User,
    invitation: str,
) -> None:
    await notify(
        session,
        kind=NotificationKind.chat_invited,
        user_ids=[invitee_id],
        actor=inviter,
        about=About(inbox_id=inbox_id, chat_id=chat_id),
        params=NotificationParams(
            visitor_name=visitor_name,
            invitation="transfer" if invitation == "transfer" else "invite",
        ),
    )


async def chat_waiting(
    session: AsyncSession, *, chat_id: int, inbox_id: int, visitor_name: str, user_ids: list[int]
) -> None:
    await notify(
        session,
        kind=NotificationKind.chat_waiting,
        user_ids=user_ids,
        actor=None,
        about=About(inbox_id=inbox_id, chat_id=chat_id),
        params=NotificationParams(visitor_name=visitor_name),
    )


@dataclass(frozen=True)
class SlaAudience:
    """Who a ticket's SLA alerts concern, asked once for all its targets: `holder_id`, its
    assignee while they see the ticket (one who cannot, taken out of its inbox or deactivated,
    counts as nobody: told nothing, they would leave the alert reaching nobody); `told`, the
    holder, or every member of its inbox while nobody holds it or its holder is out of office
    (with the holder), and its followers, those of them who see it (by id)."""

    holder_id: int | None
    told: list[User]


async def sla_audience(
    session: AsyncSession, *, ticket_id: int, inbox_id: int, assignee_id: int | None
) -> SlaAudience:
    """One question of who sees the ticket, for the alert's holder and the people told."""
    follower_ids = set(await followers(session, ticket_id=ticket_id))
    member_ids = set(
        await session.scalars(select(InboxMember.user_id).where(InboxMember.inbox_id == inbox_id))
    )
    asked = follower_ids | member_ids | ({assignee_id} if assignee_id is not None else set())
    seeing = {
        user.id: user
        for user in await inboxes_service.who_sees(session, user_ids=asked, inbox_id=inbox_id)
    }
    holder = assignee_id if assignee_id in seeing else None
    # A holder out of office is told (their bell keeps it) but cannot act: the inbox's members
    # are told as when nobody holds it (docs/notifications.md, "Out of office").
    people = set(follower_ids)
    if holder is not None:
        people.add(holder)
    if holder is None or away_now(seeing[holder], utcnow()):
        people |= member_ids
    return SlaAudience(holder, [seeing[user_id] for user_id in sorted(people & seeing.keys())])


async def sla_breaching(
    session: AsyncSession,
    *,
    ticket_id: int,
    inbox_id: int,
    number: int,
    subject: str,
    audience: SlaAudience,
    target: str,
    breached: bool = False,
) -> None:
    """A target of the ticket is about to breach (sla/service.py), or breached with no warning
    before (`breached`): its `audience` is told."""
    params = _ticket_params(number, subject)
    if breached:
        params["breached"] = True
    await notify(
        session,
        kind=NotificationKind.sla_breaching,
        user_ids=[user.id for user in audience.told],
        actor=None,
        about=About(inbox_id=inbox_id, ticket_id=ticket_id),
        params=params,
        seeing=audience.told,
    )


async def reply_not_sent(
    session: AsyncSession,
    *,
    author: User,
    ticket: Ticket,
    reason: str,
    reason_code: str,
    pending_reply_id: int,
) -> None:
    """A reply `author` held with Undo send was refused at its due time (pending_replies/
    service.py `record_failure`): they are told, with why. While they see the ticket it points
    at it (its thread shows the failed reply and its text); once they no longer do (taken out of
    its inbox meanwhile, the likeliest refusal), it keeps only the number they knew it by and
    points at no ticket, as `unassigned_by_move` does, so that `seen_now` does not hide it: the
    desk's start shows them the reply's text (its banner of unsent replies). A deactivated
    author is told nothing: they can no longer log in."""
    if not author.is_active:
        return
    params = NotificationParams(
        number=ticket.number,
        reason=reason,
        reason_code=reason_code,
        pending_reply_id=pending_reply_id,
    )
    sees = await inboxes_service.who_sees(session, user_ids=[author.id], inbox_id=ticket.inbox_id)
    if sees:
        params["subject"] = ticket.subject
        about = About(inbox_id=ticket.inbox_id, ticket_id=ticket.id)
    else:
        about = About(inbox_id=ticket.inbox_id)
    await notify(
        session,
        kind=NotificationKind.reply_not_sent,
        user_ids=[author.id],
        actor=None,
        about=about,
        params=params,
        seeing=[author],
    )


async def reply_taken_back(session: AsyncSession, *, author: User, pending_reply_id: int) -> None:
    """The author took their failed reply back (pending_replies/service.py `undo`): what told
    them of it is done with, and is marked read as if they had read it in the bell (its count
    and their other tabs follow)."""
    unread = await session.scalars(
        select(Notification).where(
            Notification.user_id == author.id,
            Notification.kind == NotificationKind.reply_not_sent,
            Notification.read_at.is_(None),
        )
    )
    # A handful at most (those of the author's replies not sent and not taken back): matched
    # here rather than by a JSON path, which each database spells its own way.
    ids = [n.id for n in unread if n.params.get("pending_reply_id") == pending_reply_id]
    if ids:
        await mark_read(session, user=author, ids=ids)


# --- push subscriptions and the key ------------------------------------------------------------

VAPID_ROW = 1
# Browsers kept per person: a desk or two, a phone, and room for the old endpoints of browsers
# that subscribed again (removed only once the push service answers 404 or 410).
MAX_SUBSCRIPTIONS = 10
# What lifts the guard for push endpoints (not the webhooks' setting): named in every refusal,
# when an endpoint is saved and when a push is refused as it connects (notifications/push.py).
PUSH_SETTING = "FRONTDESK_PUSH_ALLOW_PRIVATE"
PRIVATE_ENDPOINT = (
    "This push endpoint points to this machine or a private network; browsers' push services "
    "are on the public internet. Subscribe again from the browser, or, for a test push service, "
    f"an administrator can allow it with {PUSH_SETTING}=true."
)


async def vapid(session: AsyncSession) -> Vapid:
    """The desk's VAPID key, made by the first process that needs it and kept in the database
    (so every process signs with the same key, and subscriptions survive a restart)."""
    settings = settings_of(session)
    subject = settings.push_subject or f"mailto:postmaster@{settings.mail_domain}"
    row = await session.get(VapidKey, VAPID_ROW)
    if row is None:
        await insert_once(session, VapidKey(id=VAPID_ROW, private_key=new_private_key_pem()))
        row = await session.get(VapidKey, VAPID_ROW, populate_existing=True)
        if row is None:  # pragma: no cover - the insert above or a rival's made it
            raise RuntimeError("the VAPID key could not be stored")
    return Vapid.from_pem(row.private_key, subject=subject)


async def subscribe(
    session: AsyncSession,
    *,
    user: User,
    endpoint: str,
    p256dh: str,
    auth: str,
    user_agent: str | None,
) -> PushSubscription:
    """Saves a browser's subscription for `user`; the same endpoint again replaces its keys
    (and its owner: one browser profile, whoever logged in last). A person keeps at most
    MAX_SUBSCRIPTIONS browsers: a new one replaces their oldest."""
    _check_keys(p256dh=p256dh, auth=auth)
    settings = settings_of(session)
    await _check_endpoint(
        endpoint, allow_http=settings.push_allow_http, allow_private=settings.push_allow_private
    )
    existing = await session.scalar(
        select(PushSubscription).where(PushSubscription.endpoint == endpoint)
    )
    if existing is None:
        existing = PushSubscription(endpoint=endpoint)
        session.add(existing)
    existing.user_id = user.id
    existing.p256dh, existing.auth = p256dh, auth
    existing.user_agent = (user_agent or "")[:300] or None
    await session.flush()
    await _keep_newest(session, user_id=user.id)
    return existing


async def _keep_newest(session: AsyncSession, *, user_id: int) -> None:
    """A browser that subscribes anew gets a new endpoint while its old one stays until the push
    service answers 404: the oldest are the likeliest dead, and every push goes to each."""
    kept = select(PushSubscription.id).where(PushSubscription.user_id == user_id)
    kept = kept.order_by(PushSubscription.id.desc()).limit(MAX_SUBSCRIPTIONS)
    await session.execute(
        delete(PushSubscription).where(
            PushSubscription.user_id == user_id,
            PushSubscription.id.not_in(kept.scalar_subquery()),
        )
    )


async def _check_endpoint(endpoint: str, *, allow_http: bool, allow_private: bool) -> None:
    """An https URL (http only for tests), never one that leads to this machine or the network
    around it: the push loop POSTs to it, so an endpoint is a URL any agent makes us request."""
    parts = urlsplit(endpoint)
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise Invalid("endpoint", "A push endpoint is an https:// URL given by the browser.")
    try:
        await guard.check_target(endpoint, allow_private=allow_private, setting=PUSH_SETTING)
    except Invalid as refused:
        code = refused.fields[0]["code"] if refused.fields else "invalid"
        message = PRIVATE_ENDPOINT if code == "private_address" else refused.message
        raise Invalid("endpoint", message, field_code=code) from None


def _check_keys(*, p256dh: str, auth: str) -> None:
    from frontdesk.notifications.webpush import b64url_decode

    try:
        key, secret = b64url_decode(p256dh), b64url_decode(auth)
    except ValueError:
        raise Invalid("keys", "The subscription's keys are not base64url.") from None
    if len(key) != 65 or key[0] != 4:
        raise Invalid("keys.p256dh", "Not an uncompressed P-256 public key.")
    if len(secret) != 16:
        raise Invalid("keys.auth", "The auth secret must be 16 bytes.")


async def unsubscribe(session: AsyncSession, *, user: User, endpoint: str) -> None:
    result = await session.execute(
        delete(PushSubscription).where(
            PushSubscription.endpoint == endpoint, PushSubscription.user_id == user.id
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound("No such push subscription.")


async def list_subscriptions(session: AsyncSession, *, user: User) -> Sequence[PushSubscription]:
    return (
        await session.scalars(
            select(PushSubscription)
            .where(PushSubscription.user_id == user.id)
            .order_by(PushSubscription.id)
        )
    ).all()


async def mentionable(
    session: AsyncSession, *, inbox_id: int, q: str = "", limit: int = 10
) -> list[User]:
    """Active agents who may see the inbox's tickets, whose name or handle starts with `q`."""
    needle = q.strip().lower()
    users = (await session.scalars(select(User).where(User.is_active).order_by(User.name))).all()
    matching = [
        user
        for user in users
        if not needle
        or user.name.lower().startswith(needle)
        or user.email.lower().startswith(needle)
        or any(part.startswith(needle) for part in user.name.lower().split())
    ]
    seen = await inboxes_service.who_sees(
        session, user_ids=[u.id for u in matching], inbox_id=inbox_id
    )
    order = {user.id: i for i, user in enumerate(matching)}
    return sorted(seen, key=lambda user: order[user.id])[:limit]
