"""What notifies where when an agent chose nothing: the defaults, and their choices over them."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.errors import Invalid
from frontdesk.notifications.models import Channel, NotificationKind, NotificationPreference

# The bell and push for what is addressed to you; email only when you ask for it (a busy desk
# would flood an inbox). A waiting chat already rings in an open desk, so it only pushes: it is
# for agents with no desk tab open. `assigned` also covers its reverse, a ticket a move to
# another inbox took from you (notifications/service.py `unassigned_by_move`).
DEFAULTS: Mapping[NotificationKind, frozenset[Channel]] = {
    NotificationKind.assigned: frozenset({Channel.in_app, Channel.push}),
    NotificationKind.customer_replied: frozenset({Channel.in_app, Channel.push}),
    NotificationKind.mentioned: frozenset({Channel.in_app, Channel.push}),
    NotificationKind.chat_invited: frozenset({Channel.in_app, Channel.push}),
    NotificationKind.chat_waiting: frozenset({Channel.push}),
    NotificationKind.sla_breaching: frozenset({Channel.in_app, Channel.push}),
    # A reply of yours the customer never got: addressed to you, and often learnt after you left
    # the ticket (Undo send holds it for seconds), so as loud as an assignment.
    NotificationKind.reply_not_sent: frozenset({Channel.in_app, Channel.push}),
}

Matrix = dict[NotificationKind, dict[Channel, bool]]


async def channels_for(
    session: AsyncSession, *, user_ids: Collection[int], kind: NotificationKind
) -> dict[int, frozenset[Channel]]:
    """Each person's channels for one kind: the defaults with their choices applied."""
    chosen: dict[int, set[Channel]] = {uid: set(DEFAULTS[kind]) for uid in user_ids}
    if not user_ids:
        return {}
    rows = await session.execute(
        select(
            NotificationPreference.user_id,
            NotificationPreference.channel,
            NotificationPreference.enabled,
        ).where(
            NotificationPreference.user_id.in_(list(user_ids)),
            NotificationPreference.kind == kind.value,
        )
    )
    for user_id, channel, enabled in rows:
        if channel in Channel.__members__:
            (chosen[user_id].add if enabled else chosen[user_id].discard)(Channel(channel))
    return {uid: frozenset(channels) for uid, channels in chosen.items()}


async def get_matrix(session: AsyncSession, *, user_id: int) -> Matrix:
    matrix: Matrix = {
        kind: {channel: channel in DEFAULTS[kind] for channel in Channel} for kind in DEFAULTS
    }
    rows = await session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user_id)
    )
    for row in rows:
        if row.kind in NotificationKind.__members__ and row.channel in Channel.__members__:
            matrix[NotificationKind(row.kind)][Channel(row.channel)] = row.enabled
    return matrix


async def set_matrix(
    session: AsyncSession, *, user_id: int, choices: Mapping[str, Mapping[str, bool]]
) -> Matrix:
    """Replaces the person's choices; only those that differ from the default are stored, so a
    later change of a default reaches everyone who never chose."""
    for kind, channels in choices.items():
        if kind not in NotificationKind.__members__:
            raise Invalid("preferences", f"No notification is called {kind!r}.")
        for channel in channels:
            if channel not in Channel.__members__:
                raise Invalid("preferences", f"No channel is called {channel!r}.")
    await session.execute(
        delete(NotificationPreference).where(NotificationPreference.user_id == user_id)
    )
    current: Matrix = {kind: {ch: ch in DEFAULTS[kind] for ch in Channel} for kind in DEFAULTS}
    for kind_name, chosen in choices.items():
        for channel_name, enabled in chosen.items():
            current[NotificationKind(kind_name)][Channel(channel_name)] = enabled
    for kind, row in current.items():
        for channel, enabled in row.items():
            if enabled != (channel in DEFAULTS[kind]):
                session.add(
                    NotificationPreference(
                        user_id=user_id, kind=kind.value, channel=channel.value, enabled=enabled
                    )
                )
    await session.flush()
    return await get_matrix(session, user_id=user_id)
