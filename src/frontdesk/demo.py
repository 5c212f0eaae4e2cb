"""The demo desk: an inbox, an owner and two agents, labels and a handful of tickets. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.customers import service as customers_service
from frontdesk.db.context import settings_of
from frontdesk.inboxes import service as inboxes_service
from frontdesk.knowledge.models import SETTINGS_ID, HelpCenterSettings
from frontdesk.labels import service as labels_service
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import Direction, EntryKind, TicketState, TicketType
from frontdesk.users import service as users_service
from frontdesk.users.models import Role

# Printed by `make run` on purpose: the demo desk is for trying frontdesk on one machine.
DEMO_PASSWORD = "frontdesk-demo"  # noqa: S105


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    role: Role


DEMO_USERS = (
    DemoUser("owner@example.com", "Olivia Owner", Role.owner),
    DemoUser("ada@example.com", "Ada Lovelace", Role.agent),
    DemoUser("grace@example.com", "Grace Hopper", Role.agent),
)
DEMO_LABELS = (
    ("billing", "#16a34a"),
    ("bug", "#dc2626"),
    ("feedback", "#2563eb"),
    ("urgent", "#ea580c"),
)
DEMO_TICKETS = (
    (
        "Refund for order #1042",
        "Marie Curie",
        "marie@example.org",
        "billing",
        "Hello, I was charged twice for order #1042. Could you refund one of them?",
    ),
    (
        "Checkout button does nothing on Safari",
        "Alan Turing",
        "alan@example.org",
        "bug",
        "When I click 'Pay now' on Safari 17 nothing happens. Chrome works.",
    ),
    (
        "Love the new dashboard",
        "Katherine Johnson",
        "katherine@example.org",
        "feedback",
        "Just wanted to say the new dashboard is great. Could it show weekly totals too?",
    ),
    (
        "Can't log in after password reset",
        "Linus Pauling",
        "linus@example.org",
        "urgent",
        "I reset my password but the login page still says it's wrong.",
    ),
)


async def seed_demo(session: AsyncSession) -> bool:
    """Returns False when the demo was already there."""
    if await users_service.get_user_by_email(session, email=DEMO_USERS[0].email) is not None:
        return False
    settings = settings_of(session)
    inbox = await inboxes_service.create_inbox(
        session,
        name="Support",
        email_address=f"support@{settings.mail_domain}",
        allowed_origins=[settings.public_url],
    )
    # The demo website stands in for the company's contact page (docs/knowledge-base.md).
    session.add(
        HelpCenterSettings(
            id=SETTINGS_ID,
            name="Support",
            contact_url=f"{settings.public_url.rstrip('/')}/demo",
        )
    )
    users = []
    for demo in DEMO_USERS:
        user = await users_service.create_user(
            session, email=demo.email, name=demo.name, password=DEMO_PASSWORD, role=demo.role
        )
        await inboxes_service.add_member(session, inbox=inbox, user=user)
        users.append(user)
    labels = {
        name: await labels_service.create_label(session, name=name, color=color)
        for name, color in DEMO_LABELS
    }
    for index, (subject, name, email, label, text) in enumerate(DEMO_TICKETS):
        customer = await customers_service.find_or_create(
            session, email=email, name=name, verified=True
        )
        ticket = await tickets_service.create_ticket(
            session,
            inbox=inbox,
            customer=customer,
            subject=subject,
            type=TicketType.email,
            state=TicketState.open,
            assignee=users[1] if index % 2 else None,
            labels=[labels[label]],
        )
        await tickets_service.add_entry(
            session,
            ticket=ticket,
            kind=EntryKind.reply,
            direction=Direction.inbound,
            text=text,
            author_customer=customer,
        )
    return True
