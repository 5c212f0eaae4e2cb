"""Telling the owners and admins that frontdesk switched a webhook off: an email to each, a row
of the mail outbox written in the transaction that switched it off.

Email rather than a notification in the desk's bell: a webhook belongs to no ticket, chat or
inbox, which every notification kind points at, and its admins may not open the desk for days
while the receiver's system waits for events."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.db.context import settings_of
from frontdesk.mail.addresses import new_message_id
from frontdesk.mail.models import OutboxMessage, OutboxState
from frontdesk.users import service as users_service
from frontdesk.webhooks.models import WebhookSubscription


def _text(subscription: WebhookSubscription, *, link: str, held_at_most: int) -> str:
    held = subscription.holding_until
    until = f"{held:%Y-%m-%d %H:%M} UTC" if held is not None else "it is switched on"
    # The URL is left out: a receiver's URL often carries its own secret, and mail is forwarded.
    return (
        f'frontdesk switched off the webhook "{subscription.name}" (#{subscription.id}).\n\n'
        f"{subscription.disabled_reason or ''}\n\n"
        "Nothing is sent to it while it is off. Its events are kept until "
        f"{until} (at most {held_at_most:,}): switch it back on once the receiver works and "
        "they are delivered in the order they happened. The delivery log shows what the "
        "receiver answered.\n\n"
        f"{link}\n\n-- \nYou get this email because you are an owner or admin of this help desk."
    )


async def switched_off(
    session: AsyncSession, *, subscription: WebhookSubscription, held_at_most: int
) -> int:
    """One email to each active owner and admin; answers how many were queued."""
    settings = settings_of(session)
    link = settings.public_url.rstrip("/") + "/settings/webhooks"
    text = _text(subscription, link=link, held_at_most=held_at_most)
    admins = [
        user for user in await users_service.list_users(session) if user.is_admin and user.is_active
    ]
    for user in admins:
        session.add(
            OutboxMessage(
                ticket_id=None,
                entry_id=None,
                message_id=new_message_id(mail_domain=settings.mail_domain, hint="webhook"),
                sender=f"frontdesk <notifications@{settings.mail_domain}>",
                recipients=[user.email],
                subject=f'Webhook "{subscription.name}" switched off',
                headers={"Auto-Submitted": "auto-generated"},
                text=text,
                html=None,
                state=OutboxState.queued,
                data={"kind": "webhook_switched_off", "subscription_id": subscription.id},
            )
        )
    return len(admins)
