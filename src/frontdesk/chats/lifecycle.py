"""The life of a chat (docs/chat.md): start, join, invite and transfer, leave, label, type and
end. Every change locks the chat first and is recorded in the event log."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats import offering, queries
from frontdesk.chats.blocked import ensure_not_blocked, ensure_signed_sender_allowed
from frontdesk.chats.capacity import anyone_online, has_capacity, offer_targets
from frontdesk.chats.closing import ticket_for
from frontdesk.chats.errors import (
    AlreadyJoined,
    AtCapacity,
    ChatEnded,
    InviteeNotOnline,
    LastParticipant,
    NoAgentsOnline,
    NotInvited,
    NotOnline,
    OfferedToAnother,
)
from frontdesk.chats.events import (
    ChatEventType,
    LiveEvent,
    ProactiveLine,
    chat_summary,
    publish_to_agents,
    publish_to_followers,
    publish_to_visitor,
    user_ref,
)
from frontdesk.chats.log import (
    PREVIEW_LENGTH,
    SYSTEM,
    Author,
    agent_author,
    append_event,
    ensure_message,
    lock_agent,
    lock_chat,
    lock_visitor,
    visitor_author,
)
from frontdesk.chats.models import (
    AuthorKind,
    Chat,
    ChatEvent,
    ChatInvitation,
    ChatParticipant,
    ChatState,
    EndReason,
    InvitationKind,
    OfferOutcome,
    Visitor,
    chat_labels,
)
from frontdesk.chats.opening import ensure_in_hours
from frontdesk.chats.reads import ensure_participant, participants
from frontdesk.chats.visitors import get_visitor_chat, take_email
from frontdesk.db.context import settings_of
from frontdesk.errors import Invalid
from frontdesk.inboxes import service as inboxes_service
from frontdesk.inboxes.models import Inbox
from frontdesk.kit.clock import utcnow
from frontdesk.labels import service as labels_service
from frontdesk.labels.models import Label
from frontdesk.metrics import record as metrics
from frontdesk.notifications import service as notifications_service
from frontdesk.proactive import service as proactive_service
from frontdesk.realtime.catalogue import Author as AuthorRef
from frontdesk.realtime.catalogue import (
    ChatBarChanged,
    ChatInvited,
    ChatJoined,
    ChatLabelled,
    ChatLeft,
    ChatOffered,
    ChatStarted,
    ChatTyping,
    ChatWithdrawn,
    InvitationCancelled,
)
from frontdesk.realtime.catalogue import ChatEnded as ChatEndedData
from frontdesk.tickets.models import Ticket
from frontdesk.users.absence import away_now
from frontdesk.users.light_agents import ensure_full_agent
from frontdesk.users.models import User

# Takes an agent's invitation for the chat being started (visitors/service.py `take_invitation`):
# its writer and line, or None when it is gone (used, expired, its writer unable to answer).
TakeInvitation = Callable[[], Awaitable[tuple[User, str] | None]]


async def start_chat(
    session: AsyncSession,
    *,
    visitor: Visitor,
    inbox: Inbox,
    name: str,
    email: str | None,
    text: str,
    client_msg_id: str | None,
    page_url: str | None,
    page_title: str | None,
    locale: str | None = None,
    time_zone: str | None = None,
    proactive_message_id: int | None = None,
    invitation: TakeInvitation | None = None,
) -> Chat:
    """A new chat with the visitor's first message; sent again with the same `client_msg_id`
    (the messenger retries an answer it lost), the chat the first attempt started. `locale` and
    `time_zone` (cleaned by the schema: mail/words.py) are kept for the chat's mail. Started from
    a proactive message still offered, the chat opens with it, from its sender, and counts as
    one it started (proactive/service.py); the retried start returns before, so once. Started
    from an agent's invitation (`invitation` takes it: its writer and line), it opens with that
    line the same way, from that agent, who takes it at once when they can. The invitation is
    taken only once the chat's row is written: a start refused (blocked, closed, nobody online)
    leaves it for the visitor's next try, and of two starts at once only one gets it."""
    limit = settings_of(session).max_message_length
    text = ensure_message(text, limit=limit)
    # Under the visitor's lock, so that two attempts at once start one chat, and a block
    # (spam/visitors.py, which takes it too) either sees this chat or is seen by it.
    visitor = await lock_visitor(session, visitor=visitor)
    if client_msg_id:
        started = await _started_with(session, visitor=visitor, client_msg_id=client_msg_id)
        if started is not None:
            return started
    await ensure_not_blocked(session, visitor=visitor)
    await ensure_in_hours(session, inbox=inbox)
    if not await anyone_online(session, inbox=inbox):
        raise NoAgentsOnline
    take_email(visitor, inbox=inbox, email=email)
    await ensure_signed_sender_allowed(session, visitor=visitor)
    visitor.name = name.strip() or visitor.name
    if page_url is not None:
        visitor.page_url, visitor.page_title = page_url[:2000], (page_title or "")[:500]
    now = utcnow()
    visitor.last_seen_at = now
    chat = Chat(
        inbox_id=inbox.id,
        visitor_id=visitor.id,
        state=ChatState.waiting,
        visitor_name=visitor.name or "Visitor",
        visitor_email=visitor.email,
        visitor_verified=visitor.identity_verified,
        visitor_locale=locale,
        visitor_time_zone=time_zone,
        started_at=now,
        last_seq=0,
        # Said with chat.started, which the inbox's desks hear (the message itself goes only to
        # the chat's followers).
        last_message_text=text[:PREVIEW_LENGTH],
    )
    session.add(chat)
    await session.flush()
    # Taken here, after every refusal above (nothing after this refuses a start), and only when
    # it is used: a proactive line goes first. Taking is atomic (GETDEL, or one pop in this
    # process): of two tabs starting at once, one chat gets it; a retry returned above.
    invited = (
        await invitation() if invitation is not None and proactive_message_id is None else None
    )
    metrics.chat_started(session, chat=chat)
    await append_event(
        session,
        chat=chat,
        type=ChatEventType.started,
        author=SYSTEM,
        data=ChatStarted(chat=chat_summary(chat), page_url=visitor.page_url),
    )
    if proactive_message_id is not None:
        await _open_with_proactive(session, chat=chat, inbox=inbox, message_id=proactive_message_id)
    elif invited is not None:
        # Like a proactive line, it answers nothing (metrics/record.py).
        await append_event(
            session,
            chat=chat,
            type=ChatEventType.message_added,
            author=agent_author(invited[0]),
            text=invited[1],
        )
    await append_event(
        session,
        chat=chat,
        type=ChatEventType.message_added,
        author=visitor_author(visitor, chat),
        text=text,
        client_msg_id=client_msg_id,
    )
    if invited is not None and await _inviter_takes_it(session, chat=chat, inviter=invited[0]):
        return chat
    targets = await offering.offer_new_chat(session, chat=chat, now=now)
    # The same agents, by push (by default) for those with no desk tab open.
    await notifications_service.chat_waiting(
        session,
        chat_id=chat.id,
        inbox_id=inbox.id,
        visitor_name=chat.visitor_name,
        user_ids=targets,
    )
    return chat


async def _inviter_takes_it(session: AsyncSession, *, chat: Chat, inviter: User) -> bool:
    """A chat started from an agent's invitation is theirs at once, as the visitor expects of the
    agent who spoke to them (docs/messenger.md, "Live visitors"); an inviter who went offline or
    away, or is at capacity, leaves it to be offered as any chat."""
    online = await session.scalar(
        queries.online_members(chat.inbox_id)
        .where(User.id == inviter.id)
        .with_only_columns(User.id)
    )
    if online is None:
        return False
    try:
        await join_chat(session, chat=chat, agent=inviter)
    except (NotOnline, AtCapacity):
        return False
    return True


async def _open_with_proactive(
    session: AsyncSession, *, chat: Chat, inbox: Inbox, message_id: int
) -> None:
    """The proactive message as the chat's first line, its sender's message. It answers
    nothing: the response clock starts at the visitor's message after it (metrics/record.py
    counts an agent's message with nobody waiting as no response)."""
    line = await proactive_service.opening_line(session, inbox=inbox, message_id=message_id)
    if line is None:
        return
    await append_event(
        session,
        chat=chat,
        type=ChatEventType.message_added,
        author=agent_author(line.sender),
        text=line.text,
        data=ProactiveLine(proactive_message_id=line.message_id),
    )
    await proactive_service.count_started(session, message_id=line.message_id)


async def _started_with(
    session: AsyncSession, *, visitor: Visitor, client_msg_id: str
) -> Chat | None:
    return await session.scalar(
        select(Chat)
        .join(ChatEvent, ChatEvent.chat_id == Chat.id)
        .where(
            Chat.visitor_id == visitor.id,
            ChatEvent.client_msg_id == client_msg_id,
            ChatEvent.type == ChatEventType.message_added,
        )
        .limit(1)
    )


# What a light agent hears when they try to take a chat (users/light_agents.py).
LIGHT_AGENT_CHATS = (
    "Light agents cannot take chats; they read the transcript once the chat is a ticket and add "
    "private notes."
)


async def join_chat(session: AsyncSession, *, chat: Chat, agent: User) -> Chat:
    ensure_full_agent(agent, message=LIGHT_AGENT_CHATS)
    chat = await lock_chat(session, chat=chat)
    if chat.state is ChatState.ended:
        raise ChatEnded
    participant = await session.get(ChatParticipant, (chat.id, agent.id))
    if participant is not None and participant.left_at is None:
        return chat  # joining twice is harmless
    invitation = await session.scalar(
        select(ChatInvitation).where(
            ChatInvitation.chat_id == chat.id, ChatInvitation.invitee_id == agent.id
        )
    )
    if chat.state is ChatState.active and invitation is None:
        # The true reason, whoever asks: the agents answering it now, and whether the asker was
        # one of them before (they left, or handed it over), not "a moment ago" in every case.
        answering = list(
            await session.scalars(
                select(User.name)
                .join(ChatParticipant, ChatParticipant.user_id == User.id)
                .where(ChatParticipant.chat_id == chat.id, ChatParticipant.left_at.is_(None))
                .order_by(ChatParticipant.joined_at, User.id)
            )
        )
        if not answering:
            raise NotInvited()
        raise AlreadyJoined(answering, left_it=participant is not None)
    offer = (
        await offering.open_offer(session, chat_id=chat.id)
        if chat.state is ChatState.waiting
        else None
    )
    if offer is not None and offer.user_id != agent.id:
        offered_to = await session.get(User, offer.user_id)
        raise OfferedToAnother(offered_to.name if offered_to else "another agent")
    # The agent row lock serialises one agent's joins, so two at once cannot both fit.
    agent = await lock_agent(session, user=agent)
    if not agent.available_for_chat:
        raise NotOnline
    if not await has_capacity(session, user=agent):
        raise AtCapacity(agent.max_concurrent_chats)
    now = utcnow()
    if participant is None:
        session.add(
            ChatParticipant(
                chat_id=chat.id, user_id=agent.id, joined_at=now, read_seq=chat.last_seq
            )
        )
    else:
        participant.left_at, participant.joined_at = None, now
        participant.read_seq = chat.last_seq
    was_waiting = chat.state is ChatState.waiting
    if was_waiting:
        chat.state, chat.answered_at = ChatState.active, now
    if offer is not None:
        await offering.close_offer(session, offer=offer, outcome=OfferOutcome.accepted, now=now)
    transferred_from: User | None = None
    if invitation is not None:
        if invitation.kind is InvitationKind.transfer:
            transferred_from = await session.get(User, invitation.inviter_id)
        await session.delete(invitation)
    await session.flush()
    await metrics.chat_joined(
        session,
        chat=chat,
        user_id=agent.id,
        at=now,
        was_waiting=was_waiting,
        transferred=transferred_from is not None,
    )
    await append_event(
        session,
        chat=chat,
        type=ChatEventType.joined,
        author=SYSTEM,
        data=ChatJoined(user=user_ref(agent), chat=chat_summary(chat)),
    )
    if transferred_from is not None:
        await _leave(session, chat=chat, user=transferred_from, transferred_to=agent)
    if was_waiting:
        others = [
            uid for uid in await offer_targets(session, inbox_id=chat.inbox_id) if uid != agent.id
        ]
        publish_to_agents(
            session,
            LiveEvent.withdrawn,
            user_ids=others,
            data=ChatWithdrawn(chat_id=chat.id, reason="joined"),
        )
    publish_to_agents(
        session, LiveEvent.chat_bar_changed, user_ids=[agent.id], data=ChatBarChanged()
    )
    return chat


async def invite_to_chat(
    session: AsyncSession, *, chat: Chat, inviter: User, invitee: User, kind: InvitationKind
) -> ChatInvitation:
    chat = await lock_chat(session, chat=chat)
    if chat.state is ChatState.ended:
        raise ChatEnded
    await ensure_participant(session, chat=chat, user_id=inviter.id)
    if invitee.id == inviter.id:
        raise Invalid("user_id", "You are already in this chat.")
    if invitee.is_light_agent:
        raise Invalid("user_id", f"{invitee.name} is a light agent: light agents take no chats.")
    if not invitee.is_active or not invitee.available_for_chat:
        raise InviteeNotOnline(invitee.name)
    if away_now(invitee, utcnow()):
        # Before the loop has made them unavailable (docs/chat.md, "Out of office").
        raise InviteeNotOnline(invitee.name, out_of_office=True)
    if not await inboxes_service.is_member(session, user=invitee, inbox_id=chat.inbox_id):
        raise Invalid("user_id", f"{invitee.name} is not a member of this chat's inbox.")
    current = await session.get(ChatParticipant, (chat.id, invitee.id))
    if current is not None and current.left_at is None:
        raise Invalid("user_id", f"{invitee.name} is already in this chat.")
    invitation = await session.scalar(
        select(ChatInvitation).where(
            ChatInvitation.chat_id == chat.id, ChatInvitation.invitee_id == invitee.id
        )
    )
    if invitation is None:
        invitation = ChatInvitation(
            chat_id=chat.id, inviter_id=inviter.id, invitee_id=invitee.id, kind=kind
        )
        session.add(invitation)
    else:
        invitation.kind, invitation.inviter_id = kind, inviter.id
    await session.flush()
    await append_event(
        session,
        chat=chat,
        type=ChatEventType.invited,
        author=agent_author(inviter),
        data=ChatInvited(user=user_ref(invitee), by=user_ref(inviter), kind=kind.value),
        visible_to_visitor=False,
    )
    publish_to_agents(
        session,
        LiveEvent.offered,
        user_ids=[invitee.id],
        data=ChatOffered(chat=chat_summary(chat), invitation=kind.value, by=user_ref(inviter)),
    )
    await notifications_service.chat_invited(
        session,
        chat_id=chat.id,
        inbox_id=chat.inbox_id,
        visitor_name=chat.visitor_name,
        invitee_id=invitee.id,
        inviter=inviter,
        invitation=kind.value,
    )
    return invitation


async def leave_chat(session: AsyncSession, *, chat: Chat, agent: User) -> Chat:
    chat = await lock_chat(session, chat=chat)
    if chat.state is ChatState.ended:
        raise ChatEnded
    await ensure_participant(session, chat=chat, user_id=agent.id)
    await _leave(session, chat=chat, user=agent, transferred_to=None)
    return chat


async def leave_inbox_chats(session: AsyncSession, *, inbox_id: int, user: User) -> int:
    """An agent taken out of an inbox is taken out of its live chats too: they may no longer
    read or write there. They leave a chat a colleague is in; a chat they were alone in ends
    (its ticket unassigned, for the inbox to pick up), since nobody is left to answer it. Admins
    see every inbox, so lose no chat. Answers how many chats they were taken out of."""
    if user.is_admin:
        return 0
    chats = (
        await session.scalars(
            select(Chat)
            .join(ChatParticipant, ChatParticipant.chat_id == Chat.id)
            .where(Chat.inbox_id == inbox_id, queries.ongoing(), queries.present(user.id))
            .order_by(Chat.id)
        )
    ).all()
    for chat in chats:
        locked = await lock_chat(session, chat=chat)
        if locked.state is ChatState.ended:
            continue
        try:
            await _leave(session, chat=locked, user=user, transferred_to=None)
        except LastParticipant:
            await end_chat(session, chat=locked, agent=None, reason=EndReason.agent)
    await session.execute(
        delete(ChatInvitation).where(
            ChatInvitation.invitee_id == user.id,
            # From the agent's invitations, not from every chat the inbox ever had.
            exists().where(Chat.id == ChatInvitation.chat_id, Chat.inbox_id == inbox_id),
        )
    )
    return len(chats)


async def _leave(
    session: AsyncSession, *, chat: Chat, user: User, transferred_to: User | None
) -> None:
    present = (
        await session.scalar(
            select(func.count()).where(
                ChatParticipant.chat_id == chat.id, ChatParticipant.left_at.is_(None)
            )
        )
        or 0
    )
    if present <= 1:
        raise LastParticipant
    await session.execute(
        update(ChatParticipant)
        .where(ChatParticipant.chat_id == chat.id, ChatParticipant.user_id == user.id)
        .values(left_at=utcnow())
    )
    # Invitations the leaver sent as a transfer would pull them out again later: drop them.
    invitee_ids = (
        await session.scalars(
            delete(ChatInvitation)
            .where(
                ChatInvitation.chat_id == chat.id,
                ChatInvitation.inviter_id == user.id,
                ChatInvitation.kind == InvitationKind.transfer,
            )
            .returning(ChatInvitation.invitee_id)
        )
    ).all()
    if invitee_ids:
        invitees = await session.scalars(
            select(User).where(User.id.in_(invitee_ids)).order_by(User.id)
        )
        for invitee in invitees.all():
            await append_event(
                session,
                chat=chat,
                type=ChatEventType.invitation_cancelled,
                author=SYSTEM,
                data=InvitationCancelled(user=user_ref(invitee)),
                visible_to_visitor=False,
            )
    await append_event(
        session,
        chat=chat,
        type=ChatEventType.left,
        author=SYSTEM,
        data=ChatLeft(
            user=user_ref(user),
            transferred_to=user_ref(transferred_to) if transferred_to else None,
        ),
    )
    publish_to_agents(
        session, LiveEvent.chat_bar_changed, user_ids=[user.id], data=ChatBarChanged()
    )


async def label_chat(
    session: AsyncSession, *, chat: Chat, agent: User, names: Sequence[str]
) -> list[Label]:
    chat = await lock_chat(session, chat=chat)
    if chat.state is ChatState.ended:
        raise ChatEnded
    await ensure_participant(session, chat=chat, user_id=agent.id)
    labels = await labels_service.resolve_labels(session, names=names)
    await session.execute(delete(chat_labels).where(chat_labels.c.chat_id == chat.id))
    if labels:
        await session.execute(
            insert(chat_labels), [{"chat_id": chat.id, "label_id": label.id} for label in labels]
        )
    await append_event(
        session,
        chat=chat,
        type=ChatEventType.labelled,
        author=agent_author(agent),
        data=ChatLabelled(labels=[label.name for label in labels]),
        visible_to_visitor=False,
    )
    return labels


async def set_typing(session: AsyncSession, *, chat: Chat, author: Author, typing: bool) -> None:
    """Tells the others that someone is typing. Only those in the chat type in it: its visitor
    and its agents; an agent outside it (who may still see it) is refused."""
    if author.user_id is not None:
        await ensure_participant(session, chat=chat, user_id=author.user_id)
    if chat.state is ChatState.ended:
        return
    data = ChatTyping(
        chat_id=chat.id,
        author=AuthorRef(kind=author.kind.value, id=author.user_id, name=author.name),
        typing=typing,
    )
    if author.kind is not AuthorKind.visitor:
        publish_to_visitor(session, LiveEvent.typing, visitor_id=chat.visitor_id, data=data)
    publish_to_followers(session, LiveEvent.typing, chat_id=chat.id, data=data)


async def end_visitor_chat(session: AsyncSession, *, visitor: Visitor, chat_id: int) -> Ticket:
    """The visitor is done. A chat nobody answered yet ends unanswered (they gave up waiting, as
    when they leave the site); an answered one as its agent's end would, closed and theirs."""
    chat = await lock_chat(
        session, chat=await get_visitor_chat(session, visitor=visitor, chat_id=chat_id)
    )
    if chat.state is ChatState.ended:
        raise ChatEnded
    reason = EndReason.unanswered if chat.state is ChatState.waiting else EndReason.visitor
    return await end_chat(session, chat=chat, agent=None, reason=reason)


async def end_chat(
    session: AsyncSession,
    *,
    chat: Chat,
    agent: User | None,
    reason: EndReason,
    transcript: bool = True,
) -> Ticket:
    """Ends the chat and creates its one ticket; a second end finds it ended and is refused.
    `transcript` False: the customer is mailed nothing (a blocked visitor, spam/visitors.py)."""
    chat = await lock_chat(session, chat=chat)
    if chat.state is ChatState.ended:
        raise ChatEnded
    if agent is not None:
        await ensure_participant(session, chat=chat, user_id=agent.id)
    was_waiting = chat.state is ChatState.waiting
    # The agents still in it, the longest first: told that their bar changed. Whose the ticket
    # is: the agent who ended it; when the visitor did, the one in it the longest.
    present = [
        user
        for participant, user in await participants(session, chat=chat)
        if participant.left_at is None
    ]
    answerer = (present[0] if present else None) if reason is EndReason.visitor else agent
    now = utcnow()
    chat.state, chat.end_reason, chat.ended_at = ChatState.ended, reason, now
    chat.ended_by_id = agent.id if agent else None
    ticket, emailed = await ticket_for(
        session, chat=chat, agent=answerer, reason=reason, transcript=transcript
    )
    chat.ticket_id = ticket.id
    await session.flush()
    await metrics.chat_ended(
        session,
        chat=chat,
        ticket=ticket,
        user_id=answerer.id if answerer else None,
        answered=not was_waiting,
        closed=ticket.closed_at is not None,
        at=now,
    )
    await append_event(
        session,
        chat=chat,
        type=ChatEventType.ended,
        author=SYSTEM,
        data=ChatEndedData(
            reason=reason.value,
            by=user_ref(agent) if agent else None,
            ticket_id=ticket.id,
            transcript_emailed=emailed,
            reply_by_email=bool(chat.visitor_email),
        ),
    )
    await session.execute(delete(ChatInvitation).where(ChatInvitation.chat_id == chat.id))
    publish_to_agents(
        session,
        LiveEvent.chat_bar_changed,
        user_ids=[user.id for user in present],
        data=ChatBarChanged(),
    )
    if was_waiting:
        told = await offer_targets(session, inbox_id=chat.inbox_id)
        offer = await offering.open_offer(session, chat_id=chat.id)
        if offer is not None:
            await offering.close_offer(
                session, offer=offer, outcome=OfferOutcome.withdrawn, now=now
            )
            told = sorted({*told, offer.user_id})
        publish_to_agents(
            session,
            LiveEvent.withdrawn,
            user_ids=told,
            data=ChatWithdrawn(chat_id=chat.id, reason="ended"),
        )
    return ticket
