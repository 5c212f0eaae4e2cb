"""Inboxes and their members."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from urllib.parse import urlsplit

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.audit import service as audit
from frontdesk.db.unique import flush_unique
from frontdesk.errors import Conflict, Invalid, NotFound
from frontdesk.inboxes import signatures
from frontdesk.inboxes.events import inbox_summary, record_inbox_updated
from frontdesk.inboxes.models import DEFAULT_UNANSWERED_TIMEOUT, Inbox, InboxMember
from frontdesk.inboxes.queries import visible_inbox_ids, visible_inboxes
from frontdesk.kit.clock import utcnow
from frontdesk.kit.ids import new_token
from frontdesk.realtime.catalogue import AccountEvent, MembershipChanged
from frontdesk.realtime.envelope import ALL_AGENTS, agent_topic
from frontdesk.realtime.publisher import record
from frontdesk.users.models import Role, User

UNSET = object()


def normalize_origin(origin: str) -> str:
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise Invalid("allowed_origins", f"{origin!r} is not an origin like https://shop.example")
    return f"{parts.scheme}://{parts.netloc.lower()}"


async def accepts_origin(session: AsyncSession, *, origin: str) -> bool:
    """Whether some inbox takes messenger requests from this website: one that lists it, or one
    that lists no origin at all and so takes any."""
    wanted = origin.rstrip("/").lower()
    lists = (await session.scalars(select(Inbox.allowed_origins))).all()
    return any(not allowed or wanted in allowed for allowed in lists)


async def list_inboxes(session: AsyncSession, *, user: User) -> Sequence[Inbox]:
    return (await session.scalars(visible_inboxes(user).order_by(Inbox.name, Inbox.id))).all()


async def get_inbox(session: AsyncSession, *, user: User, inbox_id: int) -> Inbox:
    inbox = await session.scalar(visible_inboxes(user).where(Inbox.id == inbox_id))
    if inbox is None:
        raise NotFound("No such inbox.")
    return inbox


async def get_inbox_by_public_key(session: AsyncSession, *, public_key: str) -> Inbox:
    inbox = await session.scalar(select(Inbox).where(Inbox.public_key == public_key))
    if inbox is None:
        raise NotFound("No such inbox.", code="unknown_inbox")
    return inbox


async def get_inbox_by_address(session: AsyncSession, *, address: str) -> Inbox | None:
    return await session.scalar(select(Inbox).where(Inbox.email_address == address.lower()))


async def get_inbox_by_id(session: AsyncSession, *, inbox_id: int) -> Inbox:
    """For system paths (timers, mail) that act without a user."""
    inbox = await session.get(Inbox, inbox_id)
    if inbox is None:
        raise NotFound("No such inbox.")
    return inbox


async def is_member(session: AsyncSession, *, user: User, inbox_id: int) -> bool:
    found = await session.scalar(
        visible_inboxes(user).where(Inbox.id == inbox_id).with_only_columns(Inbox.id)
    )
    return found is not None


async def create_inbox(
    session: AsyncSession,
    *,
    name: str,
    email_address: str | None = None,
    unanswered_timeout_seconds: int = DEFAULT_UNANSWERED_TIMEOUT,
    allowed_origins: Sequence[str] = (),
) -> Inbox:
    inbox = Inbox(
        name=name.strip(),
        email_address=email_address.strip().lower() if email_address else None,
        public_key=new_token("in_", 12),
        unanswered_timeout_seconds=unanswered_timeout_seconds,
        allowed_origins=[normalize_origin(origin) for origin in allowed_origins],
        messenger_settings={},
    )
    session.add(inbox)
    await _flush_unique_address(session, inbox)
    # Admins follow every inbox, so their sockets must learn about this one.
    _record_membership(session, inbox=inbox, user_ids=[ALL_AGENTS])
    return inbox


async def _flush_unique_address(session: AsyncSession, inbox: Inbox) -> None:
    # Read before the flush: rolling back the savepoint expires the inbox's attributes.
    address = inbox.email_address
    await flush_unique(
        session, taken=Conflict(f"Another inbox already uses {address}.", code="address_taken")
    )


# The messenger setting that shows agents what visitors type before they send it
# (chats/typing_preview.py). On unless an admin switched it off: an inbox saved before the
# setting existed shows it too (docs/chat.md, "Typing preview").
TYPING_PREVIEW = "typing_preview"


def shows_typing_preview(inbox: Inbox) -> bool:
    return inbox.messenger_settings.get(TYPING_PREVIEW) != "off"


# The messenger setting that reports each page view to the desk's live visitor list
# (visitors/service.py). Off unless an admin turned it on: every page view of the site then
# talks to us, which a site's privacy notice may have to say (docs/privacy.md, "Live visitors").
LIVE_VISITORS = "live_visitors"


def shows_live_visitors(inbox: Inbox) -> bool:
    return inbox.messenger_settings.get(LIVE_VISITORS) == "on"


async def update_inbox(
    session: AsyncSession,
    *,
    inbox: Inbox,
    name: str | None = None,
    email_address: str | object | None = UNSET,
    unanswered_timeout_seconds: int | None = None,
    allowed_origins: Sequence[str] | None = None,
    identity_secret: str | object | None = UNSET,
    require_identity: bool | None = None,
    messenger_settings: dict[str, str] | None = None,
    retention_days: int | object | None = UNSET,
    email_signature: str | object | None = UNSET,
) -> Inbox:
    before = inbox_summary(inbox)
    if name is not None:
        inbox.name = name.strip()
    if email_address is not UNSET:
        inbox.email_address = (
            email_address.strip().lower() if isinstance(email_address, str) else None
        )
    if unanswered_timeout_seconds is not None:
        inbox.unanswered_timeout_seconds = unanswered_timeout_seconds
    if allowed_origins is not None:
        inbox.allowed_origins = sorted({normalize_origin(origin) for origin in allowed_origins})
    if identity_secret is not UNSET:
        inbox.identity_secret = identity_secret if isinstance(identity_secret, str) else None
    if require_identity is not None:
        inbox.require_identity = require_identity
    if inbox.require_identity and not inbox.identity_secret:
        if require_identity:
            raise Invalid("require_identity", "Set an identity secret first.")
        # Otherwise every visitor would be refused: they can no longer prove who they are.
        raise Invalid(
            "identity_secret", "Turn off require_identity before removing the identity secret."
        )
    if messenger_settings is not None:
        if messenger_settings.get(TYPING_PREVIEW, "on") not in ("on", "off"):
            raise Invalid("messenger_settings", 'typing_preview is "on" or "off".')
        if messenger_settings.get(LIVE_VISITORS, "off") not in ("on", "off"):
            raise Invalid("messenger_settings", 'live_visitors is "on" or "off".')
        inbox.messenger_settings = dict(inbox.messenger_settings) | messenger_settings
    if retention_days is not UNSET:
        inbox.retention_days = retention_days if isinstance(retention_days, int) else None
    if email_signature is not UNSET:
        inbox.email_signature = signatures.cleaned(
            email_signature if isinstance(email_signature, str) else None
        )
    inbox.updated_at = utcnow()
    await _flush_unique_address(session, inbox)
    record_inbox_updated(session, before=before, inbox=inbox)
    return inbox


async def who_sees(
    session: AsyncSession, *, user_ids: Collection[int], inbox_id: int
) -> list[User]:
    """Those of these users, active, who see the inbox (its members, and every admin), in one
    statement whatever their number."""
    if not user_ids:
        return []
    members = select(InboxMember.user_id).where(InboxMember.inbox_id == inbox_id)
    return list(
        (
            await session.scalars(
                select(User)
                .where(
                    User.id.in_(list(user_ids)),
                    User.is_active,
                    or_(User.role.in_((Role.owner, Role.admin)), User.id.in_(members)),
                )
                .order_by(User.id)
            )
        ).all()
    )


async def list_members(session: AsyncSession, *, inbox: Inbox) -> Sequence[User]:
    return (
        await session.scalars(
            select(User)
            .join(InboxMember, InboxMember.user_id == User.id)
            .where(InboxMember.inbox_id == inbox.id)
            .order_by(User.name, User.id)
        )
    ).all()


def _record_membership(session: AsyncSession, *, inbox: Inbox, user_ids: list[str]) -> None:
    """Open desk sockets of these users re-read which inboxes they follow."""
    record(
        session,
        type=AccountEvent.membership_changed,
        topics=user_ids,
        data=MembershipChanged(inbox_id=inbox.id),
    )


async def add_member(session: AsyncSession, *, inbox: Inbox, user: User) -> None:
    exists = await session.get(InboxMember, (inbox.id, user.id))
    if exists is None:
        session.add(InboxMember(inbox_id=inbox.id, user_id=user.id))
        await session.flush()
        audit.record(
            session, action="inbox.member_added", target=inbox, changes={"member": user.email}
        )
        _record_membership(session, inbox=inbox, user_ids=[agent_topic(user.id)])


async def remove_member(session: AsyncSession, *, inbox: Inbox, user: User) -> None:
    removed = await session.execute(
        delete(InboxMember).where(InboxMember.inbox_id == inbox.id, InboxMember.user_id == user.id)
    )
    if getattr(removed, "rowcount", 0):
        audit.record(
            session, action="inbox.member_removed", target=inbox, changes={"member": user.email}
        )
    _record_membership(session, inbox=inbox, user_ids=[agent_topic(user.id)])


async def member_inbox_ids(session: AsyncSession, *, user: User) -> Sequence[int]:
    return (await session.scalars(visible_inbox_ids(user))).all()


async def seen_inbox_ids(
    session: AsyncSession, *, users: Collection[User]
) -> dict[int, set[int] | None]:
    """The inboxes each of these users sees, by user id, in one statement whatever their number:
    None for an admin, who sees every inbox, new ones too."""
    seen: dict[int, set[int] | None] = {user.id: None if user.is_admin else set() for user in users}
    members = sorted(user_id for user_id, inboxes in seen.items() if inboxes is not None)
    if members:
        rows = await session.execute(
            select(InboxMember.user_id, InboxMember.inbox_id).where(
                InboxMember.user_id.in_(members)
            )
        )
        for user_id, inbox_id in rows:
            inboxes = seen[user_id]
            if inboxes is not None:
                inboxes.add(inbox_id)
    return seen
