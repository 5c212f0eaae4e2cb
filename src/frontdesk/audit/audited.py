"""The models whose rows are settings: every row created, changed or deleted through the ORM is
recorded by `changes.py`, with the fields listed here (and only those: operational columns such
as a mailbox's fetch position or a user's last-seen time change all day and are not settings).

To audit a new settings model, add one `Audited(...)` to AUDITED. Fields whose value is a secret
go in `secrets`: the log says "changed", never the value. Never list a customer's personal data:
the audit log is kept when a customer is erased, so it must hold none."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from frontdesk.apps.models import SidebarApp
from frontdesk.assignment.models import InboxAssignment
from frontdesk.fields.models import CustomField
from frontdesk.hours.models import BusinessHours
from frontdesk.inboxes.models import Inbox
from frontdesk.knowledge.models import HelpCenterSettings
from frontdesk.labels.models import Label
from frontdesk.macros.models import Macro
from frontdesk.mail.models import MailboxAccount, MailboxOAuth
from frontdesk.proactive.models import ProactiveMessage
from frontdesk.ratings.models import RatingSettings
from frontdesk.replies.models import SavedReply
from frontdesk.rules.models import Rule
from frontdesk.saved_views.models import SavedView
from frontdesk.sla.models import SlaPolicy
from frontdesk.sso.models import SsoSettings
from frontdesk.statuses.models import TicketStatus
from frontdesk.users.models import SecurityPolicy, User
from frontdesk.webhooks.models import WebhookSubscription

Changes = Mapping[str, Any]


def _name(row: Any) -> str | None:
    name = getattr(row, "name", None)
    return str(name) if name else None


def _user_action(changes: Changes) -> str:
    """One entry per save, named for its weightiest change; `changes` holds all of them."""
    if "role" in changes:
        return "user.role_changed"
    if "is_active" in changes:
        return "user.deactivated" if changes["is_active"][1] is False else "user.reactivated"
    return "user.updated"


@dataclass(frozen=True)
class Audited:
    model: type[Any]
    # The target type, and the actions' prefix: "rule" -> rule.created, rule.updated...
    kind: str
    fields: tuple[str, ...]
    secrets: tuple[str, ...] = ()
    label: Callable[[Any], str | None] = _name
    # A row of settings that belongs to an inbox (keyed by inbox_id): its target is the inbox.
    of_inbox: bool = False
    # Names an update from what changed, instead of "<kind>.updated".
    updated: Callable[[Changes], str] | None = field(default=None)


AUDITED: tuple[Audited, ...] = (
    Audited(
        WebhookSubscription,
        "webhook",
        ("name", "url", "events", "include_internal", "secret", "enabled"),
        secrets=("secret",),
    ),
    Audited(SecurityPolicy, "security_policy", ("two_factor_roles",), label=lambda _p: "security"),
    Audited(
        HelpCenterSettings,
        "help_center",
        ("name", "contact_url", "customer_portal", "portal_inbox_id"),
        label=lambda _settings: "help center",
    ),
    Audited(
        SsoSettings,
        "sso",
        (
            "enabled",
            "issuer",
            "client_id",
            "client_secret",
            "button_label",
            "create_users",
            "default_role",
            "allowed_domains",
            "sso_only",
        ),
        secrets=("client_secret",),
        label=lambda _settings: "single sign-on",
    ),
    Audited(
        User,
        "user",
        ("email", "name", "role", "is_active", "max_concurrent_chats", "email_signature"),
        label=lambda user: user.email,
        updated=_user_action,
    ),
    Audited(
        Inbox,
        "inbox",
        (
            "name",
            "email_address",
            "unanswered_timeout_seconds",
            "allowed_origins",
            "identity_secret",
            "require_identity",
            "messenger_settings",
        ),
        secrets=("identity_secret",),
    ),
    Audited(
        MailboxAccount,
        "mailbox",
        (
            "enabled",
            "host",
            "port",
            "security",
            "username",
            "auth",
            "secret",
            "folder",
            "processed",
            "move_to",
            "smtp_host",
            "smtp_port",
            "smtp_security",
        ),
        secrets=("secret",),
        of_inbox=True,
    ),
    Audited(
        MailboxOAuth,
        "mailbox_oauth",
        ("token_url", "client_id", "client_secret", "refresh_token", "scope"),
        secrets=("client_secret", "refresh_token"),
        label=lambda grant: grant.client_id,
    ),
    Audited(
        BusinessHours,
        "hours",
        ("enabled", "time_zone", "weekly", "holidays", "away_message"),
        of_inbox=True,
    ),
    Audited(
        InboxAssignment,
        "assignment",
        ("mode", "ticket_limit", "reassign_after_minutes", "offer_chats", "offer_timeout_seconds"),
        of_inbox=True,
    ),
    Audited(
        RatingSettings,
        "ratings",
        ("chat_enabled", "email_enabled", "question", "email_delay_minutes"),
        of_inbox=True,
    ),
    Audited(
        SlaPolicy,
        "sla_policy",
        (
            "name",
            "position",
            "inbox_id",
            "priority",
            "label_id",
            "business_hours",
            "first_response_minutes",
            "next_response_minutes",
            "resolution_minutes",
            "warning_minutes",
        ),
    ),
    Audited(
        Rule, "rule", ("name", "enabled", "position", "when", "match", "conditions", "actions")
    ),
    Audited(Macro, "macro", ("name", "actions", "owner_id", "inbox_id")),
    # What rules and macros send to customers: who changed its words, and when.
    Audited(SavedReply, "saved_reply", ("name", "text", "owner_id", "inbox_id")),
    Audited(
        SidebarApp, "app", ("name", "url", "secret", "enabled", "position"), secrets=("secret",)
    ),
    Audited(Label, "label", ("name", "color")),
    Audited(
        TicketStatus, "ticket_status", ("name", "description", "state", "position", "archived")
    ),
    # The definitions only: a customer's values may be personal data, which the log never holds;
    # a ticket's value changes are lines of its timeline.
    Audited(
        CustomField,
        "field",
        ("object", "key", "label", "kind", "options", "archived"),
        label=lambda field: f"{field.object} field {field.label}",
    ),
    # As macros: a shared view is what every agent's left side lists; a personal one is
    # recorded too, as a personal macro is.
    Audited(SavedView, "view", ("name", "filters", "sort", "owner_id", "position")),
    # What the messenger says to visitors, and as whom; its counts are no settings.
    Audited(
        ProactiveMessage,
        "proactive_message",
        (
            "inbox_id",
            "name",
            "text",
            "sender_id",
            "page_rule",
            "delay_seconds",
            "only_when_online",
            "enabled",
        ),
    ),
)

BY_MODEL: dict[type[Any], Audited] = {audited.model: audited for audited in AUDITED}
