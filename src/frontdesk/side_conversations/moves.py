"""Side conversations in a merge and its undo (tickets/merging.py): the merged ticket's side
conversations go to the kept ticket, and those same ones come back on undo (one started on the
kept ticket since stays there). A split moves none: they stay with the ticket split from; its
undo moves those of the split ticket to the original, as a merge of it (`merged`). Their
files (side_conversations/models.py `SideConversationFile`) go with them: each keeps the id of
the ticket it is read through and deleted with. Each ticket whose list changed is told
(`ticket.side_conversations_changed`, "moved", to its inbox), on which a desk that has it open
reads its side conversations again, as links are told of a move (links/moves.py)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.files.models import StoredFile
from frontdesk.mail.models import MailAttachment
from frontdesk.side_conversations import events
from frontdesk.side_conversations.models import SideConversation, SideConversationFile, SideMessage
from frontdesk.tickets.models import Ticket
from frontdesk.users.models import User


def _tell(session: AsyncSession, *, tickets: Sequence[Ticket], actor: User) -> None:
    """ "moved" to the inbox of each ticket, whose list is not what an open page shows."""
    for ticket in tickets:
        events.changed(session, ticket=ticket, side_conversation_id=None, change="moved", by=actor)


async def merged(
    session: AsyncSession, *, source: Ticket, target: Ticket, actor: User
) -> list[int]:
    """Moves the source's side conversations to the target (both locked by the merge); their
    ids, for undo."""
    ids = list(
        await session.scalars(
            select(SideConversation.id)
            .where(SideConversation.ticket_id == source.id)
            .order_by(SideConversation.id)
        )
    )
    if ids:
        await session.execute(
            update(SideConversation)
            .where(SideConversation.id.in_(ids))
            .values(ticket_id=target.id)
            .execution_options(synchronize_session=False)
        )
        await _files_follow(session, side_ids=ids, ticket_id=target.id)
        _tell(session, tickets=(source, target), actor=actor)
    return ids


async def unmerged(
    session: AsyncSession, *, side_ids: Sequence[int], source: Ticket, target: Ticket, actor: User
) -> None:
    """Gives the source back its side conversations still on the target."""
    if side_ids:
        back = list(
            await session.scalars(
                select(SideConversation.id).where(
                    SideConversation.id.in_(list(side_ids)),
                    SideConversation.ticket_id == target.id,
                )
            )
        )
        if not back:
            return
        await session.execute(
            update(SideConversation)
            .where(SideConversation.id.in_(back))
            .values(ticket_id=source.id)
            .execution_options(synchronize_session=False)
        )
        await _files_follow(session, side_ids=back, ticket_id=source.id)
        _tell(session, tickets=(source, target), actor=actor)


async def _files_follow(session: AsyncSession, *, side_ids: Sequence[int], ticket_id: int) -> None:
    """The files of those side conversations' messages, sent and received, moved to `ticket_id`:
    one sent on the kept ticket after the merge comes back with its side conversation too."""
    messages = select(SideMessage.id).where(SideMessage.side_conversation_id.in_(list(side_ids)))
    linked = SideConversationFile.side_message_id.in_(messages)
    await session.execute(
        update(StoredFile)
        .where(StoredFile.id.in_(select(SideConversationFile.file_id).where(linked)))
        .values(ticket_id=ticket_id)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(MailAttachment)
        .where(MailAttachment.id.in_(select(SideConversationFile.mail_attachment_id).where(linked)))
        .values(ticket_id=ticket_id)
        .execution_options(synchronize_session=False)
    )
