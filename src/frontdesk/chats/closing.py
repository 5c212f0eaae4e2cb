"""What a chat leaves behind when it ends: its ticket (in which state, assigned to whom), and its
transcript, the one format of the conversation for the ticket and the customer's email."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats.attachments import CarriedFile, attach_carried, carry_to_ticket
from frontdesk.chats.events import (
    ChatEventType,
)
from frontdesk.chats.log import events_after
from frontdesk.chats.models import (
    AuthorKind,
    Chat,
    ChatEvent,
    EndReason,
)
from frontdesk.chats.reads import chat_label_names
from frontdesk.chats.visitors import visitor_of
from frontdesk.customers import service as customers_service
from frontdesk.inboxes import service as inboxes_service
from frontdesk.labels import service as labels_service
from frontdesk.mail import outbound as mail_outbound
from frontdesk.mail.words import ENGLISH, Wording, wording
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import Direction, EntryKind, Ticket, TicketState, TicketType
from frontdesk.users.models import User


@dataclass(frozen=True)
class TicketOutcome:
    """The state a chat's ticket starts in, and whose it is."""

    answered: bool
    state: TicketState
    assignee: User | None


def ticket_outcome(*, reason: EndReason, agent: User | None) -> TicketOutcome:
    """An answered chat (ended by its agent, or by the visitor, `agent` then being the one who
    answered) is the agent's ticket, closed, unless the customer writes again. A chat nobody
    answered stays open and unassigned, for the team to follow up."""
    if reason in (EndReason.agent, EndReason.visitor):
        return TicketOutcome(answered=True, state=TicketState.closed, assignee=agent)
    return TicketOutcome(answered=False, state=TicketState.open, assignee=None)


async def ticket_for(
    session: AsyncSession,
    *,
    chat: Chat,
    agent: User | None,
    reason: EndReason,
    transcript: bool = True,
) -> tuple[Ticket, bool]:
    visitor = await visitor_of(session, chat=chat)
    customer = await customers_service.find_or_create(
        session, email=chat.visitor_email, name=chat.visitor_name, verified=chat.visitor_verified
    )
    if visitor.attributes and (chat.visitor_verified or not customer.attributes):
        await customers_service.update_customer(
            session, customer=customer, attributes=visitor.attributes
        )
    inbox = await inboxes_service.get_inbox_by_id(session, inbox_id=chat.inbox_id)
    labels = await labels_service.resolve_labels(
        session, names=(await chat_label_names(session, chat_ids=[chat.id]))[chat.id]
    )
    outcome = ticket_outcome(reason=reason, agent=agent)
    events = await events_after(
        session, chat_id=chat.id, after_seq=0, for_visitor=False, limit=100_000
    )
    ticket = await tickets_service.create_ticket(
        session,
        inbox=inbox,
        customer=customer,
        subject=chat_subject(events),
        type=TicketType.chat,
        state=outcome.state,
        assignee=outcome.assignee,
        labels=labels,
        reply_address=chat.visitor_email,
    )
    carried = await carry_to_ticket(session, chat=chat, ticket_id=ticket.id)
    lines = transcript_lines(events, files=carried)
    entry = await tickets_service.add_entry(
        session,
        ticket=ticket,
        kind=EntryKind.transcript,
        direction=Direction.inbound,
        text="\n".join(line.plain() for line in lines),
        author_customer=customer,
        data={
            "chat_id": chat.id,
            "reason": reason.value,
            "lines": [line.as_dict() for line in lines],
            "email": chat.visitor_email,
            "verified": chat.visitor_verified,
        },
    )
    await attach_carried(session, carried=carried, entry_id=entry.id)
    emailed = transcript and await mail_outbound.queue_transcript(
        session,
        ticket=ticket,
        entry=entry,
        lines=lines,
        answered=outcome.answered,
        words=wording(chat.visitor_locale, chat.visitor_time_zone),
    )
    return ticket, emailed


def chat_subject(events: Sequence[ChatEvent]) -> str:
    """The ticket's subject: the first line of the visitor's first message."""
    for event in events:
        if event.type == ChatEventType.message_added and event.author_kind is AuthorKind.visitor:
            first_line = next((line for line in event.text.splitlines() if line.strip()), "")
            return first_line.strip()[:80] or "Live chat"
    return "Live chat"


@dataclass(frozen=True)
class TranscriptLine:
    """One line of a transcript, and every way it is written: the ticket's entry, its data for the
    desk, and the customer's email (text and HTML). The ticket's are in English and UTC, as
    the desk shows them; the email's in the visitor's language and on their clock (`words`)."""

    at: datetime
    kind: str  # visitor | agent | system
    author: str
    text: str
    # The files the message sent, now the ticket's, with the customer's link to each.
    files: tuple[CarriedFile, ...] = ()
    # A system line's key in mail/words.py ("joined", "left") and the name it is about: its
    # text again, in the visitor's words.
    what: str = ""
    who: str = ""

    @property
    def stamp(self) -> str:
        return self.at.strftime("%Y-%m-%d %H:%M UTC")

    def speaker(self, words: Wording) -> str:
        """Who the customer reads as the author: a name, or what they were to each other."""
        return self.author or words("you" if self.kind == "visitor" else "support")

    def said(self, words: Wording) -> str:
        return words(self.what, name=self.who) if self.what else self.text

    def plain(self) -> str:
        if self.kind == "system":
            return f"[{self.stamp}] {self.text}"
        names = "".join(f"\n  [file] {file.filename}" for file in self.files)
        return f"[{self.stamp}] {self.author}: {self.text}{names}"

    def as_dict(self) -> dict[str, Any]:
        line: dict[str, Any] = {
            "at": self.at.isoformat(),
            "kind": self.kind,
            "author": self.author,
            "text": self.text,
        }
        if self.files:
            line["files"] = [file.as_dict() for file in self.files]
        return line

    def email_text(self, words: Wording) -> str:
        when = words.stamp(self.at)
        if self.kind == "system":
            return f"[{when}] {self.said(words)}"
        links = "".join(
            f"\n{file.filename} ({words.size(file.size)}): {file.link}" for file in self.files
        )
        return f"[{when}] {self.speaker(words)}:\n{self.text}{links}"

    def email_html(self, words: Wording) -> str:
        when = escape(words.stamp(self.at))
        if self.kind == "system":
            said = escape(self.said(words))
            return f'<p style="color:#64748b;font-size:13px">{when} · {said}</p>'
        body = escape(self.text).replace("\n", "<br>")
        links = "".join(
            f'<p style="margin:4px 0 0">&#128206; <a href="{escape(file.link)}">'
            f"{escape(file.filename)}</a> "
            f'<span style="color:#64748b;font-size:12px">{words.size(file.size)}</span></p>'
            for file in self.files
        )
        return (
            f'<p style="margin:12px 0 2px"><strong>{escape(self.speaker(words))}</strong> '
            f'<span style="color:#64748b;font-size:12px">{when}</span></p>'
            f'<p style="margin:0">{body}</p>{links}'
        )


def transcript_lines(
    events: Sequence[ChatEvent], *, files: Mapping[int, Sequence[CarriedFile]] | None = None
) -> list[TranscriptLine]:
    """The conversation as the customer had it: every message with author and time, and who joined
    and left between them. What only agents saw (invitations, withdrawn invitations, labels) is
    not part of it, and a transfer reads as the join and the leave the customer saw: the ticket's
    transcript is the same text as the customer's email (docs/chat.md, "What the customer sees")."""
    lines: list[TranscriptLine] = []
    for event in events:
        if not event.visible_to_visitor:
            continue
        data = event.data
        match event.type:
            case ChatEventType.message_added:
                lines.append(
                    TranscriptLine(
                        event.created_at,
                        event.author_kind.value,
                        event.author_name,
                        event.text,
                        tuple((files or {}).get(event.id, ())),
                    )
                )
                continue
            case ChatEventType.joined:
                what = "joined"
            case ChatEventType.left:
                what = "left"
            case _:
                continue
        who = data["user"]["name"]
        text = ENGLISH(what, name=who)
        lines.append(TranscriptLine(event.created_at, "system", "", text, what=what, who=who))
    return lines
