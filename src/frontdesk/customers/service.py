"""Customers: lookup by contact, search, edit, merge."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.customers import changes
from frontdesk.customers.models import ContactKind, Customer, CustomerContact
from frontdesk.customers.queries import CUSTOMER_EMAILS, visible_customers
from frontdesk.errors import Conflict, Invalid, NotFound
from frontdesk.fields import events as field_events
from frontdesk.fields import values as field_values
from frontdesk.fields.models import FieldObject
from frontdesk.kit import cursors
from frontdesk.kit.clock import utcnow
from frontdesk.kit.schemas import MAX_ID
from frontdesk.kit.text import normalize_email
from frontdesk.organisations import queries as organisation_queries
from frontdesk.privacy.models import Erasure, ErasureKind
from frontdesk.search import queries as search_queries
from frontdesk.search import reader as search_reader
from frontdesk.search import terms as search_terms
from frontdesk.tickets.models import Ticket
from frontdesk.users.models import User

MAX_ATTRIBUTES = 100
# A query that is a phone number as people write one: digits, spaces, + - ( ) . /
_PHONE = re.compile(r"[\d\s+()./-]+")


def normalize_contact(kind: ContactKind, value: str) -> str:
    value = value.strip()
    if kind is ContactKind.email:
        return normalize_email(value)
    return "".join(ch for ch in value if ch.isdigit() or ch == "+")


async def get_customer(session: AsyncSession, *, user: User, customer_id: int) -> Customer:
    customer = await session.scalar(visible_customers(user).where(Customer.id == customer_id))
    if customer is None:
        raise NotFound("No such customer.")
    return customer


async def visible_ids(
    session: AsyncSession, *, user: User, customer_ids: Collection[int]
) -> set[int]:
    """Which of these customers `user` may see (tickets show the others without their record)."""
    if not customer_ids:
        return set()
    if user.is_admin:
        return set(customer_ids)
    found = await session.scalars(
        visible_customers(user).with_only_columns(Customer.id).where(Customer.id.in_(customer_ids))
    )
    return set(found)


async def get_customer_by_id(session: AsyncSession, *, customer_id: int) -> Customer:
    """For system paths; follows merges so old references land on the surviving customer."""
    customer = await session.get(Customer, customer_id)
    while customer is not None and customer.merged_into_id is not None:
        customer = await session.get(Customer, customer.merged_into_id)
    if customer is None:
        raise NotFound("No such customer.")
    return customer


class Addresses(NamedTuple):
    """A customer (after merges), their email addresses, and whether they are verified."""

    customer_id: int
    emails: frozenset[str]
    verified: bool


async def emails_of(session: AsyncSession, *, customer_id: int) -> Addresses:
    """For system paths: the customer behind an id, following merges like get_customer_by_id,
    and their email addresses, without loading either as objects."""
    found = await emails_of_many(session, customer_ids=[customer_id])
    if customer_id not in found:
        raise NotFound("No such customer.")
    return found[customer_id]


async def emails_of_many(
    session: AsyncSession, *, customer_ids: Collection[int]
) -> dict[int, Addresses]:
    """`emails_of` for several customers with one query (and one more per merged customer);
    ids of no customer are left out."""
    if not customer_ids:
        return {}
    rows = await session.execute(CUSTOMER_EMAILS, {"p_customers": list(customer_ids)})
    merged_into: dict[int, int | None] = {}
    verified: dict[int, bool] = {}
    emails: dict[int, set[str]] = {}
    for customer_id, merged_into_id, is_verified, value in rows:
        merged_into[customer_id] = merged_into_id
        verified[customer_id] = bool(is_verified)
        addresses = emails.setdefault(customer_id, set())
        if value is not None:
            addresses.add(value)
    found: dict[int, Addresses] = {}
    for customer_id, merged_into_id in merged_into.items():
        if merged_into_id is None:
            found[customer_id] = Addresses(
                customer_id, frozenset(emails[customer_id]), verified[customer_id]
            )
        else:
            found[customer_id] = await emails_of(session, customer_id=merged_into_id)
    return found


async def mark_verified(session: AsyncSession, *, customer_id: int) -> None:
    """The customer's address was proven (mail came from it, an agent replied to it). Nobody
    edited the record, so it keeps its `updated_at`; it is still a change of the customer that
    webhooks tell."""
    result = await session.execute(
        update(Customer)
        .where(Customer.id == customer_id, Customer.verified.is_(False))
        .values(verified=True, updated_at=Customer.updated_at)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount:  # type: ignore[attr-defined]
        changes.remember_values(session, customer_id=customer_id, values={"verified": False})
        changes.updated(session, customer_id=customer_id)


async def find_by_email(session: AsyncSession, *, email: str) -> Customer | None:
    return await session.scalar(
        select(Customer)
        .join(CustomerContact, CustomerContact.customer_id == Customer.id)
        .where(
            CustomerContact.kind == ContactKind.email,
            CustomerContact.value == normalize_contact(ContactKind.email, email),
        )
    )


async def find_or_create(
    session: AsyncSession, *, email: str | None, name: str | None, verified: bool
) -> Customer:
    """The customer behind an email address, created on first contact (none without an email).

    `verified` says the address is proven (mail came from it, the website signed it, an agent
    gave it), which makes its customer verified too. An address someone only typed never leads
    to a verified customer: that claim gets a new unverified customer of its own, without the
    address, which stays with its owner.
    """
    if email:
        customer = await find_by_email(session, email=email)
        if customer is not None and (verified or not customer.verified):
            gains_name = bool(name and name.strip() and not customer.name)
            if gains_name or (verified and not customer.verified):
                await changes.remember(session, customer, "verified", "name")
                changes.updated(session, customer_id=customer.id)
            customer.verified = customer.verified or verified
            if name and not customer.name:
                customer.name = name.strip()
            return customer
        if customer is not None:
            return await create_customer(session, name=name or "", created_by=None, verified=False)
    return await create_customer(
        session,
        name=name or "",
        emails=[email] if email else [],
        created_by=None,
        verified=verified,
    )


async def customer_for_ticket(
    session: AsyncSession, *, user: User, customer_id: int | None, email: str | None, name: str
) -> Customer:
    """The customer an agent files a ticket on: by id, one they may see; by address, whoever has
    it (someone they cannot see is found, never written to), or a new customer of theirs."""
    if customer_id is not None:
        named = await get_customer(session, user=user, customer_id=customer_id)
        if email is not None and await find_by_email(session, email=email) is not named:
            raise Invalid(
                "customer.email",
                "This address is not one of this customer's: give their id or an address, not "
                "both, or add the address to the customer first.",
            )
        return named
    if email is None:
        raise Invalid("customer", "Give the customer's id or email.")
    customer = await find_by_email(session, email=email)
    if customer is None:
        return await create_customer(
            session, name=name, emails=[email], created_by=user, verified=True
        )
    if (
        name
        and name.strip()
        and not customer.name
        and await visible_ids(session, user=user, customer_ids=[customer.id])
    ):
        await changes.remember(session, customer, "name")
        changes.updated(session, customer_id=customer.id)
        customer.name = name.strip()
    return customer


async def names_by_id(session: AsyncSession, *, customer_ids: Sequence[int]) -> dict[int, str]:
    if not customer_ids:
        return {}
    rows = await session.execute(
        select(Customer.id, Customer.name).where(Customer.id.in_(set(customer_ids)))
    )
    return dict(rows.all())


async def primary_emails_by_id(
    session: AsyncSession, *, customer_ids: Sequence[int]
) -> dict[int, str]:
    """Each customer's primary address (their first, as `primary_email`), in one statement
    whatever their number; a customer without one is left out."""
    if not customer_ids:
        return {}
    first = (
        select(func.min(CustomerContact.id))
        .where(
            CustomerContact.customer_id.in_(set(customer_ids)),
            CustomerContact.kind == ContactKind.email,
        )
        .group_by(CustomerContact.customer_id)
    )
    rows = await session.execute(
        select(CustomerContact.customer_id, CustomerContact.value).where(
            CustomerContact.id.in_(first)
        )
    )
    return dict(rows.all())


async def list_contacts(
    session: AsyncSession, *, customer_ids: Sequence[int]
) -> dict[int, list[CustomerContact]]:
    contacts: dict[int, list[CustomerContact]] = {customer_id: [] for customer_id in customer_ids}
    if not customer_ids:
        return contacts
    rows = await session.scalars(
        select(CustomerContact)
        .where(CustomerContact.customer_id.in_(customer_ids))
        .order_by(CustomerContact.id)
    )
    for contact in rows:
        contacts[contact.customer_id].append(contact)
    return contacts


async def primary_email(session: AsyncSession, *, customer: Customer) -> str | None:
    return await session.scalar(
        select(CustomerContact.value)
        .where(
            CustomerContact.customer_id == customer.id, CustomerContact.kind == ContactKind.email
        )
        .order_by(CustomerContact.id)
        .limit(1)
    )


async def create_customer(
    session: AsyncSession,
    *,
    name: str,
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    attributes: dict[str, Any] | None = None,
    notes: str = "",
    created_by: User | None,
    verified: bool,
) -> Customer:
    customer = Customer(
        name=name.strip(),
        attributes=_checked_attributes(attributes or {}),
        notes=notes,
        created_by_id=created_by.id if created_by else None,
        verified=verified,
    )
    session.add(customer)
    await session.flush()
    for kind, values in ((ContactKind.email, emails), (ContactKind.phone, phones)):
        await _set_contacts(
            session, customer=customer, kind=kind, values=values, shown_to=created_by
        )
    if emails:
        # The company of their address's domain, if one has it (docs/desk.md, "Organisations").
        customer.organisation_id = await organisation_queries.organisation_of_addresses(
            session, addresses=[normalize_contact(ContactKind.email, e) for e in emails if e]
        )
    changes.created(session, customer_id=customer.id)
    return customer


def _checked_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    if len(attributes) > MAX_ATTRIBUTES:
        raise Invalid("attributes", f"At most {MAX_ATTRIBUTES} attributes.")
    for key, value in attributes.items():
        if not isinstance(value, str | int | float | bool) and value is not None:
            raise Invalid(f"attributes.{key}", "Attribute values are text, numbers or booleans.")
    return attributes


class ContactTaken(Conflict):
    """An address or phone of another customer. Whoever that is, the message names no one;
    `customer_id` names them to an agent who may see them (so that a script can find or
    create), and is left out otherwise."""

    code = "contact_taken"

    def __init__(self, kind: ContactKind, value: str, *, customer_id: int | None) -> None:
        super().__init__(
            f"The {kind.value} {value} already belongs to another customer. If they are the "
            "same person, merge the two customers (an owner or admin can, if you cannot see "
            "the other)."
        )
        self.customer_id = customer_id

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        if self.customer_id is not None:
            body["customer_id"] = self.customer_id
        return body


async def _owner_shown(
    session: AsyncSession, *, kind: ContactKind, value: str, user: User | None
) -> int | None:
    """The customer who has this contact, when `user` may see them."""
    if user is None:
        return None
    owner = await session.scalar(
        select(CustomerContact.customer_id).where(
            CustomerContact.kind == kind, CustomerContact.value == value
        )
    )
    if owner is None or not await visible_ids(session, user=user, customer_ids=[owner]):
        return None
    return int(owner)


async def _set_contacts(
    session: AsyncSession,
    *,
    customer: Customer,
    kind: ContactKind,
    values: Sequence[str],
    shown_to: User | None = None,
) -> None:
    wanted = list(dict.fromkeys(normalize_contact(kind, value) for value in values if value))
    if "" in wanted:
        # "(--)" passes the phone pattern but has no digits: stored, it would be one shared "".
        raise Invalid(
            f"{kind.value}s",
            "A phone number needs at least one digit."
            if kind is ContactKind.phone
            else "An email address cannot be blank.",
        )
    await session.execute(
        delete(CustomerContact).where(
            CustomerContact.customer_id == customer.id,
            CustomerContact.kind == kind,
            CustomerContact.value.not_in(wanted),
        )
    )
    present = set(
        (
            await session.scalars(
                select(CustomerContact.value).where(
                    CustomerContact.customer_id == customer.id, CustomerContact.kind == kind
                )
            )
        ).all()
    )
    for value in wanted:
        if value in present:
            continue
        try:
            # Added inside the savepoint, so that its rollback takes the contact out of the
            # session again: the owner's lookup below must not flush it a second time.
            async with session.begin_nested():
                session.add(CustomerContact(customer_id=customer.id, kind=kind, value=value))
                await session.flush()
        except IntegrityError:
            owner = await _owner_shown(session, kind=kind, value=value, user=shown_to)
            raise ContactTaken(kind, value, customer_id=owner) from None


async def update_customer(
    session: AsyncSession,
    *,
    customer: Customer,
    name: str | None = None,
    emails: Sequence[str] | None = None,
    phones: Sequence[str] | None = None,
    attributes: dict[str, Any] | None = None,
    notes: str | None = None,
    fields: Mapping[str, Any] | None = None,
    shown_to: User | None = None,
) -> Customer:
    """`shown_to`: the agent editing, to whom a `contact_taken` names the customer who has the
    address when they may see them."""
    # The fields given, and `verified`, which a caller may set beside (chats/late_email.py):
    # the addresses are read only when they change.
    given = {
        "name": name,
        "emails": emails,
        "phones": phones,
        "attributes": attributes,
        "notes": notes,
    }
    await changes.remember(
        session,
        customer,
        "verified",
        *(field for field, value in given.items() if value is not None),
    )
    changes.updated(session, customer_id=customer.id)
    if name is not None:
        customer.name = name.strip()
    if notes is not None:
        customer.notes = notes
    if attributes is not None:
        # Merge semantics, like identify(): a key set to null is removed.
        merged = dict(customer.attributes) | attributes
        customer.attributes = _checked_attributes(
            {key: value for key, value in merged.items() if value is not None}
        )
    if emails is not None:
        await _set_contacts(
            session, customer=customer, kind=ContactKind.email, values=emails, shown_to=shown_to
        )
    if phones is not None:
        await _set_contacts(
            session, customer=customer, kind=ContactKind.phone, values=phones, shown_to=shown_to
        )
    if fields:
        # Not in the audit log, which outlives an erasure: the values may be personal data.
        # Webhooks tell them (`fields` in the customer and its `diff`): their receivers are the
        # company's own systems, as for the name and addresses. The row lock puts two agents'
        # writes of the same customer one after the other.
        await session.execute(
            select(Customer.id).where(Customer.id == customer.id).with_for_update()
        )
        await _remember_fields(session, customer_id=customer.id)
        await field_values.set_values(
            session, object=FieldObject.customer, record_id=customer.id, given=fields
        )
        await field_events.record_customer_updated(session, customer=customer)
    customer.updated_at = utcnow()
    return customer


async def _remember_fields(session: AsyncSession, *, customer_id: int) -> None:
    """The customer's `fields` as they are, for the webhook's diff (changes.py)."""
    if "fields" not in changes.before(session, customer_id=customer_id):
        values = await field_values.values_of(
            session, object=FieldObject.customer, ids=[customer_id]
        )
        changes.remember_values(
            session, customer_id=customer_id, values={"fields": values[customer_id]}
        )


# How the customer list may be sorted: by name (A to Z, the default), by id (the order they were
# created in, which never changes: the way to walk every customer once), or newest first (-id).
CUSTOMER_SORTS = ("name", "id", "-id")
_ORDERS = {
    "name": (Customer.name, Customer.id),
    "id": (Customer.id,),
    "-id": (Customer.id.desc(),),
}


@dataclass(frozen=True)
class CustomerPage:
    customers: Sequence[Customer]
    next_cursor: str | None


async def list_customers(
    session: AsyncSession,
    *,
    user: User,
    query: str | None,
    email: str | None = None,
    sort: str | None = None,
    cursor: str | None = None,
    limit: int = 25,
) -> CustomerPage:
    """The customers `user` may see, a page at a time (keyset, like the tickets); with `query`,
    those it finds (docs/search.md, "Customers"); with `email`, the one who has that address.
    The search runs as the ticket search does: through the full-text index, on SQLite on the
    search reader's connection, off the event loop; the page is then loaded by id."""
    digest = cursors.digest({"q": query or None, "email": _normalized_email(email)})
    if sort is not None and sort not in CUSTOMER_SORTS:
        raise Invalid("sort", f"Sort by one of: {', '.join(CUSTOMER_SORTS)}.")
    given = cursors.decode(cursor) if cursor else None
    if given is not None and given.kind not in CUSTOMER_SORTS:
        raise Invalid("cursor", cursors.NOT_A_CURSOR)
    # A cursor carries its sort: it may be left out beside it.
    sort = sort or (given.kind if given else "name")
    listed = visible_customers(user)
    if given is not None:
        cursors.ensure_continues(given, kind=sort, filters_digest=digest)
        listed = listed.where(_after(given, sort=sort))
    if email is not None:
        # Exact: any of the customer's addresses, compared as addresses are stored.
        listed = listed.where(
            Customer.id.in_(
                select(CustomerContact.customer_id).where(
                    CustomerContact.kind == ContactKind.email,
                    CustomerContact.value == _normalized_email(email),
                )
            )
        )
    listed = listed.order_by(*_ORDERS[sort]).limit(limit + 1)
    if not query:
        page = (await session.scalars(listed)).all()
        return _customer_page(page, sort=sort, limit=limit, digest=digest)
    dialect = session.get_bind().dialect.name
    terms = search_terms.parse(query)
    found: list[ColumnElement[bool]] = []
    if terms:
        found.append(
            and_(
                *(
                    Customer.id.in_(matching)
                    for matching in search_queries.customers_matching(terms, dialect=dialect)
                )
            )
        )
    digits = phone_digits(query)
    if digits:
        found.append(
            Customer.id.in_(
                select(CustomerContact.customer_id).where(
                    CustomerContact.kind == ContactKind.phone,
                    CustomerContact.value.contains(digits, autoescape=True),
                )
            )
        )
    if not found:
        # Only punctuation: no word to look for.
        return CustomerPage(customers=[], next_cursor=None)
    (rows,) = await search_reader.read(
        session,
        listed.where(or_(*found)).with_only_columns(
            Customer.id, Customer.name, maintain_column_froms=True
        ),
        parameters=search_queries.values(terms, dialect=dialect),
    )
    ids = [row[0] for row in rows[:limit]]
    loaded = {
        customer.id: customer
        for customer in await session.scalars(select(Customer).where(Customer.id.in_(ids)))
    }
    # A customer erased or merged away between the search and now is left out; the cursor
    # still continues after the last one found.
    next_cursor = None
    if len(rows) > limit:
        last: tuple[Any, ...] = tuple(rows[limit - 1])
        next_cursor = _cursor_at((last[1], last[0]), sort=sort, digest=digest)
    return CustomerPage(
        customers=[loaded[ident] for ident in ids if ident in loaded], next_cursor=next_cursor
    )


def _normalized_email(email: str | None) -> str | None:
    return normalize_contact(ContactKind.email, email) if email is not None else None


def _after(cursor: cursors.Cursor, *, sort: str) -> ColumnElement[bool]:
    """Past the cursor's position; 422 on `cursor` when it holds no position of `sort`."""
    position = cursor.position
    if sort == "name":
        if len(position) == 2 and isinstance(position[0], str) and _an_id(position[1]):
            # A row value, as the tickets' keyset: the sort's own order, collation included.
            return tuple_(Customer.name, Customer.id) > (str(position[0]), int(position[1]))
    elif len(position) == 1 and _an_id(position[0]):
        return Customer.id < int(position[0]) if sort == "-id" else Customer.id > int(position[0])
    raise Invalid("cursor", cursors.NOT_A_CURSOR)


def _an_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def _cursor_at(position: tuple[str, int], *, sort: str, digest: str) -> str:
    """The cursor after the customer of this (name, id)."""
    name, ident = position
    if sort == "name":
        return cursors.encode(sort, digest, name, ident)
    return cursors.encode(sort, digest, ident)


def _customer_page(rows: Sequence[Customer], *, sort: str, limit: int, digest: str) -> CustomerPage:
    customers = rows[:limit]
    more = len(rows) > limit
    return CustomerPage(
        customers=customers,
        next_cursor=(
            _cursor_at((customers[-1].name, customers[-1].id), sort=sort, digest=digest)
            if more
            else None
        ),
    )


def phone_digits(query: str) -> str | None:
    """The digits of a query written as a phone number (`+33 6 12-34`, `(555) 0100`), which
    find a customer's phone by any run of its digits: a phone is stored as one word of digits,
    which the words' search would only find by its start."""
    if not _PHONE.fullmatch(query.strip()):
        return None
    return "".join(char for char in query if char.isdigit()) or None


class CustomerBeingErased(Conflict):
    code = "customer_being_erased"

    def __init__(self, customer_id: int) -> None:
        super().__init__(
            f"Customer {customer_id} is being erased: they cannot be merged, into another "
            "customer or another into them, until the erasure is done (it runs in the "
            "background). Once it is, the customer is gone."
        )
        self.customer_id = customer_id


async def _ensure_not_being_erased(session: AsyncSession, customer_ids: Sequence[int]) -> None:
    """Refuses a merge while an erasure runs for either customer (docs/privacy.md): the two
    records' rows are locked first, in id order, with the lock an erasure's start takes
    (privacy/service.py `erase_customer`), so one that starts meanwhile waits for the merge to
    commit, and one that started first is found committed once the lock is granted (PostgreSQL
    reads, at each statement, what committed before it; SQLite's one writer serialises them).
    `FOR NO KEY UPDATE`, not `FOR UPDATE`: it lets through the key-share lock a message's
    insert takes on its author (the foreign key), which mail for the customer holds while it
    has the ticket's row, the row this merge moves next; two merges, or a merge and an
    erasure's start, still wait for each other. Rows read again as locked: one gone (the
    erasure's last piece) or merged meanwhile is no customer any more, as a moment later."""
    locked = (
        await session.scalars(
            select(Customer)
            .where(Customer.id.in_(customer_ids))
            .order_by(Customer.id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
    ).all()
    if len(locked) < len(set(customer_ids)) or any(c.merged_into_id is not None for c in locked):
        raise NotFound("No such customer.")
    # Few erasures run at a time: the records each one takes are read here, not indexed.
    running = await session.scalars(
        select(Erasure).where(Erasure.finished_at.is_(None), Erasure.kind == ErasureKind.customer)
    )
    for erasure in running:
        progress = erasure.progress or {}
        # Its records, and those that hold a chat ticket of theirs (`owners`, privacy/erasing.py
        # `start`): moved by a merge, that ticket would no longer be the erasure's to take.
        erased = {
            erasure.customer_id,
            *(progress.get("customers") or []),
            *(progress.get("owners") or {}).values(),
        }
        for customer_id in customer_ids:
            if customer_id in erased:
                raise CustomerBeingErased(customer_id)


async def merge_customers(session: AsyncSession, *, target: Customer, source: Customer) -> Customer:
    """Folds `source` into `target`: contacts, tickets and chats move, target's values win.
    Refused while either is being erased (`customer_being_erased`)."""
    if target.id == source.id:
        raise Invalid("source_id", "A customer cannot be merged into itself.")
    await _ensure_not_being_erased(session, [target.id, source.id])
    await changes.remember(session, target)
    changes.merged(session, survivor_id=target.id, merged_id=source.id)
    await session.execute(
        update(CustomerContact)
        .where(CustomerContact.customer_id == source.id)
        .values(customer_id=target.id)
    )
    await session.execute(
        update(Ticket).where(Ticket.customer_id == source.id).values(customer_id=target.id)
    )
    # An agent who merges judged the two to be one person, so what one proved holds for both.
    target.verified = target.verified or source.verified
    target.attributes = dict(source.attributes) | dict(target.attributes)
    await _remember_fields(session, customer_id=target.id)
    await field_values.fill_gaps(
        session, object=FieldObject.customer, source_id=source.id, target_id=target.id
    )
    if not target.name:
        target.name = source.name
    if target.organisation_id is None and source.organisation_id is not None:
        target.organisation_id = source.organisation_id
        target.organisation_by_hand = source.organisation_by_hand
    if source.notes:
        target.notes = f"{target.notes}\n\n{source.notes}".strip()
    source.merged_into_id = target.id
    target.updated_at = source.updated_at = utcnow()
    return target
