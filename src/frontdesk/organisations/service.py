"""Organisations: who may manage them, their names and domains, their customers and tickets,
and the customers who join one by their address's domain (docs/desk.md, "Organisations").

- **Who.** Every agent reads organisations and sets a customer's; only owners and admins
  create, edit and delete them (`organisations_admins_only`).
- **What an agent sees under one.** Its customers they may see (customers/queries.py), counted
  and listed alike, and those customers' tickets in their inboxes: an organisation tells an
  agent nothing of the customers and tickets of inboxes they are not in, nor of a customer
  whose ticket in their inbox was filed on an address they typed (`Ticket.shows_customer`).
  Owners and admins, and the webhooks' payloads, see and count them all.
- **Names** are unique once folded (labels/service.name_key), decided by the unique key
  (db/unique.flush_unique): two admins creating "Acme" at once get one organisation and a 409.
- **Domains** belong to one organisation at most (the key), named in the refusal; free-mail
  domains are refused: everyone at gmail.com is no company.
- **Joining.** A customer created with an address at a domain joins its organisation
  (customers/service.create_customer). When a domain is added, the customers who already had
  an address there, and no organisation, join too: the email contacts are read by id ranges of
  `WINDOW`, a range a transaction, the first in the admin's request and the rest by the loop
  (organisations/timers.py), so that a large customer table never holds the writer for long.
  A customer whose organisation an agent chose (or cleared) by hand is left alone. Each
  customer joined is told to webhooks (`customer.updated`), at most `TOLD` a transaction.
- **Webhooks.** Creating, editing and deleting one is told (`organisation.created`,
  `.updated` with each field from what to what, `.deleted`) through organisations/changes.py,
  in the transaction of the change (docs/webhooks.md, "Organisations").
- **Audit.** Every change is an audit entry (`organisation.created`, `.updated`, `.deleted`,
  `customer.organisation_changed`), which names a customer by number only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Select, delete, func, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.audit import service as audit
from frontdesk.customers import changes as customer_changes
from frontdesk.customers import service as customers_service
from frontdesk.customers.models import ContactKind, Customer, CustomerContact
from frontdesk.customers.queries import ticket_customer_visible, visible_customers, visible_to
from frontdesk.db.planning import Unindexed
from frontdesk.db.unique import flush_unique
from frontdesk.errors import Conflict, Forbidden, Invalid, NotFound
from frontdesk.kit import cursors
from frontdesk.kit.clock import utcnow
from frontdesk.kit.schemas import MAX_ID
from frontdesk.labels.service import name_key
from frontdesk.organisations import changes as organisation_changes
from frontdesk.organisations import queries as organisations_queries
from frontdesk.organisations.models import Organisation, OrganisationDomain
from frontdesk.organisations.schemas import OrganisationRead
from frontdesk.tickets import changes as ticket_changes
from frontdesk.tickets.models import Ticket, TicketState
from frontdesk.tickets.queries import visible_tickets
from frontdesk.users.models import User

# Email contacts (by id) a transaction of the joining reads: a range of the primary key,
# ~10 ms on SQLite.
WINDOW = 5_000
# Customers a transaction of the joining joins at most: each is a webhook's `customer.updated`
# (docs/webhooks.md, "Customers"), whose deliveries are written in that transaction.
TOLD = 200

# Mail providers whose addresses anyone can have: a domain of theirs says nothing about the
# company a customer works for.
FREE_MAIL = frozenset(
    {
        "aol.com",
        "gmail.com",
        "googlemail.com",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "hotmail.com",
        "hotmail.co.uk",
        "hotmail.fr",
        "icloud.com",
        "laposte.net",
        "live.com",
        "mac.com",
        "mail.com",
        "mail.ru",
        "me.com",
        "msn.com",
        "orange.fr",
        "outlook.com",
        "outlook.fr",
        "proton.me",
        "protonmail.com",
        "qq.com",
        "t-online.de",
        "web.de",
        "yahoo.com",
        "yahoo.co.uk",
        "yahoo.fr",
        "yandex.com",
        "yandex.ru",
        "ymail.com",
        "zoho.com",
    }
)


class AdminsOnly(Forbidden):
    code = "organisations_admins_only"


class OrganisationExists(Conflict):
    code = "organisation_exists"


class DomainTaken(Conflict):
    code = "domain_taken"


def _ensure_admin(user: User, what: str) -> None:
    if not user.is_admin:
        raise AdminsOnly(f"Only admins and owners may {what}. Ask one of them to do it.")


def _name_taken(name: str, existing: str | None = None) -> OrganisationExists:
    if existing is None or existing == name:
        return OrganisationExists(
            f"An organisation named {name!r} already exists: open it, or choose another name."
        )
    return OrganisationExists(
        f"{name!r} is taken: there is already an organisation {existing!r}, and names ignore "
        "case. Open it, or choose another name."
    )


async def _ensure_free_name(session: AsyncSession, *, name: str, except_id: int | None) -> None:
    query = select(Organisation.name).where(Organisation.name_key == name_key(name))
    if except_id is not None:
        query = query.where(Organisation.id != except_id)
    existing = await session.scalar(query)
    if existing is not None:
        raise _name_taken(name, existing)


def _checked_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise Invalid("name", "Give the organisation a name.", field_code="required")
    return name


def checked_domain(value: str, *, field: str = "domains") -> str:
    """A domain as customers' addresses store theirs (lower case, an IDN in Unicode); an
    address or a leading @ is taken for its domain."""
    given = value.strip().rstrip(".")
    domain = given.rpartition("@")[2]
    try:
        checked = validate_email(f"postmaster@{domain}", check_deliverability=False)
    except EmailNotValidError:
        raise Invalid(
            field,
            f"{given!r} is not a domain: write it as it ends an email address, like acme.com.",
        ) from None
    domain = checked.domain.lower()
    if domain in FREE_MAIL:
        raise Invalid(
            field,
            f"{domain} is a free email provider: anyone can have an address there, so it "
            "cannot tell which company a customer belongs to. Set such customers' "
            "organisation by hand.",
        )
    return domain


def _checked_domains(values: Sequence[str]) -> list[str]:
    domains: list[str] = []
    for i, value in enumerate(values):
        domain = checked_domain(value, field=f"domains.{i}")
        if domain not in domains:
            domains.append(domain)
    return sorted(domains)


# --- reading -------------------------------------------------------------------------------------


async def get_organisation(session: AsyncSession, *, organisation_id: int) -> Organisation:
    found = await session.get(Organisation, organisation_id)
    if found is None:
        raise NotFound("No such organisation.")
    return found


# The most names one page of `list_names` gives: a choice's whole list in one request.
MAX_NAMES = 1000


@dataclass(frozen=True)
class Listed:
    organisation: Organisation
    domains: list[str]
    customer_count: int


@dataclass(frozen=True)
class OrganisationPage:
    items: list[Listed]
    next_cursor: str | None


async def described(
    session: AsyncSession, organisations: Sequence[Organisation], *, viewer: User | None = None
) -> list[Listed]:
    """Each organisation with its domains and how many customers it has (two statements): with
    `viewer`, only those they may see (all of them for owners and admins), as its customers'
    list shows them."""
    ids = [organisation.id for organisation in organisations]
    domains: dict[int, list[str]] = {ident: [] for ident in ids}
    counts: dict[int, int] = {}
    if ids:
        for organisation_id, domain in await session.execute(
            select(OrganisationDomain.organisation_id, OrganisationDomain.domain)
            .where(OrganisationDomain.organisation_id.in_(ids))
            .order_by(OrganisationDomain.domain)
        ):
            domains[organisation_id].append(domain)
        counted = await session.execute(counting(ids, viewer=viewer))
        counts = {ident: int(n) for ident, n in counted.all() if ident is not None}
    return [
        Listed(organisation, domains[organisation.id], counts.get(organisation.id, 0))
        for organisation in organisations
    ]


def counting(ids: Sequence[int], *, viewer: User | None) -> Select[int | None, int]:
    """(organisation id, customers) of these organisations: with `viewer`, those they may
    see."""
    counted = select(Customer.organisation_id, func.count()).where(
        Customer.organisation_id.in_(ids), Customer.merged_into_id.is_(None)
    )
    if viewer is not None and not viewer.is_admin:
        # Probed per member by the tickets' customer index (visible_to), which holds the
        # inbox and `shows_customer` so that no ticket row is read (migration 0096): the cost
        # follows the page's members, not the tickets of the agent's inboxes. Counting from the
        # tickets' side instead reads every ticket of the members, or of the agent's inboxes:
        # 10 to 50 times slower on SQLite (docs/performance.md).
        counted = counted.where(visible_to(viewer))
    return counted.group_by(Customer.organisation_id)


def read_of(listed: Listed) -> OrganisationRead:
    """An organisation as the API shows it (and webhooks' payloads)."""
    organisation = listed.organisation
    return OrganisationRead(
        id=organisation.id,
        name=organisation.name,
        domains=listed.domains,
        notes=organisation.notes,
        shared_requests=organisation.shared_requests,
        customer_count=listed.customer_count,
        created_at=organisation.created_at,
        updated_at=organisation.updated_at,
    )


async def shown(
    session: AsyncSession, organisations: Sequence[Organisation]
) -> dict[int, dict[str, Any]]:
    """Each organisation as the API shows it, ready for JSON, by id."""
    return {
        listed.organisation.id: read_of(listed).model_dump(mode="json")
        for listed in await described(session, organisations)
    }


async def list_organisations(
    session: AsyncSession, *, user: User, query: str | None, cursor: str | None, limit: int
) -> OrganisationPage:
    """By name (A to Z), a page at a time by a cursor; with `query`, those whose name or one of
    whose domains contains it (any case). Every organisation, each counting the customers `user`
    may see."""
    page, next_cursor = await _by_name(session, query=query, cursor=cursor, limit=limit)
    return OrganisationPage(await described(session, page, viewer=user), next_cursor)


@dataclass(frozen=True)
class NamePage:
    organisations: list[Organisation]
    next_cursor: str | None


async def list_names(
    session: AsyncSession, *, query: str | None, cursor: str | None, limit: int
) -> NamePage:
    """The same pages as `list_organisations`, without domains or counts: what a choice of an
    organisation needs (the customer panel's, the ticket list's filter), up to `MAX_NAMES` in
    one statement."""
    return NamePage(*await _by_name(session, query=query, cursor=cursor, limit=limit))


async def _by_name(
    session: AsyncSession, *, query: str | None, cursor: str | None, limit: int
) -> tuple[list[Organisation], str | None]:
    query = (query or "").strip() or None
    digest = cursors.digest({"q": query})
    listed = select(Organisation)
    if cursor:
        given = cursors.decode(cursor)
        cursors.ensure_continues(given, kind="name", filters_digest=digest)
        position = given.position
        if not _name_position(position):
            raise Invalid("cursor", cursors.NOT_A_CURSOR)
        listed = listed.where(
            tuple_(Organisation.name, Organisation.id) > (position[0], position[1])
        )
    if query:
        listed = listed.where(
            or_(
                Organisation.name.icontains(query, autoescape=True),
                Organisation.id.in_(
                    select(OrganisationDomain.organisation_id).where(
                        OrganisationDomain.domain.icontains(query, autoescape=True)
                    )
                ),
            )
        )
    rows = (
        await session.scalars(listed.order_by(Organisation.name, Organisation.id).limit(limit + 1))
    ).all()
    page = list(rows[:limit])
    next_cursor = (
        cursors.encode("name", digest, page[-1].name, page[-1].id) if len(rows) > limit else None
    )
    return page, next_cursor


def _name_position(position: tuple[Any, ...]) -> bool:
    return (
        len(position) == 2
        and isinstance(position[0], str)
        and isinstance(position[1], int)
        and 0 < position[1] <= MAX_ID
    )


def _after_id(cursor: str | None, *, kind: str, digest: str) -> int | None:
    if not cursor:
        return None
    given = cursors.decode(cursor)
    cursors.ensure_continues(given, kind=kind, filters_digest=digest)
    position = given.position
    if len(position) != 1 or not isinstance(position[0], int) or not 0 < position[0] <= MAX_ID:
        raise Invalid("cursor", cursors.NOT_A_CURSOR)
    return position[0]


@dataclass(frozen=True)
class CustomerPage:
    customers: Sequence[Customer]
    next_cursor: str | None


async def list_customers(
    session: AsyncSession, *, user: User, organisation: Organisation, cursor: str | None, limit: int
) -> CustomerPage:
    """The organisation's customers that `user` may see, by name."""
    digest = cursors.digest({"organisation": organisation.id})
    listed = visible_customers(user).where(Customer.organisation_id == organisation.id)
    if cursor:
        given = cursors.decode(cursor)
        cursors.ensure_continues(given, kind="name", filters_digest=digest)
        position = given.position
        if not (
            len(position) == 2 and isinstance(position[0], str) and isinstance(position[1], int)
        ):
            raise Invalid("cursor", cursors.NOT_A_CURSOR)
        listed = listed.where(tuple_(Customer.name, Customer.id) > (position[0], position[1]))
    rows = (
        await session.scalars(listed.order_by(Customer.name, Customer.id).limit(limit + 1))
    ).all()
    page = rows[:limit]
    next_cursor = (
        cursors.encode("name", digest, page[-1].name, page[-1].id) if len(rows) > limit else None
    )
    return CustomerPage(page, next_cursor)


@dataclass(frozen=True)
class TicketRow:
    ticket: Ticket
    customer_id: int | None
    customer_name: str


@dataclass(frozen=True)
class TicketPage:
    items: list[TicketRow]
    next_cursor: str | None


async def list_tickets(
    session: AsyncSession, *, user: User, organisation: Organisation, cursor: str | None, limit: int
) -> TicketPage:
    """The tickets of the organisation's customers that `user` may see, in the inboxes they
    see, newest first (spam left out, as in the ticket list)."""
    digest = cursors.digest({"organisation": organisation.id})
    after = _after_id(cursor, kind="-id", digest=digest)
    # A large organisation's page is read newest first by the key, each ticket tested, and
    # stops when full; a small one's tickets are read by their customers' index and sorted
    # (organisations/queries.walks).
    walk = await organisations_queries.walks(session, organisation_id=organisation.id)
    # Only the tickets whose customer the agent may see: one filed on the address of a hidden
    # customer would tell that they belong here (and the ticket list's filter says the same).
    listed = visible_tickets(user, walk=walk is not None and walk.inboxes).where(
        organisations_queries.member_of(organisation.id, walk=walk is not None),
        Ticket.state != TicketState.spam,
        ticket_customer_visible(user),
    )
    if after is not None:
        listed = listed.where(Ticket.id < after)
    rows = (await session.scalars(listed.order_by(Ticket.id.desc()).limit(limit + 1))).all()
    page = rows[:limit]
    customer_ids = {ticket.customer_id for ticket in page}
    shown = await customers_service.visible_ids(session, user=user, customer_ids=customer_ids)
    names = await customers_service.names_by_id(session, customer_ids=list(shown))
    # Every customer listed is one `user` may see (above); named as the ticket's own read names
    # them (tickets/service.hidden_customers), the check kept should a row slip through.
    items = [
        TicketRow(
            ticket,
            ticket.customer_id if ticket.customer_id in shown else None,
            names.get(ticket.customer_id, ""),
        )
        for ticket in page
    ]
    next_cursor = cursors.encode("-id", digest, page[-1].id) if len(rows) > limit else None
    return TicketPage(items, next_cursor)


# --- writing -------------------------------------------------------------------------------------


async def _current_domains(session: AsyncSession, *, organisation_id: int) -> list[str]:
    return list(
        (
            await session.scalars(
                select(OrganisationDomain.domain)
                .where(OrganisationDomain.organisation_id == organisation_id)
                .order_by(OrganisationDomain.domain)
            )
        ).all()
    )


async def _add_domains(
    session: AsyncSession, *, organisation: Organisation, domains: Sequence[str]
) -> None:
    """Each domain written under its key (a rival's first is a 409 naming its organisation),
    marked for joining the customers who have an address there, whose first range is joined
    now."""
    highest = await session.scalar(
        select(func.max(CustomerContact.id)).where(CustomerContact.kind == ContactKind.email)
    )
    for domain in domains:
        row = OrganisationDomain(
            domain=domain,
            organisation_id=organisation.id,
            backfill_after=0 if highest else None,
            backfill_until=highest or None,
        )
        try:
            async with session.begin_nested():
                session.add(row)
                await session.flush()
        except IntegrityError:
            owner = await session.scalar(
                select(Organisation.name)
                .join(OrganisationDomain, OrganisationDomain.organisation_id == Organisation.id)
                .where(OrganisationDomain.domain == domain)
            )
            raise DomainTaken(
                f"The domain {domain} already belongs to the organisation {owner!r}: a domain "
                "brings its customers into one organisation only. Remove it there first."
                if owner
                else f"The domain {domain} was just given to another organisation."
            ) from None
        if row.backfill_until is not None:
            await join_existing(session, row=row)


async def create_organisation(
    session: AsyncSession,
    *,
    user: User,
    name: str,
    domains: Sequence[str] = (),
    notes: str = "",
    shared_requests: bool = False,
) -> Organisation:
    _ensure_admin(user, "create organisations")
    name = _checked_name(name)
    wanted = _checked_domains(domains)
    await _ensure_free_name(session, name=name, except_id=None)
    organisation = Organisation(
        name=name, name_key=name_key(name), notes=notes.strip(), shared_requests=shared_requests
    )
    session.add(organisation)
    await flush_unique(session, taken=_name_taken(name))
    await _add_domains(session, organisation=organisation, domains=wanted)
    organisation_changes.created(session, organisation_id=organisation.id)
    audit.record(
        session,
        action="organisation.created",
        target=_target(organisation),
        changes={
            "name": name,
            "domains": wanted,
            "notes": "set" if notes.strip() else "empty",
            "shared_requests": shared_requests,
        },
    )
    return organisation


def _target(organisation: Organisation) -> audit.Target:
    return audit.Target("organisation", organisation.id, organisation.name)


async def update_organisation(
    session: AsyncSession,
    *,
    user: User,
    organisation: Organisation,
    name: str | None = None,
    domains: Sequence[str] | None = None,
    notes: str | None = None,
    shared_requests: bool | None = None,
) -> Organisation:
    """Domains given replace the list: the customers who joined by a domain taken away keep
    their organisation. `shared_requests` off takes the portal's shared view away at once (the
    portal reads it on every page)."""
    _ensure_admin(user, "edit organisations")
    changes: dict[str, Any] = {}
    # Webhooks' `organisation.updated` compares these with what the transaction commits.
    before: dict[str, Any] = {
        "name": organisation.name,
        "notes": organisation.notes,
        "shared_requests": organisation.shared_requests,
    }
    if name is not None:
        name = _checked_name(name)
        if name != organisation.name:
            await _ensure_free_name(session, name=name, except_id=organisation.id)
            changes["name"] = [organisation.name, name]
            organisation.name, organisation.name_key = name, name_key(name)
            await flush_unique(session, taken=_name_taken(name))
    if notes is not None and notes.strip() != organisation.notes:
        # The words are not logged: free text may name people.
        changes["notes"] = "changed"
        organisation.notes = notes.strip()
    if shared_requests is not None and shared_requests != organisation.shared_requests:
        changes["shared_requests"] = [organisation.shared_requests, shared_requests]
        organisation.shared_requests = shared_requests
    if domains is not None:
        wanted = _checked_domains(domains)
        had = await _current_domains(session, organisation_id=organisation.id)
        before["domains"] = had
        if wanted != had:
            await session.execute(
                delete(OrganisationDomain).where(
                    OrganisationDomain.organisation_id == organisation.id,
                    OrganisationDomain.domain.not_in(wanted),
                )
            )
            await _add_domains(
                session,
                organisation=organisation,
                domains=[domain for domain in wanted if domain not in had],
            )
            changes["domains"] = [had, wanted]
    if changes:
        organisation_changes.updated(session, organisation_id=organisation.id, before=before)
        organisation.updated_at = utcnow()
        audit.record(
            session, action="organisation.updated", target=_target(organisation), changes=changes
        )
    return organisation


async def delete_organisation(
    session: AsyncSession, *, user: User, organisation: Organisation
) -> None:
    """Its customers stay, without organisation, free to join another by a domain."""
    _ensure_admin(user, "delete organisations")
    # As it was, customers included: what `organisation.deleted` carries.
    organisation_changes.deleted(
        session,
        organisation_id=organisation.id,
        shown=(await shown(session, [organisation]))[organisation.id],
    )
    left = await session.execute(
        update(Customer)
        .where(Customer.organisation_id == organisation.id)
        .values(organisation_id=None, organisation_by_hand=False)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        session,
        action="organisation.deleted",
        target=_target(organisation),
        changes={"customers": left.rowcount},  # type: ignore[attr-defined]
    )
    await session.delete(organisation)
    await session.flush()


async def set_customer_organisation(
    session: AsyncSession, *, customer: Customer, organisation_id: int | None
) -> None:
    """An agent's choice for the customer (or none), which domains then leave alone. The
    customer's row is locked first: two agents' choices are one after the other."""
    await session.execute(
        select(Customer.id).where(Customer.id == customer.id).with_for_update(key_share=True)
    )
    if organisation_id is not None and await session.get(Organisation, organisation_id) is None:
        raise Invalid("organisation_id", "No such organisation: it may have been deleted.")
    before = customer.organisation_id
    # Webhooks' `customer.updated`, told only when it changed (customers/changes.py).
    await customer_changes.remember(session, customer, "organisation")
    customer_changes.updated(session, customer_id=customer.id)
    customer.organisation_id = organisation_id
    customer.organisation_by_hand = True
    if before != organisation_id:
        customer.updated_at = utcnow()
        audit.record(
            session,
            action="customer.organisation_changed",
            target=customer,
            changes={"organisation_id": [before, organisation_id]},
        )


# --- joining the customers of a domain -----------------------------------------------------------


async def join_existing(session: AsyncSession, *, row: OrganisationDomain) -> int:
    """One range of email contacts joined to the domain's organisation; how many customers
    joined. Customers already in one, or whose organisation an agent chose, are left alone."""
    after, until = row.backfill_after or 0, row.backfill_until or 0
    upto = min(after + WINDOW, until)

    def at_domain(upto: int) -> Any:
        return (
            CustomerContact.id > after,
            CustomerContact.id <= upto,
            # Not by the (kind, value) key, which SQLite would take for narrow and read every
            # address through: the range of ids is what bounds the transaction.
            Unindexed(CustomerContact.kind) == ContactKind.email,
            CustomerContact.value.endswith(f"@{row.domain}", autoescape=True),
        )

    # Each customer joined is a webhook's `customer.updated`: at most TOLD addresses of the
    # domain a transaction, the range cut short after the TOLD-th (the rest in the next).
    cut = await session.scalar(
        select(CustomerContact.id)
        .where(*at_domain(upto))
        .order_by(CustomerContact.id)
        .offset(TOLD - 1)
        .limit(1)
    )
    if cut is not None:
        upto = cut
    found = select(CustomerContact.customer_id).where(*at_domain(upto))
    joined = (
        await session.scalars(
            update(Customer)
            .where(
                Customer.id.in_(found),
                Customer.organisation_id.is_(None),
                Customer.organisation_by_hand.is_(False),
                Customer.merged_into_id.is_(None),
            )
            .values(organisation_id=row.organisation_id)
            .returning(Customer.id)
            .execution_options(synchronize_session=False)
        )
    ).all()
    for customer_id in sorted(joined):
        customer_changes.remember_values(
            session, customer_id=customer_id, values={"organisation": None}
        )
        customer_changes.updated(session, customer_id=customer_id, by=ticket_changes.SYSTEM)
    if upto >= until:
        row.backfill_after = row.backfill_until = None
    else:
        row.backfill_after = upto
    await session.flush()
    return len(joined)


async def join_pending(session: AsyncSession) -> tuple[int, bool]:
    """A transaction of the loop (organisations/timers.py): one range of one pending domain,
    whose row is locked and skipped by another process's loop; (customers joined, more
    waiting)."""
    row = await session.scalar(
        select(OrganisationDomain)
        .where(OrganisationDomain.backfill_until.is_not(None))
        .order_by(OrganisationDomain.domain)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if row is None:
        return 0, False
    joined = await join_existing(session, row=row)
    return joined, True
