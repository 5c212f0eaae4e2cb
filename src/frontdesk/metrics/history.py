"""Moments of conversations that happened before moments were recorded, replayed from the stored
rows (chat events, ticket entries and their timeline lines), never from text: used once, by the
migration that created the tables (docs/reports.md, "History"). Their business seconds are not
replayed here (that migration's table has no such column): migration 0099 fills them for every
stored moment from the inboxes' calendars, as recording them live does."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, NamedTuple

from frontdesk.hours.service import ALWAYS_OPEN
from frontdesk.metrics import record
from frontdesk.metrics.models import Channel, ConversationClock, MetricMoment, MomentKind


class ChatRow(NamedTuple):
    id: int
    inbox_id: int
    started_at: datetime
    ticket_id: int | None


class ChatEventRow(NamedTuple):
    type: str
    author_kind: str
    author_user_id: int | None
    data: dict[str, Any]
    created_at: datetime


class TicketRow(NamedTuple):
    id: int
    inbox_id: int
    type: str
    created_at: datetime


class EntryRow(NamedTuple):
    kind: str
    direction: str
    author_user_id: int | None
    author_customer_id: int | None
    data: dict[str, Any]
    created_at: datetime


def _row(moment: MetricMoment) -> dict[str, Any]:
    return {
        "kind": moment.kind.value,
        "at": moment.at,
        "quarter": moment.quarter,
        "inbox_id": moment.inbox_id,
        "channel": moment.channel.value,
        "ticket_id": moment.ticket_id,
        "chat_id": moment.chat_id,
        "user_id": moment.user_id,
        "seconds": moment.seconds,
    }


def _user(data: dict[str, Any], key: str) -> int | None:
    ref = data.get(key)
    return int(ref["id"]) if isinstance(ref, dict) and "id" in ref else None


def replay_chat(
    chat: ChatRow, events: Iterable[ChatEventRow]
) -> tuple[ConversationClock, list[MetricMoment]]:
    clock = ConversationClock(
        chat_id=chat.id,
        ticket_id=chat.ticket_id,
        inbox_id=chat.inbox_id,
        channel=Channel.chat,
        started_at=chat.started_at,
    )
    out = [record._moment(clock, MomentKind.created, chat.started_at)]
    joined = False
    for event in events:
        at = event.created_at
        if event.type == "chat.message_added" and event.author_kind == "visitor":
            out.extend(m for m in [record._customer_wrote(clock, at)] if m)
        elif event.type == "chat.message_added" and event.author_user_id is not None:
            out.extend(record._agent_responded(clock, at, event.author_user_id, ALWAYS_OPEN))
        elif event.type == "chat.joined" and not joined:
            joined = True
            seconds = record._since(chat.started_at, at)
            user = _user(event.data, "user")
            out.append(
                record._moment(clock, MomentKind.chat_joined, at, user_id=user, seconds=seconds)
            )
        elif event.type == "chat.left" and _user(event.data, "transferred_to") is not None:
            user = _user(event.data, "transferred_to")
            out.append(record._moment(clock, MomentKind.chat_transferred, at, user_id=user))
        elif event.type == "chat.ended":
            seconds = record._since(chat.started_at, at)
            user = _user(event.data, "by")
            answered = event.data.get("reason") != "unanswered"
            kind = MomentKind.chat_ended if answered else MomentKind.chat_unanswered
            out.append(record._moment(clock, kind, at, user_id=user, seconds=seconds))
            if answered and user is not None:
                out.append(
                    record._moment(clock, MomentKind.solved, at, user_id=user, seconds=seconds)
                )
    return clock, out


def replay_ticket(
    ticket: TicketRow, entries: Iterable[EntryRow], clock: ConversationClock | None
) -> tuple[ConversationClock, list[MetricMoment]]:
    """A chat's ticket goes on with its chat's clock; any other ticket starts its own."""
    out: list[MetricMoment] = []
    entries = list(entries)
    closed = ticket.type == Channel.chat.value and clock is not None
    if clock is None:
        clock = ConversationClock(
            ticket_id=ticket.id,
            inbox_id=ticket.inbox_id,
            channel=Channel(ticket.type),
            started_at=ticket.created_at,
        )
        first = entries[0] if entries else None
        # Filed by an agent when its first entry is theirs; otherwise the customer opened it.
        filed_by = first.author_user_id if first and first.direction == "out" else None
        out.append(record._moment(clock, MomentKind.created, ticket.created_at, user_id=filed_by))
        if filed_by is None:
            out.extend(m for m in [record._customer_wrote(clock, ticket.created_at)] if m)
    else:
        # The chat's ticket: closed at the chat's end when an agent ended it.
        closed = any(
            e.kind == "transcript" and e.data.get("reason") != "unanswered" for e in entries
        )
    for entry in entries:
        at = entry.created_at
        if entry.kind == "reply" and entry.direction == "in":
            if entry.author_customer_id is not None and not entry.data.get("auto"):
                out.extend(m for m in [record._customer_wrote(clock, at)] if m)
        elif entry.kind == "reply" and entry.author_user_id is not None:
            if "forward_of" not in entry.data:
                out.extend(record._agent_responded(clock, at, entry.author_user_id, ALWAYS_OPEN))
        elif entry.kind == "event" and "state" in entry.data:
            now_closed = entry.data["state"] == "closed"
            if now_closed and not closed:
                seconds = record._since(clock.started_at, at)
                out.append(
                    record._moment(
                        clock,
                        MomentKind.solved,
                        at,
                        user_id=entry.author_user_id,
                        seconds=seconds,
                    )
                )
            elif closed and not now_closed:
                out.append(
                    record._moment(clock, MomentKind.reopened, at, user_id=entry.author_user_id)
                )
            closed = now_closed
    return clock, out


def clock_row(clock: ConversationClock) -> dict[str, Any]:
    return {
        "chat_id": clock.chat_id,
        "ticket_id": clock.ticket_id,
        "inbox_id": clock.inbox_id,
        "channel": clock.channel.value,
        "started_at": clock.started_at,
        "awaiting_since": clock.awaiting_since,
        "first_response_at": clock.first_response_at,
    }


def moment_rows(moments: Iterable[MetricMoment]) -> Iterator[dict[str, Any]]:
    return (_row(m) for m in moments)
