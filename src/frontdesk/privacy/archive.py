r"""The export archive: one zip with everything about a customer (layout in docs/privacy.md).

README.txt                       what each file is
customer.json                    the customer, their addresses, merged records, visitors,
                                 ratings, and their messages on other customers' tickets
tickets/<id>.json                a ticket with its thread, files and ratings: what they wrote,
                                 what was written to them, notes about them; not other
                                 customers' messages merged in, nor mail of people copied on
                                 it that was not sent to them
chats/<id>.json                  a chat with its events (messages, joins, …) and files
mails/received/<id>.eml          each email received from them, as it arrived
mails/sent/<id>.json             each email sent to them (or copying them): sender,
                                 recipients, subject, text
files/tickets/<ticket id>/<file id>-<name>     files sent on a ticket (replies, chats)
files/chats/<chat id>/<file id>-<name>         files sent in a chat, and the visitor's uploads
                                               not sent yet
files/mails/<mail id>/<attachment id>-<name>   attachments of an email they sent
unverified/...                   chats in which a website visitor typed their address without
                                 the website proving it was them (not proven to be this
                                 person), with the tickets made of them and their files, laid
                                 out as above; unverified.json lists those visitors and records

File names are as sent, except for characters some systems cannot store (< > : " / \ | ? * and
control characters), which are _, and long names, shortened to 120 characters.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import IO, Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from frontdesk.chats.models import AuthorKind, Chat, ChatEvent, ChatFile, Visitor
from frontdesk.customers.models import Customer, CustomerContact
from frontdesk.db.session import release_before_waiting
from frontdesk.fields import values as field_values
from frontdesk.fields.models import FieldObject
from frontdesk.files.contents import FileStore
from frontdesk.files.models import StoredFile
from frontdesk.files.names import shortened
from frontdesk.kit.clock import utcnow
from frontdesk.mail.models import InboundMessage, MailAttachment, OutboxMessage
from frontdesk.organisations import queries as organisation_queries
from frontdesk.privacy.others import others_on
from frontdesk.privacy.scope import CustomerScope, chunks, names_any
from frontdesk.ratings.models import Rating
from frontdesk.spam.models import BlockedSender
from frontdesk.tickets.models import Ticket, TicketEntry

README = (__doc__ or "").split("\n\n", 1)[1]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return str(value)


def _json(data: Any) -> bytes:
    return json.dumps(data, default=_plain, ensure_ascii=False, indent=2).encode()


def _columns(row: Any, *skip: str) -> dict[str, Any]:
    return {
        column.key: getattr(row, column.key)
        for column in row.__table__.columns
        if column.key not in skip
    }


# What Windows refuses in a name (and the separators of every system): the archive must extract
# anywhere, and a name must stay in its folder.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def safe_name(name: str) -> str:
    """A file name that stays in its folder of the archive and extracts on every system, whatever
    the uploader called it; at most 120 characters, its extension kept."""
    cleaned = _UNSAFE.sub("_", name).strip(" .") or "file"
    return shortened(cleaned, 120)


async def _all(session: AsyncSession, statement: Any, column: Any, ids: Sequence[int]) -> list[Any]:
    rows: list[Any] = []
    for part in chunks(list(ids)):
        rows += (await session.scalars(statement.where(column.in_(part)))).all()
    return rows


async def write_archive(
    session: AsyncSession, *, scope: CustomerScope, store: FileStore, out: IO[bytes]
) -> None:
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        # Read from the store once the rows are read and the transaction is over: on SQLite a
        # transaction holds the process's one connection, and a bucket can be slow.
        pending: list[tuple[str, str]] = []

        async def add_file(path: str, key: str) -> str:
            pending.append((path, key))
            return path

        archive.writestr("README.txt", README)
        customers = await _all(session, select(Customer), Customer.id, scope.customer_ids)
        contacts = await _all(
            session, select(CustomerContact), CustomerContact.customer_id, scope.customer_ids
        )
        others = await others_on(session, scope)
        not_theirs = others.entry_ids
        unverified_chats = set(scope.unverified_chat_ids)
        unverified_tickets = set(scope.unverified_ticket_ids)
        unverified_customers = set(scope.unverified_customer_ids)
        chat_visitors = dict(
            (
                await session.execute(
                    select(Chat.id, Chat.visitor_id).where(Chat.id.in_(scope.chat_ids))
                )
            ).all()
        )
        proven_visitors = {
            visitor for chat, visitor in chat_visitors.items() if chat not in unverified_chats
        }
        visitors = await _all(session, select(Visitor), Visitor.id, scope.visitor_ids)
        # A visitor who only typed the address, and whose chats are all unproven, is listed
        # apart: maybe not this person.
        given = [
            visitor
            for visitor in visitors
            if not visitor.identity_verified and visitor.id not in proven_visitors
        ]
        visitors = [visitor for visitor in visitors if visitor not in given]
        ratings = await _all(
            session, select(Rating).order_by(Rating.id), Rating.customer_id, scope.customer_ids
        )
        elsewhere = await _all(
            session,
            select(TicketEntry).order_by(TicketEntry.id),
            TicketEntry.id,
            scope.foreign_entry_ids,
        )
        first = next(customer for customer in customers if customer.id == scope.customer_id)
        blocked = await session.scalars(
            select(BlockedSender)
            .where(BlockedSender.pattern.in_(sorted(scope.emails)))
            .order_by(BlockedSender.id)
        )
        # Custom field values, by label (a company, a birthday): what the desk records of them.
        customer_fields = await field_values.held_values(
            session, object=FieldObject.customer, ids=[first.id]
        )
        ticket_fields = await field_values.held_values(
            session, object=FieldObject.ticket, ids=scope.ticket_ids
        )
        # The company they belong to, by name (docs/privacy.md).
        organisations = await organisation_queries.names_by_id(
            session, ids=[first.organisation_id] if first.organisation_id else []
        )
        archive.writestr(
            "customer.json",
            _json(
                {
                    "exported_at": utcnow(),
                    "customer": _columns(first, "merged_into_id", "created_by_id")
                    | {"fields": customer_fields[first.id]}
                    | {"organisation": organisations.get(first.organisation_id or 0)},
                    "contacts": [
                        {"kind": contact.kind, "value": contact.value} for contact in contacts
                    ],
                    "merged_customers": [
                        _columns(customer, "created_by_id")
                        for customer in customers
                        if customer.id != first.id and customer.id not in unverified_customers
                    ],
                    "visitors": [_columns(visitor, "token_hash") for visitor in visitors],
                    "ratings": [_columns(rating) for rating in ratings],
                    "messages_on_other_tickets": [_columns(entry) for entry in elsewhere],
                    # Their addresses on the blocked senders list: what the desk decided about
                    # them (docs/privacy.md). Who blocked them is the desk's, not theirs.
                    "blocked_addresses": [
                        {"address": row.pattern, "blocked_at": row.created_at} for row in blocked
                    ],
                }
            ),
        )
        if unverified_chats or unverified_tickets or given:
            archive.writestr(
                "unverified.json",
                _json(
                    {
                        "about": "Someone gave this address in the website's chat without the "
                        "website proving it was them: these may not be this person.",
                        "visitors": [_columns(visitor, "token_hash") for visitor in given],
                        "customers": [
                            _columns(customer, "created_by_id")
                            for customer in customers
                            if customer.id in unverified_customers
                        ],
                    }
                ),
            )

        for ticket in await _all(
            session, select(Ticket).order_by(Ticket.id), Ticket.id, scope.ticket_ids
        ):
            prefix = "unverified/" if ticket.id in unverified_tickets else ""
            entries = [
                entry
                for entry in (
                    await session.scalars(
                        select(TicketEntry)
                        .where(TicketEntry.ticket_id == ticket.id)
                        .order_by(TicketEntry.created_at, TicketEntry.id)
                    )
                ).all()
                if entry.id not in not_theirs
            ]
            files = []
            for stored in (
                await session.scalars(
                    select(StoredFile)
                    # Sent (by a reply, or carried from a chat): an agent's upload waiting in a
                    # reply box is not part of the conversation.
                    .where(StoredFile.ticket_id == ticket.id, StoredFile.entry_id.is_not(None))
                    .order_by(StoredFile.id)
                )
            ).all():
                if stored.entry_id in not_theirs or stored.id in others.lent_files:
                    continue
                name = f"{stored.id}-{safe_name(stored.filename)}"
                path = f"{prefix}files/tickets/{ticket.id}/{name}"
                files.append(
                    _columns(stored, "key", "thumbnail_key", "client_id")
                    | {"archive_path": await add_file(path, stored.key)}
                )
            archive.writestr(
                f"{prefix}tickets/{ticket.id}.json",
                _json(
                    _columns(ticket)
                    | {
                        "fields": ticket_fields.get(ticket.id, {}),
                        "entries": [_columns(entry) for entry in entries],
                        "files": files,
                        "ratings": [
                            _columns(rating) for rating in ratings if rating.ticket_id == ticket.id
                        ],
                    }
                ),
            )

        for chat in await _all(session, select(Chat).order_by(Chat.id), Chat.id, scope.chat_ids):
            prefix = "unverified/" if chat.id in unverified_chats else ""
            events = (
                await session.scalars(
                    select(ChatEvent).where(ChatEvent.chat_id == chat.id).order_by(ChatEvent.seq)
                )
            ).all()
            files = []
            for chat_file in (
                await session.scalars(
                    select(ChatFile)
                    # Sent, and the visitor's own uploads not sent yet (theirs, whoever sees
                    # them); an agent's upload never sent is no part of it.
                    .where(
                        ChatFile.chat_id == chat.id,
                        or_(
                            ChatFile.event_id.is_not(None),
                            ChatFile.uploader_kind == AuthorKind.visitor,
                        ),
                    )
                    .order_by(ChatFile.id)
                )
            ).all():
                name = f"{chat_file.id}-{safe_name(chat_file.filename)}"
                path = f"{prefix}files/chats/{chat.id}/{name}"
                files.append(
                    _columns(chat_file, "key", "thumbnail_key", "client_id", "public_id")
                    | {"archive_path": await add_file(path, chat_file.key)}
                )
            archive.writestr(
                f"{prefix}chats/{chat.id}.json",
                _json(
                    _columns(chat)
                    | {"events": [_columns(event) for event in events], "files": files}
                ),
            )

        for mail in await _all(
            session,
            select(InboundMessage).options(undefer(InboundMessage.raw)).order_by(InboundMessage.id),
            InboundMessage.id,
            scope.inbound_ids,
        ):
            # Mail on their tickets from someone else (a person copied) is that person's: its
            # text is in the thread when it was sent to them too, its bytes are not theirs.
            if not (
                names_any(mail.from_address, scope.emails)
                or names_any(mail.envelope_from, scope.emails)
            ):
                continue
            archive.writestr(f"mails/received/{mail.id}.eml", mail.raw)
            for attachment in (
                await session.scalars(
                    select(MailAttachment)
                    .options(undefer(MailAttachment.content))
                    .where(MailAttachment.inbound_id == mail.id)
                    .order_by(MailAttachment.id)
                )
            ).all():
                archive.writestr(
                    f"files/mails/{mail.id}/{attachment.id}-{safe_name(attachment.filename)}",
                    attachment.content,
                )
        for sent in await _all(
            session,
            select(OutboxMessage).order_by(OutboxMessage.id),
            OutboxMessage.id,
            sorted({*scope.outbox_ids, *scope.copied_outbox_ids}),
        ):
            # Mail sent as another's message (a reply in a thread merged in) is theirs.
            if sent.entry_id in not_theirs:
                continue
            # A side conversation's mail went to someone else about them: that person's, not
            # theirs (docs/privacy.md).
            if (sent.data or {}).get("kind") == "side_conversation":
                continue
            archive.writestr(
                f"mails/sent/{sent.id}.json", _json(_columns(sent, "last_error", "headers"))
            )
        await release_before_waiting(session)
        for path, key in pending:
            try:
                archive.writestr(path, await store.read(key))
            except FileNotFoundError:
                archive.writestr(f"{path}.missing.txt", "This file's contents were not found.")
