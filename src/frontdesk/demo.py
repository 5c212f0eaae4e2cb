"""The demo desk: an inbox, an owner and two agents, labels, custom ticket statuses, a handful of
tickets and a help center with a few articles. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.customers import service as customers_service
from frontdesk.db.context import settings_of
from frontdesk.inboxes import service as inboxes_service
from frontdesk.knowledge import service as knowledge_service
from frontdesk.knowledge.models import SETTINGS_ID, HelpCenterSettings
from frontdesk.labels import service as labels_service
from frontdesk.organisations import service as organisations_service
from frontdesk.proactive import service as proactive_service
from frontdesk.statuses import service as statuses_service
from frontdesk.statuses.models import StatusState
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
    # Reads the demo inbox and writes private notes only (docs/desk.md, "Light agents").
    DemoUser("linus@example.com", "Linus Engineer", Role.collaborator),
)
DEMO_LABELS = (
    ("billing", "#16a34a"),
    ("bug", "#dc2626"),
    ("feedback", "#2563eb"),
    ("urgent", "#ea580c"),
)
# Finer statuses under the states (docs/desk.md, "Ticket statuses"), and the demo tickets that
# have one, so that a newcomer meets them in the list and on a ticket's page.
DEMO_STATUSES = (
    ("In progress", StatusState.open, "Someone is working on it."),
    (
        "Waiting on vendor",
        StatusState.hold,
        "Asked a supplier or partner; nothing to do till they answer.",
    ),
)
DEMO_TICKET_STATUSES = {
    "Refund for order #1042": "In progress",
    "Checkout button does nothing on Safari": "Waiting on vendor",
}
DEMO_ORGANISATION = "Example Labs"
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

# The help center's categories and their published articles (title, Markdown body): what the
# demo tickets ask about, so that the messenger's search and "Insert article" find something.
DEMO_ARTICLES = (
    (
        "Orders and billing",
        "Payments, refunds and invoices.",
        (
            (
                "Getting a refund",
                "We refund any order within **30 days** of delivery.\n\n"
                "1. Open *My orders* and choose the order.\n"
                "2. Click **Ask for a refund** and tell us why.\n\n"
                "The money is back on your card within 5 working days. Charged twice? Write to "
                "us with the order number: the second charge is refunded at once.",
            ),
            (
                "Paying with Safari",
                "If **Pay now** does nothing in Safari, turn off *Prevent cross-site tracking* "
                "for our shop (Safari > Settings > Privacy), or pay in another browser while we "
                "fix it.",
            ),
        ),
    ),
    (
        "Your account",
        "Signing in and keeping your account safe.",
        (
            (
                "Resetting your password",
                "Click **Forgot password?** on the sign-in page and follow the link we email "
                "you within a few minutes. The link works once, for an hour.\n\n"
                "Still refused after a reset? Clear the browser's saved password for our shop: "
                "it may fill in the old one.",
            ),
        ),
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
    # The demo shop's visitors are listed in the desk's Visitors page (docs/desk.md, "Visitors").
    await inboxes_service.update_inbox(
        session, inbox=inbox, messenger_settings={inboxes_service.LIVE_VISITORS: "on"}
    )
    # The demo website stands in for the company's contact page (docs/knowledge-base.md); the
    # customers' New request goes to the one inbox (docs/portal.md).
    session.add(
        HelpCenterSettings(
            id=SETTINGS_ID,
            name="Support",
            contact_url=f"{settings.public_url.rstrip('/')}/demo",
            portal_inbox_id=inbox.id,
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
    statuses = {
        name: await statuses_service.create_status(
            session, name=name, state=state, description=description
        )
        for name, state, description in DEMO_STATUSES
    }
    owner = users[0]
    # Greets visitors of the shop's product pages (docs/messenger.md, "Proactive messages").
    await proactive_service.create_message(
        session,
        inbox=inbox,
        name="Product pages",
        text="Questions about this product? Ask me anything: I'm here.",
        sender_id=users[1].id,
        page_rule_text="/demo/product/*",
        delay_seconds=15,
    )
    for category_name, description, articles in DEMO_ARTICLES:
        category = await knowledge_service.create_category(
            session, user=owner, name=category_name, description=description, position=None
        )
        for title, body in articles:
            article = await knowledge_service.create_article(
                session, user=owner, title=title, body=body, category_id=category.id
            )
            await knowledge_service.set_published(
                session, user=owner, article_id=article.id, version=article.version, published=True
            )
    # The demo's customers write from one company's domain: they join it as they are created
    # (docs/desk.md, "Organisations").
    await organisations_service.create_organisation(
        session,
        user=owner,
        name=DEMO_ORGANISATION,
        domains=[DEMO_TICKETS[0][2].rpartition("@")[2]],
        notes="A customer of long standing: billing questions go to Marie.",
    )
    for index, (subject, name, email, label, text) in enumerate(DEMO_TICKETS):
        customer = await customers_service.find_or_create(
            session, email=email, name=name, verified=True
        )
        status = statuses.get(DEMO_TICKET_STATUSES.get(subject, ""))
        ticket = await tickets_service.create_ticket(
            session,
            inbox=inbox,
            customer=customer,
            subject=subject,
            type=TicketType.email,
            state=TicketState(status.state.value) if status else TicketState.open,
            status=status,
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
