"""Tickets, their thread of entries, labels, and the counter behind friendly numbers."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, ForeignKey, Index, String, Table, Text, text, true
from sqlalchemy import inspect as inspect_row
from sqlalchemy.orm import Mapped, mapped_column, validates
from sqlalchemy.orm.base import NO_VALUE

from frontdesk.db.base import (
    IDS_NEVER_REUSED,
    Base,
    JSONType,
    Timestamped,
    enum_column,
    index_where_set,
)
from frontdesk.kit.clock import utcnow


class TicketType(enum.StrEnum):
    chat = "chat"
    email = "email"
    web = "web"


class TicketState(enum.StrEnum):
    open = "open"
    hold = "hold"
    snoozed = "snoozed"
    closed = "closed"
    # Junk mail and unwanted conversations: out of every other folder, out of SLAs, rules and
    # reports' resolutions, deleted after FRONTDESK_SPAM_RETENTION_DAYS (spam/, docs/desk.md).
    spam = "spam"


class EntryKind(enum.StrEnum):
    transcript = "transcript"
    reply = "reply"
    note = "note"
    # A line of the ticket's timeline: "Ada closed the ticket", "snoozed until …".
    event = "event"


class TicketPriority(enum.StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


class Direction(enum.StrEnum):
    inbound = "in"
    outbound = "out"


ticket_labels = Table(
    "ticket_labels",
    Base.metadata,
    Column("ticket_id", ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
    Column("label_id", ForeignKey("labels.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Counter(Base):
    """Named counters; `UPDATE … RETURNING` gives gap-tolerant unique numbers on both stores."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class Ticket(Timestamped, Base):
    __tablename__ = "tickets"
    # Each list the desk shows is one index range read in (updated_at, id) order, so a page
    # costs O(limit) at any depth; see docs/performance.md for the query each one serves.
    __table_args__ = (
        Index("ix_tickets_inbox_state_updated", "inbox_id", "state", "updated_at", "id"),
        Index("ix_tickets_inbox_updated", "inbox_id", "updated_at", "id"),
        Index("ix_tickets_state_updated", "state", "updated_at", "id"),
        Index("ix_tickets_assignee_state_updated", "assignee_id", "state", "updated_at", "id"),
        # Mine / Unassigned inside one inbox, and their folder counts (read from the index only).
        Index(
            "ix_tickets_assignee_state_inbox_updated",
            "assignee_id",
            "state",
            "inbox_id",
            "updated_at",
            "id",
        ),
        # Every inbox, any state: without it the newest page sorts the whole table.
        Index("ix_tickets_updated", "updated_at", "id"),
        # By age: the list sorted by creation, and the time-based rules' tickets created in the
        # state they wait in (rules/timed.py).
        Index("ix_tickets_created", "created_at", "id"),
        # A customer's tickets newest first; with the inbox and `shows_customer`, whether an
        # agent may see the customer is read from the index alone (customers/queries.visible_to,
        # migration 0096).
        Index(
            "ix_tickets_customer_updated_inbox",
            "customer_id",
            "updated_at",
            "inbox_id",
            "shows_customer",
        ),
        Index("ix_tickets_snoozed_until", "snoozed_until"),
        # SLA: the list sorted by the next due time and the "Breaching soon" folder (sla/).
        Index("ix_tickets_state_sla_due", "state", "sla_due_at", "id"),
        Index("ix_tickets_inbox_state_sla_due", "inbox_id", "state", "sla_due_at", "id"),
        # Filters by priority, with or without state, inbox and assignee: the saved views'
        # counts read only their matches from it (saved_views/service.py count_views).
        Index("ix_tickets_priority_state_inbox", "priority", "state", "inbox_id", "assignee_id"),
        # Deleting a ticket sets the tickets merged into it free: without it, each ticket a
        # retention pass deleted read every ticket.
        index_where_set("ix_tickets_merged_into", "merged_into_id"),
        # The list filtered by a custom status, and the check that none uses one to delete.
        index_where_set("ix_tickets_status", "status_id"),
        # A status's tickets by how long they have had it: the time-based rule "In a status
        # for… N hours" reads the ones that came of age (rules/timed.py, migration 0097).
        Index(
            "ix_tickets_status_changed",
            "status_id",
            "status_changed_at",
            "id",
            sqlite_where=text("status_id IS NOT NULL"),
            postgresql_where=text("status_id IS NOT NULL"),
        ),
        # An inbox's closed tickets by when they closed, oldest first: what retention deletes.
        # Only a closed ticket has a closing time.
        Index(
            "ix_tickets_inbox_closed",
            "inbox_id",
            "closed_at",
            "id",
            sqlite_where=text("closed_at IS NOT NULL"),
            postgresql_where=text("closed_at IS NOT NULL"),
        ),
        # Spam by when it was marked, oldest first: what emptying the Spam folder deletes.
        Index(
            "ix_tickets_spam",
            "spam_at",
            "id",
            sqlite_where=text("spam_at IS NOT NULL"),
            postgresql_where=text("spam_at IS NOT NULL"),
        ),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inboxes.id", ondelete="RESTRICT"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"))
    # Whether the ticket lets the agents of its inbox see its customer's record (customers/
    # queries.py). False when an agent filed it on the address of a customer they could not see:
    # typing an address must not open someone else's record.
    shows_customer: Mapped[bool] = mapped_column(default=True, server_default=true())
    subject: Mapped[str] = mapped_column(String(300))
    type: Mapped[TicketType] = mapped_column(enum_column(TicketType))
    state: Mapped[TicketState] = mapped_column(enum_column(TicketState), default=TicketState.open)
    priority: Mapped[TicketPriority] = mapped_column(
        enum_column(TicketPriority, length=10),
        default=TicketPriority.normal,
        server_default=TicketPriority.normal.value,
    )
    # The earliest due time of the ticket's running SLA targets (sla/service.py keeps it), here
    # so that the list sorts and filters by an index.
    sla_due_at: Mapped[datetime | None]
    snoozed_until: Mapped[datetime | None]
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None]
    # When it was marked spam (or arrived as spam); set exactly while the state is spam.
    spam_at: Mapped[datetime | None]
    # People copied on the conversation besides the customer: the Cc of the customer's mail and
    # of the agents' last reply, offered again on the next one (docs/email.md).
    cc: Mapped[list[str]] = mapped_column(JSONType, default=list, server_default="[]")
    # The customer's address the conversation is with: where their mail came from (the latest
    # one), where an agent's New ticket wrote, what a visitor gave the chat or form. Email
    # replies go there only while it is one of the ticket customer's addresses, else to their
    # primary (mail/outbound.py `recipient_for`). An erasure of whoever has it empties it.
    reply_address: Mapped[str | None] = mapped_column(String(320))
    # Set when this ticket was merged into another (tickets/merging.py): it is closed and its
    # thread lives there; mail that still names it continues the other one.
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL")
    )
    # A custom status of its state (statuses/), null for the state's plain one. Always of the
    # ticket's state: `_state_set` drops it when the state changes.
    status_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket_statuses.id", ondelete="SET NULL")
    )
    # When the ticket entered its status as shown: `status_id` changed (to another status, or
    # back to the plain one), or the state did (`_status_set`, `_state_set`), its creation
    # included; the ticket page's "since" (docs/desk.md, "Ticket statuses"). Null for an older
    # ticket whose state has not changed since (migration 0097 gave the tickets that had a
    # custom status their `updated_at`).
    status_changed_at: Mapped[datetime | None]

    @validates("state")
    def _state_set(self, _key: str, state: TicketState) -> TicketState:
        """The one rule of custom statuses, for every writer of the state (an agent, mail
        reopening it, a rule, a snooze, spam, a merge's undo): a status belongs to one state,
        so a change to another state leaves it. A status is set after its state
        (tickets/service.py `update_ticket`). An UPDATE statement that writes `state` bypasses
        this and says what it does with `status_id` itself (tickets/merging.py)."""
        before = inspect_row(self).attrs.state.loaded_value
        if before != state:
            self.status_id = None
            # Hold after Open is a new status as shown, custom statuses or not.
            self.status_changed_at = utcnow()
        return state

    @validates("status_id")
    def _status_set(self, _key: str, status_id: int | None) -> int | None:
        """Every change of the custom status restarts "In a status for…" (rules/timed.py). An
        UPDATE statement that writes `status_id` sets `status_changed_at` itself."""
        before = self.__dict__.get("status_id", inspect_row(self).attrs.status_id.loaded_value)
        if before is NO_VALUE or before is None:
            changed = status_id is not None
        else:
            changed = before != status_id
        if changed:
            self.status_changed_at = utcnow()
        return status_id


class TicketCount(Base):
    """How many tickets one inbox holds in one state with one assignee (0: unassigned), as of
    the last compaction (tickets/counts.py); the changes since are in `ticket_count_deltas`.
    Only the compaction writes here. Rows may hold 0 once their tickets are gone."""

    __tablename__ = "ticket_counts"
    # SQLite keeps the rows in the primary key's order: one inbox's counts are one contiguous read.
    __table_args__ = {"sqlite_with_rowid": False}

    inbox_id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(16), primary_key=True)
    assignee_id: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int]


class TicketCountDelta(Base):
    """+1 or -1 to a `ticket_counts` cell, written by triggers on `tickets` (migration 0037) in
    the transaction of every insert, delete (cascades included) and change of the inbox, state or
    assignee (`SET NULL` included). Appended, never updated: concurrent transactions that change
    tickets of one inbox take no lock in common, so they neither wait for each other nor
    deadlock. The counts loop moves them into `ticket_counts` every few seconds."""

    __tablename__ = "ticket_count_deltas"

    id: Mapped[int] = mapped_column(primary_key=True)
    inbox_id: Mapped[int]
    state: Mapped[str] = mapped_column(String(16))
    assignee_id: Mapped[int]
    n: Mapped[int]


class TicketEntry(Base):
    """One item of a ticket's thread: the chat transcript, an email in or out, a private note."""

    __tablename__ = "ticket_entries"
    __table_args__ = (
        Index("ix_ticket_entries_ticket_created", "ticket_id", "created_at", "id"),
        # Entries by age: the time-based rules' episodes that came of age (rules/timed.py).
        Index("ix_ticket_entries_created", "created_at"),
        # A customer's messages on other tickets, which an erasure deletes (privacy/scope.py).
        index_where_set("ix_ticket_entries_author_customer", "author_customer_id"),
        # Their mail by its sender, stored without an author (from an address only copied on
        # someone else's ticket): found by the address, not by reading every entry's data.
        index_where_set("ix_ticket_entries_sender", "sender"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[EntryKind] = mapped_column(enum_column(EntryKind))
    direction: Mapped[Direction] = mapped_column(enum_column(Direction, length=3))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str | None] = mapped_column(Text)
    # The RFC 5322 Message-ID of the email this entry was sent or received as.
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The address an incoming mail came from (`data["from_address"]`), lower-cased; None for
    # every other entry. Written with the entry (tickets/service.py `sender_of`), filled for
    # older rows by migration 0060.
    sender: Mapped[str | None] = mapped_column(String(998))


class MoveKind(enum.StrEnum):
    merge = "merge"
    # Not named `split`, which would hide str.split.
    split_out = "split"


class TicketMove(Base):
    """One merge or split: what it moved and what it changed, so that it can be undone exactly
    while `undo_until` has not passed (tickets/merging.py)."""

    __tablename__ = "ticket_moves"
    __table_args__ = (
        Index("ix_ticket_moves_source", "source_ticket_id"),
        Index("ix_ticket_moves_target", "target_ticket_id"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MoveKind] = mapped_column(enum_column(MoveKind))
    # A merge moves the source's thread into the target; a split moves entries of the source
    # into the target it creates.
    source_ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    target_ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    entry_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    file_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    # What the move changed besides the entries: labels it added, the tickets' earlier cc and
    # the source's earlier state.
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    undo_until: Mapped[datetime]
    undone_at: Mapped[datetime | None]


class TicketViewer(Base):
    """An agent's desk socket showing a ticket, and whether they are writing on it. Removed with
    the socket (chats/presence.py), so nobody lingers after a tab closes or a process dies."""

    __tablename__ = "ticket_viewers"

    connection_id: Mapped[str] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # "reply" or "note" while the agent writes one, else None.
    composing: Mapped[str | None] = mapped_column(String(10))
    since: Mapped[datetime] = mapped_column(default=utcnow)


class TicketViewersVersion(Base):
    """How many times a ticket's viewer list changed. Each change takes the next number, which the
    published list carries: a desk that hears two lists out of order keeps the higher one. The
    row is also the lock that makes two changes of one ticket's list take turns."""

    __tablename__ = "ticket_viewers_versions"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(BigInteger)
